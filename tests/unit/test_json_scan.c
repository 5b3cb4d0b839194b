/* The JSON scanner: what it accepts (y_) and refuses (n_), in the spirit of
 * JSONTestSuite, with the reason and offset of each refusal; string decoding
 * and zero-copy slices; UTF-8 and surrogate checks; the depth limit; the
 * offsets callbacks see; a callback stopping the scan; large inputs; the
 * edges of the fast paths (whitespace, strings around block edges, the
 * ": " after a key, the root). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/json_scan.h"

static struct cg_arena *arena;
static struct cg_buf trace; /* the tokens reported, as text */
static int stop_at;         /* the token (1-based) whose callback returns 0; 0: none */
static int tokens;

static void setup(void)
{
    arena = cg_arena_new();
    cg_buf_init(&trace, arena);
    stop_at = 0;
    tokens = 0;
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(json_scan, .init = setup, .fini = teardown);

/* Appends one token to the trace; 0 when it is the one to stop at. */
static int record(const char *what, cg_str text)
{
    if (trace.len)
        cg_buf_putc(&trace, ' ');
    cg_buf_puts(&trace, what);
    cg_buf_append_str(&trace, text);
    return ++tokens != stop_at;
}

static int on_null(const struct cg_json_scan *s)
{
    (void)s;
    return record("null", CG_STR(""));
}

static int on_boolean(const struct cg_json_scan *s, bool value)
{
    (void)s;
    return record(value ? "true" : "false", CG_STR(""));
}

static int on_number(const struct cg_json_scan *s, cg_str text)
{
    (void)s;
    return record("n:", text);
}

static int on_string(const struct cg_json_scan *s, cg_str text)
{
    (void)s;
    return record("s:", text);
}

static int on_key(const struct cg_json_scan *s, cg_str text)
{
    (void)s;
    return record("k:", text);
}

static int on_start_object(const struct cg_json_scan *s)
{
    (void)s;
    return record("{", CG_STR(""));
}

static int on_end_object(const struct cg_json_scan *s)
{
    (void)s;
    return record("}", CG_STR(""));
}

static int on_start_array(const struct cg_json_scan *s)
{
    (void)s;
    return record("[", CG_STR(""));
}

static int on_end_array(const struct cg_json_scan *s)
{
    (void)s;
    return record("]", CG_STR(""));
}

static const struct cg_json_callbacks recorder = {
    .null = on_null,
    .boolean = on_boolean,
    .number = on_number,
    .string = on_string,
    .key = on_key,
    .start_object = on_start_object,
    .end_object = on_end_object,
    .start_array = on_start_array,
    .end_array = on_end_array,
};

static struct cg_json_scan scanner(size_t max_depth)
{
    trace.len = 0;
    tokens = 0;
    return (struct cg_json_scan){ .cb = &recorder, .arena = arena, .max_depth = max_depth };
}

#define TRACE_IS(want) \
    cr_expect(cg_str_eq(cg_buf_str(&trace), CG_STR(want)), "trace '%.*s', want '%s'", (int)trace.len, trace.data, want)

/* ---- y_: accepted, with the tokens reported ---- */

struct accepted {
    const char *json;
    const char *trace;
};

static void expect_accepted(cg_str json, const char *want)
{
    struct cg_json_scan s = scanner(64);
    enum cg_json_status st = cg__json_scan(&s, json);
    cr_expect_eq(st, CG_JSON_OK, "refused %.*s: %s at %zu", (int)json.len, json.ptr, s.error, s.error_pos);
    cr_expect(cg_str_eq(cg_buf_str(&trace), cg_str_c(want)), "%.*s: trace '%.*s', want '%s'", (int)json.len,
              json.ptr, (int)trace.len, trace.data, want);
}

Test(json_scan, y_valid_texts_are_reported_token_by_token)
{
    static const struct accepted cases[] = {
        { "[]", "[ ]" },
        { "{}", "{ }" },
        { " \t\r\n[ ]\n", "[ ]" },
        { "0", "n:0" },
        { "-0", "n:-0" },
        { "123", "n:123" },
        { "-1.5e+10", "n:-1.5e+10" },
        { "1E-2", "n:1E-2" },
        { "0.0e0", "n:0.0e0" },
        { "123456789012345678901234567890", "n:123456789012345678901234567890" },
        { "1e400", "n:1e400" },
        { "\"\"", "s:" },
        { "\"abc\"", "s:abc" },
        { "true", "true" },
        { "false", "false" },
        { " null ", "null" },
        { "[true,false,null]", "[ true false null ]" },
        { "[-0,0.5,[],{}]", "[ n:-0 n:0.5 [ ] { } ]" },
        { "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "{ k:a [ n:1 { k:b null } ] k:c s:d }" },
        { "{ \"a\" : 1 , \"a\" : 2 }", "{ k:a n:1 k:a n:2 }" },
        { "{\"\":\"\"}", "{ k: s: }" },
        { "[[[[\"deep\"]]]]", "[ [ [ [ s:deep ] ] ] ]" },
        { "[\"\x7f\"]", "[ s:\x7f ]" },
        { "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "s:caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
        { "[1,\"a\",{\"k\":[]}]", "[ n:1 s:a { k:k [ ] } ]" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++)
        expect_accepted(cg_str_c(cases[i].json), cases[i].trace);
}

/* ---- n_: refused, with the reason and the offset ---- */

struct refused {
    const char *json;
    const char *reason;
    size_t at;
};

static void expect_refused(cg_str json, const char *reason, size_t at)
{
    struct cg_json_scan s = scanner(64);
    cr_expect_eq(cg__json_scan(&s, json), CG_JSON_INVALID, "accepted '%.*s'", (int)json.len, json.ptr);
    cr_expect(s.error && strcmp(s.error, reason) == 0, "'%.*s': reason '%s', want '%s'", (int)json.len, json.ptr,
              s.error, reason);
    cr_expect_eq(s.error_pos, at, "'%.*s': error at %zu, want %zu", (int)json.len, json.ptr, s.error_pos, at);
}

Test(json_scan, n_invalid_texts_are_refused_at_the_right_byte)
{
    static const struct refused cases[] = {
        { "", "unexpected end of input", 0 },
        { "  ", "unexpected end of input", 2 },
        { "[", "unexpected end of input", 1 },
        { "[1", "unexpected end of input", 2 },
        { "[1,", "unexpected end of input", 3 },
        { "{", "unexpected end of input", 1 },
        { "{\"a\"", "unexpected end of input", 4 },
        { "{\"a\":", "unexpected end of input", 5 },
        { "{\"a\":1", "unexpected end of input", 6 },
        { "[[]", "unexpected end of input", 3 },
        { "]", "expected a value", 0 },
        { "[1,]", "expected a value", 3 },
        { "[,1]", "expected a value", 1 },
        { "{\"a\":}", "expected a value", 5 },
        { ".5", "expected a value", 0 },
        { "+1", "expected a value", 0 },
        { "NaN", "expected a value", 0 },
        { "Infinity", "expected a value", 0 },
        { "'a'", "expected a value", 0 },
        { "/* c */ {}", "expected a value", 0 },
        { "\xef\xbb\xbf{}", "expected a value", 0 }, /* a byte order mark */
        { "\v[]", "expected a value", 0 },           /* yajl takes \v and \f for whitespace */
        { "\f[]", "expected a value", 0 },
        { "{,}", "expected a string key", 1 },
        { "{\"a\":1,}", "expected a string key", 7 },
        { "{1:2}", "expected a string key", 1 },
        { "{'a':1}", "expected a string key", 1 },
        { "{\"a\" 1}", "expected ':' after a key", 5 },
        { "{\"a\":1,\"a\"}", "expected ':' after a key", 10 },
        { "{\"a\":1 \"b\":2}", "expected ',' or '}'", 7 },
        { "{\"a\":1]", "expected ',' or '}'", 6 },
        { "[1 2]", "expected ',' or ']'", 3 },
        { "[1}", "expected ',' or ']'", 2 },
        { "[true false]", "expected ',' or ']'", 6 },
        { "1 2", "trailing data", 2 },
        { "{}x", "trailing data", 2 },
        { "[]]", "trailing data", 2 },
        { "{} // c", "trailing data", 3 },
        { "[1]\v", "trailing data", 3 },
        { "01", "invalid number", 1 },
        { "-01", "invalid number", 2 },
        { "[00]", "invalid number", 2 },
        { "-", "invalid number", 1 },
        { "-a", "invalid number", 1 },
        { "-Infinity", "invalid number", 1 },
        { "1.", "invalid number", 2 },
        { "1.e5", "invalid number", 2 },
        { "1e", "invalid number", 2 },
        { "1e+", "invalid number", 3 },
        { "[1e-]", "invalid number", 4 },
        { "1.2.3", "invalid number", 3 },
        { "0x10", "invalid number", 1 },
        { "1-2", "invalid number", 1 },
        { "t", "invalid literal", 0 },
        { "tru", "invalid literal", 0 },
        { "truex", "invalid literal", 0 },
        { "[fals]", "invalid literal", 1 },
        { "nul", "invalid literal", 0 },
        { "nan", "invalid literal", 0 },
        { "\"abc", "unterminated string", 0 },
        { "[\"a", "unterminated string", 1 },
        { "\"\\", "unterminated string", 0 },
        { "{\"a", "unterminated string", 1 },
        { "\"a\nb\"", "control character in a string", 2 },
        { "\"\t\"", "control character in a string", 1 },
        { "[\"\x1f\"]", "control character in a string", 2 },
        { "\"\\x\"", "invalid escape", 1 },
        { "\"\\U0041\"", "invalid escape", 1 },
        { "\"\\'\"", "invalid escape", 1 },
        { "\"\\u12\"", "invalid \\u escape", 1 },
        { "\"\\u12G4\"", "invalid \\u escape", 1 },
        { "\"ab\\u", "invalid \\u escape", 3 },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++)
        expect_refused(cg_str_c(cases[i].json), cases[i].reason, cases[i].at);
}

Test(json_scan, nul_bytes_are_refused)
{
    expect_refused((cg_str){ "\0", 1 }, "expected a value", 0);
    expect_refused((cg_str){ "{}\0", 3 }, "trailing data", 2);
    expect_refused((cg_str){ "\"a\0\"", 4 }, "control character in a string", 2);
}

/* ---- strings ---- */

Test(json_scan, every_escape_is_decoded)
{
    expect_accepted(CG_STR("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), "s:\"\\/\b\f\n\r\t");
    expect_accepted(CG_STR("\"\\u0041\\u00e9\\u20AC\\uffff\""), "s:A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf");
    expect_accepted(CG_STR("{\"k\\u0065y\":\"a\\nb\"}"), "{ k:key s:a\nb }");
    /* \u0000 is a NUL byte inside the string. */
    struct cg_json_scan s = scanner(1);
    cr_assert_eq(cg__json_scan(&s, CG_STR("\"a\\u0000b\"")), CG_JSON_OK);
    cr_expect(cg_str_eq(cg_buf_str(&trace), (cg_str){ "s:a\0b", 5 }));
}

Test(json_scan, surrogate_pairs_make_one_code_point)
{
    expect_accepted(CG_STR("\"\\ud83d\\ude00\""), "s:\xf0\x9f\x98\x80");
    expect_accepted(CG_STR("\"\\uD800\\uDC00\""), "s:\xf0\x90\x80\x80");
    expect_accepted(CG_STR("\"x\\udbff\\udfffy\""), "s:x\xf4\x8f\xbf\xbfy");
}

Test(json_scan, lone_surrogates_are_refused_at_their_escape)
{
    static const struct refused cases[] = {
        { "\"\\ud800\"", "lone surrogate in a \\u escape", 1 },
        { "\"ab\\ud800x\"", "lone surrogate in a \\u escape", 3 },
        { "\"\\ud800\\u0041\"", "lone surrogate in a \\u escape", 1 },
        { "\"\\ud800\\ud800\"", "lone surrogate in a \\u escape", 1 },
        { "\"\\ud800\\n\"", "lone surrogate in a \\u escape", 1 },
        { "\"\\ud800", "lone surrogate in a \\u escape", 1 },
        { "\"\\udc00\"", "lone surrogate in a \\u escape", 1 },
        { "\"\\ud83d\\ude00\\udfff\"", "lone surrogate in a \\u escape", 13 },
        { "{\"\\uDFFF\":1}", "lone surrogate in a \\u escape", 2 },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++)
        expect_refused(cg_str_c(cases[i].json), cases[i].reason, cases[i].at);
}

Test(json_scan, every_class_of_invalid_utf8_is_refused)
{
    static const struct refused cases[] = {
        { "\"\x80\"", "invalid UTF-8", 1 },                 /* a stray continuation byte */
        { "\"a\xbf\"", "invalid UTF-8", 2 },
        { "\"\xc0\x80\"", "invalid UTF-8", 1 },             /* overlong, 2 bytes */
        { "\"\xc1\xbf\"", "invalid UTF-8", 1 },
        { "\"\xe0\x80\x80\"", "invalid UTF-8", 1 },         /* overlong, 3 bytes */
        { "\"\xe0\x9f\xbf\"", "invalid UTF-8", 1 },
        { "\"\xf0\x80\x80\x80\"", "invalid UTF-8", 1 },     /* overlong, 4 bytes */
        { "\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8", 1 },
        { "\"\xed\xa0\x80\"", "invalid UTF-8", 1 },         /* U+D800 */
        { "\"\xed\xbf\xbf\"", "invalid UTF-8", 1 },         /* U+DFFF */
        { "\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1 },     /* U+110000 */
        { "\"\xf5\x80\x80\x80\"", "invalid UTF-8", 1 },
        { "\"\xf8\x88\x80\x80\x80\"", "invalid UTF-8", 1 }, /* 5-byte form */
        { "\"\xfe\"", "invalid UTF-8", 1 },
        { "\"\xff\"", "invalid UTF-8", 1 },
        { "\"\xc3\"", "invalid UTF-8", 1 },                 /* truncated */
        { "\"\xe2\x82\"", "invalid UTF-8", 1 },
        { "\"\xf0\x9f\x98\"", "invalid UTF-8", 1 },
        { "\"\xe2\x82", "invalid UTF-8", 1 },               /* truncated by the end */
        { "\"\xc3x\"", "invalid UTF-8", 1 },
        { "{\"\xff\":1}", "invalid UTF-8", 2 },             /* in a key */
        { "[\xc3\xa9]", "expected a value", 1 },           /* outside a string */
    };
    for (size_t i = 0; i < CG_LEN(cases); i++)
        expect_refused(cg_str_c(cases[i].json), cases[i].reason, cases[i].at);
}

Test(json_scan, utf8_boundaries_are_accepted)
{
    static const char *const cases[] = {
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf",
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        char json[16], want[16];
        snprintf(json, sizeof json, "\"%s\"", cases[i]);
        snprintf(want, sizeof want, "s:%s", cases[i]);
        expect_accepted(cg_str_c(json), want);
    }
}

/* The eight-byte skip must stop at a special byte wherever it sits. */
Test(json_scan, special_bytes_are_seen_at_every_position)
{
    for (size_t at = 0; at < 20; at++) {
        char json[40] = "\"";
        memset(json + 1, 'a', at);
        json[1 + at] = '\n';
        strcpy(json + 2 + at, "xyzdefghijk\"");
        expect_refused(cg_str_c(json), "control character in a string", 1 + at);
        json[1 + at] = '\xff';
        expect_refused(cg_str_c(json), "invalid UTF-8", 1 + at);
        json[1 + at] = '"';
        expect_refused(cg_str_c(json), "trailing data", 2 + at);
        json[1 + at] = '\\';
        expect_refused(cg_str_c(json), "invalid escape", 1 + at);
    }
}

static cg_str first_string;

static int keep_string(const struct cg_json_scan *s, cg_str text)
{
    (void)s;
    first_string = text;
    return 1;
}

static bool inside(cg_str part, cg_str whole)
{
    return part.ptr >= whole.ptr && part.ptr + part.len <= whole.ptr + whole.len;
}

Test(json_scan, strings_without_escapes_are_slices_of_the_input)
{
    static const struct cg_json_callbacks cb = { .string = keep_string, .key = keep_string };
    static const char *const plain[] = { "\"hello\"", "{\"key\":1}", "\"caf\xc3\xa9\"" };
    for (size_t i = 0; i < CG_LEN(plain); i++) {
        cg_str json = cg_str_c(plain[i]);
        struct cg_json_scan s = { .cb = &cb, .arena = arena, .max_depth = 1 };
        cr_assert_eq(cg__json_scan(&s, json), CG_JSON_OK);
        cr_expect(inside(first_string, json), "%s was copied", plain[i]);
    }
    cg_str json = CG_STR("\"he\\u006clo\"");
    struct cg_json_scan s = { .cb = &cb, .arena = arena, .max_depth = 1 };
    cr_assert_eq(cg__json_scan(&s, json), CG_JSON_OK);
    cr_expect(!inside(first_string, json), "a decoded string points into the input");
    cr_expect(cg_str_eq(first_string, CG_STR("hello")));
}

Test(json_scan, strings_longer_than_64k)
{
    enum { N = 100000 };
    char *json = malloc(N + 3);
    /* Plain ASCII: a slice. */
    json[0] = '"';
    memset(json + 1, 'x', N);
    json[N + 1] = '"';
    static const struct cg_json_callbacks cb = { .string = keep_string };
    struct cg_json_scan s = { .cb = &cb, .arena = arena, .max_depth = 1 };
    cr_assert_eq(cg__json_scan(&s, (cg_str){ json, N + 2 }), CG_JSON_OK);
    cr_expect(first_string.ptr == json + 1 && first_string.len == N);
    /* With an escape and a two-byte character every 1000 bytes: decoded. */
    for (size_t i = 1; i + 2 <= N; i += 1000) {
        memcpy(json + i, "\\n", 2);
        memcpy(json + i + 500, "\xc3\xa9", 2);
    }
    cr_assert_eq(cg__json_scan(&s, (cg_str){ json, N + 2 }), CG_JSON_OK);
    cr_expect_eq(first_string.len, N - N / 1000);
    cr_expect(!inside(first_string, (cg_str){ json, N + 2 }));
    cr_expect(memcmp(first_string.ptr, "\nxxx", 4) == 0);
    cr_expect(memcmp(first_string.ptr + 498, "x\xc3\xa9x", 4) == 0);
    cr_expect_eq(first_string.ptr[N - N / 1000 - 1], 'x');
    free(json);
}

/* ---- depth, offsets, stopping ---- */

Test(json_scan, depth_limit_is_exact)
{
    struct cg_json_scan s = scanner(3);
    cr_expect_eq(cg__json_scan(&s, CG_STR("[[[]]]")), CG_JSON_OK);
    cr_expect_eq(cg__json_scan(&s, CG_STR("{\"a\":{\"b\":[1]}}")), CG_JSON_OK);
    cr_expect_eq(cg__json_scan(&s, CG_STR("[[[[]]]]")), CG_JSON_INVALID);
    cr_expect_str_eq(s.error, "nesting too deep");
    cr_expect_eq(s.error_pos, 3);
    cr_expect_eq(cg__json_scan(&s, CG_STR("[{\"a\":{\"b\":[1]}}]")), CG_JSON_INVALID);
    cr_expect_eq(s.error_pos, 11);
    s = scanner(0);
    cr_expect_eq(cg__json_scan(&s, CG_STR("\"only scalars\"")), CG_JSON_OK);
    cr_expect_eq(cg__json_scan(&s, CG_STR("{}")), CG_JSON_INVALID);
    cr_expect_eq(s.error_pos, 0);
}

static size_t opened, closed, deepest_open;

static int count_open(const struct cg_json_scan *s)
{
    opened++;
    deepest_open = s->pos;
    return 1;
}

static int count_close(const struct cg_json_scan *s)
{
    (void)s;
    closed++;
    return 1;
}

/* A recursive reader would need half a million C frames here; the scanner's
 * stack is 62.5 KB of bits in the arena. */
Test(json_scan, a_megabyte_of_nested_arrays_up_to_the_limit)
{
    enum { DEPTH = 500000 };
    char *json = malloc(2 * DEPTH);
    memset(json, '[', DEPTH);
    memset(json + DEPTH, ']', DEPTH);
    static const struct cg_json_callbacks cb = { .start_array = count_open, .end_array = count_close };
    struct cg_json_scan s = { .cb = &cb, .arena = arena, .max_depth = DEPTH };
    opened = closed = 0;
    cr_expect_eq(cg__json_scan(&s, (cg_str){ json, 2 * DEPTH }), CG_JSON_OK, "%s at %zu", s.error, s.error_pos);
    cr_expect_eq(opened, DEPTH);
    cr_expect_eq(closed, DEPTH);
    cr_expect_eq(deepest_open, DEPTH - 1);
    s.max_depth = DEPTH - 1;
    cr_expect_eq(cg__json_scan(&s, (cg_str){ json, 2 * DEPTH }), CG_JSON_INVALID);
    cr_expect_str_eq(s.error, "nesting too deep");
    cr_expect_eq(s.error_pos, DEPTH - 1);
    /* Objects and arrays alternating past the scanner's 256 inline levels:
     * each closer must match its own opener. */
    struct cg_buf b;
    cg_buf_init(&b, arena);
    for (int i = 0; i < 1000; i++)
        cg_buf_puts(&b, i % 3 ? "[" : "{\"k\":");
    for (int i = 999; i >= 0; i--)
        cg_buf_puts(&b, i % 3 ? "]" : "}");
    s.max_depth = 1000;
    cr_expect_eq(cg__json_scan(&s, cg_buf_str(&b)), CG_JSON_INVALID); /* the innermost {"k":} */
    b.len = 0;
    for (int i = 0; i < 1000; i++)
        cg_buf_puts(&b, i % 3 ? "[" : "{\"k\":");
    cg_buf_puts(&b, "0");
    for (int i = 999; i >= 0; i--)
        cg_buf_puts(&b, i % 3 ? "]" : "}");
    cr_expect_eq(cg__json_scan(&s, cg_buf_str(&b)), CG_JSON_OK, "%s at %zu", s.error, s.error_pos);
    free(json);
}

static struct cg_buf spans;

static int span(const struct cg_json_scan *s)
{
    cg_buf_printf(&spans, "%zu-%zu ", s->pos, s->end);
    return 1;
}

static int span_bool(const struct cg_json_scan *s, bool v)
{
    (void)v;
    return span(s);
}

static int span_text(const struct cg_json_scan *s, cg_str text)
{
    (void)text;
    return span(s);
}

Test(json_scan, callbacks_see_the_offsets_of_their_token)
{
    static const struct cg_json_callbacks cb = {
        .null = span, .boolean = span_bool, .number = span_text, .string = span_text, .key = span_text,
        .start_object = span, .end_object = span, .start_array = span, .end_array = span,
    };
    /*                   0         1         2         3
     *                   0123456789012345678901234567890123456 */
    cg_str json = CG_STR("{\"a\": [12, \"x\\n\"], \"b\" : true,\"c\":null}");
    cg_buf_init(&spans, arena);
    struct cg_json_scan s = { .cb = &cb, .arena = arena, .max_depth = 4 };
    cr_assert_eq(cg__json_scan(&s, json), CG_JSON_OK);
    cg_buf_putc(&spans, '\0');
    cr_expect_str_eq(spans.data, "0-1 1-4 6-7 7-9 11-16 16-17 19-22 25-29 30-33 34-38 38-39 ");
}

Test(json_scan, a_callback_stops_the_scan)
{
    struct cg_json_scan s = scanner(8);
    stop_at = 3;
    cg_str json = CG_STR("{\"a\": \"x\", \"b\": [1, 2]}");
    cr_expect_eq(cg__json_scan(&s, json), CG_JSON_STOPPED);
    TRACE_IS("{ k:a s:x");
    cr_expect_str_eq(s.error, "stopped by a callback");
    cr_expect_eq(s.error_pos, 6);
    /* Stopping at the closing brace, the last token. */
    s = scanner(8);
    stop_at = 9;
    cr_expect_eq(cg__json_scan(&s, json), CG_JSON_STOPPED);
    TRACE_IS("{ k:a s:x k:b [ n:1 n:2 ] }");
    cr_expect_eq(s.error_pos, json.len - 1);
    /* A syntax error is not a stop. */
    s = scanner(8);
    stop_at = 100;
    cr_expect_eq(cg__json_scan(&s, CG_STR("[1,")), CG_JSON_INVALID);
}

/* Skips every array it is shown, and records its extent. */
static size_t skipped_from, skipped_to;

static int skip_array(const struct cg_json_scan *s)
{
    skipped_from = s->pos;
    return CG_JSON_SKIP;
}

static int end_skipped_array(const struct cg_json_scan *s)
{
    skipped_to = s->end;
    return record("]", CG_STR(""));
}

Test(json_scan, a_skipped_container_is_checked_but_only_its_end_reported)
{
    static const struct cg_json_callbacks cb = {
        .number = on_number,
        .string = on_string,
        .key = on_key,
        .start_object = on_start_object,
        .end_object = on_end_object,
        .start_array = skip_array,
        .end_array = end_skipped_array,
    };
    struct cg_json_scan s = scanner(8);
    s.cb = &cb;
    cg_str json = CG_STR("{\"a\": [1, {\"b\": [2]}, \"x\"], \"c\": 3, \"d\": []}");
    cr_expect_eq(cg__json_scan(&s, json), CG_JSON_OK, "%s at %zu", s.error, s.error_pos);
    TRACE_IS("{ k:a ] k:c n:3 k:d ] }");
    cr_expect_eq(skipped_from, 41);
    cr_expect_eq(skipped_to, 43);
    /* Inside a skipped container, every check still holds. */
    static const char *const invalid[] = { "[[01]]", "[{\"a\" 1}]", "[\"\\ud800\"]", "[[1,]]", "[[1]", "[\"\x01\"]" };
    for (size_t i = 0; i < CG_LEN(invalid); i++) {
        s = scanner(8);
        s.cb = &cb;
        cr_expect_eq(cg__json_scan(&s, cg_str_c(invalid[i])), CG_JSON_INVALID, "%s", invalid[i]);
    }
    /* The depth limit too. */
    s = scanner(2);
    s.cb = &cb;
    cr_expect_eq(cg__json_scan(&s, CG_STR("[[[]]]")), CG_JSON_INVALID);
    cr_expect_str_eq(s.error, "nesting too deep");
}

Test(json_scan, without_callbacks_it_only_validates)
{
    static const struct cg_json_callbacks none = { 0 };
    struct cg_json_scan s = { .cb = &none, .arena = arena, .max_depth = 8 };
    cr_expect_eq(cg__json_scan(&s, CG_STR("{\"a\":[1,true,null,\"\\u00e9\"]}")), CG_JSON_OK);
    cr_expect_eq(cg__json_scan(&s, CG_STR("{\"a\":[1,true,null,\"\\ud800\"]}")), CG_JSON_INVALID);
    cr_expect_eq(cg__json_scan(&s, (cg_str){ NULL, 0 }), CG_JSON_INVALID);
    cr_expect_str_eq(s.error, "unexpected end of input");
}

/* ---- the fast paths' edges ---- */

/* Whitespace between tokens, of each shape the scanner reads its own way
 * (none, a line break and up to eight spaces, longer or other runs), and
 * close to the end of the text, where fewer bytes than a word or a block
 * are left. */
Test(json_scan, whitespace_of_every_shape_between_tokens)
{
    static const char *const breaks[] = { "\n", "\r\n", "\n\t", " ", "\t\n" };
    for (size_t b = 0; b < CG_LEN(breaks); b++) {
        for (int indent = 0; indent <= 20; indent++) {
            char ws[32];
            snprintf(ws, sizeof ws, "%s%*s", breaks[b], indent, "");
            char json[512];
            snprintf(json, sizeof json, "%s{%s\"a\":%s[%s1%s,%s\"b\"%s]%s,%s\"c\":%snull%s}%s", ws, ws, ws, ws, ws, ws,
                     ws, ws, ws, ws, ws, ws);
            expect_accepted(cg_str_c(json), "{ k:a [ n:1 s:b ] k:c null }");
            snprintf(json, sizeof json, "[1,%s2]", ws);
            expect_accepted(cg_str_c(json), "[ n:1 n:2 ]");
            snprintf(json, sizeof json, "[1,%s\v2]", ws);
            expect_refused(cg_str_c(json), "expected a value", 3 + strlen(ws));
            snprintf(json, sizeof json, "[1,%s", ws);
            expect_refused(cg_str_c(json), "unexpected end of input", strlen(json));
        }
    }
}

/* Every byte in a string, just before and after each edge of the first
 * blocks and in the last bytes, read one at a time: plain ASCII is kept,
 * and every other byte stops the block for its own check. */
Test(json_scan, every_byte_in_a_string_around_block_edges)
{
    static const size_t offsets[] = { 0, 1, 14, 15, 16, 17, 30, 31, 32, 33, 47, 48 };
    for (size_t o = 0; o < CG_LEN(offsets); o++) {
        for (int tail = 1; tail <= 20; tail += 19) {
            for (unsigned byte = 0; byte < 256; byte++) {
                size_t at = offsets[o];
                char json[96];
                json[0] = '"';
                memset(json + 1, 'a', at);
                json[1 + at] = (char)byte;
                memset(json + 2 + at, 'x', (size_t)tail);
                json[2 + at + tail] = '"';
                cg_str text = { json, 3 + at + (size_t)tail };
                if (byte == '"')
                    expect_refused(text, "trailing data", 2 + at);
                else if (byte == '\\')
                    expect_refused(text, "invalid escape", 1 + at);
                else if (byte < 0x20)
                    expect_refused(text, "control character in a string", 1 + at);
                else if (byte >= 0x80)
                    expect_refused(text, "invalid UTF-8", 1 + at);
                else {
                    struct cg_json_scan s = scanner(1);
                    cr_expect_eq(cg__json_scan(&s, text), CG_JSON_OK, "byte 0x%02x at %zu: %s", byte, at, s.error);
                }
            }
        }
    }
}

/* A string, as a value and as a key, of every length across two blocks,
 * closed or cut short by the end of the text. */
Test(json_scan, strings_end_at_every_offset_around_block_edges)
{
    for (size_t n = 0; n <= 40; n++) {
        char name[48], json[128], want[128];
        memset(name, 'k', n);
        name[n] = '\0';
        snprintf(json, sizeof json, "{\"%s\": \"%s\"}", name, name);
        snprintf(want, sizeof want, "{ k:%s s:%s }", name, name);
        expect_accepted(cg_str_c(json), want);
        snprintf(json, sizeof json, "\"%s", name);
        expect_refused(cg_str_c(json), "unterminated string", 0);
        snprintf(json, sizeof json, "{\"%s", name);
        expect_refused(cg_str_c(json), "unterminated string", 1);
    }
}

Test(json_scan, the_colon_and_the_space_after_a_key)
{
    expect_accepted(CG_STR("{\"a\" :1}"), "{ k:a n:1 }");
    expect_accepted(CG_STR("{\"a\":  1}"), "{ k:a n:1 }");
    expect_accepted(CG_STR("{\"a\": \n1}"), "{ k:a n:1 }");
    expect_accepted(CG_STR("{\"a\"\n:\n1}"), "{ k:a n:1 }");
    expect_refused(CG_STR("{\"a\": "), "unexpected end of input", 6);
    expect_refused(CG_STR("{\"a\" "), "unexpected end of input", 5);
    expect_refused(CG_STR("{\"a\": }"), "expected a value", 6);
    expect_refused(CG_STR("{\"a\";1}"), "expected ':' after a key", 4);
    expect_refused(CG_STR("{\"a\" ; 1}"), "expected ':' after a key", 5);
}

/* At the root, neither a comma nor a closer may follow the value. */
Test(json_scan, nothing_follows_the_root_value)
{
    expect_refused(CG_STR("1,2"), "trailing data", 1);
    expect_refused(CG_STR("\"a\" ,"), "trailing data", 4);
    expect_refused(CG_STR("[1],[2]"), "trailing data", 3);
    expect_refused(CG_STR("{}}"), "trailing data", 2);
    expect_refused(CG_STR("null]"), "trailing data", 4);
    expect_refused(CG_STR("[[1],\n  ]"), "expected a value", 8);
}
