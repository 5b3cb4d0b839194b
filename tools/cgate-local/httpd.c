/* A small HTTP/1.1 server for the emulator's two faces: the gateway that
 * curl talks to and the Runtime API the bootstrap polls. Each connection
 * carries one request at a time: reading stops when a request is complete
 * and resumes once it has been answered, which may be much later (a client
 * waiting for the function, a GET /next waiting for an event). Requests are
 * copied into a per-connection arena; this is a development tool, and
 * clarity wins over zero-copy. */
#include <stdlib.h>
#include <string.h>

#include "local_internal.h"

struct http_conn {
    uv_tcp_t tcp;
    uv_write_t write_req;
    struct httpd *srv;
    struct http_conn *prev, *next;
    llhttp_t parser;
    struct cg_buf in;      /* heap: received bytes; [0, parsed) went through llhttp */
    size_t parsed;
    struct http_request req;
    struct cg_buf target, body, name, value; /* the request being received, in req.arena */
    size_t headers_cap;
    int refuse_status;     /* set by a callback that refuses the request */
    bool held;             /* complete, waiting for http_reply */
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
    c->headers_cap = 0;
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

static int on_header_value_complete(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    struct http_request *r = &c->req;
    if (r->nheaders == c->headers_cap) {
        size_t cap = c->headers_cap ? 2 * c->headers_cap : 16;
        size_t size = sizeof *r->headers;
        r->headers = cg_arena_realloc(r->arena, r->headers, c->headers_cap * size, cap * size);
        c->headers_cap = cap;
    }
    r->headers[r->nheaders++] = (struct cg_kv){ cg_arena_strdup(r->arena, cg_buf_str(&c->name)),
                                                cg_arena_strdup(r->arena, cg_buf_str(&c->value)) };
    c->name.len = c->value.len = 0;
    return 0;
}

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

static int on_message_complete(llhttp_t *p)
{
    struct http_conn *c = conn_of(p);
    struct http_request *r = &c->req;
    r->method = cg_arena_strdup(r->arena, cg_str_c(llhttp_method_name(llhttp_get_method(p))));
    r->target = cg_buf_str(&c->target);
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
    .on_body = on_body,
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
    if (c->held && c->req.on_gone)
        c->req.on_gone(c->req.owner);
    c->held = false;
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
        c->parsed = c->in.len;
    } else if (err == HPE_PAUSED) {
        c->parsed += (size_t)(llhttp_get_error_pos(&c->parser) - data);
    } else {
        int status = c->refuse_status ? c->refuse_status : 400;
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

static void on_written(uv_write_t *w, int status)
{
    struct http_conn *c = w->data;
    if (status < 0 || c->closing) {
        conn_close(c);
        return;
    }
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
    c->tcp.data = c->write_req.data = c;
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

void http_reply(struct http_request *req, int status, const struct cg_kv *headers, size_t nheaders, cg_str body)
{
    struct http_conn *c = req->conn;
    if (!c->held)
        return;
    c->held = false;
    c->closing = !c->keep_alive;
    struct cg_buf out;
    cg_buf_init(&out, req->arena);
    cg_buf_printf(&out, "HTTP/1.1 %d %s\r\n", status, cg_status_phrase(status));
    for (size_t i = 0; i < nheaders; i++)
        if (!is_framing(headers[i].name))
            cg_buf_printf(&out, "%.*s: %.*s\r\n", (int)headers[i].name.len, headers[i].name.ptr,
                          (int)headers[i].value.len, headers[i].value.ptr);
    bool body_allowed = cg_status_allows_body(status);
    if (status >= 200 && status != 204 && status != 304)
        cg_buf_printf(&out, "content-length: %zu\r\n", body_allowed ? body.len : 0);
    cg_buf_puts(&out, c->closing ? "connection: close\r\n\r\n" : "\r\n");
    if (body_allowed && !c->head_only)
        cg_buf_append_str(&out, body);
    uv_buf_t b = uv_buf_init(out.data, (unsigned)out.len);
    if (uv_write(&c->write_req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
        conn_close(c);
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
