/* The core response: status, ordered headers (repeats allowed: several
 * Set-Cookie), body. Transports add Content-Length, Date and Connection. */
#ifndef CGATE_RESPONSE_H
#define CGATE_RESPONSE_H

#include <stdbool.h>

#include "buf.h"
#include "str.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a gateway that carries bodies as JSON text (API Gateway, ALB) sends
 * this body: CG_BODY_AUTO decides from Content-Type, Content-Encoding and
 * UTF-8 validity; the others force text or base64. */
enum cg_body_encoding { CG_BODY_AUTO, CG_BODY_TEXT, CG_BODY_BINARY };

struct cg_response {
    int status;
    enum cg_body_encoding body_encoding; /* CG_BODY_AUTO unless the handler says */
    struct cg_kv *headers; /* in the arena */
    size_t nheaders;
    size_t headers_cap;
    struct cg_buf body;    /* in the arena */
    struct cg_arena *arena;
    /* A streamed body (cg_stream_response): fn NULL when the body is `body`.
     * Middleware that rewrites bodies must leave streamed ones alone. */
    struct cg_stream_body {
        cg_stream_fn fn;
        void *arg;
    } stream;
};

void cg_response_init(struct cg_response *r, struct cg_arena *arena);
/* Append a header. Refused (returns -1, logged) when the name is not an
 * HTTP token or the value holds a control character (CR, LF, NUL, ...; tab
 * is fine, RFC 9110 §5.5): no handler can split a
 * response. Both strings are copied into the arena. */
int cg_response_add_header(struct cg_response *r, cg_str name, cg_str value);
/* Replace every header with this name by one value (or add it). */
int cg_response_set_header(struct cg_response *r, cg_str name, cg_str value);
cg_str cg_response_header(const struct cg_response *r, const char *name);
/* Status line phrase ("Not Found"); "Unknown" for unlisted codes. */
const char *cg_status_phrase(int status);
/* FastAPI's rule: no body for 1xx, 204, 205 and 304. */
bool cg_status_allows_body(int status);

#ifdef __cplusplus
}
#endif

#endif
