/* A small HTTP/1.1 server for the emulator's two faces: the gateway that
 * curl talks to and the Runtime API the bootstrap polls. Each connection
 * carries one request at a time: reading stops when a request is complete
 * and resumes once it has been answered, which may be much later (a client
 * waiting for the function, a GET /next waiting for an event). Requests are
 * copied into a per-connection arena; this is a development tool, and
 * clarity wins over zero-copy.
 *
 * Streamed responses need two more things: a request body taken chunk by
 * chunk as it arrives (the bootstrap's streamed POST /response, with its
 * trailers), and an answer sent in pieces (the gateway relaying it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "local_internal.h"

struct http_conn {
    uv_tcp_t tcp;
    uv_shutdown_t shutdown_req;
    struct httpd *srv;
    struct http_conn *prev, *next;
    llhttp_t parser;
    struct cg_buf in;      /* heap: received bytes; [0, parsed) went through llhttp */
    size_t parsed;
    struct http_request req;
    struct cg_buf target, body, name, value; /* the request being received, in req.arena */
    size_t headers_cap, trailers_cap;
    int refuse_status;     /* set by a callback that refuses the request */
    bool in_trailers;      /* the head is done: header lines now are trailers */
    bool body_relayed;     /* the body goes to req.on_body as it comes */
    bool held;             /* handed out, not yet wholly answered */
    bool answering;        /* http_reply_start has sent the head; pieces follow */
    bool chunked_out;      /* ...framed as chunks (not for HTTP/1.0) */
    bool body_out;         /* ...and they carry a body (not HEAD, 204, 304) */
    bool head_only, keep_alive, closing, closed;
    char peer_addr[46];
};

static struct http_conn *conn_of(llhttp_t *p)
{
    return p->data;
}

/* ---- parsing ---- */

static int on_message_begin(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    cg_arena_reset(c->req.arena);
    c->req = (struct http_request){ .conn = c, .arena = c->req.arena, .peer = cg_str_c(c->peer_addr),
                                    .local_port = (uint16_t)c->srv->port };
    cg_buf_init(&c->target, c->req.arena);
    cg_buf_init(&c->body, c->req.arena);
    cg_buf_init(&c->name, c->req.arena);
    cg_buf_init(&c->value, c->req.arena);
    c->headers_cap = c->trailers_cap = 0;
    c->in_trailers = c->body_relayed = false;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    cg_buf_append(&conn_of(p)->target, at, len);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    cg_buf_append(&conn_of(p)->name, at, len);
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    cg_buf_append(&conn_of(p)->value, at, len);
    return 0;
}

static void add_field(struct cg_arena *a, struct cg_kv **list, size_t *n, size_t *cap, cg_str name, cg_str value)
{
    if (*n == *cap) {
        size_t grown = *cap ? 2 * *cap : 16;
        *list = cg_arena_realloc(a, *list, *cap * sizeof **list, grown * sizeof **list);
        *cap = grown;
    }
    (*list)[(*n)++] = (struct cg_kv){ cg_arena_strdup(a, name), cg_arena_strdup(a, value) };
}

/* The spaces and tabs around a field value are not part of it (RFC 9110
 * §5.5); llhttp leaves the trailing ones, which the local server and API
 * Gateway drop: `Content-Type: application/json<TAB>` must stay JSON. */
static int on_header_value_complete(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    struct http_request *r = &c->req;
    cg_str value = cg_str_trim(cg_buf_str(&c->value));
    if (c->in_trailers)
        add_field(r->arena, &r->trailers, &r->ntrailers, &c->trailers_cap, cg_buf_str(&c->name), value);
    else
        add_field(r->arena, &r->headers, &r->nheaders, &c->headers_cap, cg_buf_str(&c->name), value);
    c->name.len = c->value.len = 0;
    return 0;
}

/* The head is complete: the server may choose to take the body as it comes. */
static int on_headers_complete(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    struct http_request *r = &c->req;
    r->method = cg_arena_strdup(r->arena, cg_str_c(llhttp_method_name(llhttp_get_method(p))));
    r->target = cg_buf_str(&c->target);
    c->in_trailers = true;
    if (c->srv->on_head)
        c->srv->on_head(r, c->srv->data);
    c->body_relayed = r->on_body != NULL;
    return 0;
}

/* A relayed body is held back until its chunk is whole, so that each chunk
 * the client sent goes on as one piece; the size limit is then per chunk. */
static int on_body(llhttp_t *p, const char *at, size_t len)
{
    struct http_conn *c = conn_of(p);
    if (c->body.len + len > c->srv->max_body) {
        c->refuse_status = 413;
        return -1;
    }
    cg_buf_append(&c->body, at, len);
    return 0;
}

static void relay_body(struct http_conn *c)
{
    if (!c->body_relayed || c->body.len == 0)
        return;
    c->req.on_body(&c->req, cg_buf_str(&c->body));
    c->body.len = 0;
}

