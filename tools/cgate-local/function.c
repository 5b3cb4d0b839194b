/* One instance of the function: the bootstrap process, the Runtime API it
 * polls (docs/design/runtime-api.md), and the invocations waiting for it.
 *
 * Invocations are served one at a time, in order. The oldest waiting one
 * becomes current, and its timeout starts (covering a cold start, as on
 * Lambda); an instance is started if none runs, and the event is handed to
 * the instance's GET /next as soon as one is waiting. A POST /response or
 * /error finishes it; a streamed /response is relayed chunk by chunk as it
 * comes, and finishes it when it ends. So do the instance exiting (502:
 * Lambda's Runtime.ExitError) and the timeout (504; the instance is killed,
 * and the next invocation gets a fresh one). Between invocations the instance stays
 * warm, blocked in GET /next. */
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "local_internal.h"

#define API "/2018-06-01/runtime"
#define API_MAX_BODY (64u * 1024 * 1024) /* more than any function should post: refused by size below */

extern char **environ;

struct instance {
    uv_process_t proc;
    struct function *fn;
    uint64_t spawned_ns;
    double init_ms;        /* from spawn to the first GET /next; < 0 until then */
    bool init_reported;    /* the first REPORT of an instance carries it */
    bool killed;           /* by us, after a timeout: its exit fails nothing */
};

struct function {
    uv_loop_t *loop;
    const struct local_opts *o;
    struct httpd api;
    char endpoint[32];
    char log_stream[80];
    struct instance *inst;            /* NULL when none runs */
    struct http_request *next_req;    /* a GET /next waiting for an event */
    struct invocation *queue, *queue_tail;
    struct invocation *current;
    struct http_request *stream;      /* current's streamed POST /response, while it comes */
    bool delivered;                   /* current has gone to the instance */
    int64_t deadline_ms;              /* current's, Unix epoch ms */
    uint64_t delivered_ns;
    uint64_t max_rss_kb;              /* the instance's VmHWM, sampled */
    uv_timer_t timer;
};

static void pump(struct function *fn);

static uint64_t now_ns(void)
{
    return uv_hrtime();
}

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void local_uuid(char out[37])
{
    unsigned char b[16];
    if (uv_random(NULL, NULL, b, sizeof b, 0, NULL) != 0) {
        uint64_t t = uv_hrtime();
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
             b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* ---- CloudWatch-style lines ---- */

/* The instance's peak resident memory (VmHWM), in kB; 0 when unknown. */
static uint64_t peak_rss_kb(const struct instance *inst)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", inst->proc.pid);
    FILE *f = fopen(path, "r");
    uint64_t kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %" SCNu64, &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void sample_memory(struct function *fn)
{
    uint64_t kb = fn->inst ? peak_rss_kb(fn->inst) : 0;
    if (kb > fn->max_rss_kb)
        fn->max_rss_kb = kb;
}

static void log_report(struct function *fn, const struct invocation *inv)
{
    double ms = fn->delivered ? (double)(now_ns() - fn->delivered_ns) / 1e6 : 0;
    struct instance *inst = fn->inst;
    bool with_init = inst && inst->init_ms >= 0 && !inst->init_reported;
    double init_ms = with_init ? inst->init_ms : 0;
    if (with_init)
        inst->init_reported = true;
    /* Billed per started millisecond; a custom runtime's init is billed
     * with its first invocation. */
    double total = ms + init_ms;
    unsigned long long billed = (unsigned long long)total;
    if (billed < total || billed == 0)
        billed++;
    fprintf(stderr, "END RequestId: %s\n", inv->id);
    fprintf(stderr, "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %llu ms\tMemory Size: %u MB\t"
                    "Max Memory Used: %" PRIu64 " MB",
            inv->id, ms, billed, fn->o->memory_mb, (fn->max_rss_kb + 1023) / 1024);
    if (with_init)
        fprintf(stderr, "\tInit Duration: %.2f ms", init_ms);
    fputc('\n', stderr);
}

/* ---- finishing an invocation ---- */

static void finish(struct function *fn, enum outcome outcome, cg_str body)
{
    struct invocation *inv = fn->current;
    uv_timer_stop(&fn->timer);
    sample_memory(fn);
    log_report(fn, inv);
    fn->current = NULL;
    fn->stream = NULL; /* what more it sends is dropped */
    fn->delivered = false;
    inv->done(inv, outcome, body);
    cg_buf_free(&inv->event);
    free(inv);
    pump(fn);
}

static void kill_instance(struct function *fn)
{
    if (!fn->inst)
        return;
    fn->inst->killed = true;
    if (uv_process_kill(&fn->inst->proc, SIGKILL) != 0)
        cg_warn("cannot kill the bootstrap (pid %d)", fn->inst->proc.pid);
}

static void on_timeout(uv_timer_t *t)
{
    struct function *fn = t->data;
    char stamp[32];
    time_t secs = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&secs));
    fprintf(stderr, "%s %s Task timed out after %u.00 seconds\n", stamp, fn->current->id, fn->o->timeout_s);
    finish(fn, OUT_TIMEOUT, CG_STR(""));
    kill_instance(fn); /* the next invocation starts when it is gone */
}

