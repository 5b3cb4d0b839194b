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
 * a reset, which can destroy the response before the client reads it.
 *
 * A request for a route declared blocking is answered in two steps: its
 * handler runs on the blocking pool (pool.c), and when it returns the
 * response is queued and the batch goes on, in order. Meanwhile the
 * connection reads nothing (the request points into its read buffer), keeps
 * its arena (the job lives in it), runs no timeout but a stalled write's, and
 * is kept alive by the job however the client behaves. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/server_internal.h"

#define READ_MIN 4096
#define MAX_PENDING_INPUT (256 * 1024) /* buffered while a write is in flight */
#define LINGER_MS 2000

static void conn_step(struct conn *c);
static bool charge_input(struct conn *c);

/* Read on every request: a worker busy in a handler hears of the shutdown
 * only afterwards, and that response should already say "close". */
static bool server_stopping(const struct conn *c)
{
    return atomic_load_explicit(&c->w->srv->stopping, memory_order_relaxed);
}

/* ---- lifetime ---- */

void cg__conn_release(struct conn *c)
{
    if (--c->open_handles > 0)
        return;
    cg_buf_free(&c->in);
    charge_input(c);
    cg__http_msg_free(&c->msg);
    cg_arena_free(c->arena);
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    cg__conn_release(h->data);
}

static void conn_close(struct conn *c)
{
    if (c->closed)
        return;
    c->closed = true;
    cg__conn_stream_cancel(c);
    struct worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed); /* its descriptor is closed now */
    cg__accept_fd_freed(w);
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
    cg__http_parser_setup(c);
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
        c->peer_port = cg__server_address_text(&sa, c->peer_addr, sizeof c->peer_addr);
    c->peer = cg_str_c(c->peer_addr);
}

/* ---- timeouts ---- */

/* Until the next body read is due: body_timeout_ms, but never past the
 * point where the body's average rate since its head falls under
 * min_body_rate (after a first body_timeout_ms of grace). A gap limit alone
 * lets a client that sends a byte now and then hold its connection and its
 * buffer forever. */
static unsigned body_time_left(const struct conn *c)
{
    const struct cg_serve_opts *o = &c->w->srv->opts;
    uint64_t received = c->msg.body.len + c->msg.framing;
    uint64_t deadline = c->msg.head_done_ms + o->body_timeout_ms + received * 1000 / o->min_body_rate;
    uint64_t now = uv_now(&c->w->loop);
    if (deadline <= now)
        return 1; /* due now; 0 would mean no timeout */
    return deadline - now < o->body_timeout_ms ? (unsigned)(deadline - now) : o->body_timeout_ms;
}

