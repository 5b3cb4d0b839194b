/* Response compression: gzip (zlib) or brotli, chosen by the request's
 * Accept-Encoding, for bodies of compressible types above a minimum size.
 * docs/middleware.md has the rules in full.
 *
 *   cg_app_use_compression(app, NULL);                           // defaults
 *   cg_app_use_compression(app, &(struct cg_compress_opts){ .min_size = 1024 });
 *
 * What it leaves alone: streamed bodies, responses that already have a
 * Content-Encoding (the docs pages' assets), statuses without a body, 206,
 * bodies under min_size, types outside the list, text/event-stream, and
 * `Cache-Control: no-transform`. A compressed response gets
 * Content-Encoding, loses any Content-Length and Accept-Ranges, and has a
 * strong ETag weakened (W/"..."): the two representations never share a
 * strong validator. Every response it could compress, compressed or not,
 * gets `Vary: Accept-Encoding`, so that caches keep the variants apart. On
 * Lambda the compressed body is sent base64-encoded. */
#ifndef CGATE_COMPRESS_H
#define CGATE_COMPRESS_H

#include <stddef.h>

#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;

struct cg_compress_opts {
    /* Smaller bodies are sent as they are; 0 means 500 bytes (Starlette's
     * GZipMiddleware minimum_size). */
    size_t min_size;
    /* zlib level 1..9; 0 means 6 (zlib's own default: within 4 % of level
     * 9's size on JSON for two thirds of its CPU). */
    int gzip_level;
    /* brotli quality 1..11; 0 means 5 (a fifth smaller than gzip 6 on JSON
     * for the same CPU; 10 and 11 cost milliseconds). A build without
     * brotli (CG_BROTLI=OFF: the Lambda presets) offers gzip alone. */
    int brotli_quality;
    /* Compressible media types, NULL-terminated, compared ignoring case: a
     * type ("application/json"), a range whose subtype is "*" (any text
     * type: "text/" then "*"), or a suffix ("+json": any type ending so).
     * NULL: every text type, application/json, application/javascript,
     * application/xml, application/yaml, application/x-ndjson, +json and
     * +xml. text/event-stream is never compressed (events must not wait). */
    const char *const *types;
};

/* Add the middleware (include/cgate/middleware.h); before cg_app_start.
 * Middleware added after it runs outside it and sees the compressed
 * response: one that rewrites bodies must be added before it. Returns 0, or
 * -1 for a level or quality out of range, a malformed type, or an app that
 * has started: a set-up error of the app (app.h: logged, kept, and the app
 * never starts). The options and the type list are copied. */
int cg_app_use_compression(struct cg_app *app, const struct cg_compress_opts *opts);

/* cg_accept_encoding_q (request.h) reads Accept-Encoding. */

#ifdef __cplusplus
}
#endif

#endif
