/* A streamed response body on the local server. The stream function runs
 * on a thread of its own (it may block or sleep between chunks); each
 * chunk it writes is framed and queued under a lock, and the loop thread,
 * woken by an async handle, hands the queue to libuv. The producer blocks
 * while MAX_QUEUED bytes wait, so a slow client slows it down instead of
 * filling memory.
 *
 * While a stream runs the connection reads nothing (its request still
 * points into the read buffer) and answers nothing else; the stall timeout
 * runs only while a write is pending. The body ends with the last chunk
 * when the function succeeds; a failure, or a client that goes away, cuts
 * the connection without it, so the client can tell the body is incomplete. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

#define MAX_QUEUED (256 * 1024)

struct conn_stream {
    struct conn *c;
    const struct cg_request *req;
    struct cg_response res;
    bool chunked;           /* HTTP/1.1: chunk framing; HTTP/1.0: raw until close */
    uv_thread_t thread;
    bool has_thread;
    uv_async_t wake;        /* the producer queued bytes, or returned */

    uv_mutex_t lock;        /* guards the fields up to `sending` */
    uv_cond_t room;         /* signalled when `queued` empties */
    struct cg_buf queued;   /* framed bytes the loop has not taken yet */
    bool finished;          /* the producer returned ... */
    bool failed;            /* ... having failed */
    bool cancelled;         /* the connection is going: writes fail */

    struct cg_buf sending;  /* loop thread only: in the write in flight */
    uv_write_t write_req;
    bool writing;
    bool ended;             /* the last bytes are queued or sent */
    bool broken;            /* a write failed */
};

/* ---- the producer's thread ---- */

static void frame_chunk(struct conn_stream *st, const void *data, size_t len)
{
    if (st->chunked) {
        char hex[20];
        int n = snprintf(hex, sizeof hex, "%zx\r\n", len);
        cg_buf_append(&st->queued, hex, (size_t)n);
    }
    cg_buf_append(&st->queued, data, len);
    if (st->chunked)
        cg_buf_append(&st->queued, "\r\n", 2);
}

static int sink_write(void *state, const void *data, size_t len)
{
    struct conn_stream *st = state;
    uv_mutex_lock(&st->lock);
    while (st->queued.len >= MAX_QUEUED && !st->cancelled)
        uv_cond_wait(&st->room, &st->lock);
    bool cancelled = st->cancelled;
    if (!cancelled)
        frame_chunk(st, data, len);
    uv_mutex_unlock(&st->lock);
    if (cancelled)
        return -1;
    uv_async_send(&st->wake);
    return 0;
}

static void produce(void *arg)
{
    struct conn_stream *st = arg;
    struct cg_stream s;
    int rc = cg__stream_run(&s, &st->res, st->req, (struct cg_stream_sink){ sink_write, st });
    uv_mutex_lock(&st->lock);
    st->finished = true;
    st->failed = rc != 0;
    uv_mutex_unlock(&st->lock);
    uv_async_send(&st->wake);
}

/* ---- the loop's thread ---- */

static void pump(struct conn_stream *st);

static void on_closed(uv_handle_t *h)
{
    struct conn_stream *st = h->data;
    struct conn *c = st->c;
    cg_buf_free(&st->queued);
    cg_buf_free(&st->sending);
    uv_cond_destroy(&st->room);
    uv_mutex_destroy(&st->lock);
    free(st);
    cg__conn_release(c);
}

/* Everything is written (or never will be): the producer has returned. */
static void complete(struct conn_stream *st, bool ok)
{
    if (st->has_thread)
        uv_thread_join(&st->thread);
    st->c->stream = NULL;
    cg__conn_stream_ended(st->c, ok);
    uv_close((uv_handle_t *)&st->wake, on_closed);
}

static void on_written(uv_write_t *req, int status)
{
    struct conn_stream *st = req->data;
    st->writing = false;
    st->sending.len = 0;
    cg__conn_watch_write(st->c, false);
    if (status < 0) {
        st->broken = true;
        cg__conn_stream_cancel(st->c);
    }
    pump(st);
}

/* Take what the producer queued and write it; end the body once it has
 * returned and everything it wrote is out. */
static void pump(struct conn_stream *st)
{
    if (st->writing)
        return;
    uv_mutex_lock(&st->lock);
    struct cg_buf taken = st->queued;
    st->queued = st->sending; /* empty: its memory is reused */
    st->sending = taken;
    bool finished = st->finished, ok = !st->failed && !st->cancelled;
    uv_cond_signal(&st->room);
    uv_mutex_unlock(&st->lock);
    if (finished && !st->ended) {
        st->ended = true;
        if (ok && st->chunked)
            cg_buf_append(&st->sending, "0\r\n\r\n", 5);
    }
    if (st->sending.len && !st->broken) {
        uv_buf_t b = uv_buf_init(st->sending.data, (unsigned)st->sending.len);
        if (uv_write(&st->write_req, (uv_stream_t *)&st->c->tcp, &b, 1, on_written) == 0) {
            st->writing = true;
            cg__conn_watch_write(st->c, true);
            return;
        }
        st->broken = true;
        cg__conn_stream_cancel(st->c);
    }
    if (finished)
        complete(st, ok && !st->broken);
}

static void on_wake(uv_async_t *h)
{
    pump(h->data);
}

void cg__conn_stream_start(struct conn *c, const struct cg_request *req, const struct cg_response *res)
{
    struct conn_stream *st = cg_xmalloc(sizeof *st);
    memset(st, 0, sizeof *st);
    st->c = c;
    st->req = req;
    st->res = *res;
    st->chunked = !c->msg.http10;
    cg_buf_init(&st->queued, NULL);
    cg_buf_init(&st->sending, NULL);
    uv_mutex_init(&st->lock);
    uv_cond_init(&st->room);
    uv_async_init(&c->w->loop, &st->wake, on_wake);
    st->wake.data = st->write_req.data = st;
    c->stream = st;
    c->open_handles++; /* the async handle: the connection outlives the stream */
    if (uv_thread_create(&st->thread, produce, st) == 0) {
        st->has_thread = true;
        return;
    }
    cg_error("cannot start a thread for a streamed response; the connection is closed");
    st->finished = st->failed = true;
    pump(st);
}

void cg__conn_stream_cancel(struct conn *c)
{
    struct conn_stream *st = c->stream;
    if (!st)
        return;
    uv_mutex_lock(&st->lock);
    st->cancelled = true;
    uv_cond_signal(&st->room);
    uv_mutex_unlock(&st->lock);
}
