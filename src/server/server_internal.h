/* Private interfaces of the local HTTP/1.1 server.
 *
 *   server.c      options, listening sockets, worker threads, signals
 *   accept.c      accepting connections, pausing at the open-file limit
 *   conn.c        one connection: read -> parse -> dispatch -> write, timers
 *   http_parse.c  llhttp callbacks into the message being received
 *   http_head.c   the checks of a complete head (Host, codings, limits)
 *   http_write.c  responses serialised into the connection's write batch
 *   stream.c      streamed response bodies, produced on a thread of their own
 *   pool.c        the blocking pool: threads for the routes declared blocking
 *   conn_job.c    a connection's request run on the blocking pool
 *
 * Every worker thread runs its own libuv loop with its own listening socket
 * (SO_REUSEPORT); a connection lives and dies on the loop that accepted it,
 * so nothing below is shared between threads except the read-only server,
 * the blocking pool and the jobs it hands back. */
#ifndef CGATE_SERVER_INTERNAL_H
#define CGATE_SERVER_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <llhttp.h>
#include <uv.h>

#include "core/transport.h"

struct server {
    struct cg_app *app;
    atomic_bool stopping;      /* set on SIGINT/SIGTERM, before the workers hear of it */
    struct cg_serve_opts opts; /* every default resolved */
    char id_prefix[13];        /* random per process: request ids are prefix-worker-counter */
    /* The input buffered by every connection of every worker, against
     * opts.max_body_memory: the one counter the workers share. */
    atomic_size_t *buffered;
    struct blocking_pool *pool; /* shared by the workers */
};

struct conn;
struct blocking_pool;

/* An event logged at most once a second, with the count since the line
 * before: log_throttle_due counts one and returns that count when a line is
 * due (starting the next count), 0 otherwise. */
struct log_throttle {
    uint64_t count, logged_ms;
};

static inline uint64_t log_throttle_due(struct log_throttle *t, uint64_t now_ms)
{
    t->count++;
    if (now_ms - t->logged_ms < 1000)
        return 0;
    uint64_t n = t->count;
    t->count = 0;
    t->logged_ms = now_ms;
    return n;
}

struct worker {
    const struct server *srv;
    unsigned index;
    uv_thread_t thread;
    uv_loop_t loop;
    int listen_fd;
    uv_poll_t listener;     /* readable: connections to accept (accept.c) */
    uv_timer_t accept_pause; /* accept failed (out of descriptors): try again when it fires */
    uv_async_t stop;        /* sent by the main thread on SIGINT/SIGTERM */
    struct conn *conns;     /* open connections, for draining */
    int nconns;
    bool full_reported;     /* max_connections reached and logged */
    struct log_throttle accept_failures; /* for the log: accept paused */
    uint64_t requests;      /* counter for request ids */
    struct log_throttle over_budget; /* for the log: bodies refused for max_body_memory */
    time_t date_second;     /* the Date header, formatted once per second */
    char date[32];
    /* Jobs this worker gave the blocking pool (pool.c). */
    uv_async_t jobs_done;   /* a pool thread finished one */
    uv_mutex_t jobs_lock;   /* guards jobs_finished */
    struct pool_job *jobs_finished; /* back from the pool, for the loop */
    unsigned jobs_out;      /* loop thread only: submitted and not yet back */
    struct log_throttle pool_full; /* for the log: requests refused with 503 */
};

/* A slice of the message being received: offsets from its first byte in the
 * connection's read buffer, which may move as it grows. */
struct span {
    size_t off, len;
};

struct header_span {
    struct span name, value;
};

enum msg_event { MSG_NONE, MSG_HEADERS_DONE, MSG_COMPLETE };

