/* Percent-decoding, query strings, cookies, header lookup. */
#include <criterion/criterion.h>
#include <ctype.h>

#include "cgate/cgate.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(request, .init = setup, .fini = teardown);

#define assert_str(s, expected)                                                                   \
    cr_assert(cg_str_eq((s), cg_str_c(expected)), "got \"%.*s\", want \"%s\"", (int)(s).len, (s).ptr, \
              expected)

Test(request, percent_decode)
{
    assert_str(cg_percent_decode(arena, CG_STR("/a%20b"), false), "/a b");
    assert_str(cg_percent_decode(arena, CG_STR("/a+b"), false), "/a+b");
    assert_str(cg_percent_decode(arena, CG_STR("a+b"), true), "a b");
    assert_str(cg_percent_decode(arena, CG_STR("%e2%82%AC"), false), "\xe2\x82\xac");
    assert_str(cg_percent_decode(arena, CG_STR("/a/%2e%2e/b"), false), "/a/../b");
}

Test(request, malformed_escapes_are_kept)
{
    assert_str(cg_percent_decode(arena, CG_STR("%zz%"), false), "%zz%");
    assert_str(cg_percent_decode(arena, CG_STR("100%"), false), "100%");
    assert_str(cg_percent_decode(arena, CG_STR("%4"), false), "%4");
    assert_str(cg_percent_decode(arena, CG_STR("%41%"), false), "A%");
}

Test(request, nul_is_decoded_with_its_length)
{
    cg_str s = cg_percent_decode(arena, CG_STR("a%00b"), false);
    cr_assert_eq(s.len, 3);
    cr_assert_eq(s.ptr[1], '\0');
}

Test(request, query_keeps_order_and_repeats)
{
    struct cg_kv *kv;
    size_t n = cg_query_parse(arena, CG_STR("a=1&b=x+y&a=3&&c&d=&e=%26%3D"), &kv);
    cr_assert_eq(n, 6);
    assert_str(kv[0].name, "a");
    assert_str(kv[0].value, "1");
    assert_str(kv[1].value, "x y");
    assert_str(kv[2].name, "a");
    assert_str(kv[2].value, "3");
    assert_str(kv[3].name, "c");
    assert_str(kv[3].value, "");
    assert_str(kv[4].name, "d");
    assert_str(kv[4].value, "");
    assert_str(kv[5].value, "&=");
}

Test(request, empty_query)
{
    struct cg_kv *kv;
    cr_assert_eq(cg_query_parse(arena, CG_STR(""), &kv), 0);
    cr_assert_eq(cg_query_parse(arena, CG_STR("&&"), &kv), 0);
}

Test(request, cookies)
{
    struct cg_kv *kv = NULL;
    size_t n = 0;
    cg_cookie_parse(arena, CG_STR("a=1; b = two ;c=\"quoted\\\"x\";novalue; ;e=\"\\101\""), &kv, &n);
    cr_assert_eq(n, 5);
    assert_str(kv[0].name, "a");
    assert_str(kv[0].value, "1");
    assert_str(kv[1].name, "b");
    assert_str(kv[1].value, "two");
    assert_str(kv[2].value, "quoted\"x");
    assert_str(kv[3].name, "");
    assert_str(kv[3].value, "novalue");
    assert_str(kv[4].value, "A");
}

/* An empty Cookie header with no storage at all ({NULL, 0}: what joining
 * one empty v2 cookie gives) adds nothing and keeps what was there. */
