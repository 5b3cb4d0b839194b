/* cgate-local: API Gateway (REST, HTTP API), function URLs, ALB, VPC
 * Lattice and the Lambda Runtime API on one machine, with no Docker.
 *
 *   main.c      the command line: start-api and invoke
 *   httpd.c     a small HTTP/1.1 server (libuv + llhttp) whose requests can
 *               be answered later: the gateway's clients wait for the
 *               function, the bootstrap's GET /next waits for an event
 *   events.c    an HTTP request -> the event the chosen gateway sends
 *   gateway.c   the gateway: each request an invocation, the function's
 *               answer -> the HTTP response the gateway sends
 *   function.c  one instance of the bootstrap: its process, the Runtime API
 *               it polls, the queue of invocations, timeouts, CloudWatch-style
 *               START / END / REPORT lines
 *   stream.c    streamed responses (runtime-api.md §8-9): the prelude that
 *               heads them, the error their trailers report
 *
 * It does not reuse src/server: that server answers each request inside
 * the read callback (cg_app_handle is synchronous), and both sides here
 * must hold requests open across other events. The event decoders of
 * src/lambda go the other way; what is shared is lambda/response_body.h
 * (the text media types, the size limit) and the core's base64 and UTF-8
 * (cgate/codec.h).
 *
 * Rules cited as "gateway-events.md §n.m" and "runtime-api.md §n" are in
 * docs/design/; bare "§n.m" in events.c and gateway.c means
 * gateway-events.md. */
#ifndef CGATE_LOCAL_INTERNAL_H
#define CGATE_LOCAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <llhttp.h>
#include <uv.h>

#include "cgate/cgate.h"
#include "lambda/response_body.h"

enum gw_format { FMT_REST, FMT_HTTP, FMT_FUNCTION_URL, FMT_ALB, FMT_LATTICE_V1, FMT_LATTICE_V2 };

#define MAX_STAGE_NAME 128 /* API Gateway's limit */

struct local_opts {
    enum gw_format format;
    const char *stage;     /* the event's stage; NULL for ALB and VPC Lattice (no stages) */
    /* "/NAME" when clients call the API under its stage, as on the
     * gateway's own URL (--stage NAME, but not an HTTP API's $default);
     * "" when the API is served at the root. */
    char mount[MAX_STAGE_NAME + 2];
    int port;              /* 0: a free port */
    unsigned timeout_s;
    unsigned memory_mb;
    bool multi_value;      /* ALB target group with multi-value headers on */
    bool response_stream;  /* --invoke-mode response_stream: answers are relayed as they come */
    char **command;        /* the bootstrap and its arguments, NULL-terminated */
    char function_name[64];
};

/* ---- httpd.c ---- */

struct http_conn;

/* A complete request. It stays valid, and its connection open, until
 * it has been answered or the client goes away (then on_gone runs). */
struct http_request {
    struct http_conn *conn;
    cg_str method, target, body;
    struct cg_kv *headers, *trailers; /* trailers: after a chunked body */
    size_t nheaders, ntrailers;
    cg_str peer;                    /* the client's address */
    uint16_t local_port;            /* the port it connected to */
    struct cg_arena *arena;         /* freed or reset once answered */
    /* Set by the server's on_head to take the body one chunk at a time as
     * it arrives (`body` then stays empty); on_gone also runs if the
     * connection ends before the body does. */
    void (*on_body)(struct http_request *req, cg_str chunk);
    void (*on_gone)(struct http_request *req); /* set by whoever holds the request */
    void *owner;
};

typedef void (*http_handler)(struct http_request *req, void *data);

struct httpd {
    uv_tcp_t listener;
    uv_loop_t *loop;
    http_handler on_request;
    http_handler on_head;  /* optional, set after httpd_listen: a request's head has come */
    void *data;
    size_t max_body;     /* larger bodies are refused with 413 */
    int port;            /* the port listened on */
    struct http_conn *conns;
};

/* Listen on 127.0.0.1:port (0: a free one, then in srv->port). */
int httpd_listen(struct httpd *srv, uv_loop_t *loop, int port, size_t max_body, http_handler on_request,
                 void *data);
/* Stop listening and close every connection (held requests see on_gone). */
void httpd_close(struct httpd *srv);
/* Answer a request; headers may be NULL. Content-Length and Connection are
 * added; a HEAD request gets no body. */
void http_reply(struct http_request *req, int status, const struct cg_kv *headers, size_t nheaders,
                cg_str body);
