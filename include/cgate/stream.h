/* Streamed responses: the status and headers leave first, then the body in
 * chunks as a function produces it, e.g. a long export or Server-Sent
 * Events.
 *
 *   static int count(struct cg_stream *s, void *arg)
 *   {
 *       for (int i = 0; i < 5; i++) {
 *           if (cg_stream_printf(s, "{\"n\":%d}\n", i) != 0)
 *               return -1;                      // the client has gone
 *           sleep(1);
 *       }
 *       return 0;
 *   }
 *   static int handler(struct cg_ctx *c)
 *   {
 *       return cg_stream_response(c, 200, "application/x-ndjson", count, NULL);
 *   }
 *
 * The function runs after the handler has returned and the middleware has
 * seen the response (compression leaves streams alone):
 * - local server: on a thread of its own, so it may block or sleep; the
 *   body goes out with chunked transfer encoding (HTTP/1.0: until close).
 *   A write blocks while the client is slow to read (backpressure).
 * - Lambda, function URLs and REST APIs with CG_INVOKE_MODE=response_stream:
 *   streamed through the Runtime API (HTTP integration prelude, chunked);
 *   a failure after the first byte reaches the client as the Lambda error
 *   trailers.
 * - everywhere else (HTTP APIs, ALB, VPC Lattice, invoke, buffered mode):
 *   the function runs at once and its output is sent as one body, within
 *   Lambda's 6 MB.
 * Everything the stream uses must outlive the handler: the request's arena
 * does (it is kept until the stream ends), the handler's stack does not. */
#ifndef CGATE_STREAM_H
#define CGATE_STREAM_H

#include <stdarg.h>
#include <stddef.h>

#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_ctx;
struct cg_stream;
struct cg_request;

/* Produce the body with cg_stream_write; return 0 when done, or a
 * negative value when it failed (see cg_stream_fail). */
typedef int (*cg_stream_fn)(struct cg_stream *s, void *arg);

/* Answer `status` with the headers added so far and a body that fn writes.
 * Returns 0. */
int cg_stream_response(struct cg_ctx *c, int status, const char *content_type, cg_stream_fn fn, void *arg);

/* The request being answered (read-only: it is shared with the transport). */
const struct cg_request *cg_stream_request(struct cg_stream *s);

/* Send a chunk (empty chunks are skipped). Returns 0, or -1 once the
 * client has gone or the stream has failed: stop writing and return. */
int cg_stream_write(struct cg_stream *s, const void *data, size_t len);
int cg_stream_puts(struct cg_stream *s, const char *text);
int cg_stream_printf(struct cg_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record why the stream failed (logged; on Lambda it becomes the error
 * trailer) and return -1, for `return cg_stream_fail(s, "...")`. */
int cg_stream_fail(struct cg_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One Server-Sent Event: optional `event:` and `id:` fields, then `data`
 * split into one `data:` line per line (CR, LF and CRLF all end lines), then
 * the blank line. NULL event or id: none. Returns as cg_stream_write. */
int cg_sse_send(struct cg_stream *s, const char *event, cg_str data, const char *id);
/* A comment line (": text"), which keeps idle connections open. */
int cg_sse_comment(struct cg_stream *s, const char *text);

#ifdef __cplusplus
}
#endif

#endif