static unsigned phase_timeout(const struct conn *c, enum conn_phase phase)
{
    const struct cg_serve_opts *o = &c->w->srv->opts;
    switch (phase) {
    case PHASE_IDLE: return o->idle_timeout_ms;
    case PHASE_HEAD: return o->header_timeout_ms;
    case PHASE_BODY: return body_time_left(c);
    /* A client that stops reading its response is cut off like one that
     * stops sending its body. */
    case PHASE_WRITE: return o->body_timeout_ms;
    case PHASE_LINGER: return LINGER_MS;
    case PHASE_STREAM: /* only a stalled write, see cg__conn_watch_write */
    case PHASE_JOB:
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
    if (c->job)
        return PHASE_JOB;
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

void cg__conn_watch_write(struct conn *c, bool pending)
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
static void refuse_over_budget(struct conn *c);

/* Every connection's input buffer counts against one budget shared by all
 * workers, max_body_memory: without it, clients that never finish their
 * bodies could pin max_body each, and the defaults allow 10,000 connections
 * per worker. Returns false when this buffer has just grown past the size
 * every connection may have, over the budget. */
static bool charge_input(struct conn *c)
{
    atomic_size_t *used = c->w->srv->buffered;
    size_t cap = c->in.cap, was = c->charged;
    c->charged = cap;
    if (cap < was) {
        atomic_fetch_sub_explicit(used, was - cap, memory_order_relaxed);
        return true;
    }
    size_t total = atomic_fetch_add_explicit(used, cap - was, memory_order_relaxed) + cap - was;
    return cap == was || cap <= IN_BUF_KEEP || total <= c->w->srv->opts.max_body_memory;
}

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
    bool within_budget = charge_input(c);
    if (c->phase == PHASE_BODY) {
        if (!within_budget) {
            refuse_over_budget(c);
            return;
        }
        c->phase = PHASE_NONE; /* the body timeout counts from the last read */
    }
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
    cg_buf_free(&c->in); /* what still arrives is discarded */
    c->parsed = 0;
    charge_input(c);
    if (c->eof || uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
        conn_close(c);
        return;
    }
    start_reading(c);
}

/* The queued responses have left: their memory can go, and a closing
 * connection moves on to its lingering close; unless a job still uses the
 * arena and the input, and then the job's end does it. */
static void output_sent(struct conn *c)
{
    c->phase = PHASE_NONE; /* the next phase starts its timeout afresh */
    if (c->job)
        return;
    cg_arena_reset(c->arena);
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
    if (!c->closing || c->job)
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
    size_t bytes = cg__http_queue_error(c, status);
    struct cg_request unparsed = { .method = CG_STR("-"), .raw_path = CG_STR("-"), .client_addr = c->peer,
                                   .client_port = c->peer_port };
    log_access(c, &unparsed, status, bytes);
}

void cg__conn_queue_answer(struct conn *c, const struct cg_request *req, const struct cg_response *res)
{
    if (!c->msg.keep_alive || server_stopping(c))
        c->closing = true;
    size_t bytes = cg__http_queue_response(c, res);
    log_access(c, req, res->status, bytes);
    if (cg__http_streams_body(c, res)) {
        /* Sent once the head has been queued; both outlive this frame. */
        c->stream_req = cg_arena_alloc(c->arena, sizeof *c->stream_req);
        c->stream_res = cg_arena_alloc(c->arena, sizeof *c->stream_res);
        *c->stream_req = *req;
        *c->stream_res = *res;
    }
}

static void answer(struct conn *c, struct cg_request *req)
{
    struct cg_response res;
    cg__http_request_number(c, req);
    cg_response_init(&res, c->arena);
    /* OPTIONS * (RFC 9110 §9.3.7): the server is here; what each resource
     * allows is the app's to say, on OPTIONS to its path. A 200 without
     * content. */
    if (!c->msg.about_server)
        cg_app_handle(c->w->srv->app, req, &res);
    uv_update_time(&c->w->loop); /* the handler may have taken a while */
    cg__conn_queue_answer(c, req, &res);
}

/* Answer a complete request, here or on the blocking pool: true when it
 * went to the pool (the batch stops until it is back). */
static bool dispatch(struct conn *c, struct cg_request *req)
{
    cg__http_request_fill(c, req);
    if (!cg__conn_blocks(c, req)) {
        answer(c, req);
        return false;
    }
    if (!cg__conn_job_submit(c, req))
        return false; /* answered 503 */
    stop_reading(c);
    return true;
}

/* The head of a request whose body is still to come. When the app turns it
 * away whatever its body (404, 405, 401, 403), answer now and close: the
 * client need not send, nor the server buffer, a body nobody reads. False
 * when the body is wanted. */
static bool answer_before_body(struct conn *c, struct cg_request *req)
{
    cg__http_request_fill(c, req);
    if (c->msg.about_server || !cg_app_refuses_head(c->w->srv->app, req))
        return false; /* OPTIONS * is the server's to answer, see answer() */
    req->body_withheld = true;
    c->closing = true;
    answer(c, req);
    return true;
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
    cg__conn_stream_start(c, c->stream_req, c->stream_res);
}

void cg__conn_stream_ended(struct conn *c, bool ok)
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
    cg__http_discard_parsed(c);
    output_sent(c);
    if (!c->closing)
        conn_step(c);
}

/* The responses of a batch are queued, `last` the last one's request (from
 * the pool: `job`): send them, then start its streamed body, or run its
 * deferred work while its input and arena are still there. Returns true
 * when they left at once and more requests may be waiting (`full`: the
 * batch stopped at CONN_MAX_BATCH). */
static bool end_batch(struct conn *c, struct cg_request *last, bool deferred, bool full, struct conn_job *job)
{
    if (!c->closing && cg__http_wants_continue(c))
        cg__http_queue_continue(c);
    enum flush_result sent = flush(c);
    if (c->stream_res) {
        start_stream(c, sent);
        return false;
    }
    if (deferred && job) {
        cg__conn_job_defer(c, job);
        return false;
    }
    if (deferred)
        cg_request_run_deferred(last);
    cg__http_discard_parsed(c);
    if (sent != FLUSH_SENT)
        return false;
    output_sent(c);
    return (full || deferred) && !c->closing;
}

