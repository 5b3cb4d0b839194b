/* The byte-level encodings of the Lambda adapter: base64, UTF-8 checks,
 * percent-encoding. */
#include <criterion/criterion.h>

#include "lambda/lambda_internal.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(lambda_codec, .init = setup, .fini = teardown);

static const char *b64(const char *in, size_t len)
{
    struct cg_buf out;
    cg_buf_init(&out, arena);
    cg_base64_encode(&out, (cg_str){ in, len });
    cg_buf_putc(&out, '\0');
    return out.data;
}

Test(lambda_codec, base64_encode)
{
    cr_expect_str_eq(b64("", 0), "");
    cr_expect_str_eq(b64("f", 1), "Zg==");
    cr_expect_str_eq(b64("fo", 2), "Zm8=");
    cr_expect_str_eq(b64("foo", 3), "Zm9v");
    cr_expect_str_eq(b64("foob", 4), "Zm9vYg==");
    cr_expect_str_eq(b64("\xff\xfe\x00", 3), "//4A");
}

Test(lambda_codec, base64_round_trip_every_byte)
{
    char bytes[256];
    for (int i = 0; i < 256; i++)
        bytes[i] = (char)i;
    for (size_t len = 0; len <= sizeof bytes; len += 37) {
        cg_str back;
        cr_assert(cg_base64_decode(arena, cg_str_c(b64(bytes, len)), &back));
        cr_assert_eq(back.len, len);
        cr_assert(memcmp(back.ptr, bytes, len) == 0);
    }
}

Test(lambda_codec, base64_decode_padding_optional_garbage_refused)
{
    cg_str out;
    cr_assert(cg_base64_decode(arena, CG_STR("Zm8"), &out));
    cr_expect(cg_str_eq_c(out, "fo"));
    cr_expect_not(cg_base64_decode(arena, CG_STR("Zm9vY"), &out));
    cr_expect_not(cg_base64_decode(arena, CG_STR("Zm 9v"), &out));
    cr_expect_not(cg_base64_decode(arena, CG_STR("Zg==Zg=="), &out));
}

/* Every byte, at every place of a quad and of a tail: taken exactly when
 * it belongs to the alphabet. */
Test(lambda_codec, base64_decode_takes_exactly_its_alphabet)
{
    static const char standard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int c = 0; c < 256; c++) {
        const char *in_standard = c ? strchr(standard, c) : NULL, *in_url = c ? strchr(url, c) : NULL;
        for (size_t at = 0; at < 7; at++) {
            char text[] = "QUJDQUA"; /* a quad, then a tail of three */
            text[at] = (char)c;
            /* A trailing '=' is padding to the standard decoder; the
             * tail's last character leaves two bits that base64url wants
             * clear (values that are multiples of 4). */
            bool standard_ok = in_standard || (c == '=' && at == 6);
            bool url_ok = in_url && (at != 6 || (in_url - url) % 4 == 0);
            cg_str out;
            cr_expect_eq(cg_base64_decode(arena, (cg_str){ text, 7 }, &out), standard_ok, "%#x at %zu", c, at);
            cr_expect_eq(cg_base64url_decode(arena, (cg_str){ text, 7 }, &out), url_ok, "%#x at %zu (url)", c, at);
        }
    }
}

Test(lambda_codec, base64url_refuses_set_bits_a_tail_cannot_carry)
{
    cg_str out;
    cr_expect(cg_base64url_decode(arena, CG_STR("QQ"), &out) && cg_str_eq_c(out, "A"));
    cr_expect_not(cg_base64url_decode(arena, CG_STR("QR"), &out));
    cr_expect(cg_base64_decode(arena, CG_STR("QR"), &out) && cg_str_eq_c(out, "A")); /* not strict */
    cr_expect(cg_base64url_decode(arena, CG_STR("QUI"), &out) && cg_str_eq_c(out, "AB"));
    cr_expect_not(cg_base64url_decode(arena, CG_STR("QUJ"), &out));
}

Test(lambda_codec, utf8_validation)
{
    cr_expect(cg_utf8_valid(CG_STR("plain ascii")));
    cr_expect(cg_utf8_valid(CG_STR("A\xc3\xb1o \xe2\x82\xac \xf0\x9f\x98\x80")));
    cr_expect_not(cg_utf8_valid(CG_STR("\xff")));
    cr_expect_not(cg_utf8_valid(CG_STR("\xc0\xaf")));         /* overlong '/' */
    cr_expect_not(cg_utf8_valid(CG_STR("\xed\xa0\x80")));     /* surrogate */
    cr_expect_not(cg_utf8_valid(CG_STR("\xf4\x90\x80\x80"))); /* above U+10FFFF */
    cr_expect_not(cg_utf8_valid(CG_STR("\xe2\x82")));         /* truncated */
}

#define expect_escape(in, mode, want)                                                                      \
    do {                                                                                                   \
        cg_str got = cg__lambda_url_escape(arena, CG_STR(in), mode);                                           \
        cr_expect(cg_str_eq_c(got, want), "escape(%s) = %.*s, want %s", in, (int)got.len, got.ptr, want); \
    } while (0)

Test(lambda_codec, path_escape_keeps_slashes_and_valid_escapes)
{
    expect_escape("/a b/\xc3\xb1", ESC_PATH, "/a%20b/%C3%B1");
    expect_escape("/x?y#z", ESC_PATH, "/x%3Fy%23z");
    expect_escape("/100%/%41%4", ESC_PATH, "/100%25/%41%254");
    expect_escape("/plain-path_~.!$&'()*+,;=:@", ESC_PATH, "/plain-path_~.!$&'()*+,;=:@");
}

Test(lambda_codec, component_escape_leaves_only_unreserved)
{
    expect_escape("a b+c&d=e/f", ESC_COMPONENT, "a%20b%2Bc%26d%3De%2Ff");
    expect_escape("AZaz09-._~", ESC_COMPONENT, "AZaz09-._~");
}
