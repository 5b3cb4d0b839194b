/* The compression middleware through a real app: round trips with zlib's
 * and brotli's own decoders, Accept-Encoding negotiation, and every
 * response it must leave alone. */
#include <brotli/decode.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cgate/cgate.h"
#include "cgate/compress.h"
#include "cgate/testing.h"
#include "core/app_internal.h"
#include "core/patterns.h"
#include "core/docs_assets.h"

static struct cg_arena *arena;
static struct cg_app *app;
static struct cg_test *client;

/* The text every body is cut from: JSON, compressible as real answers are. */
static cg_str json_text(size_t n)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    for (int i = 0; b.len < n; i++)
        cg_buf_printf(&b, "%s{\"id\":%d,\"name\":\"item %d\",\"price\":%d.5}", i ? "," : "[", i, i * 7, i % 90);
    return (cg_str){ b.data, n };
}

/* Random bytes, which no encoder makes smaller (random printable text
 * would shrink: it uses 6.6 bits of each byte). */
static cg_str random_bytes(size_t n)
{
    char *p = cg_arena_alloc(arena, n);
    uint64_t state = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17;
        p[i] = (char)(state >> 56);
    }
    return (cg_str){ p, n };
}

/* GET /r?n=SIZE&type=TYPE&status=CODE&random=1&h=NAME:VALUE...: a body of
 * SIZE bytes (default 2000) of that type (default application/json), and
 * the headers given. */
static int respond(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    cg_str n = cg_request_query(r, "n"), type = cg_request_query(r, "type"), status = cg_request_query(r, "status");
    size_t len = n.ptr ? strtoul(n.ptr, NULL, 10) : 2000;
    cg_str body = cg_request_query(r, "random").ptr ? random_bytes(len) : json_text(len);
    const char *content_type = type.ptr ? cg_arena_strdup(arena, type).ptr : "application/json";
    cg_send(c, status.ptr ? atoi(status.ptr) : 200, content_type, body.ptr, body.len);
    for (size_t i = 0; i < r->nquery; i++) {
        if (!cg_str_eq_c(r->query[i].name, "h"))
            continue;
        const char *colon = memchr(r->query[i].value.ptr, ':', r->query[i].value.len);
        cg_str name = { r->query[i].value.ptr, (size_t)(colon - r->query[i].value.ptr) };
        cg_str value = { colon + 1, (size_t)(r->query[i].value.ptr + r->query[i].value.len - colon - 1) };
        cr_assert_eq(cg_response_add_header(cg_take_response(c), name, value), 0);
    }
    return 0;
}

/* The handler says its body is text: compression must overrule it. */
static int forced_text(struct cg_ctx *c)
{
    cg_send_json_raw(c, 200, json_text(2000));
    cg_take_response(c)->body_encoding = CG_BODY_TEXT;
    return 0;
}

static const struct cg_route routes[] = {
    CG_GET("/r", respond),
    CG_GET("/text", forced_text),
};

static void new_app(void)
{
    app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    client = cg_test_new(app);
}

static void free_app(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
}

static void setup(void)
{
    arena = cg_arena_new();
    new_app();
}

static void teardown(void)
{
    free_app();
    cg_arena_free(arena);
    cg__patterns_free();
}

TestSuite(compress, .init = setup, .fini = teardown);

static void start(const struct cg_compress_opts *opts)
{
    cr_assert_eq(cg_app_use_compression(app, opts), 0);
    cr_assert_eq(cg_app_start(app), 0);
}

/* The response the app made to a request with this Accept-Encoding (NULL:
 * none), before the transport framed it. */
static const struct cg_response *request(const char *method, const char *target, const char *accept_encoding)
{
    const char *line = accept_encoding ? cg_arena_printf(arena, "accept-encoding: %s", accept_encoding).ptr : NULL;
    struct cg_test_response *r = cg_test_request(client, &(struct cg_test_req){
        .method = method, .path = target, .headers = (const char *[]){ line, NULL } });
    cr_assert_not_null(r->core, "%s", r->body.ptr);
    return r->core;
}