/* Answer the complete requests in the buffer, in order, in one write.
 * A request that left deferred work ends the batch: its response leaves
 * first, then the work runs, and only then is the next pipelined request
 * answered. A request sent to the blocking pool ends it too: the responses
 * before it leave now, the rest wait for it. Returns true when the batch
 * left at once and more may be waiting. */
static bool answer_requests(struct conn *c)
{
    struct cg_request req;
    bool deferred = false;
    int n = 0;
    while (n < CONN_MAX_BATCH && !c->closing && !deferred && !c->stream_res) {
        enum parse_result r = cg__http_parse_next(c);
        if (r == PARSE_NEED_MORE)
            break;
        if (r == PARSE_ERROR) {
            answer_error(c, c->msg.error_status);
            break;
        }
        if (r == PARSE_REQUEST) {
            if (dispatch(c, &req)) {
                flush(c);
                return false;
            }
        } else if (!answer_before_body(c, &req)) {
            continue;
        }
        deferred = req.deferred != NULL && !c->stream_res;
        n++;
    }
    return end_batch(c, &req, deferred, n == CONN_MAX_BATCH, NULL);
}

void cg__conn_job_answered(struct conn *c, struct cg_request *req, struct cg_response *res, struct conn_job *job)
{
    uv_update_time(&c->w->loop);
    cg__conn_queue_answer(c, req, res);
    end_batch(c, req, req->deferred != NULL && !c->stream_res, false, job);
    conn_step(c);
}

/* The deferred work is done: what end_batch leaves for after it. */
void cg__conn_job_ended(struct conn *c)
{
    cg__http_discard_parsed(c);
    if (!c->writing)
        output_sent(c);
    conn_step(c);
}

/* After input arrived or a write completed: answer what can be answered,
 * then wait for the next event with the right timeout. */
static void conn_step(struct conn *c)
{
    if (!c->writing && !c->job)
        while (answer_requests(c))
            ;
    if (c->closed || (c->closing && !c->writing && !c->job))
        return; /* closed, or lingering */
    if (c->job) {
        /* not reading (see dispatch): the job's end goes on */
    } else if (c->writing) {
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

/* Answer a request whose head or body is still arriving, and close.
 * Nothing is being written in these phases. */
static void cut_off(struct conn *c, int status)
{
    answer_error(c, status);
    switch (flush(c)) {
    case FLUSH_SENT: output_sent(c); break;
    case FLUSH_PENDING: enter_phase(c, PHASE_WRITE); break;
    case FLUSH_EMPTY:
    case FLUSH_FAILED: break;
    }
}

static void on_timeout(uv_timer_t *t)
{
    struct conn *c = t->data;
    if (c->phase == PHASE_HEAD || c->phase == PHASE_BODY)
        cut_off(c, 408);
    else
        conn_close(c);
}

/* The input budget is spent: this body gets a 503 (logged at most once a
 * second per worker, with the count). */
static void refuse_over_budget(struct conn *c)
{
    struct worker *w = c->w;
    uint64_t refused = log_throttle_due(&w->over_budget, uv_now(&w->loop));
    if (refused)
        cg_warn("worker %u: request bodies hold %zu bytes, over --max-body-memory; %llu refused with 503",
                w->index, atomic_load(w->srv->buffered), (unsigned long long)refused);
    cut_off(c, 503);
}

/* ---- opening and draining ---- */

void cg__conn_open(struct worker *w, int fd)
{
    struct conn *c = conn_new(w);
    if (uv_tcp_open(&c->tcp, fd) != 0) {
        close(fd);
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    remember_peer(c);
    conn_step(c);
}

/* Shutdown: close idle connections now; the others close after answering
 * the request they are on (see server_stopping). */
void cg__conn_drain_all(struct worker *w)
{
    struct conn *next;
    for (struct conn *c = w->conns; c; c = next) {
        next = c->next;
        if (!c->writing && !c->closing && !c->msg.in_progress && !c->job)
            conn_close(c);
        else
            cg__conn_stream_cancel(c); /* an endless stream would hold the shutdown */
    }
}