/* ---- the instance ---- */

static void free_instance(uv_handle_t *h)
{
    free(h->data);
}

/* A held GET /next is the dead instance's: answer it so it is dropped. */
static void drop_next(struct function *fn)
{
    if (!fn->next_req)
        return;
    fn->next_req->on_gone = NULL;
    http_reply(fn->next_req, 410, NULL, 0, CG_STR(""));
    fn->next_req = NULL;
}

static void on_instance_exit(uv_process_t *proc, int64_t status, int signo)
{
    struct instance *inst = proc->data;
    struct function *fn = inst->fn;
    char why[64];
    if (signo)
        snprintf(why, sizeof why, "signal: %s", strsignal(signo));
    else
        snprintf(why, sizeof why, "exit status %" PRId64, status);
    drop_next(fn);
    if (fn->current && !inst->killed) {
        fprintf(stderr, "RequestId: %s Error: Runtime exited with error: %s\nRuntime.ExitError\n", fn->current->id,
                why);
        finish(fn, OUT_CRASH, CG_STR("")); /* reported with this instance's init */
    } else if (!inst->killed) {
        cg_warn("the bootstrap exited between invocations (%s)", why);
    }
    fn->inst = NULL;
    uv_close((uv_handle_t *)proc, free_instance);
    pump(fn); /* a fresh instance for what waits */
}

/* Set when the invocations stream, as the deploy kit sets it beside the
 * function URL's InvokeMode; otherwise yours passes through. */
#define INVOKE_MODE_ENV "CG_INVOKE_MODE="

static const char *const own_env[] = {
    "AWS_LAMBDA_RUNTIME_API=",      "AWS_LAMBDA_FUNCTION_NAME=",  "AWS_LAMBDA_FUNCTION_VERSION=",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=", "AWS_LAMBDA_LOG_GROUP_NAME=", "AWS_LAMBDA_LOG_STREAM_NAME=",
    "AWS_LAMBDA_INITIALIZATION_TYPE=", "AWS_LAMBDA_MAX_CONCURRENCY=", "AWS_REGION=", "AWS_DEFAULT_REGION=",
    "_HANDLER=",                    "LAMBDA_TASK_ROOT=",          "LAMBDA_RUNTIME_DIR=",
};

static bool is_own_env(const struct function *fn, const char *entry)
{
    for (size_t i = 0; i < CG_LEN(own_env); i++)
        if (strncmp(entry, own_env[i], strlen(own_env[i])) == 0)
            return true;
    return fn->o->response_stream && strncmp(entry, INVOKE_MODE_ENV, strlen(INVOKE_MODE_ENV)) == 0;
}

/* What Lambda sets for a custom runtime (runtime-api.md §11), over our own
 * environment (credentials, LOG_LEVEL, CG_BASE_PATH pass through). One
 * poller only: this emulator runs one invocation at a time. */