static const struct cg_response *get(const char *target, const char *accept_encoding)
{
    return request("GET", target, accept_encoding);
}

static const char *header_of(const struct cg_response *res, const char *name)
{
    cg_str v = cg_response_header(res, name);
    return v.ptr ? cg_arena_strdup(arena, v).ptr : "(none)";
}

static cg_str gunzip(cg_str in, size_t max)
{
    char *out = cg_arena_alloc(arena, max);
    z_stream z = { .next_in = (Bytef *)in.ptr, .avail_in = (uInt)in.len, .next_out = (Bytef *)out,
                   .avail_out = (uInt)max };
    cr_assert_eq(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END, "not one whole gzip stream");
    cr_assert_eq(z.avail_in, 0, "bytes after the gzip stream");
    size_t len = z.total_out;
    inflateEnd(&z);
    return (cg_str){ out, len };
}

static cg_str unbrotli(cg_str in, size_t max)
{
    char *out = cg_arena_alloc(arena, max);
    size_t len = max;
    cr_assert_eq(BrotliDecoderDecompress(in.len, (const uint8_t *)in.ptr, &len, (uint8_t *)out),
                 BROTLI_DECODER_RESULT_SUCCESS);
    return (cg_str){ out, len };
}

/* ---- round trips ---- */

Test(compress, gzip_decompresses_to_the_original_byte_for_byte)
{
    start(NULL);
    const struct cg_response *res = get("/r?n=10240", "gzip");
    cr_assert_str_eq(header_of(res, "content-encoding"), "gzip");
    cr_assert_str_eq(header_of(res, "vary"), "Accept-Encoding");
    cr_assert_eq(res->body_encoding, CG_BODY_BINARY, "gateways must send the bytes base64-encoded");
    cr_assert_lt(res->body.len, 10240 / 4);
    cg_str original = json_text(10240);
    cg_str plain = gunzip(cg_buf_str(&res->body), 2 * original.len);
    cr_assert(cg_str_eq(plain, original));
}

Test(compress, brotli_decompresses_to_the_original_byte_for_byte)
{
    start(NULL);
    const struct cg_response *res = get("/r?n=100000&type=text/html;%20charset=utf-8", "br");
    cr_assert_str_eq(header_of(res, "content-encoding"), "br");
    cg_str original = json_text(100000);
    cg_str plain = unbrotli(cg_buf_str(&res->body), 2 * original.len);
    cr_assert(cg_str_eq(plain, original));
}

Test(compress, every_level_and_quality_round_trips)
{
    for (int level = 1; level <= 11; level++) {
        free_app();
        new_app();
        start(&(struct cg_compress_opts){ .gzip_level = level > 9 ? 9 : level, .brotli_quality = level });
        cg_str original = json_text(5000);
        cr_assert(cg_str_eq(gunzip(cg_buf_str(&get("/r?n=5000", "gzip")->body), 10000), original));
        cr_assert(cg_str_eq(unbrotli(cg_buf_str(&get("/r?n=5000", "br")->body), 10000), original));
    }
}

Test(compress, head_is_compressed_as_get_so_that_the_headers_match)
{
    start(NULL);
    const struct cg_response *head = request("HEAD", "/r", "gzip"), *getting = get("/r", "gzip");
    cr_assert_str_eq(header_of(head, "content-encoding"), "gzip");
    cr_assert_eq(head->body.len, getting->body.len, "the transport's Content-Length comes from it");
}

/* ---- Accept-Encoding ---- */

