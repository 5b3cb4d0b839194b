/* Response compression (include/cgate/compress.h): one-shot gzip or brotli
 * of the finished body into the request arena.
 *
 * The output buffer is one byte smaller than the body: an encoder that does
 * not fit has not made the body smaller, and the body goes out as it is.
 * A response with a body under min_size costs one comparison; a larger one
 * that cannot be compressed, a few header scans. Neither allocates.
 *
 * A build without brotli (CG_BROTLI=OFF, as the Lambda presets are) offers
 * gzip alone: "br" in Accept-Encoding is then ignored. */
#ifdef CG_HAVE_BROTLI
#include <brotli/encode.h>
#endif
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cgate/app.h"
#include "cgate/compress.h"
#include "cgate/log.h"
#include "cgate/middleware.h"

#define DEFAULT_MIN_SIZE       500
#define DEFAULT_GZIP_LEVEL     6
#define DEFAULT_BROTLI_QUALITY 5
#define MAX_BROTLI_QUALITY     11 /* BROTLI_MAX_QUALITY, also without brotli */

#ifdef CG_HAVE_BROTLI
static const bool have_brotli = true;
#else
static const bool have_brotli = false;
#endif

static const char *const default_types[] = {
    "text/*", "application/json", "application/javascript", "application/xml",
    "application/yaml", "application/x-ndjson", "+json", "+xml", NULL,
};

/* A media type pattern, parsed once: a range ("text/" and "*") is stored
 * as the prefix "text/", "+json" as a suffix. */
struct type_pattern {
    enum { MATCH_EXACT, MATCH_PREFIX, MATCH_SUFFIX } how;
    cg_str text; /* on the heap */
};

struct compress {
    size_t min_size;
    int gzip_level;
    int brotli_quality;
    struct type_pattern *types;
    size_t ntypes;
};

enum coding { CODING_IDENTITY, CODING_GZIP, CODING_BROTLI };

/* ---- Accept-Encoding ---- */

/* The highest q wins; on a tie br goes first (smaller for the same CPU).
 * identity wins only when listed with a higher q than both. */
static enum coding choose_coding(cg_str header)
{
    if (!header.ptr)
        return CODING_IDENTITY;
    int br = have_brotli ? cg_accept_encoding_q(header, CG_STR("br")) : 0;
    int gzip = cg_accept_encoding_q(header, CG_STR("gzip"));
    int best = br > gzip ? br : gzip;
    if (best == 0 || cg_accept_encoding_q(header, CG_STR("identity")) > best)
        return CODING_IDENTITY;
    return br >= gzip ? CODING_BROTLI : CODING_GZIP;
}

/* ---- what may be compressed ---- */

/* "application/json; charset=utf-8" -> "application/json" */
static cg_str media_type(cg_str content_type)
{
    const char *semi = memchr(content_type.ptr, ';', content_type.len);
    return cg_str_trim(semi ? (cg_str){ content_type.ptr, (size_t)(semi - content_type.ptr) } : content_type);
}

static bool type_matches(cg_str type, const struct type_pattern *p)
{
    switch (p->how) {
    case MATCH_PREFIX:
        return type.len > p->text.len && cg_str_ieq((cg_str){ type.ptr, p->text.len }, p->text);
    case MATCH_SUFFIX:
        return type.len > p->text.len &&
               cg_str_ieq((cg_str){ type.ptr + type.len - p->text.len, p->text.len }, p->text);
    case MATCH_EXACT:
        return cg_str_ieq(type, p->text);
    }
    return false;
}

static bool type_listed(const struct compress *cfg, cg_str content_type)
{
    if (!content_type.ptr)
        return false;
    cg_str type = media_type(content_type);
    /* An event stream is read as it arrives: compressing it would hold
     * events back until the encoder's buffer fills. */
    if (cg_str_ieq(type, CG_STR("text/event-stream")))
        return false;
    for (size_t i = 0; i < cfg->ntypes; i++)
        if (type_matches(type, &cfg->types[i]))
            return true;
    return false;
}

/* RFC 9111 §5.2.2.6: no-transform forbids changing the content coding. */
static bool forbids_transform(const struct cg_response *res)
{
    for (size_t i = 0; i < res->nheaders; i++) {
        if (!cg_str_ieq(res->headers[i].name, CG_STR("cache-control")))
            continue;
        cg_str list = res->headers[i].value;
        while (list.len) {
            cg_str directive = cg_header_next_element(&list);
            const char *eq = memchr(directive.ptr, '=', directive.len);
            if (eq)
                directive.len = (size_t)(eq - directive.ptr);
            if (cg_str_ieq(cg_str_trim(directive), CG_STR("no-transform")))
                return true;
        }
    }
    return false;
}

/* Whether this response depends on Accept-Encoding, cheapest tests first.
 * A streamed response has an empty body here (cg_stream_response), so the
 * size test leaves streams alone. */