static int on_chunk_complete(llhttp_t *p)
{
    relay_body(conn_of(p));
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    struct http_request *r = &c->req;
    relay_body(c); /* what a body that was not chunked holds */
    c->body_relayed = false;
    r->body = c->body.len ? cg_buf_str(&c->body) : CG_STR("");
    c->keep_alive = llhttp_should_keep_alive(p);
    c->head_only = llhttp_get_method(p) == HTTP_HEAD;
    c->held = true;
    return HPE_PAUSED; /* one request at a time */
}

static const llhttp_settings_t settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_complete = on_chunk_complete,
    .on_message_complete = on_message_complete,
};

/* ---- connections ---- */

static void on_closed(uv_handle_t *h)
{
    struct http_conn *c = h->data;
    cg_buf_free(&c->in);
    cg_arena_free(c->req.arena);
    free(c);
}

static void conn_close(struct http_conn *c)
{
    if (c->closed)
        return;
    c->closed = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    if ((c->held || c->body_relayed) && c->req.on_gone)
        c->req.on_gone(&c->req);
    c->held = c->body_relayed = false;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct http_conn *c = h->data;
    (void)suggested;
    buf->base = cg_buf_reserve(&c->in, 65536);
    buf->len = c->in.cap - c->in.len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Feed what has not been parsed yet; stop at a complete request. */
static void parse_input(struct http_conn *c)
{
    size_t avail = c->in.len - c->parsed;
    if (avail == 0)
        return;
    const char *data = c->in.data + c->parsed;
    llhttp_errno_t err = llhttp_execute(&c->parser, data, avail);
    if (err == HPE_OK) {
        /* All of it is in the request now (copied), and a streamed body
         * may go on for long: keep nothing. */
        c->in.len = c->parsed = 0;
    } else if (err == HPE_PAUSED) {
        c->parsed += (size_t)(llhttp_get_error_pos(&c->parser) - data);
    } else {
        int status = c->refuse_status ? c->refuse_status : 400;
        if (c->body_relayed && c->req.on_gone)
            c->req.on_gone(&c->req); /* the body it was taking ends here */
        c->body_relayed = false;
        c->held = true; /* answered at once, and closed */
        c->keep_alive = false;
        c->req.on_gone = NULL;
        http_reply(&c->req, status, NULL, 0, status == 413 ? CG_STR("{\"message\":\"Request Entity Too Large\"}")
                                                         : CG_STR("{\"message\":\"Bad Request\"}"));
        return;
    }
    if (c->held) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->srv->on_request(&c->req, c->srv->data);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct http_conn *c = s->data;
    (void)buf;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->in.len += (size_t)nread;
    parse_input(c);
}

static void resume_reading(struct http_conn *c)
{
    cg_buf_consume(&c->in, c->parsed);
    c->parsed = 0;
    llhttp_resume(&c->parser);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
    else
        parse_input(c); /* a pipelined request may be waiting */
}

static void on_connection(uv_stream_t *listener, int status)
{
    struct httpd *srv = listener->data;
    if (status < 0)
        return;
    struct http_conn *c = cg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->srv = srv;
    c->req = (struct http_request){ .conn = c, .arena = cg_arena_new() };
    cg_buf_init(&c->in, NULL);
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    llhttp_init(&c->parser, HTTP_REQUEST, &settings);
    c->parser.data = c;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    struct sockaddr_storage sa;
    int len = sizeof sa;
    strcpy(c->peer_addr, "127.0.0.1");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0 && sa.ss_family == AF_INET)
        uv_ip4_name((struct sockaddr_in *)&sa, c->peer_addr, sizeof c->peer_addr);
    uv_tcp_nodelay(&c->tcp, 1);
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        conn_close(c);
}

/* ---- answering ---- */

static bool is_framing(cg_str name)
{
    return cg_str_ieq(name, CG_STR("content-length")) || cg_str_ieq(name, CG_STR("transfer-encoding")) ||
           cg_str_ieq(name, CG_STR("connection"));
}

/* One write in flight, with its own copy of the bytes: the pieces of a
 * streamed answer may be queued faster than the client reads them. */
struct out_write {
    uv_write_t req;
    bool ends_answer; /* the answer is complete once this is out */
    char data[];
};

static void on_written(uv_write_t *w, int status)
{
    struct http_conn *c = w->handle->data;
    struct out_write *out = (struct out_write *)w;
    bool ends_answer = out->ends_answer;
    free(out);
    if (status < 0 || (ends_answer && c->closing))
        conn_close(c);
    else if (ends_answer)
        resume_reading(c);
}