Test(compress, accept_encoding_q_values)
{
    static const struct {
        const char *header, *coding;
        int q;
    } cases[] = {
        { "gzip", "gzip", 1000 },
        { "gzip;q=0.5", "gzip", 500 },
        { "gzip; q=0.25 ,br", "gzip", 250 },
        { "GZip;Q=0.125", "gzip", 125 },
        { "gzip;q=1.0", "gzip", 1000 },
        { "gzip;q=1.", "gzip", 1000 },
        { "gzip;q=0", "gzip", 0 },
        { "gzip;q=0.000", "gzip", 0 },
        { "gzip;q=0.001", "gzip", 1 },
        { "x-gzip;q=0.2", "gzip", 200 },
        { "*;q=0.3", "br", 300 },
        { "*;q=0.3, br;q=0.6", "br", 600 },
        { "br;q=0, *", "br", 0 },
        { "gzip;level=1;q=0.7", "gzip", 700 },
        { "gzip;q=0.4, gzip", "gzip", 400 }, /* the first counts */
        { "deflate, zstd", "gzip", 0 },
        { "", "gzip", 0 },
        { ",, ,gzip,", "gzip", 1000 },
        /* malformed weights refuse */
        { "gzip;q=2", "gzip", 0 },
        { "gzip;q=1.001", "gzip", 0 },
        { "gzip;q=0.5000", "gzip", 0 },
        { "gzip;q=", "gzip", 0 },
        { "gzip;q=.5", "gzip", 0 },
        { "gzip;q=0,5", "gzip", 0 },
        { "gzip;q=-1", "gzip", 0 },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++)
        cr_expect_eq(cg_accept_encoding_q(cg_str_c(cases[i].header), cg_str_c(cases[i].coding)), cases[i].q,
                     "%s for %s", cases[i].header, cases[i].coding);
    cr_expect_eq(cg_accept_encoding_q((cg_str){ NULL, 0 }, CG_STR("gzip")), 0, "no header: only when asked");
}

Test(compress, the_coding_chosen)
{
    static const struct {
        const char *header, *chosen;
    } cases[] = {
        { "gzip", "gzip" },
        { "br", "br" },
        { "gzip, deflate, br", "br" },     /* equal q: br */
        { "gzip;q=0.8, br;q=0.8", "br" },
        { "br;q=0.5, gzip", "gzip" },
        { "*", "br" },
        { "*;q=0.5, br;q=0", "gzip" },
        { "*;q=0", "(none)" },
        { "br;q=0, gzip;q=0", "(none)" },
        { "identity;q=0", "(none)" },      /* the body is sent anyway */
        { "identity", "(none)" },
        { "gzip;q=0.5, identity", "(none)" }, /* identity preferred */
        { "gzip, identity;q=0.5", "gzip" },
        { "GZIP", "gzip" },
        { "  Br  ; q=1 ", "br" },
        { "x-gzip", "gzip" },
        { "deflate, compress, zstd", "(none)" },
        { "gzip;q=7", "(none)" },
        { "", "(none)" },
    };
    start(NULL);
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        const struct cg_response *res = get("/r", cases[i].header);
        cr_expect_str_eq(header_of(res, "content-encoding"), cases[i].chosen, "for %s", cases[i].header);
        cr_expect_str_eq(header_of(res, "vary"), "Accept-Encoding", "for %s", cases[i].header);
    }
    cr_expect_str_eq(header_of(get("/r", NULL), "content-encoding"), "(none)");
}

/* ---- left alone ---- */

static void expect_untouched(const char *target, const char *why)
{
    const struct cg_response *res = get(target, "gzip, br");
    cr_expect_str_eq(header_of(res, "content-encoding"), "(none)", "%s", why);
    cr_expect_str_eq(header_of(res, "vary"), "(none)", "%s", why);
}

Test(compress, small_binary_and_event_stream_bodies_are_left_alone)
{
    start(NULL);
    expect_untouched("/r?n=499", "under min_size");
    expect_untouched("/r?type=application/octet-stream", "binary");
    expect_untouched("/r?type=image/png", "binary");
    expect_untouched("/r?type=", "no type");
    expect_untouched("/r?type=text/event-stream", "events must not wait");
    expect_untouched("/r?type=application/jsonx", "not a listed type");
    cr_expect_str_eq(header_of(get("/r?n=500", "gzip"), "content-encoding"), "gzip", "min_size itself");
}