static bool compressible(const struct compress *cfg, const struct cg_response *res)
{
    if (res->body.len < cfg->min_size)
        return false;
    if (!cg_status_allows_body(res->status) || res->status == 206) /* a range of which representation? */
        return false;
    return !cg_response_header(res, "content-encoding").ptr &&
           type_listed(cfg, cg_response_header(res, "content-type")) && !forbids_transform(res);
}

/* ---- headers ---- */

static bool lists_token(cg_str list, cg_str token)
{
    while (list.len) {
        cg_str element = cg_header_next_element(&list);
        if (cg_str_ieq(element, token) || cg_str_eq(element, CG_STR("*")))
            return true;
    }
    return false;
}

/* Merge every Vary into one and add Accept-Encoding, unless a Vary already
 * lists it or "*". */
static void add_vary(struct cg_response *res)
{
    struct cg_buf vary;
    cg_buf_init(&vary, res->arena);
    for (size_t i = 0; i < res->nheaders; i++) {
        if (!cg_str_ieq(res->headers[i].name, CG_STR("vary")))
            continue;
        if (lists_token(res->headers[i].value, CG_STR("accept-encoding")))
            return;
        cg_buf_append_str(&vary, res->headers[i].value);
        cg_buf_append(&vary, ", ", 2);
    }
    cg_buf_puts(&vary, "Accept-Encoding");
    cg_response_set_header(res, CG_STR("vary"), cg_buf_str(&vary));
}

static void remove_header(struct cg_response *res, cg_str name)
{
    size_t kept = 0;
    for (size_t i = 0; i < res->nheaders; i++)
        if (!cg_str_ieq(res->headers[i].name, name))
            res->headers[kept++] = res->headers[i];
    res->nheaders = kept;
}

/* As nginx: W/"x" still matches If-None-Match (a weak comparison) but no
 * longer claims the compressed bytes equal the original's (a strong one). */
static void weaken_etags(struct cg_response *res)
{
    for (size_t i = 0; i < res->nheaders; i++) {
        cg_str *value = &res->headers[i].value;
        if (cg_str_ieq(res->headers[i].name, CG_STR("etag")) && value->len && value->ptr[0] == '"')
            *value = cg_arena_printf(res->arena, "W/%.*s", (int)value->len, value->ptr);
    }
}

/* ---- encoding ---- */

/* The smallest window that holds the whole body, within [min, max]: the
 * same output as the largest window, with less memory to set up (on 10 KB
 * of JSON, gzip 6 takes a third less time, brotli 9 twenty times less). */
static int window_bits(size_t len, int min, int max)
{
    int bits = min;
    while (bits < max && ((size_t)1 << bits) < len)
        bits++;
    return bits;
}

/* The length of the gzip stream written to out, or 0 when it did not fit
 * in cap bytes or zlib failed. */