/* Answer in pieces: the head now (chunked), then each piece as one chunk,
 * then the last chunk. A cut answer ends without it: the client can tell
 * its body is incomplete. An HTTP/1.0 client gets the body until the
 * connection closes. */
void http_reply_start(struct http_request *req, int status, const struct cg_kv *headers, size_t nheaders);
void http_reply_chunk(struct http_request *req, cg_str data);
void http_reply_end(struct http_request *req);
void http_reply_cut(struct http_request *req);
cg_str http_header(const struct http_request *req, const char *name);

/* ---- events.c ---- */

/* Whether the request's path lies under o->mount ("/prod", "/prod/...");
 * the gateway refuses the others without invoking the function. */
bool event_in_stage(const struct local_opts *o, const struct http_request *req);
/* The event the gateway sends for this request; request_id is the
 * gateway's own (requestContext.requestId). */
void event_build(const struct local_opts *o, const struct http_request *req, const char *request_id,
                 struct cg_buf *out);

/* ---- gateway.c ---- */

struct http_answer {
    int status;
    struct cg_kv *headers;
    size_t nheaders;
    cg_str body;
};

/* What the gateway makes of the function's response JSON (a string in the
 * arena); -1 with a reason when the gateway would answer 502 instead. */
int gateway_answer(const struct local_opts *o, struct cg_arena *a, cg_str response, struct http_answer *out,
                   char *why, size_t whylen);
/* The same for the prelude of a streamed response: status (200 when it has
 * none) and headers; the body follows it. */
int gateway_head(const struct local_opts *o, struct cg_arena *a, cg_str prelude, struct http_answer *out, char *why,
                 size_t whylen);

struct function;

/* Serve the gateway on 127.0.0.1:o->port, each request an invocation of
 * fn; returns the port, or -1. */
int gateway_start(uv_loop_t *loop, const struct local_opts *o, struct function *fn);
/* Close the gateway's connections; before function_free. */
void gateway_stop(void);

/* ---- function.c ---- */

enum outcome {
    OUT_RESPONSE,  /* POST /response: body is the response */
    OUT_STREAMED,  /* a streamed POST /response ended; its bytes went to on_stream */
    OUT_STREAM_FAILED, /* ...ended with error trailers: body is "Type: message" */
    OUT_ERROR,     /* POST /error: body is the error JSON */
    OUT_TOO_LARGE, /* the response was over Lambda's limit */
    OUT_CRASH,     /* the process exited during the invocation */
    OUT_TIMEOUT,
};

struct invocation {
    struct invocation *next; /* in the queue */
    char id[40];             /* Lambda's request id */
    struct cg_buf event;     /* heap */
    /* The bytes of a streamed response as they arrive (the prelude first),
     * one chunk of the bootstrap's POST at a time. */
    void (*on_stream)(struct invocation *inv, cg_str bytes);
    /* Called once with the result; body lives until it returns. */
    void (*done)(struct invocation *inv, enum outcome outcome, cg_str body);
    void *data;
};

struct function *function_new(uv_loop_t *loop, const struct local_opts *o);
/* Queue an invocation (owned by the function until done() has run). */
void function_invoke(struct function *fn, struct invocation *inv);
/* Kill the instance, fail what is queued, close the Runtime API. */
void function_free(struct function *fn);

/* A random UUID (the form Lambda's request ids have). */
void local_uuid(char out[37]);

/* ---- stream.c ---- */

#define PRELUDE_LIMIT 16384 /* the prelude and its eight NULs come within it */

enum prelude_state { PRELUDE_MORE, PRELUDE_DONE, PRELUDE_TOO_LONG };

/* Finds the prelude at the head of a streamed response, across chunks. */
struct prelude_reader {
    struct cg_buf seen; /* the bytes so far, until the NULs */
    bool done;          /* the prelude has been read */
};

void prelude_init(struct prelude_reader *p, struct cg_arena *a);
/* Feed the next bytes, until done. PRELUDE_DONE: *prelude is the JSON and
 * *rest the body bytes that came after the NULs in these bytes. */
enum prelude_state prelude_feed(struct prelude_reader *p, cg_str bytes, cg_str *prelude, cg_str *rest);

/* The error a streamed POST reported in its trailers: its type and
 * errorMessage (in the request's arena); false when it reported none. */
bool stream_error(const struct http_request *post, cg_str *type, cg_str *message);

#endif