/* The request being received on a connection. */
struct http_msg {
    bool in_progress;       /* its first byte has arrived */
    bool in_field;          /* a header name is being received */
    bool headers_done;
    bool keep_alive;
    bool http10;
    bool head_only;         /* HEAD: the response goes without its body */
    bool about_server;      /* OPTIONS *: asks about the server, not a resource */
    bool expect_continue;   /* the client waits for "100 Continue" */
    bool continue_sent;
    bool head_offered;      /* PARSE_HEAD returned: the body is still arriving */
    enum msg_event event;   /* why llhttp paused */
    int error_status;       /* set with HPE_USER by a callback */
    size_t start;           /* offset of its first byte in conn->in */
    struct span method, target, body;
    size_t host_len;        /* of the Host value without its port: the domain */
    size_t framing;         /* chunk framing received and dropped */
    struct header_span *headers; /* heap, reused from request to request */
    size_t nheaders, headers_cap;
    uint64_t started_ns;    /* for the access log */
    uint64_t head_done_ms;  /* loop time its head was accepted: the body's rate counts from it */
};

/* Requests answered per read batch; their responses go out in one write. */
#define CONN_MAX_BATCH 16

/* PHASE_STREAM: a streamed body is being produced; only a stalled write
 * times out (cg__conn_watch_write). */
/* PHASE_JOB: the request is on the blocking pool; no timeout runs (the
 * handler's own bounds apply, as for one on the loop). */
enum conn_phase { PHASE_NONE, PHASE_IDLE, PHASE_HEAD, PHASE_BODY, PHASE_WRITE, PHASE_STREAM, PHASE_JOB, PHASE_LINGER };

struct conn_stream;
struct conn_job;

struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t write_req;
    uv_shutdown_t shutdown_req;
    struct worker *w;
    struct conn *prev, *next;
    llhttp_t parser;
    struct http_msg msg;
    struct cg_buf in;       /* received bytes; [0, parsed) went through llhttp */
    size_t parsed;
    struct cg_arena *arena; /* the responses of the current batch */
    uv_buf_t out[2 * CONN_MAX_BATCH + 2];
    unsigned nout;
    enum conn_phase phase;  /* which timeout runs */
    struct conn_stream *stream; /* the streamed body being sent, or NULL */
    struct cg_request *stream_req; /* a streamed response waiting for its head to be queued... */
    struct cg_response *stream_res; /* ... (in the arena) */
    struct conn_job *job;   /* the request on the blocking pool, or NULL */
    size_t charged;         /* of c->in's capacity, counted in server.buffered */
    int open_handles;
    bool reading, writing, closing, eof, closed;
    uint16_t peer_port;
    cg_str peer;            /* the client's address, in peer_addr */
    char peer_addr[46];     /* INET6_ADDRSTRLEN */
};

/* server.c: the numeric address as text in `out`; returns the port. */
uint16_t cg__server_address_text(const struct sockaddr_storage *a, char *out, size_t size);

/* accept.c: accept connections on the listening socket `fd` (bound) from
 * the worker's loop, until cg__accept_close (which closes fd too). When a
 * descriptor of the worker is freed, accepting resumes at once if it was
 * paused for want of one. */
int cg__accept_start(struct worker *w, int fd);
void cg__accept_close(struct worker *w);
void cg__accept_fd_freed(struct worker *w);

/* conn.c: serve a connection just accepted (fd: non-blocking). */
void cg__conn_open(struct worker *w, int fd);
void cg__conn_drain_all(struct worker *w);
/* For stream.c: one of the connection's handles has closed (it is freed
 * with the last); time a pending write out (or stop); the stream is over,
 * its body complete (ok) or cut short. */
void cg__conn_release(struct conn *c);
void cg__conn_watch_write(struct conn *c, bool pending);
void cg__conn_stream_ended(struct conn *c, bool ok);

/* For conn_job.c: queue the response to the request in c->msg; answer a
 * request back from the blocking pool and go on with the connection; its
 * deferred work is done. */
void cg__conn_queue_answer(struct conn *c, const struct cg_request *req, const struct cg_response *res);
void cg__conn_job_answered(struct conn *c, struct cg_request *req, struct cg_response *res, struct conn_job *job);
void cg__conn_job_ended(struct conn *c);

/* conn_job.c: whether the request in c->msg goes to a blocking route; hand
 * it to the pool (false: the pool is full and it was answered 503); run
 * its deferred work there once its response is queued. */
