/* One event through the whole Lambda path (parse, decode, the app, encode),
 * shared by the Runtime API loop, `APP invoke` and in-process callers such
 * as the benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "lambda/lambda_internal.h"

int cg__lambda_exchange_run(const struct cg_app *app, const struct lambda_invocation *inv, struct cg_arena *a,
                            struct lambda_exchange *x, char *err, size_t errlen)
{
    struct lambda_event ev;
    if (cg__lambda_event_parse(a, inv->event, &ev, err, errlen) != 0)
        return -1;
    x->req = (struct cg_request){
        .arena = a,
        .request_id = inv->request_id,
        .trace_id = inv->trace_id,
        .deadline_ms = inv->deadline_ms,
        .cold_start = cg_cold_start(),
    };
    if (cg__lambda_event_decode(&ev, cg_app_base_path(app), &x->req, &x->reply, err, errlen) != 0)
        return -1;
    cg_response_init(&x->res, a);
    cg_app_handle(app, &x->req, &x->res);
    return 0;
}

void cg__lambda_exchange_encode(struct lambda_exchange *x, struct cg_buf *out)
{
    cg__stream_buffer(&x->res, &x->req);
    cg__lambda_response_encode(&x->reply, &x->res, out);
}

int cg__lambda_handle_invocation(const struct cg_app *app, const struct lambda_invocation *inv, struct cg_arena *a,
                                 struct lambda_exchange *x, struct cg_buf *out, char *err, size_t errlen)
{
    if (cg__lambda_exchange_run(app, inv, a, x, err, errlen) != 0)
        return -1;
    cg__lambda_exchange_encode(x, out);
    return 0;
}

int cg_lambda_handle(const struct cg_app *app, cg_str event, struct cg_arena *arena, struct cg_buf *out, char *err,
                     size_t errlen)
{
    struct lambda_invocation inv = { .event = event };
    struct lambda_exchange x;
    int rc = cg__lambda_handle_invocation(app, &inv, arena, &x, out, err, errlen);
    if (rc == 0)
        cg_request_run_deferred(&x.req);
    return rc;
}

int64_t cg_lambda_remaining_ms(const struct cg_request *req)
{
    if (req->deadline_ms == 0)
        return INT64_MAX;
    int64_t left = req->deadline_ms - cg__lambda_epoch_ms();
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
    struct lambda_exchange x;
    int rc = cg__lambda_handle_invocation(app, &inv, arena, &x, &out, err, sizeof err);
    if (rc == 0) {
        cg_buf_putc(&out, '\n');
        fwrite(out.data, 1, out.len, stdout);
        fflush(stdout);
        cg_request_run_deferred(&x.req);
    }
    cg_log_set_request_id(CG_STR(""));
    if (rc != 0) {
        fprintf(stderr, "error: %s: cannot handle this event: %s\n", name, err);
    }
    cg_arena_free(arena);
    free(event);
    return rc == 0 ? 0 : 1;
}
