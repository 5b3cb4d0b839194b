/* Responses on the wire: the status line, the core's headers, then those the
 * transport owns (content-length, date, server, connection). Heads are built
 * in the connection's arena; bodies are sent from the core's buffer as they
 * are, as a second iovec of the same write. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "server/server_internal.h"

static void queue_buf(struct conn *c, const char *data, size_t len)
{
    assert(c->nout < CG_LEN(c->out)); /* a batch is bounded by CONN_MAX_BATCH */
    c->out[c->nout++] = uv_buf_init((char *)data, (unsigned)len);
}

static char *put_chars(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static char *put_2digits(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* RFC 9110 §5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), made by hand:
 * strftime's names follow the locale. */
static cg_str http_date(struct worker *w)
{
    static const char days[] = "SunMonTueWedThuFriSat";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    time_t now = time(NULL);
    if (now == w->date_second)
        return (cg_str){ w->date, 29 };
    struct tm tm;
    gmtime_r(&now, &tm);
    char *p = put_chars(w->date, days + 3 * tm.tm_wday, 3);
    p = put_2digits(put_chars(p, ", ", 2), tm.tm_mday);
    p = put_chars(put_chars(p, " ", 1), months + 3 * tm.tm_mon, 3);
    p = put_2digits(put_chars(p, " ", 1), (tm.tm_year + 1900) / 100);
    p = put_2digits(p, tm.tm_year % 100);
    p = put_2digits(put_chars(p, " ", 1), tm.tm_hour);
    p = put_2digits(put_chars(p, ":", 1), tm.tm_min);
    p = put_2digits(put_chars(p, ":", 1), tm.tm_sec);
    memcpy(p, " GMT", 5);
    w->date_second = now;
    return (cg_str){ w->date, 29 };
}

char *cg__http_decimal_backwards(char *end, uint64_t v)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

static void put_decimal(struct cg_buf *b, size_t v)
{
    char digits[20];
    char *start = cg__http_decimal_backwards(digits + sizeof digits, v);
    cg_buf_append(b, start, (size_t)(digits + sizeof digits - start));
}

static void put_header(struct cg_buf *b, cg_str name, cg_str value)
{
    cg_buf_append_str(b, name);
    cg_buf_append(b, ": ", 2);
    cg_buf_append_str(b, value);
    cg_buf_append(b, "\r\n", 2);
}

/* Headers the transport writes itself. A handler's framing headers are
 * dropped (the transport decides framing); its date or server win. */
enum own_header { NOT_OWN, OWN_FRAMING, OWN_DATE, OWN_SERVER };

static enum own_header transport_header(cg_str name)
{
    switch (name.len) {
    case 4: return cg_str_ieq(name, CG_STR("date")) ? OWN_DATE : NOT_OWN;
    case 6: return cg_str_ieq(name, CG_STR("server")) ? OWN_SERVER : NOT_OWN;
    case 10: return cg_str_ieq(name, CG_STR("connection")) ? OWN_FRAMING : NOT_OWN;
    case 14: return cg_str_ieq(name, CG_STR("content-length")) ? OWN_FRAMING : NOT_OWN;
    case 17: return cg_str_ieq(name, CG_STR("transfer-encoding")) ? OWN_FRAMING : NOT_OWN;
    default: return NOT_OWN;
    }
}

static size_t head_size_bound(const struct cg_response *res)
{
    size_t n = 160; /* status line and the transport's headers */
    for (size_t i = 0; i < res->nheaders; i++)
        n += res->headers[i].name.len + res->headers[i].value.len + 4;
    return n;
}

/* RFC 9110 §8.6: no Content-Length in 1xx and 204; in 304 it would describe
 * the GET's body, which we do not know. */
static bool sends_content_length(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

bool cg__http_streams_body(const struct conn *c, const struct cg_response *res)
{
    return res->stream.fn && cg_status_allows_body(res->status) && !c->msg.head_only;
}

size_t cg__http_queue_response(struct conn *c, const struct cg_response *res)
{
    struct cg_buf head;
    cg_buf_init(&head, c->arena);
    cg_buf_reserve(&head, head_size_bound(res));
    cg_buf_append(&head, "HTTP/1.1 ", 9);
    put_decimal(&head, (size_t)res->status);
    cg_buf_putc(&head, ' ');
    cg_buf_puts(&head, cg_status_phrase(res->status));
    cg_buf_append(&head, "\r\n", 2);

    bool has_date = false, has_server = false;
    for (size_t i = 0; i < res->nheaders; i++) {
        enum own_header own = transport_header(res->headers[i].name);
        if (own == OWN_FRAMING)
            continue;
        has_date |= own == OWN_DATE;
        has_server |= own == OWN_SERVER;
        put_header(&head, res->headers[i].name, res->headers[i].value);
    }
    bool body_allowed = cg_status_allows_body(res->status);
    if (res->stream.fn && body_allowed) {
        /* HTTP/1.0 has no chunks: the body ends when the connection does.
         * A HEAD gets the GET's framing, without the body. */
        if (c->msg.http10)
            c->closing = true;
        else
            put_header(&head, CG_STR("transfer-encoding"), CG_STR("chunked"));
    } else if (sends_content_length(res->status)) {
        cg_buf_append(&head, "content-length: ", 16);
        put_decimal(&head, body_allowed ? res->body.len : 0);
        cg_buf_append(&head, "\r\n", 2);
    }
    if (!has_date)
        put_header(&head, CG_STR("date"), http_date(c->w));
    if (!has_server)
        put_header(&head, CG_STR("server"), CG_STR("cgate"));
    if (c->closing)
        put_header(&head, CG_STR("connection"), CG_STR("close"));
    else if (c->msg.http10)
        put_header(&head, CG_STR("connection"), CG_STR("keep-alive"));
    cg_buf_append(&head, "\r\n", 2);

    queue_buf(c, head.data, head.len);
    size_t body_len = body_allowed && !c->msg.head_only ? res->body.len : 0;
    if (body_len)
        queue_buf(c, res->body.data, body_len);
    return body_len;
}

size_t cg__http_queue_error(struct conn *c, int status)
{
    struct cg_response res;
    cg_response_init(&res, c->arena);
    res.status = status;
    cg_response_add_header(&res, CG_STR("content-type"), CG_STR("application/json"));
    cg_buf_printf(&res.body, "{\"detail\":\"%s\"}", cg_status_phrase(status));
    c->closing = true;
    return cg__http_queue_response(c, &res);
}

void cg__http_queue_continue(struct conn *c)
{
    static const char line[] = "HTTP/1.1 100 Continue\r\n\r\n";
    queue_buf(c, line, sizeof line - 1);
    c->msg.continue_sent = true;
}
