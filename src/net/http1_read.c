/* One HTTP/1.1 response read with llhttp; see http1_internal.h. */
#include <errno.h>

#include <llhttp.h>

#include "net/http1_internal.h"

struct reading {
    struct http1_response *res;
    char field[128];
    size_t field_len;
    char value[HTTP1_MAX_VALUE + 1];
    size_t value_len;
    bool value_cut;
    bool complete;
};

/* Header names and values may come in pieces; longer than the buffer they
 * are cut (no header name this code reads is that long; values say so).
 * Both stay NUL-terminated. Returns false when cut. */
static bool append_piece(char *dst, size_t cap, size_t *len, const char *at, size_t n)
{
    size_t room = cap - 1 - *len;
    bool whole = n <= room;
    if (!whole)
        n = room;
    memcpy(dst + *len, at, n);
    *len += n;
    dst[*len] = '\0';
    return whole;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    struct reading *r = p->data;
    append_piece(r->field, sizeof r->field, &r->field_len, at, n);
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    struct reading *r = p->data;
    if (!append_piece(r->value, sizeof r->value, &r->value_len, at, n))
        r->value_cut = true;
    return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    struct reading *r = p->data;
    if (r->res->on_header)
        r->res->on_header(r->res->ud, (cg_str){ r->field, r->field_len }, (cg_str){ r->value, r->value_len },
                          r->value_cut);
    r->field_len = r->value_len = 0;
    r->value_cut = false;
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    struct reading *r = p->data;
    cg_buf_append(r->res->body, at, n);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    struct reading *r = p->data;
    r->complete = true;
    return HPE_PAUSED; /* one response per call */
}

enum http1_status cg__http1_read_response(http1_read_fn read, void *stream, struct http1_response *res,
                                          const char **why)
{
    static const llhttp_settings_t settings = {
        .on_header_field = on_header_field,
        .on_header_value = on_header_value,
        .on_header_value_complete = on_header_value_complete,
        .on_body = on_body,
        .on_message_complete = on_message_complete,
    };
    llhttp_t parser;
    llhttp_init(&parser, HTTP_RESPONSE, &settings);
    struct reading r; /* fields set one by one: an initializer would zero its buffers too */
    r.res = res;
    r.field_len = r.value_len = 0;
    r.value_cut = r.complete = false;
    r.field[0] = r.value[0] = '\0';
    parser.data = &r;
    res->status = 0;
    res->keep_alive = false;
    res->received = 0;
    res->body->len = 0;
    char buf[16384];
    while (!r.complete) {
        ssize_t n = read(stream, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return HTTP1_READ_ERROR;
        enum llhttp_errno e = n == 0 ? llhttp_finish(&parser) : llhttp_execute(&parser, buf, (size_t)n);
        res->received += (size_t)n;
        if (r.complete)
            break;
        if (n == 0)
            return HTTP1_CLOSED;
        if (e != HPE_OK) {
            *why = llhttp_errno_name(e);
            return HTTP1_BAD_RESPONSE;
        }
    }
    res->status = parser.status_code;
    res->keep_alive = llhttp_should_keep_alive(&parser);
    return HTTP1_OK;
}
