/* The custom runtime (docs/design/runtime-api.md): each poller asks the Runtime API for
 * the next event, runs it through the app and posts the response, on its own
 * connection and with its own arena, so that AWS_LAMBDA_MAX_CONCURRENCY
 * pollers share nothing but the read-only app. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lambda/lambda_internal.h"

#define API "/2018-06-01/runtime"
#define MAX_POLLERS 1024 /* Lambda's limit on threads per sandbox (runtime-api.md §10) */

struct poller {
    const struct cg_app *app;
    const char *endpoint;
    bool set_trace_env; /* only with a single poller: setenv is not thread-safe */
    pthread_t thread;
    int status;         /* what poll_forever returned */
};

/* A request id goes into the URL of the answer: only the characters of
 * the UUIDs Lambda uses are accepted. */
static bool valid_request_id(const char *id)
{
    if (!*id)
        return false;
    for (; *id; id++)
        if (!(isalnum((unsigned char)*id) || *id == '-' || *id == '_' || *id == '.'))
            return false;
    return true;
}

static int next_invocation(struct rapi_client *client, struct rapi_response *next)
{
    char err[256];
    if (cg__rapi_next(client, next, err, sizeof err) != 0) {
        cg_error("%s", err);
        return -1;
    }
    if (next->status != 200) {
        cg_error("the Runtime API answered %d to /invocation/next (%.*s); stopping", next->status,
                 (int)(next->body.len > 200 ? 200 : next->body.len), next->body.data ? next->body.data : "");
        return -1;
    }
    /* Unanswerable: posting to a cut id would answer another invocation,
     * or none. Lambda fails this one when the runtime exits. */
    if (next->request_id_too_long) {
        cg_error("the Runtime API sent a Lambda-Runtime-Aws-Request-Id over %d bytes, which cannot be read whole; "
                 "stopping", HTTP1_MAX_VALUE);
        return -1;
    }
    if (!valid_request_id(next->request_id)) {
        cg_error("the Runtime API sent an event without a usable Lambda-Runtime-Aws-Request-Id (\"%s\"); stopping",
                 next->request_id);
        return -1;
    }
    return 0;
}

#define JSON_TYPE "Content-Type: application/json\r\n"

/* POST a JSON body with its headers (JSON_TYPE first), waiting for the
 * answer until the deadline and a margin (cg__rapi_call); anything but 202
 * Accepted is logged, and the loop goes on: the next /next tells whether the
 * Runtime API is still there. With then_next, the next /next goes with it. */
static void post_json(struct rapi_client *client, const char *path, const char *headers, cg_str body,
                      int64_t deadline_ms, bool then_next, struct rapi_response *ack)
{
    char err[512];
    if (cg__rapi_call(client, "POST", path, headers, body, deadline_ms, then_next, ack, err, sizeof err) != 0)
        cg_error("%s", err);
    else if (ack->status != 202)
        cg_error("the Runtime API answered %d to %s (%zu bytes): %.*s", ack->status, path, body.len,
                 (int)(ack->body.len > 200 ? 200 : ack->body.len), ack->body.data ? ack->body.data : "");
}

/* {"errorMessage":..,"errorType":..,"stackTrace":[]} with the type also in
 * Lambda-Runtime-Function-Error-Type (runtime-api.md §4); the type must read
 * "Runtime.Xxx" or Lambda replaces it. */
static void post_error(struct rapi_client *client, const char *path, const char *type, const char *message,
                       int64_t deadline_ms, bool then_next, struct cg_arena *a, struct rapi_response *ack)
{
    struct cg_buf body;
    cg_buf_init(&body, a);
    struct cg_json j;
    cg_json_init(&j, &body);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "errorMessage");
    cg_json_cstr(&j, message);
    cg_json_key(&j, "errorType");
    cg_json_cstr(&j, type);
    cg_json_key(&j, "stackTrace");
    cg_json_arr_begin(&j);
    cg_json_arr_end(&j);
    cg_json_obj_end(&j);
    char headers[160];
    snprintf(headers, sizeof headers, JSON_TYPE "Lambda-Runtime-Function-Error-Type: %s\r\n", type);
    post_json(client, path, headers, cg_buf_str(&body), deadline_ms, then_next, ack);
}