static char **instance_env(const struct function *fn, struct cg_arena *a)
{
    const struct local_opts *o = fn->o;
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = cg_arena_alloc(a, (n + CG_LEN(own_env) + 2) * sizeof *env);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!is_own_env(fn, environ[i]))
            env[k++] = environ[i];
    const char *region = getenv("AWS_REGION") ? getenv("AWS_REGION") : "us-east-1";
    char root[PATH_MAX];
    if (!realpath(o->command[0], root))
        snprintf(root, sizeof root, "%s", o->command[0]);
#define SET(...) env[k++] = (char *)cg_arena_printf(a, __VA_ARGS__).ptr
    SET("AWS_LAMBDA_RUNTIME_API=%s", fn->endpoint);
    SET("AWS_LAMBDA_FUNCTION_NAME=%s", o->function_name);
    SET("AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
    SET("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%u", o->memory_mb);
    SET("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", o->function_name);
    SET("AWS_LAMBDA_LOG_STREAM_NAME=%s", fn->log_stream);
    SET("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand");
    SET("AWS_REGION=%s", region);
    SET("AWS_DEFAULT_REGION=%s", region);
    SET("_HANDLER=bootstrap");
    SET("LAMBDA_TASK_ROOT=%s", dirname(root));
    SET("LAMBDA_RUNTIME_DIR=/var/runtime");
    if (o->response_stream)
        SET(INVOKE_MODE_ENV "response_stream");
#undef SET
    env[k] = NULL;
    return env;
}

static int start_instance(struct function *fn)
{
    struct instance *inst = cg_xmalloc(sizeof *inst);
    *inst = (struct instance){ .fn = fn, .spawned_ns = now_ns(), .init_ms = -1 };
    inst->proc.data = inst;
    struct cg_arena *a = cg_arena_new();
    /* The function's output joins ours on stderr, between START and END;
     * stdout stays free for `invoke`'s answer. */
    uv_stdio_container_t stdio[3] = {
        { .flags = UV_IGNORE },
        { .flags = UV_INHERIT_FD, .data.fd = 2 },
        { .flags = UV_INHERIT_FD, .data.fd = 2 },
    };
    uv_process_options_t opts = {
        .exit_cb = on_instance_exit,
        .file = fn->o->command[0],
        .args = fn->o->command,
        .env = instance_env(fn, a),
        .stdio = stdio,
        .stdio_count = 3,
    };
    int rc = uv_spawn(fn->loop, &inst->proc, &opts);
    cg_arena_free(a);
    if (rc != 0) {
        cg_error("cannot start %s: %s", fn->o->command[0], uv_strerror(rc));
        uv_close((uv_handle_t *)&inst->proc, free_instance);
        return -1;
    }
    fn->inst = inst;
    fn->max_rss_kb = 0;
    return 0;
}

/* ---- handing out events ---- */

static void deliver(struct function *fn)
{
    struct invocation *inv = fn->current;
    struct cg_arena *a = fn->next_req->arena;
    struct cg_kv headers[] = {
        { CG_STR("content-type"), CG_STR("application/json") },
        { CG_STR("lambda-runtime-aws-request-id"), cg_str_c(inv->id) },
        { CG_STR("lambda-runtime-deadline-ms"), cg_arena_printf(a, "%" PRId64, fn->deadline_ms) },
        { CG_STR("lambda-runtime-invoked-function-arn"),
          cg_arena_printf(a, "arn:aws:lambda:us-east-1:123456789012:function:%s", fn->o->function_name) },
        { CG_STR("lambda-runtime-trace-id"),
          cg_arena_printf(a, "Root=1-%08" PRIx64 "-%.24s;Parent=%.16s;Sampled=0", (uint64_t)(wall_ms() / 1000),
                          inv->id + 12, inv->id + 19) },
    };
    fprintf(stderr, "START RequestId: %s Version: $LATEST\n", inv->id);
    fn->delivered = true;
    fn->delivered_ns = now_ns();
    sample_memory(fn); /* after init: all a crash leaves to report */
    struct http_request *req = fn->next_req;
    fn->next_req = NULL;
    req->on_gone = NULL;
    http_reply(req, 200, headers, CG_LEN(headers), cg_buf_str(&inv->event));
}