Test(compress, the_default_types)
{
    static const char *const types[] = {
        "text/plain", "TEXT/CSV", "application/json;%20charset=utf-8", "application/javascript",
        "application/xml", "application/yaml", "application/x-ndjson", "application/problem%2Bjson",
        "image/svg%2Bxml", "application/ld%2BJSON",
    };
    start(NULL);
    for (size_t i = 0; i < CG_LEN(types); i++) {
        const struct cg_response *res = get(cg_arena_printf(arena, "/r?type=%s", types[i]).ptr, "gzip");
        cr_expect_str_eq(header_of(res, "content-encoding"), "gzip", "%s", types[i]);
    }
}

Test(compress, statuses_without_a_body_ranges_and_encoded_bodies_are_left_alone)
{
    start(NULL);
    expect_untouched("/r?status=204", "no body");
    expect_untouched("/r?status=304", "no body");
    expect_untouched("/r?status=206", "a range");
    const struct cg_response *res = get("/r?h=content-encoding:deflate", "gzip");
    cr_expect_str_eq(header_of(res, "content-encoding"), "deflate");
    cr_expect(cg_str_eq(cg_buf_str(&res->body), json_text(2000)));
    cr_expect_str_eq(header_of(get("/r?status=404", "gzip"), "content-encoding"), "gzip", "errors are compressed");
}

Test(compress, no_transform_is_respected)
{
    start(NULL);
    expect_untouched("/r?h=cache-control:public,%20No-Transform", "no-transform");
    expect_untouched("/r?h=cache-control:max-age=60&h=cache-control:no-transform", "a second Cache-Control");
    cr_expect_str_eq(header_of(get("/r?h=cache-control:no-transformer", "gzip"), "content-encoding"), "gzip");
}

Test(compress, a_body_that_does_not_shrink_is_sent_as_it_is)
{
    start(NULL);
    for (int i = 0; i < 2; i++) {
        const struct cg_response *res = get("/r?random=1&n=600&type=text/plain", i ? "br" : "gzip");
        cr_expect_str_eq(header_of(res, "content-encoding"), "(none)");
        cr_expect_str_eq(header_of(res, "vary"), "Accept-Encoding");
        cr_expect(cg_str_eq(cg_buf_str(&res->body), random_bytes(600)));
        cr_expect_eq(res->body_encoding, CG_BODY_AUTO);
    }
}

Test(compress, the_docs_assets_are_sent_as_stored)
{
    if (cg__docs_nassets == 0)
        cr_skip("this build embeds no docs assets");
    start(NULL);
    const struct cg_docs_asset *a = &cg__docs_assets[0];
    const struct cg_response *res = get(cg_arena_printf(arena, "/docs/static/%s", a->name).ptr, "gzip, br");
    cr_assert_eq(res->status, 200);
    cr_assert_str_eq(header_of(res, "content-encoding"), "gzip");
    cr_assert(cg_str_eq(cg_buf_str(&res->body), (cg_str){ (const char *)a->gz, a->gz_len }));
}

/* ---- headers ---- */

Test(compress, vary_is_merged_once)
{
    start(NULL);
    cr_expect_str_eq(header_of(get("/r", NULL), "vary"), "Accept-Encoding", "also for clients that take none");
    cr_expect_str_eq(header_of(get("/r?h=vary:Origin", "gzip"), "vary"), "Origin, Accept-Encoding");
    cr_expect_str_eq(header_of(get("/r?h=vary:Origin&h=vary:Cookie", "gzip"), "vary"),
                     "Origin, Cookie, Accept-Encoding");
    cr_expect_str_eq(header_of(get("/r?h=vary:origin,%20accept-encoding", "gzip"), "vary"),
                     "origin, accept-encoding");
    cr_expect_str_eq(header_of(get("/r?h=vary:*", "gzip"), "vary"), "*");
    const struct cg_response *res = get("/r?h=vary:Origin&h=vary:Accept-Encoding", "gzip");
    size_t nvary = 0;
    for (size_t i = 0; i < res->nheaders; i++)
        nvary += cg_str_ieq(res->headers[i].name, CG_STR("vary"));
    cr_expect_eq(nvary, 2, "already there: left as it is");
}