Test(request, empty_cookie_header_without_storage)
{
    struct cg_kv kept = { CG_STR("a"), CG_STR("1") };
    struct cg_kv *kv = &kept;
    size_t n = 1;
    cg_cookie_parse(arena, (cg_str){ NULL, 0 }, &kv, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(kv, &kept);
}

Test(request, prepare_and_lookups)
{
    struct cg_kv headers[] = {
        { CG_STR("Host"), CG_STR("example") },
        { CG_STR("Cookie"), CG_STR("s=1; t=2") },
        { CG_STR("X-Dup"), CG_STR("first") },
        { CG_STR("cookie"), CG_STR("s=3") },
        { CG_STR("x-dup"), CG_STR("second") },
    };
    struct cg_request r = {
        .method = CG_STR("DELETE"),
        .raw_path = CG_STR("/items/%41"),
        .query_string = CG_STR("q=1&q=2"),
        .headers = headers,
        .nheaders = CG_LEN(headers),
        .arena = arena,
    };
    cg_request_prepare(&r);
    cr_assert_eq(r.method_id, CG_M_DELETE);
    assert_str(r.path, "/items/A");
    cr_assert_eq(r.nquery, 2);
    assert_str(cg_request_query(&r, "q"), "2");
    cr_assert_null(cg_request_query(&r, "missing").ptr);
    assert_str(cg_request_header(&r, "X-DUP"), "first");
    cr_assert_eq(r.ncookies, 3);
    assert_str(cg_request_cookie(&r, "s"), "3");
    assert_str(cg_request_cookie(&r, "t"), "2");
}

Test(request, methods)
{
    cr_assert_eq(cg_method_parse(CG_STR("PATCH")), CG_M_PATCH);
    cr_assert_eq(cg_method_parse(CG_STR("get")), CG_M_OTHER);
    cr_assert_eq(cg_method_parse(CG_STR("BREW")), CG_M_OTHER);
    cr_assert_str_eq(cg_method_name(CG_M_OPTIONS), "OPTIONS");
}

Test(request, response_headers_refuse_crlf)
{
    struct cg_response res;
    cg_response_init(&res, arena);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("x-ok"), CG_STR("fine")), 0);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("x-bad"), CG_STR("a\r\nSet-Cookie: evil")), -1);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("x-bad"), CG_STR("a\nb")), -1);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("x bad"), CG_STR("v")), -1);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("set-cookie"), CG_STR("a=1")), 0);
    cr_assert_eq(cg_response_add_header(&res, CG_STR("Set-Cookie"), CG_STR("b=2")), 0);
    cr_assert_eq(res.nheaders, 3);
    cg_response_set_header(&res, CG_STR("SET-COOKIE"), CG_STR("c=3"));
    cr_assert_eq(res.nheaders, 2);
    assert_str(cg_response_header(&res, "set-cookie"), "c=3");
}

/* Names are checked a bit per character and values eight bytes at a time:
 * against the rules byte by byte, for every byte, in every position of
 * values of 1 to 17 bytes (two words and one more byte). */
Test(request, response_header_bytes_match_the_rules)
{
    struct cg_response res;
    cg_response_init(&res, arena);
    for (int c = 1; c < 256; c++) {
        char name[2] = { 'x', (char)c };
        bool token = isalnum(c) ? c < 128 : c && strchr("!#$%&'*+-.^_`|~", c);
        cr_assert_eq(cg_response_add_header(&res, (cg_str){ name, 2 }, CG_STR("v")) == 0, token, "name byte %d", c);
        bool allowed = (c >= 0x20 || c == '\t') && c != 0x7f;
        for (size_t len = 1; len <= 17; len++) {
            for (size_t at = 0; at < len; at++) {
                char value[17];
                memset(value, 'v', len);
                value[at] = (char)c;
                int rc = cg_response_add_header(&res, CG_STR("x"), (cg_str){ value, len });
                cr_assert_eq(rc == 0, allowed, "value byte %d at %zu of %zu", c, at, len);
            }
        }
        res.nheaders = 0;
    }
    cr_assert_eq(cg_response_add_header(&res, CG_STR("x"), CG_STR("a\tb\x80\xff")), 0);
    assert_str(cg_response_header(&res, "X"), "a\tb\x80\xff");
}

Test(request, arena_realloc_in_place_and_large_blocks)
{
    char *p = cg_arena_alloc(arena, 10);
    memcpy(p, "0123456789", 10);
    char *q = cg_arena_realloc(arena, p, 10, 100);
    cr_assert_eq(p, q);
    char *big = cg_arena_alloc(arena, 100000);
    memset(big, 'x', 100000);
    char *r = cg_arena_realloc(arena, q, 100, 200);
    cr_assert_eq(memcmp(r, "0123456789", 10), 0);
    cg_arena_reset(arena);
    cr_assert_not_null(cg_arena_alloc(arena, 8));
}

/* Header names are compared ignoring ASCII case, eight bytes at a time:
 * against the byte-by-byte rule, for every pair of bytes in every position
 * of names of 1 to 20 bytes, and for names that differ in length. */
static unsigned char lower_byte(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c | 0x20) : c;
}

Test(request, case_insensitive_names_match_the_byte_rule)
{
    char a[20], b[20];
    for (size_t len = 1; len <= sizeof a; len++) {
        memset(a, 'k', len);
        memcpy(b, a, len);
        for (size_t pos = 0; pos < len; pos += 7) {
            for (unsigned x = 0; x < 256; x++) {
                for (unsigned y = 0; y < 256; y++) {
                    a[pos] = (char)x;
                    b[pos] = (char)y;
                    bool expected = lower_byte((unsigned char)x) == lower_byte((unsigned char)y);
                    cr_assert_eq(cg_str_ieq((cg_str){ a, len }, (cg_str){ b, len }), expected,
                                 "len %zu pos %zu: %#x %#x", len, pos, x, y);
                }
            }
            a[pos] = b[pos] = 'k';
        }
    }
    cr_assert(cg_str_ieq(CG_STR("Content-Length"), CG_STR("content-length")));
    cr_assert(!cg_str_ieq(CG_STR("Content-Length"), CG_STR("content-lengths")));
    cr_assert(cg_str_ieq(CG_STR(""), CG_STR("")));
}