/* X-Ray reads the trace header from the environment (runtime-api.md §7).
 * setenv would leak the old value on every invocation (glibc never frees
 * it): one buffer is handed to putenv once and rewritten in place. */
static void set_trace_env(const char *trace_id)
{
    static char entry[sizeof "_X_AMZN_TRACE_ID=" + sizeof ((struct rapi_response *)0)->trace_id];
    static bool installed;
    if (!*trace_id) {
        unsetenv("_X_AMZN_TRACE_ID");
        installed = false;
        return;
    }
    static const char name[] = "_X_AMZN_TRACE_ID=";
    memcpy(entry, name, sizeof name - 1);
    memcpy(entry + sizeof name - 1, trace_id, strlen(trace_id) + 1); /* fits: see entry's size */
    if (!installed)
        installed = putenv(entry) == 0;
}

#define INVOCATION_PREFIX API "/invocation/"
/* Room for the longest id (rapi_response) and "/response" or "/error". */
#define INVOCATION_PATH_SIZE (sizeof(INVOCATION_PREFIX) + HTTP1_MAX_VALUE + sizeof("/response"))

/* API "/invocation/ID" then what: "/response" or "/error". */
static void invocation_path(char out[INVOCATION_PATH_SIZE], const char *request_id, const char *what)
{
    static const char prefix[] = INVOCATION_PREFIX;
    size_t id = strlen(request_id);
    memcpy(out, prefix, sizeof prefix - 1);
    memcpy(out + sizeof prefix - 1, request_id, id);
    memcpy(out + sizeof prefix - 1 + id, what, strlen(what) + 1);
}

static double ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* Whether the next /next may leave with the response: only when nothing
 * is left to do after it, for Lambda may freeze the sandbox as soon as
 * /next is asked and no event waits (runtime-api.md §15): no access line,
 * no deferred work. */
static bool done_with_response(const struct lambda_exchange *x)
{
    return !x->req.deferred && !cg__access_log_writes();
}

/* The app's answer, streamed when the mode and the event's source allow
 * (runtime_stream.c), else as the gateway's JSON. */
static void post_response(struct rapi_client *client, const char *path, struct lambda_exchange *x,
                          struct rapi_response *ack)
{
    if (!cg__lambda_streams(&x->reply)) {
        struct cg_buf out;
        cg_buf_init(&out, x->req.arena);
        cg__lambda_exchange_encode(x, &out);
        post_json(client, path, JSON_TYPE, cg_buf_str(&out), x->req.deadline_ms, done_with_response(x), ack);
        return;
    }
    char err[512];
    if (cg__lambda_post_streamed(client, path, x, ack, err, sizeof err) != 0)
        cg_error("%s", err);
    else if (ack->status != 202)
        cg_error("the Runtime API answered %d to the streamed %s", ack->status, path);
}

/* From the event's arrival to its response posted, then the access log
 * line and the request's deferred work, before the next /next. */
static void answer(struct poller *p, struct rapi_client *client, struct cg_arena *a, const struct rapi_response *next,
                   struct rapi_response *ack)
{
    struct timespec received;
    clock_gettime(CLOCK_MONOTONIC, &received);
    struct lambda_invocation inv = {
        .event = cg_buf_str(&next->body),
        .request_id = cg_str_c(next->request_id),
        .trace_id = cg_str_c(next->trace_id),
        .deadline_ms = next->deadline_ms,
    };
    char err[256], path[INVOCATION_PATH_SIZE];
    struct lambda_exchange x;
    if (cg__lambda_exchange_run(p->app, &inv, a, &x, err, sizeof err) == 0) {
        invocation_path(path, next->request_id, "/response");
        post_response(client, path, &x, ack);
        cg_access_log(&x.req, x.res.status, x.res.body.len, ms_since(&received));
        cg_request_run_deferred(&x.req); /* after /response, before the next /next */
        return;
    }
    /* Not an HTTP request, or not JSON: the invocation fails, and the
     * runtime carries on with the next one. */
    cg_error("cannot handle this event: %s", err);
    invocation_path(path, next->request_id, "/error");
    post_error(client, path, "Runtime.InvalidEvent", err, next->deadline_ms, true, a, ack);
}

