/* Streamed responses: the handler's side (cg_stream_response, the writers,
 * Server-Sent Events) and the buffered fallback. Transports that stream
 * pass their own sink to cg__stream_run. */
#include <stdio.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/request_internal.h"
#include "core/response_internal.h"
#include "core/stream_internal.h"

int cg_stream_response(struct cg_ctx *c, int status, const char *content_type, cg_stream_fn fn, void *arg)
{
    struct cg_response *res = c->res;
    res->status = status;
    res->body.len = 0;
    res->stream = (struct cg_stream_body){ fn, arg };
    if (content_type)
        cg_response_set_header(res, CG_STR("content-type"), cg_str_c(content_type));
    c->responded = true;
    return 0;
}

const struct cg_request *cg_stream_request(struct cg_stream *s)
{
    return s->req;
}

int cg_stream_write(struct cg_stream *s, const void *data, size_t len)
{
    if (s->broken)
        return -1;
    if (len == 0)
        return 0; /* an empty chunk would end a chunked body */
    if (s->sink.write(s->sink.state, data, len) != 0)
        s->broken = true;
    return s->broken ? -1 : 0;
}

int cg_stream_puts(struct cg_stream *s, const char *text)
{
    return cg_stream_write(s, text, strlen(text));
}

int cg_stream_printf(struct cg_stream *s, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return cg_stream_fail(s, "cg_stream_printf: bad format");
    if ((size_t)n < sizeof small)
        return cg_stream_write(s, small, (size_t)n);
    struct cg_buf big;
    cg_buf_init(&big, NULL);
    va_start(ap, fmt);
    cg_buf_vprintf(&big, fmt, ap);
    va_end(ap);
    int rc = cg_stream_write(s, big.data, big.len);
    cg_buf_free(&big);
    return rc;
}

int cg_stream_fail(struct cg_stream *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->failure, sizeof s->failure, fmt, ap);
    va_end(ap);
    s->broken = true;
    return -1;
}

/* ---- Server-Sent Events ---- */

/* "name: value\n"; the value must hold no line break (checked by callers). */
static int sse_field(struct cg_buf *out, const char *name, cg_str value)
{
    for (size_t i = 0; i < value.len; i++)
        if (value.ptr[i] == '\n' || value.ptr[i] == '\r')
            return -1;
    cg_buf_printf(out, "%s: %.*s\n", name, (int)value.len, value.ptr);
    return 0;
}

/* One "data:" line per line of `data`, whatever its line endings. */
static void sse_data(struct cg_buf *out, cg_str data)
{
    size_t start = 0;
    for (size_t i = 0; i <= data.len; i++) {
        if (i < data.len && data.ptr[i] != '\n' && data.ptr[i] != '\r')
            continue;
        cg_buf_printf(out, "data: %.*s\n", (int)(i - start), data.ptr + start);
        if (i + 1 < data.len && data.ptr[i] == '\r' && data.ptr[i + 1] == '\n')
            i++;
        start = i + 1;
    }
}

int cg_sse_send(struct cg_stream *s, const char *event, cg_str data, const char *id)
{
    struct cg_buf out;
    cg_buf_init(&out, NULL);
    int rc = 0;
    if ((event && sse_field(&out, "event", cg_str_c(event)) != 0) || (id && sse_field(&out, "id", cg_str_c(id)) != 0))
        rc = cg_stream_fail(s, "an SSE event name or id holds a line break");
    if (rc == 0) {
        sse_data(&out, data);
        cg_buf_putc(&out, '\n');
        rc = cg_stream_write(s, out.data, out.len);
    }
    cg_buf_free(&out);
    return rc;
}

int cg_sse_comment(struct cg_stream *s, const char *text)
{
    if (strpbrk(text, "\r\n"))
        return cg_stream_fail(s, "an SSE comment holds a line break");
    return cg_stream_printf(s, ": %s\n\n", text);
}

/* ---- running ---- */

int cg__stream_run(struct cg_stream *s, const struct cg_response *res, const struct cg_request *req,
                   struct cg_stream_sink sink)
{
    *s = (struct cg_stream){ .req = req, .sink = sink };
    const struct cg_request *outer = cg__request_set_current(req);
    int rc = res->stream.fn(s, res->stream.arg);
    cg__request_set_current(outer);
    if (rc >= 0 && !s->failure[0])
        return 0;
    if (!s->failure[0])
        snprintf(s->failure, sizeof s->failure, "%s",
                 s->broken ? "the client went away" : "the stream function returned an error");
    cg_error("%.*s %.*s: the streamed response failed: %s", (int)req->method.len, req->method.ptr,
             (int)req->path.len, req->path.ptr, s->failure);
    return -1;
}

static int append_to_body(void *state, const void *data, size_t len)
{
    cg_buf_append(state, data, len);
    return 0;
}

void cg__stream_buffer(struct cg_response *res, const struct cg_request *req)
{
    if (!res->stream.fn)
        return;
    struct cg_stream s;
    res->body.len = 0;
    int rc = cg__stream_run(&s, res, req, (struct cg_stream_sink){ append_to_body, &res->body });
    res->stream = (struct cg_stream_body){ 0 };
    if (rc != 0) {
        res->nheaders = 0; /* as for a failed handler: nothing of it is sent */
        cg__response_detail(res, 500, "Internal Server Error");
    }
}
