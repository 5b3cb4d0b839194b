/* One connection: read -> parse -> dispatch -> write, and its timeouts.
 *
 * Reads append to c->in. While no write is in flight, every complete request
 * in the buffer (up to CONN_MAX_BATCH) is answered in order and the responses
 * leave together in one uv_write; input arriving meanwhile waits in the
 * buffer. One timer runs per connection, with the timeout of its phase: idle
 * (keep-alive), head, body (from the last read), write.
 *
 * A response that ends the connection is followed by a lingering close: shut
 * down our side, then read and discard until the client closes (or a short
 * delay passes). Closing with unread request bytes would make the kernel send
 * a reset, which can destroy the response before the client reads it. */
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define READ_MIN 4096
#define MAX_PENDING_INPUT (256 * 1024) /* buffered while a write is in flight */
#define LINGER_MS 2000

static void conn_step(struct conn *c);

/* Read on every request: a worker busy in a handler hears of the shutdown
 * only afterwards, and that response should already say "close". */
static bool server_stopping(const struct conn *c)
{
    return atomic_load_explicit(&c->w->srv->stopping, memory_order_relaxed);
}

/* ---- lifetime ---- */

void conn_release(struct conn *c)
{
    if (--c->open_handles > 0)
        return;
    cg_buf_free(&c->in);
    http_msg_free(&c->msg);
    cg_arena_free(c->arena);
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    conn_release(h->data);
}

static void conn_close(struct conn *c)
{
    if (c->closed)
        return;
    c->closed = true;
    conn_stream_cancel(c);
    struct worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static struct conn *conn_new(struct worker *w)
{
    struct conn *c = cg_xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->w = w;
    uv_tcp_init(&w->loop, &c->tcp);
    uv_timer_init(&w->loop, &c->timer);
    c->tcp.data = c->timer.data = c->write_req.data = c->shutdown_req.data = c;
    c->open_handles = 2;
    cg_buf_init(&c->in, NULL);
    c->arena = cg_arena_new();
    http_parser_setup(c);
    c->msg.started_ns = uv_hrtime();
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->nconns++;
    return c;
}

static void remember_peer(struct conn *c)
{
    struct sockaddr_storage sa;
    int len = sizeof sa;
    strcpy(c->peer_addr, "-");
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&sa, &len) == 0)
        c->peer_port = address_text(&sa, c->peer_addr, sizeof c->peer_addr);
    c->peer = cg_str_c(c->peer_addr);
}

/* ---- timeouts ---- */

static unsigned phase_timeout(const struct conn *c, enum conn_phase phase)
{
    const struct cg_serve_opts *o = &c->w->srv->opts;
    switch (phase) {
    case PHASE_IDLE: return o->idle_timeout_ms;
    case PHASE_HEAD: return o->header_timeout_ms;
    /* A client that stops reading its response is cut off like one that
     * stops sending its body. */
    case PHASE_BODY:
    case PHASE_WRITE: return o->body_timeout_ms;
    case PHASE_LINGER: return LINGER_MS;
    case PHASE_STREAM: /* only a stalled write, see conn_watch_write */
    case PHASE_NONE: break;
    }
    return 0;
}

static enum conn_phase current_phase(const struct conn *c)
{
    if (c->stream)
        return PHASE_STREAM;
    if (c->writing)
        return PHASE_WRITE;
    if (!c->msg.in_progress)
        return PHASE_IDLE;
    return c->msg.headers_done ? PHASE_BODY : PHASE_HEAD;
}

static void on_timeout(uv_timer_t *t);

/* Start the timeout of a phase, unless it already runs. */
static void enter_phase(struct conn *c, enum conn_phase phase)
{
    if (phase == c->phase)
        return;
    c->phase = phase;
    unsigned ms = phase_timeout(c, phase);
    if (ms)
        uv_timer_start(&c->timer, on_timeout, ms, 0);
    else
        uv_timer_stop(&c->timer);
}

void conn_watch_write(struct conn *c, bool pending)
{
    if (pending)
        uv_timer_start(&c->timer, on_timeout, c->w->srv->opts.body_timeout_ms, 0);
    else
        uv_timer_stop(&c->timer);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = h->data;
    (void)suggested;
    buf->base = cg_buf_reserve(&c->in, READ_MIN);
    buf->len = c->in.cap - c->in.len;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void start_reading(struct conn *c)
{
    if (c->reading || c->eof)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c);
        return;
    }
    c->reading = true;
}

static void stop_reading(struct conn *c)
{
    if (c->reading)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = s->data;
    (void)buf;
    if (nread == 0)
        return;
    if (nread < 0) {
        stop_reading(c);
        c->eof = true;
        if (nread != UV_EOF || c->phase == PHASE_LINGER)
            conn_close(c);
        else
            conn_step(c);
        return;
    }
    if (c->phase == PHASE_LINGER)
        return; /* discarded: c->in stays empty */
    c->in.len += (size_t)nread;
    if (c->phase == PHASE_BODY)
        c->phase = PHASE_NONE; /* the body timeout counts from the last read */
    conn_step(c);
}

