/* The JSON writer: escaping as Python's json.dumps(ensure_ascii=False),
 * float repr, commas and nesting. */
#include <criterion/criterion.h>
#include <math.h>

#include "cgate/cgate.h"

static struct cg_arena *arena;
static struct cg_buf out;
static struct cg_json j;

static void setup(void)
{
    arena = cg_arena_new();
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(json, .init = setup, .fini = teardown);

#define assert_out(expected)                                                                         \
    cr_assert(cg_str_eq(cg_buf_str(&out), CG_STR(expected)), "got '%.*s', want '%s'", (int)out.len, \
              out.data, expected)

static void escaped(cg_str s)
{
    out.len = 0;
    cg_json_escape(&out, s);
}

static void repr(double v)
{
    out.len = 0;
    cr_assert_eq(cg_json_format_double(&out, v), 0);
}

Test(json, short_escapes)
{
    escaped(CG_STR("\"\\\b\f\n\r\t/"));
    assert_out("\"\\\"\\\\\\b\\f\\n\\r\\t/\"");
}

Test(json, other_control_characters_as_u00xx)
{
    escaped(CG_STR("\x01\x1f\x00x"));
    assert_out("\"\\u0001\\u001f\\u0000x\"");
    escaped(CG_STR("a\x7f"));
    assert_out("\"a\x7f\""); /* DEL stays raw, as in Python */
}

Test(json, utf8_passes_through)
{
    escaped(CG_STR("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
    assert_out("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
}

#define FFFD "\xef\xbf\xbd"

Test(json, invalid_utf8_becomes_replacement_characters)
{
    escaped(CG_STR("\xc0\x80" "a")); /* overlong: two invalid bytes */
    assert_out("\"" FFFD FFFD "a\"");
    escaped(CG_STR("\xed\xa0\x80" "b")); /* a surrogate */
    assert_out("\"" FFFD FFFD FFFD "b\"");
    escaped(CG_STR("\xf4\x90\x80\x80")); /* beyond U+10FFFF */
    assert_out("\"" FFFD FFFD FFFD FFFD "\"");
    escaped(CG_STR("\xe2\x82" "d")); /* truncated: one replacement for the prefix */
    assert_out("\"" FFFD "d\"");
    escaped(CG_STR("x\xf0\x9f\x98")); /* truncated at the end */
    assert_out("\"x" FFFD "\"");
    escaped(CG_STR("\x80\xff\xf8"));
    assert_out("\"" FFFD FFFD FFFD "\"");
}

/* Byte by byte, as the writer did before it went a word at a time: the
 * reference for ASCII text. */
static void escaped_reference(struct cg_buf *b, cg_str s)
{
    cg_buf_putc(b, '"');
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '"' || c == '\\')
            cg_buf_printf(b, "\\%c", c);
        else if (c == '\n')
            cg_buf_puts(b, "\\n");
        else if (c < 0x20)
            cg_buf_printf(b, "\\u%04x", c);
        else
            cg_buf_putc(b, (char)c);
    }
    cg_buf_putc(b, '"');
}

/* Every length up to past two chunks of the escaper, with the bytes that
 * need escaping, and the plain ones next to them, at every distance from
 * the words' edges. */
Test(json, escapes_at_every_position)
{
    static const char specials[] = { '"', '\\', '\n', '\x01', '\x1f', ' ', '\x7f' }; /* the last two are plain */
    char text[300];
    struct cg_buf want;
    cg_buf_init(&want, arena);
    for (size_t len = 1; len < sizeof text; len++) {
        for (size_t at = 0; at < len; at += len > 40 ? 7 : 1) {
            memset(text, 'a', len);
            text[at] = specials[(len + at) % sizeof specials];
            if (at + 9 < len)
                text[at + 9] = '"'; /* a second one, a word further */
            cg_str s = { text, len };
            escaped(s);
            want.len = 0;
            escaped_reference(&want, s);
            cr_assert(cg_str_eq(cg_buf_str(&out), cg_buf_str(&want)), "len %zu, at %zu: got '%.*s'", len, at,
                      (int)out.len, out.data);
        }
    }
}

/* Quotes around a UTF-8 sequence, escaped: '"' then n1 \" then the
 * sequence then n2 \" then '"'. */
static void quotes_around(struct cg_buf *b, size_t n1, const char *seq, size_t n2)
{
    b->len = 0;
    cg_buf_putc(b, '"');
    for (size_t i = 0; i < n1; i++)
        cg_buf_puts(b, "\\\"");
    cg_buf_puts(b, seq);
    for (size_t i = 0; i < n2; i++)
        cg_buf_puts(b, "\\\"");
    cg_buf_putc(b, '"');
}

/* The escaper takes its input 128 bytes at a time: sequences across the
 * end of the first chunk. */
Test(json, utf8_across_the_escapers_chunks)
{
    char text[140];
    struct cg_buf want;
    cg_buf_init(&want, arena);
    for (size_t at = 120; at < 136; at++) {
        memset(text, '"', sizeof text);
        memcpy(text + at, "\xf0\x9f\x98\x80", 4); /* U+1F600 */
        escaped((cg_str){ text, sizeof text });
        quotes_around(&want, at, "\xf0\x9f\x98\x80", sizeof text - at - 4);
        cr_assert(cg_str_eq(cg_buf_str(&out), cg_buf_str(&want)), "at %zu", at);
        text[at + 3] = '"'; /* truncated: one U+FFFD for the three bytes */
        escaped((cg_str){ text, sizeof text });
        quotes_around(&want, at, FFFD, sizeof text - at - 3);
        cr_assert(cg_str_eq(cg_buf_str(&out), cg_buf_str(&want)), "at %zu, truncated", at);
    }
}

Test(json, float_repr)
{
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        { 0.1, "0.1" },
        { 1.0, "1.0" },
        { 0.0, "0.0" },
        { -0.0, "-0.0" },
        { 1e16, "1e+16" },
        { 1e-5, "1e-05" },
        { 1.5e-5, "1.5e-05" },
        { 0.0001, "0.0001" },
        { 123456789.0, "123456789.0" },
        { 1234567890123456.0, "1234567890123456.0" },
        { 5e-324, "5e-324" },
        { 6.4416590775268e-310, "6.4416590775268e-310" }, /* subnormals hold fewer digits */
        { 2.225073858507201e-308, "2.225073858507201e-308" },
        { 19.99, "19.99" },
        { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { -2.5e300, "-2.5e+300" },
        { 0.1 + 0.2, "0.30000000000000004" },
        { 1e22, "1e+22" },
        { 9007199254740993.0, "9007199254740992.0" },
        { -1.5, "-1.5" },
        { 100.0, "100.0" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        repr(cases[i].v);
        cr_assert(cg_str_eq(cg_buf_str(&out), cg_str_c(cases[i].text)), "%.17g: got '%.*s', want '%s'",
                  cases[i].v, (int)out.len, out.data, cases[i].text);
    }
}

Test(json, nan_and_infinity_refused)
{
    cr_assert_eq(cg_json_format_double(&out, NAN), -1);
    cr_assert_eq(cg_json_format_double(&out, INFINITY), -1);
    cr_assert_eq(cg_json_format_double(&out, -INFINITY), -1);
    cr_assert_eq(out.len, 0);
    cg_json_arr_begin(&j);
    cg_json_num(&j, 1.5);
    cr_assert_not(cg_json_failed(&j));
    cg_json_num(&j, NAN);
    cr_assert(cg_json_failed(&j));
}

Test(json, integers)
{
    cg_json_arr_begin(&j);
    cg_json_int(&j, 0);
    cg_json_int(&j, -1);
    cg_json_int(&j, 42);
    cg_json_int(&j, INT64_MAX);
    cg_json_int(&j, INT64_MIN);
    cg_json_arr_end(&j);
    assert_out("[0,-1,42,9223372036854775807,-9223372036854775808]");
}

Test(json, commas_and_nesting)
{
    cg_json_obj_begin(&j);
    cg_json_key(&j, "a");
    cg_json_arr_begin(&j);
    cg_json_int(&j, 1);
    cg_json_str(&j, CG_STR("two"));
    cg_json_obj_begin(&j);
    cg_json_key(&j, "b");
    cg_json_null(&j);
    cg_json_obj_end(&j);
    cg_json_arr_begin(&j);
    cg_json_arr_end(&j);
    cg_json_arr_end(&j);
    cg_json_key_str(&j, CG_STR("c\""));
    cg_json_bool(&j, true);
    cg_json_key(&j, "d");
    cg_json_bool(&j, false);
    cg_json_key(&j, "e");
    cg_json_raw(&j, CG_STR("{\"cached\":1}"));
    cg_json_key(&j, "f");
    cg_json_cstr(&j, "caf\xc3\xa9");
    cg_json_key(&j, "g");
    cg_json_obj_begin(&j);
    cg_json_obj_end(&j);
    cg_json_key_raw(&j, CG_STR("h"));
    cg_json_int(&j, 8);
    cg_json_obj_end(&j);
    assert_out("{\"a\":[1,\"two\",{\"b\":null},[]],\"c\\\"\":true,\"d\":false,\"e\":{\"cached\":1},"
               "\"f\":\"caf\xc3\xa9\",\"g\":{},\"h\":8}");
    cr_assert_not(cg_json_failed(&j));
}

Test(json, top_level_scalars)
{
    cg_json_num(&j, 2.5);
    assert_out("2.5");
}

Test(json, nesting_limit)
{
    for (int i = 0; i < CG_JSON_MAX_DEPTH; i++)
        cg_json_arr_begin(&j);
    cr_assert_not(cg_json_failed(&j));
    for (int i = 0; i < CG_JSON_MAX_DEPTH; i++)
        cg_json_arr_end(&j);
    cr_assert_not(cg_json_failed(&j));
    cr_assert_eq(out.len, 2 * CG_JSON_MAX_DEPTH);
    for (int i = 0; i <= CG_JSON_MAX_DEPTH; i++)
        cg_json_arr_begin(&j);
    cr_assert(cg_json_failed(&j));
}

Test(json, unbalanced_end_fails)
{
    cg_json_obj_end(&j);
    cr_assert(cg_json_failed(&j));
}