static void pump(struct function *fn)
{
    if (!fn->current && fn->queue) {
        fn->current = fn->queue;
        fn->queue = fn->queue->next;
        if (!fn->queue)
            fn->queue_tail = NULL;
        fn->deadline_ms = wall_ms() + (int64_t)fn->o->timeout_s * 1000;
        uv_timer_start(&fn->timer, on_timeout, (uint64_t)fn->o->timeout_s * 1000, 0);
    }
    if (!fn->current || fn->delivered)
        return;
    if (!fn->inst) {
        if (start_instance(fn) != 0)
            finish(fn, OUT_CRASH, CG_STR(""));
        return;
    }
    if (fn->next_req)
        deliver(fn);
}

void function_invoke(struct function *fn, struct invocation *inv)
{
    inv->next = NULL;
    if (fn->queue_tail)
        fn->queue_tail->next = inv;
    else
        fn->queue = inv;
    fn->queue_tail = inv;
    pump(fn);
}

/* ---- the Runtime API ---- */

static void api_reply(struct http_request *req, int status, const char *error_type, const char *message)
{
    static const struct cg_kv json[] = { { CG_STR("content-type"), CG_STR("application/json") } };
    cg_str body = status == 202 ? CG_STR("{\"status\":\"OK\"}")
                                : cg_arena_printf(req->arena, "{\"errorMessage\":\"%s\",\"errorType\":\"%s\"}",
                                                  message, error_type);
    http_reply(req, status, json, 1, body);
}

static void next_gone(struct http_request *req)
{
    ((struct function *)req->owner)->next_req = NULL;
}

static void on_next(struct function *fn, struct http_request *req)
{
    if (fn->next_req) {
        api_reply(req, 400, "Runtime.TooManyPollers", "cgate-local serves one GET /next at a time");
        return;
    }
    if (fn->inst && fn->inst->init_ms < 0)
        fn->inst->init_ms = (double)(now_ns() - fn->inst->spawned_ns) / 1e6;
    fn->next_req = req;
    req->on_gone = next_gone;
    req->owner = fn;
    pump(fn);
}

static bool is_current(const struct function *fn, cg_str id)
{
    return fn->current && fn->delivered && cg_str_eq(id, cg_str_c(fn->current->id));
}

static bool take_prefix(cg_str *s, const char *prefix)
{
    size_t n = strlen(prefix);
    if (s->len < n || memcmp(s->ptr, prefix, n) != 0)
        return false;
    s->ptr += n, s->len -= n;
    return true;
}

static bool take_suffix(cg_str *s, const char *suffix)
{
    size_t n = strlen(suffix);
    if (s->len < n || memcmp(s->ptr + s->len - n, suffix, n) != 0)
        return false;
    s->len -= n;
    return true;
}

/* ---- streamed responses ---- */

static void relay_chunk(struct http_request *req, cg_str chunk)
{
    struct function *fn = req->owner;
    if (req == fn->stream)
        fn->current->on_stream(fn->current, chunk);
}

/* The connection broke mid-stream: the instance's exit, or the timeout,
 * ends the invocation. */
static void stream_gone(struct http_request *req)
{
    struct function *fn = req->owner;
    if (req == fn->stream)
        fn->stream = NULL;
}

/* A streamed POST /response for the current invocation is relayed as it
 * comes; any other request is read whole and answered then. */
static void on_api_head(struct http_request *req, void *data)
{
    struct function *fn = data;
    cg_str mode = http_header(req, "lambda-runtime-function-response-mode"), id = req->target;
    if (!cg_str_eq_c(req->method, "POST") || !cg_str_ieq(mode, CG_STR("streaming")) || fn->stream ||
        !take_prefix(&id, API "/invocation/") || !take_suffix(&id, "/response") || !is_current(fn, id))
        return;
    fn->stream = req;
    req->on_body = relay_chunk;
    req->on_gone = stream_gone;
    req->owner = fn;
}

