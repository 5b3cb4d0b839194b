/* cgate-local: API Gateway (REST, HTTP API), function URLs, ALB and the
 * Lambda Runtime API on one machine, with no Docker.
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
 *
 * It does not reuse src/server: that server answers each request inside
 * the read callback (cg_app_handle is synchronous), and both sides here
 * must hold requests open across other events. The event decoders of
 * src/lambda go the other way; what is shared is in lambda_internal.h
 * (base64, UTF-8, percent-encoding, the text media types).
 *
 * Rules cited as "adapters.md §4.x" are in ../shared/research/adapters.md,
 * "runtime.md §x" in ../shared/research/runtime.md. */
#ifndef CGATE_LOCAL_INTERNAL_H
#define CGATE_LOCAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <llhttp.h>
#include <uv.h>

#include "lambda/lambda_internal.h"

enum gw_format { FMT_REST, FMT_HTTP, FMT_FUNCTION_URL, FMT_ALB };

#define MAX_STAGE_NAME 128 /* API Gateway's limit */

struct local_opts {
    enum gw_format format;
    const char *stage;     /* the event's stage; NULL for ALB (no stages) */
    /* "/NAME" when clients call the API under its stage, as on the
     * gateway's own URL (--stage NAME, but not an HTTP API's $default);
     * "" when the API is served at the root. */
    char mount[MAX_STAGE_NAME + 2];
    int port;              /* 0: a free port */
    unsigned timeout_s;
    unsigned memory_mb;
    bool multi_value;      /* ALB target group with multi-value headers on */
    char **command;        /* the bootstrap and its arguments, NULL-terminated */
    char function_name[64];
};

/* ---- httpd.c ---- */

struct http_conn;

/* A complete request. It stays valid, and its connection open, until
 * http_reply() answers it or the client goes away (then on_gone runs). */
struct http_request {
    struct http_conn *conn;
    cg_str method, target, body;
    struct cg_kv *headers;
    size_t nheaders;
    cg_str peer;                    /* the client's address */
    uint16_t local_port;            /* the port it connected to */
    struct cg_arena *arena;         /* freed or reset once answered */
    void (*on_gone)(void *owner);   /* set by whoever holds the request */
    void *owner;
};

typedef void (*http_handler)(struct http_request *req, void *data);

struct httpd {
    uv_tcp_t listener;
    uv_loop_t *loop;
    http_handler on_request;
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

struct function;

/* Serve the gateway on 127.0.0.1:o->port, each request an invocation of
 * fn; returns the port, or -1. */
int gateway_start(uv_loop_t *loop, const struct local_opts *o, struct function *fn);
/* Close the gateway's connections; before function_free. */
void gateway_stop(void);

/* ---- function.c ---- */

enum outcome {
    OUT_RESPONSE,  /* POST /response: body is the response */
    OUT_ERROR,     /* POST /error: body is the error JSON */
    OUT_TOO_LARGE, /* the response was over Lambda's limit */
    OUT_CRASH,     /* the process exited during the invocation */
    OUT_TIMEOUT,
};

struct invocation {
    struct invocation *next; /* in the queue */
    char id[40];             /* Lambda's request id */
    struct cg_buf event;     /* heap */
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

#endif
