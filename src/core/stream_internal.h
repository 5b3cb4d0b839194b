/* The transports' side of streamed responses (include/cgate/stream.h). */
#ifndef CGATE_STREAM_INTERNAL_H
#define CGATE_STREAM_INTERNAL_H

#include <stdbool.h>

#include "cgate/cgate.h"

/* Where a stream's chunks go. */
struct cg_stream_sink {
    /* Take len > 0 bytes, blocking as long as needed; 0, or -1 when the
     * stream cannot go on (the client has gone). */
    int (*write)(void *state, const void *data, size_t len);
    void *state;
};

struct cg_stream {
    const struct cg_request *req;
    struct cg_stream_sink sink;
    bool broken;       /* a write failed: every later one fails at once */
    char failure[256]; /* why the stream failed; empty while it has not */
};

/* Run the response's stream function into the sink. Returns 0 when it
 * finished, -1 when it failed, with s->failure saying why (logged). */
int cg__stream_run(struct cg_stream *s, const struct cg_response *res, const struct cg_request *req,
                   struct cg_stream_sink sink);

/* Buffered transports: run the stream now and make its output the body.
 * A failure becomes a 500, as a failing handler's. No-op for a response
 * that is not streamed. */
void cg__stream_buffer(struct cg_response *res, const struct cg_request *req);

#endif
