/* One event through the whole Lambda path (parse, decode, the app, encode),
 * shared by the Runtime API loop, `APP invoke` and in-process callers such
 * as the benchmarks. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lambda/lambda_internal.h"

/* CG_BASE_PATH, read once and normalised: "api", "/api" and "/api/" all
 * mean "/api"; "" and "/" mean no base path. */
static char base_path_text[256];
static cg_str base_path = { "", 0 };
static pthread_once_t base_path_once = PTHREAD_ONCE_INIT;

static void read_base_path(void)
{
    const char *env = getenv("CG_BASE_PATH");
    if (!env)
        return;
    while (*env == '/')
        env++;
    size_t len = strlen(env);
    while (len && env[len - 1] == '/')
        len--;
    if (len == 0)
        return;
    if (len + 2 > sizeof base_path_text) {
        cg_error("CG_BASE_PATH is longer than %zu bytes; ignored", sizeof base_path_text - 2);
        return;
    }
    base_path_text[0] = '/';
    memcpy(base_path_text + 1, env, len);
    base_path = (cg_str){ base_path_text, len + 1 };
}

static cg_str configured_base_path(void)
{
    pthread_once(&base_path_once, read_base_path);
    return base_path;
}

int lambda_handle_invocation(const struct cg_app *app, const struct lambda_invocation *inv, struct cg_arena *a,
                             struct cg_buf *out, char *err, size_t errlen)
{
    struct lambda_event ev;
    if (lambda_event_parse(a, inv->event, &ev, err, errlen) != 0)
        return -1;
    struct cg_request req = {
        .arena = a,
        .request_id = inv->request_id,
        .trace_id = inv->trace_id,
        .deadline_ms = inv->deadline_ms,
    };
    struct lambda_reply reply;
    if (lambda_event_decode(&ev, configured_base_path(), &req, &reply, err, errlen) != 0)
        return -1;
    struct cg_response res;
    cg_response_init(&res, a);
    cg_app_handle(app, &req, &res);
    lambda_response_encode(&reply, &res, out);
    return 0;
}

int cg_lambda_handle(const struct cg_app *app, cg_str event, struct cg_arena *arena, struct cg_buf *out, char *err,
                     size_t errlen)
{
    struct lambda_invocation inv = { .event = event };
    return lambda_handle_invocation(app, &inv, arena, out, err, errlen);
}

int64_t cg_lambda_remaining_ms(const struct cg_request *req)
{
    if (req->deadline_ms == 0)
        return INT64_MAX;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* the deadline is wall-clock epoch ms */
    int64_t left = req->deadline_ms - ((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    return left > 0 ? left : 0;
}

/* The whole file (or stdin) in a heap buffer; NULL with errno set. */
static char *read_all(FILE *f, size_t *len)
{
    struct cg_buf b;
    cg_buf_init(&b, NULL);
    size_t n;
    do {
        n = fread(cg_buf_reserve(&b, 65536), 1, 65536, f);
        b.len += n;
    } while (n > 0);
    if (ferror(f)) {
        int saved = errno;
        cg_buf_free(&b);
        errno = saved ? saved : EIO;
        return NULL;
    }
    *len = b.len;
    return b.data; /* never NULL: reserved above */
}

int cg_lambda_invoke(const struct cg_app *app, const char *path)
{
    bool from_stdin = !path || strcmp(path, "-") == 0;
    const char *name = from_stdin ? "stdin" : path;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open the event file %s: %s\n", name, strerror(errno));
        return 1;
    }
    size_t len = 0;
    char *event = read_all(f, &len);
    if (!event)
        fprintf(stderr, "error: cannot read the event from %s: %s\n", name, strerror(errno));
    if (!from_stdin)
        fclose(f);
    if (!event)
        return 1;

    struct cg_arena *arena = cg_arena_new();
    struct cg_buf out;
    cg_buf_init(&out, arena);
    char err[256];
    struct lambda_invocation inv = { .event = { event, len }, .request_id = CG_STR("invoke") };
    cg_log_set_request_id(inv.request_id);
    int rc = lambda_handle_invocation(app, &inv, arena, &out, err, sizeof err);
    cg_log_set_request_id(CG_STR(""));
    if (rc == 0) {
        cg_buf_putc(&out, '\n');
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
    } else {
        fprintf(stderr, "error: %s: cannot handle this event: %s\n", name, err);
    }
    cg_arena_free(arena);
    free(event);
    return rc == 0 ? 0 : 1;
}