bool cg__conn_blocks(const struct conn *c, struct cg_request *req);
bool cg__conn_job_submit(struct conn *c, const struct cg_request *req);
void cg__conn_job_defer(struct conn *c, struct conn_job *job);

/* stream.c: send res's body as its stream function produces it, after the
 * head already queued; req and res must live until cg__conn_stream_ended.
 * Cancel: make the producer's writes fail (the connection is going). */
void cg__conn_stream_start(struct conn *c, const struct cg_request *req, const struct cg_response *res);
void cg__conn_stream_cancel(struct conn *c);

/* pool.c: work for the blocking pool. run is called on a pool thread, then
 * done on the loop of w. */
struct pool_job {
    struct worker *w;
    void (*run)(struct pool_job *job);
    void (*done)(struct pool_job *job);
    struct pool_job *next;
};

/* A pool of at most max_threads threads (started when first needed) and
 * max_waiting queued jobs; freed once the workers have stopped, after its
 * threads have returned. */
struct blocking_pool *cg__pool_new(unsigned max_threads, unsigned max_waiting);
void cg__pool_free(struct blocking_pool *p);
/* Queue job from w's loop; false when the pool is full (unless `always`:
 * a job whose request was admitted before) or has no thread. */
bool cg__pool_submit(struct blocking_pool *p, struct pool_job *job, bool always);
/* A worker's end of the pool: set up before its loop runs; closed after
 * the loop has ended (no job of the worker is out then). */
void cg__pool_worker_init(struct worker *w);
void cg__pool_worker_close(struct worker *w);

/* http_parse.c */
/* PARSE_HEAD: the head of a request whose body is still to come (all the
 * input went through llhttp and the body is not complete). */
enum parse_result { PARSE_NEED_MORE, PARSE_HEAD, PARSE_REQUEST, PARSE_ERROR };

/* An input buffer this large is given back once it is empty; one no larger
 * is never refused for the input budget (see conn.c). */
#define IN_BUF_KEEP (64 * 1024)

void cg__http_parser_setup(struct conn *c);
void cg__http_msg_free(struct http_msg *m);
/* Feed unparsed input to llhttp until a request is complete (PARSE_REQUEST:
 * c->msg holds it), its head is complete and its body still to come
 * (PARSE_HEAD: once per request; call again to go on), more input is
 * needed, or the input is refused (PARSE_ERROR: c->msg.error_status says
 * how to answer). */
enum parse_result cg__http_parse_next(struct conn *c);

/* A span of the message being received, as a string; never ptr NULL (that
 * would read as "absent"). */
static inline cg_str http_span(const struct conn *c, struct span s)
{
    if (s.len == 0)
        return CG_STR("");
    return (cg_str){ c->in.data + c->msg.start + s.off, s.len };
}

static inline cg_str http_trim_end(cg_str s)
{
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* http_head.c: the head of c->msg is complete (llhttp paused after it):
 * 0, or the status that refuses the request. */
int cg__http_check_head(struct conn *c);
/* The request in c->msg (complete, or its head alone) as the core's
 * request; slices point into c->in and c->arena. Numbering gives it the
 * next request id of the worker. */
void cg__http_request_fill(struct conn *c, struct cg_request *r);
void cg__http_request_number(struct conn *c, struct cg_request *r);
/* Drop input that no request needs any more. */
void cg__http_discard_parsed(struct conn *c);
/* True when the request waits for "100 Continue" before sending its body. */
bool cg__http_wants_continue(const struct conn *c);
/* Write v in decimal ending just before `end`; returns where it starts. */
char *cg__http_decimal_backwards(char *end, uint64_t v);

/* http_write.c: each call appends to c->out; body bytes queued are returned
 * for the access log. A streamed response (cg__http_streams_body) queues its
 * head only, chunked (HTTP/1.0: closing); stream.c sends the body. */
size_t cg__http_queue_response(struct conn *c, const struct cg_response *res);
bool cg__http_streams_body(const struct conn *c, const struct cg_response *res);
/* A response made by the server itself ({"detail": phrase}); closes. */
size_t cg__http_queue_error(struct conn *c, int status);
void cg__http_queue_continue(struct conn *c);

#endif