static int poll_forever(struct poller *p)
{
    struct rapi_client client;
    char err[256];
    if (cg__rapi_init(&client, p->endpoint, err, sizeof err) != 0) {
        cg_error("%s", err);
        return 1;
    }
    struct rapi_response next = { 0 }, ack = { 0 };
    cg_buf_init(&next.body, NULL);
    cg_buf_init(&ack.body, NULL);
    struct cg_arena *arena = cg_arena_new();
    /* Lambda's init phase ends with the first /next of any poller. */
    for (cg__lambda_note_next(); next_invocation(&client, &next) == 0; cg__lambda_note_next()) {
        cg__lambda_note_invocation();
        cg_log_set_request_id(cg_str_c(next.request_id));
        if (p->set_trace_env)
            set_trace_env(next.trace_id);
        answer(p, &client, arena, &next, &ack);
        cg_log_set_request_id(CG_STR(""));
        cg_arena_reset(arena);
    }
    cg_arena_free(arena);
    cg_buf_free(&next.body);
    cg_buf_free(&ack.body);
    cg__rapi_close(&client);
    return 1;
}

static void *poller_thread(void *arg)
{
    struct poller *p = arg;
    p->status = poll_forever(p);
    return NULL;
}

/* AWS_LAMBDA_MAX_CONCURRENCY (Lambda Managed Instances, runtime-api.md §12). */
static int concurrency(void)
{
    const char *env = getenv("AWS_LAMBDA_MAX_CONCURRENCY");
    if (!env || !*env)
        return 1;
    char *end;
    long n = strtol(env, &end, 10);
    if (*end || n < 1 || n > MAX_POLLERS) {
        cg_warn("AWS_LAMBDA_MAX_CONCURRENCY=%s is not a number from 1 to %d; using 1", env, MAX_POLLERS);
        return 1;
    }
    return (int)n;
}

int cg_lambda_run(const struct cg_app *app)
{
    const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
    char err[256];
    if (cg__lambda_invoke_mode_read(err, sizeof err) != 0) {
        cg_error("%s", err);
        cg_lambda_init_error(err);
        return 1;
    }
    int n = concurrency();
    if (n == 1) {
        struct poller p = { .app = app, .endpoint = endpoint, .set_trace_env = true };
        return poll_forever(&p);
    }
    struct poller *pollers = calloc((size_t)n, sizeof *pollers);
    if (!pollers)
        cg_oom();
    int started = 0;
    for (; started < n; started++) {
        pollers[started] = (struct poller){ .app = app, .endpoint = endpoint };
        if (pthread_create(&pollers[started].thread, NULL, poller_thread, &pollers[started]) != 0) {
            cg_error("cannot start poller %d of %d", started + 1, n);
            break;
        }
    }
    /* Each poller stops only when the Runtime API fails it. */
    int status = started == n ? 0 : 1;
    for (int i = 0; i < started; i++) {
        pthread_join(pollers[i].thread, NULL);
        status |= pollers[i].status;
    }
    free(pollers);
    return status;
}

void cg_lambda_init_error(const char *message)
{
    struct rapi_client client;
    char err[256];
    if (cg__rapi_init(&client, getenv("AWS_LAMBDA_RUNTIME_API"), err, sizeof err) != 0) {
        cg_error("%s", err);
        return;
    }
    struct rapi_response ack = { 0 };
    cg_buf_init(&ack.body, NULL);
    struct cg_arena *arena = cg_arena_new();
    /* No invocation, no deadline: the margin alone bounds the wait, and
     * the runtime exits after it whatever the answer. */
    post_error(&client, API "/init/error", "Runtime.InitError", message, cg__lambda_epoch_ms(), false, arena, &ack);
    cg_arena_free(arena);
    cg_buf_free(&ack.body);
    cg__rapi_close(&client);
}