/* ---- writing ---- */

static void on_shutdown(uv_shutdown_t *req, int status)
{
    if (status < 0)
        conn_close(req->data);
}

static void linger(struct conn *c)
{
    enter_phase(c, PHASE_LINGER);
    c->in.len = c->parsed = 0;
    if (c->eof || uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c);
        return;
    }
    start_reading(c);
}

/* The queued responses have left: their memory can go, and a closing
 * connection moves on to its lingering close. */
static void output_sent(struct conn *c)
{
    cg_arena_reset(c->arena);
    c->phase = PHASE_NONE; /* the next phase starts its timeout afresh */
    if (c->closing)
        linger(c);
}

static void on_write(uv_write_t *req, int status)
{
    struct conn *c = req->data;
    if (c->stream && status >= 0)
        return; /* the head of a streamed response: the stream goes on */
    c->writing = false;
    if (status < 0 || c->closed) {
        conn_close(c);
        return;
    }
    output_sent(c);
    if (!c->closing)
        conn_step(c);
}

/* Drop the first `n` written bytes from the queued buffers. */
static void skip_written(struct conn *c, size_t n)
{
    size_t first = 0;
    while (first < c->nout && n >= c->out[first].len)
        n -= c->out[first++].len;
    if (first < c->nout) {
        c->out[first].base += n;
        c->out[first].len -= n;
    }
    memmove(c->out, c->out + first, (c->nout - first) * sizeof *c->out);
    c->nout -= first;
}

enum flush_result { FLUSH_EMPTY, FLUSH_SENT, FLUSH_PENDING, FLUSH_FAILED };

/* Send the queued responses. The socket usually takes them whole at once:
 * that spares uv_write's completion round trip through the loop (an extra
 * epoll_ctl per request). What it does not take goes through uv_write. */
static enum flush_result flush(struct conn *c)
{
    if (c->nout == 0)
        return FLUSH_EMPTY;
    int n = uv_try_write((uv_stream_t *)&c->tcp, c->out, c->nout);
    if (n < 0 && n != UV_EAGAIN) {
        conn_close(c);
        return FLUSH_FAILED;
    }
    skip_written(c, n > 0 ? (size_t)n : 0);
    if (c->nout == 0)
        return FLUSH_SENT;
    int rc = uv_write(&c->write_req, (uv_stream_t *)&c->tcp, c->out, c->nout, on_write);
    c->nout = 0;
    if (rc != 0) {
        conn_close(c);
        return FLUSH_FAILED;
    }
    c->writing = true;
    return FLUSH_PENDING;
}

/* ---- answering ---- */

static void log_access(const struct conn *c, const struct cg_request *req, int status, size_t bytes)
{
    if (c->w->srv->opts.quiet)
        return;
    cg_access_log(req, status, bytes, (double)(uv_hrtime() - c->msg.started_ns) / 1e6);
}

/* A response made by the server itself (400, 408, 413, ...); closes. */
static void answer_error(struct conn *c, int status)
{
    size_t bytes = http_queue_error(c, status);
    struct cg_request unparsed = { .method = CG_STR("-"), .raw_path = CG_STR("-"), .client_addr = c->peer,
                                   .client_port = c->peer_port };
    log_access(c, &unparsed, status, bytes);
}

/* The Host header without its port: what the client called. */
static cg_str host_name(cg_str host)
{
    size_t i = host.len;
    while (i > 0 && host.ptr[i - 1] >= '0' && host.ptr[i - 1] <= '9')
        i--;
    bool has_port = i > 0 && i < host.len && host.ptr[i - 1] == ':';
    /* "::1" alone is an address without a port; "[::1]:8000" has one. */
    if (has_port && (memchr(host.ptr, ':', i - 1) == NULL || host.ptr[i - 2] == ']'))
        host.len = i - 1;
    return host;
}

static void dispatch(struct conn *c, struct cg_request *req)
{
    struct cg_response res;
    http_request_fill(c, req);
    req->domain = host_name(cg_request_header(req, "host"));
    cg_response_init(&res, c->arena);
    cg_app_handle(c->w->srv->app, req, &res);
    uv_update_time(&c->w->loop); /* the handler may have taken a while */
    if (res.status < 200 || res.status > 999) {
        cg_error("%.*s %.*s: a handler answered status %d; sent 500 instead", (int)req->method.len,
                 req->method.ptr, (int)req->raw_path.len, req->raw_path.ptr, res.status);
        answer_error(c, 500);
        return;
    }
    if (!c->msg.keep_alive || server_stopping(c))
        c->closing = true;
    size_t bytes = http_queue_response(c, &res);
    log_access(c, req, res.status, bytes);
    if (http_streams_body(c, &res)) {
        /* Sent once the head has been queued; both outlive this frame. */
        c->stream_req = cg_arena_alloc(c->arena, sizeof *c->stream_req);
        c->stream_res = cg_arena_alloc(c->arena, sizeof *c->stream_res);
        *c->stream_req = *req;
        *c->stream_res = res;
    }
}