/* Queue the parts, joined, as one write (it may be empty: libuv completes it). */
static void conn_send(struct http_conn *c, const cg_str *parts, size_t nparts, bool ends_answer)
{
    size_t len = 0;
    for (size_t i = 0; i < nparts; i++)
        len += parts[i].len;
    struct out_write *out = cg_xmalloc(sizeof *out + len);
    out->ends_answer = ends_answer;
    char *p = out->data;
    for (size_t i = 0; i < nparts; p += parts[i++].len)
        if (parts[i].len)
            memcpy(p, parts[i].ptr, parts[i].len);
    uv_buf_t b = uv_buf_init(out->data, (unsigned)len);
    if (uv_write(&out->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
        free(out);
        conn_close(c);
    }
}

/* The status line and the caller's headers, less the framing ones. */
static void write_head(struct cg_buf *out, int status, const struct cg_kv *headers, size_t nheaders)
{
    cg_buf_printf(out, "HTTP/1.1 %d %s\r\n", status, cg_status_phrase(status));
    for (size_t i = 0; i < nheaders; i++)
        if (!is_framing(headers[i].name))
            cg_buf_printf(out, "%.*s: %.*s\r\n", (int)headers[i].name.len, headers[i].name.ptr,
                          (int)headers[i].value.len, headers[i].value.ptr);
}

void http_reply(struct http_request *req, int status, const struct cg_kv *headers, size_t nheaders, cg_str body)
{
    struct http_conn *c = req->conn;
    if (!c->held || c->answering || c->closed)
        return;
    c->held = false;
    c->closing = !c->keep_alive;
    struct cg_buf head;
    cg_buf_init(&head, req->arena);
    write_head(&head, status, headers, nheaders);
    bool body_allowed = cg_status_allows_body(status);
    if (status >= 200 && status != 204 && status != 304)
        cg_buf_printf(&head, "content-length: %zu\r\n", body_allowed ? body.len : 0);
    cg_buf_puts(&head, c->closing ? "connection: close\r\n\r\n" : "\r\n");
    cg_str parts[] = { cg_buf_str(&head), body_allowed && !c->head_only ? body : CG_STR("") };
    conn_send(c, parts, CG_LEN(parts), true);
}

void http_reply_start(struct http_request *req, int status, const struct cg_kv *headers, size_t nheaders)
{
    struct http_conn *c = req->conn;
    if (!c->held || c->answering || c->closed)
        return;
    bool body_allowed = cg_status_allows_body(status);
    /* An HTTP/1.0 client cannot read chunks: its body ends when the
     * connection closes, so a cut answer looks whole to it. */
    bool http10 = c->parser.http_major == 1 && c->parser.http_minor == 0;
    c->answering = true;
    c->chunked_out = !http10;
    c->body_out = body_allowed && !c->head_only;
    c->closing = !c->keep_alive || http10;
    struct cg_buf head;
    cg_buf_init(&head, req->arena);
    write_head(&head, status, headers, nheaders);
    if (body_allowed && !http10)
        cg_buf_puts(&head, "transfer-encoding: chunked\r\n");
    cg_buf_puts(&head, c->closing ? "connection: close\r\n\r\n" : "\r\n");
    cg_str parts[] = { cg_buf_str(&head) };
    conn_send(c, parts, 1, false);
}

void http_reply_chunk(struct http_request *req, cg_str data)
{
    struct http_conn *c = req->conn;
    if (!c->answering || !c->body_out || c->closed || data.len == 0)
        return; /* an empty chunk would end the body */
    char size[24];
    int n = snprintf(size, sizeof size, "%zx\r\n", data.len);
    cg_str framed[] = { { size, (size_t)n }, data, CG_STR("\r\n") };
    cg_str raw[] = { data };
    if (c->chunked_out)
        conn_send(c, framed, CG_LEN(framed), false);
    else
        conn_send(c, raw, 1, false);
}

static void on_cut(uv_shutdown_t *r, int status)
{
    (void)status;
    conn_close(r->handle->data);
}

void http_reply_cut(struct http_request *req)
{
    struct http_conn *c = req->conn;
    if (!c->answering || c->closed)
        return;
    c->answering = c->held = false;
    c->closing = true;
    /* What is queued goes out first, then the connection ends. */
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_cut) != 0)
        conn_close(c);
}

void http_reply_end(struct http_request *req)
{
    struct http_conn *c = req->conn;
    if (!c->answering || c->closed)
        return;
    if (!c->chunked_out) {
        http_reply_cut(req);
        return;
    }
    c->answering = c->held = false;
    cg_str last[] = { c->body_out ? CG_STR("0\r\n\r\n") : CG_STR("") };
    conn_send(c, last, 1, true);
}

cg_str http_header(const struct http_request *req, const char *name)
{
    return cg_kv_ifind(req->headers, req->nheaders, cg_str_c(name));
}

/* ---- listening ---- */

int httpd_listen(struct httpd *srv, uv_loop_t *loop, int port, size_t max_body, http_handler on_request,
                 void *data)
{
    *srv = (struct httpd){ .loop = loop, .on_request = on_request, .data = data, .max_body = max_body };
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    int rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_connection);
    if (rc != 0) {
        cg_error("cannot listen on 127.0.0.1:%d: %s", port, uv_strerror(rc));
        return -1;
    }
    struct sockaddr_storage bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&bound, &len);
    srv->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

void httpd_close(struct httpd *srv)
{
    if (!uv_is_closing((uv_handle_t *)&srv->listener))
        uv_close((uv_handle_t *)&srv->listener, NULL);
    while (srv->conns)
        conn_close(srv->conns);
}