static size_t gzip_into(const struct compress *cfg, cg_str in, char *out, size_t cap)
{
    if (in.len > UINT_MAX)
        return 0;
    int wbits = window_bits(in.len, 9, MAX_WBITS);
    int mem_level = wbits - 7; /* the hash table shrinks with the window: 8 at 15 */
    z_stream z = { .next_in = (Bytef *)in.ptr, .avail_in = (uInt)in.len,
                   .next_out = (Bytef *)out, .avail_out = (uInt)(cap > UINT_MAX ? UINT_MAX : cap) };
    if (deflateInit2(&z, cfg->gzip_level, Z_DEFLATED, 16 + wbits, mem_level, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0; /* 16: a gzip header and trailer rather than zlib's */
    int rc = deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? len : 0;
}

#ifdef CG_HAVE_BROTLI
_Static_assert(MAX_BROTLI_QUALITY == BROTLI_MAX_QUALITY, "brotli's quality range");

static size_t brotli_into(const struct compress *cfg, cg_str in, char *out, size_t cap)
{
    size_t len = cap;
    int lgwin = window_bits(in.len, BROTLI_MIN_WINDOW_BITS, BROTLI_DEFAULT_WINDOW);
    if (!BrotliEncoderCompress(cfg->brotli_quality, lgwin, BROTLI_MODE_TEXT, in.len, (const uint8_t *)in.ptr,
                               &len, (uint8_t *)out))
        return 0;
    return len;
}
#endif

/* The length of the body encoded into out, or 0 when it did not fit. */
static size_t encode_into(const struct compress *cfg, enum coding coding, cg_str in, char *out, size_t cap)
{
#ifdef CG_HAVE_BROTLI
    if (coding == CODING_BROTLI)
        return brotli_into(cfg, in, out, cap);
#endif
    (void)coding;
    return gzip_into(cfg, in, out, cap);
}

static void encode_body(const struct compress *cfg, enum coding coding, struct cg_response *res)
{
    cg_str body = cg_buf_str(&res->body);
    struct cg_buf out;
    cg_buf_init(&out, res->arena);
    char *p = cg_buf_reserve(&out, body.len - 1);
    out.len = encode_into(cfg, coding, body, p, body.len - 1);
    const char *name = coding == CODING_BROTLI ? "br" : "gzip";
    if (out.len == 0) {
        cg_debug("compression: %s did not make the %zu-byte body smaller; sent as it is", name, body.len);
        return;
    }
    res->body = out;
    /* Bytes now, whatever the type: gateways must carry them base64-encoded. */
    res->body_encoding = CG_BODY_BINARY;
    remove_header(res, CG_STR("content-length"));
    remove_header(res, CG_STR("accept-ranges"));
    weaken_etags(res);
    cg_response_add_header(res, CG_STR("content-encoding"), cg_str_c(name));
}

static void compress_middleware(void *state, struct cg_request *req, struct cg_response *res,
                                struct cg_next *next)
{
    const struct compress *cfg = state;
    cg_next(next, req, res);
    if (!compressible(cfg, res))
        return;
    /* Even when this client takes no coding: a cache must not hand the
     * plain variant to one that does, nor the reverse. */
    add_vary(res);
    /* HEAD is compressed as GET, so that its Content-Length and ETag match. */
    enum coding coding = choose_coding(cg_request_header(req, "accept-encoding"));
    if (coding != CODING_IDENTITY)
        encode_body(cfg, coding, res);
}

/* ---- set-up ---- */

static bool is_token(cg_str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!isalnum((unsigned char)s.ptr[i]) && !strchr("!#$&-^_.+", s.ptr[i]))
            return false;
    return true;
}

/* "type/subtype", a range ("type/" and "*"), or "+suffix" (RFC 6838 names). */
static bool parse_pattern(const char *text, struct type_pattern *out)
{
    cg_str s = cg_str_c(text);
    const char *slash = memchr(s.ptr, '/', s.len);
    if (s.len && s.ptr[0] == '+') {
        out->how = MATCH_SUFFIX;
        return is_token((cg_str){ s.ptr + 1, s.len - 1 });
    }
    if (!slash || !is_token((cg_str){ s.ptr, (size_t)(slash - s.ptr) }))
        return false;
    cg_str subtype = { slash + 1, (size_t)(s.ptr + s.len - slash - 1) };
    out->how = cg_str_eq(subtype, CG_STR("*")) ? MATCH_PREFIX : MATCH_EXACT;
    return out->how == MATCH_PREFIX || is_token(subtype);
}

static void compress_free(void *state)
{
    struct compress *cfg = state;
    for (size_t i = 0; i < cfg->ntypes; i++)
        free((char *)cfg->types[i].text.ptr);
    free(cfg->types);
    free(cfg);
}

/* Copy the type list; a range keeps its prefix only ("text/"). */
static bool copy_types(struct cg_app *app, struct compress *cfg, const char *const *types)
{
    size_t n = 0;
    while (types[n])
        n++;
    cfg->types = cg_xmalloc((n ? n : 1) * sizeof *cfg->types);
    for (; cfg->ntypes < n; cfg->ntypes++) {
        struct type_pattern *p = &cfg->types[cfg->ntypes];
        if (!parse_pattern(types[cfg->ntypes], p)) {
            cg_app_fail(app, "cg_app_use_compression: types: \"%s\" is not a media type, \"type/*\" or \"+suffix\"",
                        types[cfg->ntypes]);
            return false;
        }
        size_t len = strlen(types[cfg->ntypes]) - (p->how == MATCH_PREFIX);
        char *text = cg_xmalloc(len + 1);
        memcpy(text, types[cfg->ntypes], len);
        text[len] = '\0';
        p->text = (cg_str){ text, len };
    }
    return true;
}

static bool in_range(struct cg_app *app, const char *what, int value, int min, int max)
{
    if (value >= min && value <= max)
        return true;
    cg_app_fail(app, "cg_app_use_compression: %s %d is not between %d and %d", what, value, min, max);
    return false;
}

int cg_app_use_compression(struct cg_app *app, const struct cg_compress_opts *opts)
{
    struct cg_compress_opts o = opts ? *opts : (struct cg_compress_opts){ 0 };
    struct compress *cfg = cg_xmalloc(sizeof *cfg);
    *cfg = (struct compress){
        .min_size = o.min_size ? o.min_size : DEFAULT_MIN_SIZE,
        .gzip_level = o.gzip_level ? o.gzip_level : DEFAULT_GZIP_LEVEL,
        .brotli_quality = o.brotli_quality ? o.brotli_quality : DEFAULT_BROTLI_QUALITY,
    };
    bool valid = in_range(app, "gzip_level", cfg->gzip_level, 1, 9) &&
                 in_range(app, "brotli_quality", cfg->brotli_quality, 1, MAX_BROTLI_QUALITY) &&
                 copy_types(app, cfg, o.types ? o.types : default_types);
    if (!valid || cg_app_use(app, &(struct cg_middleware){ "compression", compress_middleware, cfg,
                                                           compress_free }) != 0) {
        compress_free(cfg);
        return -1;
    }
    return 0;
}