/* The head of a streamed response is queued (or failed): send its body.
 * Until the stream ends the connection reads nothing, so the request's
 * slices into the read buffer stay valid for the producer. */
static void start_stream(struct conn *c, enum flush_result sent)
{
    if (sent == FLUSH_FAILED)
        return; /* closed */
    stop_reading(c);
    c->writing = true;
    conn_stream_start(c, c->stream_req, c->stream_res);
}

void conn_stream_ended(struct conn *c, bool ok)
{
    c->writing = false;
    struct cg_request *req = c->stream_req;
    c->stream_req = NULL;
    c->stream_res = NULL;
    if (c->closed)
        return;
    if (!ok) {
        conn_close(c); /* without the last chunk: the client sees a cut body */
        return;
    }
    cg_request_run_deferred(req);
    http_discard_parsed(c);
    output_sent(c);
    if (!c->closing)
        conn_step(c);
}

/* Answer the complete requests in the buffer, in order, in one write.
 * A request that left deferred work ends the batch: its response leaves
 * first, then the work runs, while the request's input and arena are still
 * there, and only then is the next pipelined request answered. Returns
 * true when the batch left at once and more may be waiting. */
static bool answer_requests(struct conn *c)
{
    struct cg_request req;
    bool deferred = false;
    int n = 0;
    while (n < CONN_MAX_BATCH && !c->closing && !deferred && !c->stream_res) {
        enum parse_result r = http_parse_next(c);
        if (r == PARSE_NEED_MORE)
            break;
        if (r == PARSE_ERROR) {
            answer_error(c, c->msg.error_status);
            break;
        }
        dispatch(c, &req);
        deferred = req.deferred != NULL && !c->stream_res;
        n++;
    }
    if (!c->closing && http_wants_continue(c))
        http_queue_continue(c);
    enum flush_result sent = flush(c);
    if (c->stream_res) {
        start_stream(c, sent);
        return false;
    }
    if (deferred)
        cg_request_run_deferred(&req);
    http_discard_parsed(c);
    if (sent != FLUSH_SENT)
        return false;
    output_sent(c);
    return (n == CONN_MAX_BATCH || deferred) && !c->closing;
}

/* After input arrived or a write completed: answer what can be answered,
 * then wait for the next event with the right timeout. */
static void conn_step(struct conn *c)
{
    if (!c->writing)
        while (answer_requests(c))
            ;
    if (c->closed || (c->closing && !c->writing))
        return; /* closed, or lingering */
    if (c->writing) {
        if (c->in.len - c->parsed > MAX_PENDING_INPUT)
            stop_reading(c);
    } else if (c->eof || (server_stopping(c) && !c->msg.in_progress)) {
        conn_close(c);
        return;
    } else {
        start_reading(c);
    }
    enter_phase(c, current_phase(c));
}

static void on_timeout(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->phase != PHASE_HEAD && c->phase != PHASE_BODY) {
        conn_close(c);
        return;
    }
    /* Nothing is being written in these phases: the client gets a 408. */
    answer_error(c, 408);
    switch (flush(c)) {
    case FLUSH_SENT: output_sent(c); break;
    case FLUSH_PENDING: enter_phase(c, PHASE_WRITE); break;
    case FLUSH_EMPTY:
    case FLUSH_FAILED: break;
    }
}

/* ---- accepting and draining ---- */

static void free_handle(uv_handle_t *h)
{
    free(h);
}

/* Over max_connections: answer 503 at once and close. */
static void refuse_connection(struct worker *w)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "content-type: application/json\r\n"
                               "content-length: 32\r\n"
                               "connection: close\r\n\r\n"
                               "{\"detail\":\"Service Unavailable\"}";
    uv_tcp_t *t = cg_xmalloc(sizeof *t);
    uv_tcp_init(&w->loop, t);
    if (uv_accept((uv_stream_t *)&w->listener, (uv_stream_t *)t) == 0) {
        uv_buf_t b = uv_buf_init((char *)busy, sizeof busy - 1);
        uv_try_write((uv_stream_t *)t, &b, 1);
    }
    uv_close((uv_handle_t *)t, free_handle);
    if (!w->full_reported)
        cg_warn("worker %u: %d connections open, the limit; refusing more with 503 (logged once)", w->index,
                w->nconns);
    w->full_reported = true;
}

void conn_on_accept(uv_stream_t *listener, int status)
{
    struct worker *w = listener->data;
    if (status < 0) {
        cg_warn("accept: %s", uv_strerror(status));
        return;
    }
    if (w->nconns >= w->srv->opts.max_connections) {
        refuse_connection(w);
        return;
    }
    struct conn *c = conn_new(w);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    remember_peer(c);
    conn_step(c);
}

/* Shutdown: close idle connections now; the others close after answering
 * the request they are on (see server_stopping). */
void conn_drain_all(struct worker *w)
{
    struct conn *next;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        if (!c->writing && !c->closing && !c->msg.in_progress)
            conn_close(c);
        else
            conn_stream_cancel(c); /* an endless stream would hold the shutdown */
    }
}
