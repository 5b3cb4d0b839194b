/* The core request: what a transport (the HTTP server, the Lambda event
 * decoder) hands to the core. Every slice points into memory that outlives
 * the request: the transport's buffer or the request arena. */
#ifndef CGATE_REQUEST_H
#define CGATE_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cg_method {
    CG_M_GET = 1u << 0,
    CG_M_HEAD = 1u << 1,
    CG_M_POST = 1u << 2,
    CG_M_PUT = 1u << 3,
    CG_M_DELETE = 1u << 4,
    CG_M_PATCH = 1u << 5,
    CG_M_OPTIONS = 1u << 6,
    CG_M_OTHER = 1u << 7, /* any other token: never routed, answered 405 */
};

struct cg_request {
    cg_str method;           /* the token as received, e.g. "GET" */
    unsigned method_id;      /* one enum cg_method bit; set by cg_request_prepare */
    cg_str raw_path;         /* as received: percent-encoded, without the query */
    cg_str path;             /* decoded; cg_request_prepare fills it from raw_path if empty */
    cg_str query_string;     /* raw, without '?' */
    struct cg_kv *query;     /* decoded, in order, repeated keys kept */
    size_t nquery;
    struct cg_kv *headers;   /* in order, repeated names kept, names as received */
    size_t nheaders;
    struct cg_kv *cookies;   /* from every Cookie header, in order */
    size_t ncookies;
    cg_str body;
    cg_str client_addr;      /* textual IP address */
    uint16_t client_port;
    cg_str scheme;           /* "http" or "https" */
    cg_str root_path;        /* prefix the app is mounted under ("" locally) */
    cg_str request_id;       /* Lambda: the invocation's request id */
    struct cg_arena *arena;  /* per-request memory; owned by the transport */

    /* Where the request came from; the local server may leave these empty. */
    cg_str source;           /* "apigw-rest", "apigw-http", "function-url", "alb", "local" */
    cg_str stage;            /* API Gateway stage ("$default", "prod"); ptr NULL when none */
    uint16_t server_port;    /* port the client connected to (x-forwarded-port); 0 if unknown */
    /* Lambda only: the event as received and its requestContext object (JSON
     * text; ptr NULL when absent), the X-Ray trace header, and the deadline
     * (Unix epoch milliseconds; 0 when none, see cg_lambda_remaining_ms). */
    cg_str event;
    cg_str event_context;
    cg_str trace_id;
    int64_t deadline_ms;
    bool cold_start;         /* Lambda: the invocation that started the process */
    /* The requestContext's authorizer object (JSON text: JWT claims, a Lambda
     * authorizer's context, IAM identity; ptr NULL when absent), and the
     * domain the client called (requestContext.domainName, else Host). */
    cg_str authorizer;
    cg_str domain;

    struct cg_deferred *deferred; /* cg_request_defer's list, oldest first */
    /* Answered without its body (see cg_app_refuses_head): no route runs. */
    bool body_withheld;
    /* The core's: the route it matched, kept for the next lookup. NULL in a
     * new request (transports fill requests with designated initialisers). */
    struct cg__routing *routing;
};

/* Work to do once the response has left: after it is written to the socket
 * (local server) or posted to the Runtime API (Lambda), before the next
 * request on that connection or the next /next. As Starlette's background
 * tasks: the client does not wait for it. The request and its arena are
 * still valid while it runs. Runs on the same thread, in the order added. */
typedef void (*cg_deferred_fn)(struct cg_request *req, void *arg);
void cg_request_defer(struct cg_request *r, cg_deferred_fn fn, void *arg);
/* Transports: run and forget the deferred work (no-op when there is none). */
void cg_request_run_deferred(struct cg_request *r);

/* The request the calling thread is handling: set while the app's code for
 * it runs (middleware and handler in cg_app_handle, a stream function,
 * deferred work), NULL elsewhere. For code that is not handed the request
 * but acts for it: the AWS client ends its calls before req->deadline_ms. */
const struct cg_request *cg_request_current(void);

/* Fill what the transport left empty: method_id, source ("local"), path
 * (percent-decoded from raw_path), query (from query_string, unless the
 * transport set it) and cookies (from the Cookie headers). Idempotent. */
void cg_request_prepare(struct cg_request *r);

enum cg_method cg_method_parse(cg_str token);
const char *cg_method_name(enum cg_method m);

/* First header with this name (ASCII case-insensitive); ptr NULL if absent. */
cg_str cg_request_header(const struct cg_request *r, const char *name);
/* The next element of a comma-separated header value, trimmed; advances
 * *list (empty when it is used up). */
cg_str cg_header_next_element(cg_str *list);
/* How much a client wants `coding` by its Accept-Encoding value (RFC 9110
 * §12.5.3), in thousandths: the q of the coding's own element, else that of
 * "*", else 0. Codings ignore case; "x-gzip" counts as "gzip"; an element
 * without q has 1000; a malformed q (q=2, q=0.5000, q=x) counts as 0. An
 * absent header (ptr NULL) gives 0: compression only when asked for. */
int cg_accept_encoding_q(cg_str accept_encoding, cg_str coding);
/* The token of `Authorization: Bearer <token>` (scheme in any case); ptr
 * NULL when there is none or it is empty. */
cg_str cg_bearer_token(const struct cg_request *r);
/* The last query value / cookie with this exact name, as Starlette's
 * request.query_params[name] and request.cookies[name]; ptr NULL if absent. */
cg_str cg_request_query(const struct cg_request *r, const char *name);
cg_str cg_request_cookie(const struct cg_request *r, const char *name);

/* Decoding helpers (exposed for the Lambda adapter and the tests). */
/* Percent-decode into the arena; '+' becomes a space when plus_is_space.
 * Malformed escapes ("%zz", a trailing "%") are kept literally, as
 * Starlette does. */
cg_str cg_percent_decode(struct cg_arena *a, cg_str s, bool plus_is_space);
/* Parse "a=1&b=2&a=3" (application/x-www-form-urlencoded rules); blank
 * values kept; returns the number of pairs, array in the arena. */
size_t cg_query_parse(struct cg_arena *a, cg_str qs, struct cg_kv **out);
/* Parse one Cookie header value ("a=1; b=2") and append to (*kv, *n), with the
 * same rules as Starlette's cookie_parser (values unquoted, not decoded). */
void cg_cookie_parse(struct cg_arena *a, cg_str header, struct cg_kv **kv, size_t *n);

#ifdef __cplusplus
}
#endif

#endif