Test(compress, strong_etags_are_weakened_and_framing_headers_dropped)
{
    start(NULL);
    const struct cg_response *res = get("/r?h=etag:\"abc\"&h=content-length:2000&h=accept-ranges:bytes", "gzip");
    cr_expect_str_eq(header_of(res, "etag"), "W/\"abc\"");
    cr_expect_str_eq(header_of(res, "content-length"), "(none)");
    cr_expect_str_eq(header_of(res, "accept-ranges"), "(none)");
    cr_expect_str_eq(header_of(get("/r?h=etag:W/\"abc\"", "gzip"), "etag"), "W/\"abc\"");
    cr_expect_str_eq(header_of(get("/r?h=etag:\"abc\"", NULL), "etag"), "\"abc\"", "not compressed: kept");
}

Test(compress, a_body_the_handler_called_text_goes_out_as_bytes)
{
    start(NULL);
    const struct cg_response *res = get("/text", "gzip");
    cr_assert_str_eq(header_of(res, "content-encoding"), "gzip");
    cr_assert_eq(res->body_encoding, CG_BODY_BINARY);
}

/* ---- options ---- */

Test(compress, options)
{
    static const char *const types[] = { "application/vnd.api+json", "+csv", "font/*", NULL };
    start(&(struct cg_compress_opts){ .min_size = 100, .types = types });
    cr_expect_str_eq(header_of(get("/r?n=100", "gzip"), "content-encoding"), "(none)", "json: not listed");
    cr_expect_str_eq(header_of(get("/r?n=100&type=application/vnd.api%2Bjson", "gzip"), "content-encoding"),
                     "gzip");
    cr_expect_str_eq(header_of(get("/r?n=100&type=text/x.a%2Bcsv", "gzip"), "content-encoding"), "gzip");
    cr_expect_str_eq(header_of(get("/r?n=100&type=font/ttf", "gzip"), "content-encoding"), "gzip");
    cr_expect_str_eq(header_of(get("/r?n=99&type=font/ttf", "gzip"), "content-encoding"), "(none)");
}

Test(compress, bad_options_are_refused)
{
    static const char *const bad_types[][2] = { { "text", NULL }, { "+", NULL }, { "text/ plain", NULL },
                                                { "/json", NULL }, { "text/", NULL }, { "", NULL } };
    cr_expect_eq(cg_app_use_compression(app, &(struct cg_compress_opts){ .gzip_level = 10 }), -1);
    cr_expect_eq(cg_app_use_compression(app, &(struct cg_compress_opts){ .gzip_level = -1 }), -1);
    cr_expect_eq(cg_app_use_compression(app, &(struct cg_compress_opts){ .brotli_quality = 12 }), -1);
    for (size_t i = 0; i < CG_LEN(bad_types); i++)
        cr_expect_eq(cg_app_use_compression(app, &(struct cg_compress_opts){ .types = bad_types[i] }), -1, "%s",
                     bad_types[i][0]);
    cr_assert_eq(app->nmiddleware, 0);
    cr_assert_str_eq(cg_app_error(app), "cg_app_use_compression: gzip_level 10 is not between 1 and 9",
                     "the first error is kept");
    cr_assert_eq(cg_app_start(app), -1, "an app whose set-up failed does not start");
    free_app();
    new_app();
    cr_assert_eq(cg_app_start(app), 0);
    cr_expect_eq(cg_app_use_compression(app, NULL), -1, "too late");
}
