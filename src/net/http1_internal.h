/* Reading one HTTP/1.1 response with llhttp, over any byte stream: shared
 * by the Lambda Runtime API client (plain TCP) and the AWS client (TCP or
 * TLS), which each bring their own read function. */
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

struct http1_response {
    int status;
    bool keep_alive;
    size_t received;      /* bytes read, even when reading failed */
    struct cg_buf *body;  /* the body is appended here */
    /* Called once per header, names as sent, the value followed by a NUL.
     * A value over HTTP1_MAX_VALUE bytes comes cut to that length, with
     * `cut` set. May be NULL. */
    void (*on_header)(void *ud, cg_str name, cg_str value, bool cut);
    void *ud;
};

enum http1_status { HTTP1_OK = 0, HTTP1_READ_ERROR = -1, HTTP1_CLOSED = -2, HTTP1_BAD_RESPONSE = -3 };

/* Read one whole response, filling res (status, keep_alive, received, the
 * body through res->body and the headers through res->on_header). On
 * HTTP1_BAD_RESPONSE, *why names llhttp's complaint. */
enum http1_status cg__http1_read_response(http1_read_fn read, void *stream, struct http1_response *res,
                                          const char **why);

#endif
