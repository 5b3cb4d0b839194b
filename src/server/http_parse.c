/* The request being received: llhttp callbacks record spans of the read
 * buffer; nothing is copied.
 *
 * llhttp runs in strict mode but for the version (any HTTP/d.d reaches
 * cg__http_check_head, http_head.c), and we refuse what it still lets
 * through: obs-fold
 * continuation lines, whitespace before a header's colon, a missing,
 * repeated or malformed Host, HTTP major versions other than 1, transfer
 * codings other than a final chunked, the asterisk form but for OPTIONS.
 * The parser pauses twice per request: when the headers are complete (to
 * check the limits and the Expect header against the exact head size) and
 * when the message is complete (so that each pipelined request is answered
 * in turn). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

static struct conn *conn_of(llhttp_t *p)
{
    return p->data;
}

static const struct cg_serve_opts *opts_of(const struct conn *c)
{
    return &c->w->srv->opts;
}

/* Where llhttp's pointer `at` lies in the current message. */
static size_t msg_offset(const struct conn *c, const char *at)
{
    return (size_t)(at - (c->in.data + c->msg.start));
}

static size_t span_end(struct span s)
{
    return s.off + s.len;
}

/* Stop parsing; the request is answered with this status. */
static int refuse(struct conn *c, int status)
{
    c->msg.error_status = status;
    return HPE_USER;
}

/* RFC 9112 §3: a request line over the limit because of its target is a
 * 414; past the request line, the headers are too large (431). */
static int head_too_large(const struct http_msg *m)
{
    return m->target.len && m->nheaders == 0 ? 414 : 431;
}

/* Add the next piece llhttp reports to a span. The pieces of one span are
 * adjacent in the buffer (reads are appended to it), so a gap means llhttp
 * skipped bytes in between: an obs-fold continuation line. */
static int span_extend(struct conn *c, struct span *s, const char *at, size_t len)
{
    size_t off = msg_offset(c, at);
    if (s->len == 0)
        s->off = off;
    else if (off != span_end(*s))
        return refuse(c, 400);
    s->len += len;
    if (!c->msg.headers_done && off + len > opts_of(c)->max_header)
        return refuse(c, head_too_large(&c->msg));
    return 0;
}

static size_t count_line_breaks(const struct conn *c, size_t from, size_t to)
{
    const char *base = c->in.data + c->msg.start;
    size_t n = 0;
    for (size_t i = from; i < to; i++)
        n += base[i] == '\n';
    return n;
}

/* ---- llhttp callbacks ---- */

static int on_message_begin(llhttp_t *p)
{
    struct conn *c = conn_of(p);
    struct http_msg *m = &c->msg;
    *m = (struct http_msg){
        .in_progress = true,
        /* Where llhttp was given the bytes the message begins in; on_method
         * makes it exact (llhttp skips line breaks before a request). */
        .start = c->parsed,
        .headers = m->headers,
        .headers_cap = m->headers_cap,
        .started_ns = uv_hrtime(),
    };
    return 0;
}

static int on_method(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    if (c->msg.method.len == 0) /* the message's first byte */
        c->msg.start = (size_t)(at - c->in.data);
    return span_extend(c, &c->msg.method, at, len);
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    return span_extend(c, &c->msg.target, at, len);
}

/* A header line starts; the previous one must have ended with exactly one
 * line break, or an empty value was continued by an obs-fold line. */
static int header_begin(struct conn *c, const char *at)
{
    struct http_msg *m = &c->msg;
    if (m->nheaders) {
        const struct header_span *prev = &m->headers[m->nheaders - 1];
        size_t prev_end = span_end(prev->value.len ? prev->value : prev->name);
        if (count_line_breaks(c, prev_end, msg_offset(c, at)) != 1)
            return refuse(c, 400);
    }
    if (m->nheaders == m->headers_cap) {
        m->headers_cap = m->headers_cap ? 2 * m->headers_cap : 16;
        m->headers = cg_xrealloc(m->headers, m->headers_cap * sizeof *m->headers);
    }
    m->headers[m->nheaders++] = (struct header_span){ { 0, 0 }, { 0, 0 } };
    m->in_field = true;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    struct http_msg *m = &c->msg;
    if (m->headers_done)
        return 0; /* trailers of a chunked body are not passed on */
    int rc = m->in_field ? 0 : header_begin(c, at);
    return rc ? rc : span_extend(c, &m->headers[m->nheaders - 1].name, at, len);
}