/* Its last chunk has come, maybe with the trailers of a failure. */
static void end_stream(struct function *fn, struct http_request *req)
{
    cg_str type, message;
    if (!stream_error(req, &type, &message)) {
        finish(fn, OUT_STREAMED, CG_STR(""));
    } else {
        fprintf(stderr, "RequestId: %s Error: %.*s\n%.*s\n", fn->current->id, (int)message.len, message.ptr,
                (int)type.len, type.ptr);
        finish(fn, OUT_STREAM_FAILED,
               cg_arena_printf(req->arena, "%.*s: %.*s", (int)type.len, type.ptr, (int)message.len, message.ptr));
    }
    api_reply(req, 202, NULL, NULL);
}

/* POST /invocation/{id}/response or /error. */
static void on_result(struct function *fn, struct http_request *req, cg_str id, bool is_error)
{
    if (req == fn->stream) {
        end_stream(fn, req);
        return;
    }
    if (!is_current(fn, id)) {
        api_reply(req, 400, "InvalidRequestID", "Invalid request ID");
        return;
    }
    if (!is_error && req->body.len > LAMBDA_MAX_RESPONSE) {
        api_reply(req, 413, "RequestEntityTooLarge", "Exceeded maximum allowed payload size (6291456 bytes).");
        fprintf(stderr, "RequestId: %s Error: response of %zu bytes is over the limit\nFunction.ResponseSizeTooLarge\n",
                fn->current->id, req->body.len);
        finish(fn, OUT_TOO_LARGE, CG_STR(""));
        return;
    }
    cg_str body = req->body;
    finish(fn, is_error ? OUT_ERROR : OUT_RESPONSE, body);
    api_reply(req, 202, NULL, NULL); /* after: the body lives in the request */
}

static void on_api_request(struct http_request *req, void *data)
{
    struct function *fn = data;
    cg_str path = req->target;
    bool get = cg_str_eq_c(req->method, "GET"), post = cg_str_eq_c(req->method, "POST");
    if (get && cg_str_eq_c(path, API "/invocation/next")) {
        on_next(fn, req);
    } else if (post && cg_str_eq_c(path, API "/init/error")) {
        fprintf(stderr, "INIT_REPORT Status: error %.*s\n", (int)req->body.len, req->body.ptr);
        api_reply(req, 202, NULL, NULL);
    } else if (post && take_prefix(&path, API "/invocation/") && take_suffix(&path, "/response")) {
        on_result(fn, req, path, false);
    } else if (post && take_suffix(&path, "/error")) {
        on_result(fn, req, path, true);
    } else {
        api_reply(req, 404, "NotFound", "unknown Runtime API path");
    }
}

/* ---- life ---- */

struct function *function_new(uv_loop_t *loop, const struct local_opts *o)
{
    struct function *fn = cg_xmalloc(sizeof *fn);
    *fn = (struct function){ .loop = loop, .o = o };
    if (httpd_listen(&fn->api, loop, 0, API_MAX_BODY, on_api_request, fn) != 0) {
        free(fn);
        return NULL;
    }
    fn->api.on_head = on_api_head;
    snprintf(fn->endpoint, sizeof fn->endpoint, "127.0.0.1:%d", fn->api.port);
    char uuid[37], day[16];
    local_uuid(uuid);
    time_t secs = time(NULL);
    strftime(day, sizeof day, "%Y/%m/%d", gmtime(&secs));
    snprintf(fn->log_stream, sizeof fn->log_stream, "%s/[$LATEST]%.8s%.4s%.4s%.4s%.12s", day, uuid, uuid + 9,
             uuid + 14, uuid + 19, uuid + 24);
    uv_timer_init(loop, &fn->timer);
    fn->timer.data = fn;
    return fn;
}

static void free_function(uv_handle_t *h)
{
    free(h->data);
}

void function_free(struct function *fn)
{
    while (fn->queue) {
        struct invocation *inv = fn->queue;
        fn->queue = inv->next;
        cg_buf_free(&inv->event);
        free(inv);
    }
    if (fn->current) {
        cg_buf_free(&fn->current->event);
        free(fn->current);
    }
    if (fn->inst) {
        uv_process_kill(&fn->inst->proc, SIGKILL);
        uv_close((uv_handle_t *)&fn->inst->proc, free_instance);
    }
    fn->next_req = NULL;
    httpd_close(&fn->api);
    uv_close((uv_handle_t *)&fn->timer, free_function);
}
