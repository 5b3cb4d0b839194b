/* Reading one HTTP/1.1 response, over any byte stream: shared by the Lambda
 * Runtime API client (plain TCP) and the AWS client (TCP or TLS), which
 * each bring their own read function. A strict reader (http1_read.c):
 *
 * - status line "HTTP/1.1 NNN reason" or "HTTP/1.0 NNN reason", NNN in
 *   100-599 (the SP before an empty reason may be missing); 101 refused;
 *   interim 1xx responses skipped, their headers not reported;
 * - header lines "name: value", the name a token (RFC 9110 §5.6.2), OWS
 *   around the value dropped; obs-fold, control characters (but HTAB) and
 *   DEL refused; every line ends with CRLF: a bare LF or CR is refused;
 * - the heads of one response (interim ones too), CRLFs included, take at
 *   most HTTP1_MAX_HEAD bytes; so do its trailers;
 * - body: none for 1xx, 204 and 304; else Transfer-Encoding: chunked
 *   (extensions skipped, trailers read and dropped; any other coding
 *   refused, and in HTTP/1.0), or Content-Length (digits only, repeated
 *   only with the same value, not with Transfer-Encoding), or everything
 *   until the peer closes;
 * - keep_alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with
 *   Connection: keep-alive; never after a body read until the close.
 * Bytes read past the response's end are dropped, or kept for the next read
 * when requests were pipelined (res->buffer). */
#ifndef CGATE_HTTP1_INTERNAL_H
#define CGATE_HTTP1_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgate/buf.h"

/* Read up to cap bytes: > 0 bytes read, 0 the peer closed, -1 an error
 * (errno set; EAGAIN or EWOULDBLOCK when a read timeout expired). */
typedef ssize_t (*http1_read_fn)(void *stream, char *buf, size_t cap);

/* The longest header value passed whole to on_header. */
#define HTTP1_MAX_VALUE 1023
/* The most the heads of one response may take, and the most its trailers may. */
#define HTTP1_MAX_HEAD 16384

/* The zeros kept after a reader's buffered bytes, where its scans stop. */
#define HTTP1_PAD 32

/* A reader's buffer, kept from one response to the next by a caller that
 * pipelines requests: what was read past a response is the next one's
 * start. */
struct http1_buffer {
    size_t pos, end; /* the bytes not yet taken: data[pos..end) */
    char data[HTTP1_MAX_HEAD + HTTP1_PAD];
};

struct http1_response {
    int status;
    bool keep_alive;
    size_t received;      /* bytes of it seen (those buffered before included), even when reading failed */
    struct cg_buf *body;  /* the body is appended here */
    /* Called once per header, names as sent, the value followed by a NUL.
     * A value over HTTP1_MAX_VALUE bytes comes cut to that length, with
     * `cut` set. May be NULL. */
    void (*on_header)(void *ud, cg_str name, cg_str value, bool cut);
    void *ud;
    /* NULL: the reader buffers on its own, and drops the bytes after the
     * response. Else (pos = end = 0 to begin) its bytes are read before the
     * stream, and it is left holding those after the response (none once
     * reading failed). */
    struct http1_buffer *buffer;
};

enum http1_status { HTTP1_OK = 0, HTTP1_READ_ERROR = -1, HTTP1_CLOSED = -2, HTTP1_BAD_RESPONSE = -3 };

/* Read one whole response, filling res (status, keep_alive, received, the
 * body through res->body and the headers through res->on_header). The peer
 * closing before the response's end is HTTP1_CLOSED; on
 * HTTP1_BAD_RESPONSE, *why names what was wrong. */
enum http1_status cg__http1_read_response(http1_read_fn read, void *stream, struct http1_response *res,
                                          const char **why);

#endif