static int on_header_field_complete(llhttp_t *p)
{
    struct conn *c = conn_of(p);
    struct http_msg *m = &c->msg;
    if (m->headers_done)
        return 0;
    m->in_field = false;
    struct span name = m->headers[m->nheaders - 1].name;
    /* llhttp accepts "Name : value"; RFC 9112 §5.1 requires a 400. */
    if (name.len == 0 || http_span(c, name).ptr[name.len - 1] == ' ')
        return refuse(c, 400);
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    struct http_msg *m = &c->msg;
    if (m->headers_done)
        return 0;
    struct header_span *h = &m->headers[m->nheaders - 1];
    /* Between the name and the value only ':' and blanks; a line break there
     * is an obs-fold continuing an empty value. An empty value itself comes
     * as no bytes just past its line's end: that is no fold. */
    if (len > 0 && h->value.len == 0 && count_line_breaks(c, span_end(h->name), msg_offset(c, at)) != 0)
        return refuse(c, 400);
    return span_extend(c, &h->value, at, len);
}

static int on_headers_complete(llhttp_t *p)
{
    conn_of(p)->msg.event = MSG_HEADERS_DONE;
    return HPE_PAUSED;
}

static int on_chunk_header(llhttp_t *p)
{
    struct conn *c = conn_of(p);
    /* llhttp holds the announced chunk size in content_length here. */
    if (p->content_length > opts_of(c)->max_body - c->msg.body.len)
        return refuse(c, 413);
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct conn *c = conn_of(p);
    struct span *body = &c->msg.body;
    char *end = c->in.data + c->msg.start + span_end(*body);
    /* A chunked body arrives in pieces separated by framing that llhttp has
     * already consumed: moving each piece down over that framing keeps the
     * body contiguous in place. llhttp never looks back at earlier bytes. */
    if (end != at)
        memmove(end, at, len);
    body->len += len;
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    struct http_msg *m = &conn_of(p)->msg;
    m->in_progress = false;
    m->event = MSG_COMPLETE;
    return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    .on_method = on_method,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_chunk_header = on_chunk_header,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void cg__http_parser_setup(struct conn *c)
{
    llhttp_init(&c->parser, HTTP_REQUEST, &settings);
    /* Strict llhttp refuses every version but 0.9, 1.0, 1.1 and 2.0; RFC
     * 9110 §2.6 serves HTTP/1.2 and on as 1.1, and check_head answers other
     * majors 505. (llhttp 8 has no setter for this flag.) */
    c->parser.lenient_flags |= LENIENT_VERSION;
    c->parser.data = c;
}

void cg__http_msg_free(struct http_msg *m)
{
    free(m->headers);
    m->headers = NULL;
    m->headers_cap = m->nheaders = 0;
}

/* All input went through llhttp and no message is complete. */
static enum parse_result input_exhausted(struct conn *c)
{
    struct http_msg *m = &c->msg;
    if (!m->in_progress)
        return PARSE_NEED_MORE;
    if (!m->headers_done) {
        if (c->in.len - m->start <= opts_of(c)->max_header)
            return PARSE_NEED_MORE;
        m->error_status = head_too_large(m);
        return PARSE_ERROR;
    }
    /* What follows the body is chunk framing llhttp has consumed: drop it,
     * so that a body sent in tiny chunks takes no more room than its bytes.
     * Endless framing (chunk extensions, trailers) counts against max_body. */
    size_t body_end = m->start + span_end(m->body);
    m->framing += c->in.len - body_end;
    c->in.len = c->parsed = body_end;
    if (m->framing > opts_of(c)->max_body) {
        m->error_status = 413;
        return PARSE_ERROR;
    }
    /* Once per request, the head is offered before the rest of the body. */
    if (m->head_offered)
        return PARSE_NEED_MORE;
    m->head_offered = true;
    return PARSE_HEAD;
}

/* llhttp stops at the first byte that no method it knows goes on with. A
 * method token followed by a space (or by nothing yet) is a well-formed
 * request for a method the server does not implement: 501 (RFC 9110 §9.1). */
static int unknown_method_status(const struct conn *c)
{
    const char *p = c->in.data + c->msg.start, *end = c->in.data + c->in.len;
    while (p < end && (*p == '\r' || *p == '\n'))
        p++; /* skipped by llhttp before a request */
    const char *space = memchr(p, ' ', (size_t)(end - p));
    cg_str method = { p, (size_t)((space ? space : end) - p) };
    return cg__is_token(method) ? 501 : 400;
}

static enum parse_result parse_failed(struct conn *c, llhttp_errno_t err)
{
    /* A callback that refused the request set the status; llhttp reports
     * some callbacks' refusals under their own error codes. */
    if (!c->msg.error_status)
        c->msg.error_status = err == HPE_INVALID_METHOD ? unknown_method_status(c) : 400;
    cg_debug("refused a request from %s:%u (%d): %s", c->peer_addr, c->peer_port, c->msg.error_status,
             llhttp_get_error_reason(&c->parser) ? llhttp_get_error_reason(&c->parser) : llhttp_errno_name(err));
    return PARSE_ERROR;
}

enum parse_result cg__http_parse_next(struct conn *c)
{
    bool paused = false;
    for (;;) {
        size_t avail = c->in.len - c->parsed;
        /* After the headers pause llhttp may still owe the message's end,
         * even with no byte left to give it. */
        if (avail == 0 && !paused)
            return PARSE_NEED_MORE;
        const char *data = c->in.data + c->parsed;
        c->msg.event = MSG_NONE;
        llhttp_errno_t err = llhttp_execute(&c->parser, data, avail);
        if (err == HPE_OK) {
            c->parsed = c->in.len;
            return input_exhausted(c);
        }
        if (err != HPE_PAUSED)
            return parse_failed(c, err);
        c->parsed += (size_t)(llhttp_get_error_pos(&c->parser) - data);
        llhttp_resume(&c->parser);
        if (c->msg.event == MSG_COMPLETE)
            return PARSE_REQUEST;
        int status = cg__http_check_head(c);
        if (status) {
            c->msg.error_status = status;
            return PARSE_ERROR;
        }
        c->msg.head_done_ms = uv_now(&c->w->loop);
        paused = true;
    }
}

/* ---- the core's request ---- */

/* Absolute form ("http://host:8000/a?b", as sent to proxies) to the part
 * from the path on; an origin-form target is returned as is. */
static cg_str skip_scheme_and_authority(cg_str t)
{
    const char *colon = t.len && t.ptr[0] != '/' ? memchr(t.ptr, ':', t.len) : NULL;
    const char *end = t.ptr + t.len;
    if (!colon || end - colon < 3 || colon[1] != '/' || colon[2] != '/')
        return t;
    const char *p = colon + 3;
    while (p < end && *p != '/' && *p != '?')
        p++;
    return (cg_str){ p, (size_t)(end - p) };
}

static void split_target(cg_str target, cg_str *raw_path, cg_str *query)
{
    cg_str t = skip_scheme_and_authority(target);
    const char *qm = t.len ? memchr(t.ptr, '?', t.len) : NULL;
    size_t path_len = qm ? (size_t)(qm - t.ptr) : t.len;
    *raw_path = path_len ? (cg_str){ t.ptr, path_len } : CG_STR("/");
    *query = qm ? (cg_str){ qm + 1, t.len - path_len - 1 } : CG_STR("");
}

/* "prefix-worker-counter", unique per process run. Built by hand: printf
 * would be a measurable share of a small request's cost. */
void cg__http_request_number(struct conn *c, struct cg_request *r)
{
    struct cg_arena *a = c->arena;
    struct worker *w = c->w;
    char tail[48];
    char *end = tail + sizeof tail;
    char *p = cg__http_decimal_backwards(end, ++w->requests);
    *--p = '-';
    p = cg__http_decimal_backwards(p, w->index);
    *--p = '-';
    size_t prefix = strlen(w->srv->id_prefix), rest = (size_t)(end - p);
    char *id = cg_arena_alloc(a, prefix + rest + 1);
    memcpy(id, w->srv->id_prefix, prefix);
    memcpy(id + prefix, p, rest);
    id[prefix + rest] = '\0';
    r->request_id = (cg_str){ id, prefix + rest };
}

void cg__http_request_fill(struct conn *c, struct cg_request *r)
{
    const struct http_msg *m = &c->msg;
    *r = (struct cg_request){
        .method = http_span(c, m->method),
        .body = http_span(c, m->body),
        .client_addr = c->peer,
        .client_port = c->peer_port,
        .scheme = CG_STR("http"),
        .root_path = CG_STR(""),
        .arena = c->arena,
    };
    split_target(http_span(c, m->target), &r->raw_path, &r->query_string);
    struct cg_kv *headers = cg_arena_alloc(c->arena, (m->nheaders ? m->nheaders : 1) * sizeof *headers);
    for (size_t i = 0; i < m->nheaders; i++) {
        headers[i].name = http_span(c, m->headers[i].name);
        headers[i].value = http_trim_end(http_span(c, m->headers[i].value));
    }
    r->headers = headers;
    r->nheaders = m->nheaders;
    /* The Host value without its port (measured by check_host). */
    r->domain = cg_kv_ifind(headers, m->nheaders, CG_STR("host"));
    r->domain.len = m->host_len;
}

void cg__http_discard_parsed(struct conn *c)
{
    size_t done = c->msg.in_progress ? c->msg.start : c->parsed;
    if (done) {
        cg_buf_consume(&c->in, done);
        c->parsed -= done;
        if (c->msg.in_progress)
            c->msg.start = 0;
    }
    if (c->in.len == 0 && c->in.cap > IN_BUF_KEEP)
        cg_buf_free(&c->in);
}

bool cg__http_wants_continue(const struct conn *c)
{
    const struct http_msg *m = &c->msg;
    /* Once body bytes arrive the client has stopped waiting. */
    return m->in_progress && m->expect_continue && !m->continue_sent && m->body.len == 0;
}
