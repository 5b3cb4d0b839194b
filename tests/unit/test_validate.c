/* Text values (path, query, header, cookie) converted with pydantic's lax
 * rules, and the exact 422 bodies FastAPI sends for them. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "cgate/cgate.h"
#include "core/patterns.h"
#include "core/validate.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
    cg__patterns_free();
}

TestSuite(validate, .init = setup, .fini = teardown);

static const struct cg_constraints none;

static struct cg_value parse_ok(enum cg_type type, const struct cg_constraints *c, const char *text)
{
    struct cg_verrors errs;
    struct cg_value v;
    cg__verrors_init(&errs, arena);
    int rc = cg__value_parse(arena, type, c, cg_str_c(text), CG_STR("[\"query\",\"q\"]"), &v, &errs);
    cr_assert_eq(rc, 0, "'%s' refused: %.*s", text, errs.n ? (int)errs.items[0].msg.len : 0,
                 errs.n ? errs.items[0].msg.ptr : "");
    cr_assert_eq(errs.n, 0);
    cr_assert(v.present);
    cr_assert(cg_str_eq_c(v.s, text));
    return v;
}

/* The whole 422 body for one refused value at ["path","v"]. */
static void assert_refused(enum cg_type type, const struct cg_constraints *c, const char *text,
                           const char *expected)
{
    struct cg_verrors errs;
    struct cg_value v;
    struct cg_buf out;
    cg__verrors_init(&errs, arena);
    cg_buf_init(&out, arena);
    int rc = cg__value_parse(arena, type, c, cg_str_c(text), CG_STR("[\"path\",\"v\"]"), &v, &errs);
    cr_assert_eq(rc, -1, "'%s' accepted", text);
    cr_assert_not(v.present);
    cr_assert(cg_str_eq_c(v.s, text));
    cg__verrors_write(&errs, &out);
    cr_assert(cg_str_eq(cg_buf_str(&out), cg_str_c(expected)), "'%s':\n got %.*s\nwant %s", text, (int)out.len,
              out.data, expected);
}

#define ERR_BODY(type, msg, input) \
    "{\"detail\":[{\"type\":\"" type "\",\"loc\":[\"path\",\"v\"],\"msg\":\"" msg "\",\"input\":" input "}]}"
#define ERR_BODY_CTX(type, msg, input, ctx)                                                               \
    "{\"detail\":[{\"type\":\"" type "\",\"loc\":[\"path\",\"v\"],\"msg\":\"" msg "\",\"input\":" input \
    ",\"ctx\":" ctx "}]}"

#define INT_PARSING(input) \
    ERR_BODY("int_parsing", "Input should be a valid integer, unable to parse string as an integer", input)
#define INT_SIZE(input) \
    ERR_BODY("int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size", input)
#define FLOAT_PARSING(input) \
    ERR_BODY("float_parsing", "Input should be a valid number, unable to parse string as a number", input)
#define FINITE(input) ERR_BODY("finite_number", "Input should be a finite number", input)
#define BOOL_PARSING(input) \
    ERR_BODY("bool_parsing", "Input should be a valid boolean, unable to interpret input", input)

/* ---- the error list ---- */

Test(validate, verrors_write)
{
    struct cg_verrors errs;
    struct cg_buf out;
    cg__verrors_init(&errs, arena);
    cg_buf_init(&out, arena);
    cg__verrors_write(&errs, &out);
    cr_assert(cg_str_eq_c(cg_buf_str(&out), "{\"detail\":[]}"));
    for (int i = 0; i < 5; i++) /* past the first growth */
        cg__verrors_add(&errs, "missing", CG_STR("[\"query\",\"q\"]"), CG_STR("Field required"), CG_STR("null"),
                        CG_STR(""));
    cg__verrors_add(&errs, "x", CG_STR("[\"body\",0,\"a\"]"), CG_STR("say \"hi\""), CG_STR("{\"k\":[1]}"),
                    CG_STR("{\"c\":1}"));
    out.len = 0;
    cg__verrors_write(&errs, &out);
    const char *missing = "{\"type\":\"missing\",\"loc\":[\"query\",\"q\"],\"msg\":\"Field required\",\"input\":null}";
    char expected[1024];
    snprintf(expected, sizeof expected,
             "{\"detail\":[%s,%s,%s,%s,%s,{\"type\":\"x\",\"loc\":[\"body\",0,\"a\"],\"msg\":\"say \\\"hi\\\"\","
             "\"input\":{\"k\":[1]},\"ctx\":{\"c\":1}}]}",
             missing, missing, missing, missing, missing);
    cr_assert(cg_str_eq_c(cg_buf_str(&out), expected), "got %.*s", (int)out.len, out.data);
}

/* ---- int ---- */

Test(validate, int_accepted)
{
    cr_assert_eq(parse_ok(CG_INT, &none, "42").i, 42);
    cr_assert_eq(parse_ok(CG_INT, &none, " \t-7\n").i, -7);
    cr_assert_eq(parse_ok(CG_INT, &none, "+1").i, 1);
    cr_assert_eq(parse_ok(CG_INT, &none, "-0").i, 0);
    cr_assert_eq(parse_ok(CG_INT, &none, "007").i, 7);
    cr_assert_eq(parse_ok(CG_INT, &none, "2.00").i, 2);
    cr_assert_eq(parse_ok(CG_INT, &none, "1.0").i, 1);
    cr_assert_eq(parse_ok(CG_INT, &none, "1_000").i, 1000);
    cr_assert_eq(parse_ok(CG_INT, &none, "1_0.0").i, 10);
    cr_assert_eq(parse_ok(CG_INT, &none, "9223372036854775807").i, INT64_MAX);
    cr_assert_eq(parse_ok(CG_INT, &none, "-9223372036854775808").i, INT64_MIN);
}

Test(validate, int_refused)
{
    static const char *const bad[] = { "foobar", "1.5", "1.", ".0", "1e3", "", " ", "-", "0b1", "0x10",
                                       "_1", "1_", "1__0", "1.0_0", "1 2" };
    char expected[512];
    for (size_t i = 0; i < CG_LEN(bad); i++) {
        snprintf(expected, sizeof expected, INT_PARSING("\"%s\""), bad[i]);
        assert_refused(CG_INT, &none, bad[i], expected);
    }
}

Test(validate, int_too_big)
{
    assert_refused(CG_INT, &none, "9223372036854775808", INT_SIZE("\"9223372036854775808\""));
    assert_refused(CG_INT, &none, "-9223372036854775809", INT_SIZE("\"-9223372036854775809\""));
    assert_refused(CG_INT, &none, "99999999999999999999999", INT_SIZE("\"99999999999999999999999\""));
}

/* ---- number ---- */

Test(validate, number_accepted)
{
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "1.5").n, 1.5);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, " .5 ").n, 0.5);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "5.").n, 5.0);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "-1e-3").n, -1e-3);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "+2E+2").n, 200.0);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "42").n, 42.0);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "1_0.5").n, 10.5);
    cr_assert_eq(parse_ok(CG_NUMBER, &none, "1_e5").n, 1e5);
}

Test(validate, number_refused)
{
    /* " 1_0": pydantic drops underscores only when there is no white space */
    static const char *const bad[] = { "foobar", "0x10", "1e",  "e5",  ".",       "",    "1.5_",
                                       "_1",     "1__0", "1e+", "--1", "infinit", " 1_0" };
    char expected[512];
    for (size_t i = 0; i < CG_LEN(bad); i++) {
        snprintf(expected, sizeof expected, FLOAT_PARSING("\"%s\""), bad[i]);
        assert_refused(CG_NUMBER, &none, bad[i], expected);
    }
}

Test(validate, number_must_be_finite)
{
    static const char *const bad[] = { "nan", "NaN", "inf", "-Infinity", "+INF", "1e400", "-1e999" };
    char expected[512];
    for (size_t i = 0; i < CG_LEN(bad); i++) {
        snprintf(expected, sizeof expected, FINITE("\"%s\""), bad[i]);
        assert_refused(CG_NUMBER, &none, bad[i], expected);
    }
}

/* ---- bool ---- */

Test(validate, bool_words)
{
    static const char *const yes[] = { "1", "on", "t", "true", "y", "yes", "YES", "True", "On" };
    static const char *const no[] = { "0", "off", "f", "false", "n", "no", "OFF", "False", "N" };
    for (size_t i = 0; i < CG_LEN(yes); i++)
        cr_assert(parse_ok(CG_BOOL, &none, yes[i]).b, "%s", yes[i]);
    for (size_t i = 0; i < CG_LEN(no); i++)
        cr_assert_not(parse_ok(CG_BOOL, &none, no[i]).b, "%s", no[i]);
    assert_refused(CG_BOOL, &none, "2", BOOL_PARSING("\"2\""));
    assert_refused(CG_BOOL, &none, " true", BOOL_PARSING("\" true\""));
    assert_refused(CG_BOOL, &none, "foobar", BOOL_PARSING("\"foobar\""));
}

/* ---- enum ---- */

Test(validate, enum_choices)
{
    const char *const three[] = { "alexnet", "resnet", "lenet", NULL };
    const char *const two[] = { "a", "b", NULL };
    const char *const one[] = { "a", NULL };
    struct cg_value v = parse_ok(CG_ENUM, &(struct cg_constraints){ .choices = three }, "lenet");
    cr_assert_eq(v.i, 2);
    assert_refused(CG_ENUM, &(struct cg_constraints){ .choices = three }, "foo",
                   ERR_BODY_CTX("enum", "Input should be 'alexnet', 'resnet' or 'lenet'", "\"foo\"",
                                "{\"expected\":\"'alexnet', 'resnet' or 'lenet'\"}"));
    assert_refused(CG_ENUM, &(struct cg_constraints){ .choices = two }, "A",
                   ERR_BODY_CTX("enum", "Input should be 'a' or 'b'", "\"A\"", "{\"expected\":\"'a' or 'b'\"}"));
    assert_refused(CG_ENUM, &(struct cg_constraints){ .choices = one }, "",
                   ERR_BODY_CTX("enum", "Input should be 'a'", "\"\"", "{\"expected\":\"'a'\"}"));
}

/* ---- string constraints ---- */

Test(validate, string_as_is)
{
    struct cg_value v = parse_ok(CG_STRING, &none, " any\ttext ");
    cr_assert(cg_str_eq_c(v.s, " any\ttext "));
}

Test(validate, string_length)
{
    assert_refused(CG_STRING, &(struct cg_constraints){ .min_len = 1 }, "",
                   ERR_BODY_CTX("string_too_short", "String should have at least 1 character", "\"\"",
                                "{\"min_length\":1}"));
    assert_refused(CG_STRING, &(struct cg_constraints){ .min_len = 2 }, "a",
                   ERR_BODY_CTX("string_too_short", "String should have at least 2 characters", "\"a\"",
                                "{\"min_length\":2}"));
    assert_refused(CG_STRING, &(struct cg_constraints){ .max_len = 3 }, "foobar",
                   ERR_BODY_CTX("string_too_long", "String should have at most 3 characters", "\"foobar\"",
                                "{\"max_length\":3}"));
    assert_refused(CG_STRING, &(struct cg_constraints){ .max_len = 1 }, "ab",
                   ERR_BODY_CTX("string_too_long", "String should have at most 1 character", "\"ab\"",
                                "{\"max_length\":1}"));
    /* min before max, as pydantic checks */
    assert_refused(CG_STRING, &(struct cg_constraints){ .min_len = 5, .max_len = 1 }, "ab",
                   ERR_BODY_CTX("string_too_short", "String should have at least 5 characters", "\"ab\"",
                                "{\"min_length\":5}"));
}

Test(validate, string_length_counts_code_points)
{
    const struct cg_constraints two = { .min_len = 2, .max_len = 2 };
    parse_ok(CG_STRING, &two, "\xc3\xa9\xe2\x82\xac");       /* é€ */
    parse_ok(CG_STRING, &two, "\xf0\x9f\x98\x80" "a");       /* 😀a */
    parse_ok(CG_STRING, &two, "\xe2\x82" "a");               /* a truncated sequence is one U+FFFD */
    assert_refused(CG_STRING, &two, "\xc3\xa9\xc3\xa9\xc3\xa9",
                   ERR_BODY_CTX("string_too_long", "String should have at most 2 characters",
                                "\"\xc3\xa9\xc3\xa9\xc3\xa9\"", "{\"max_length\":2}"));
}

Test(validate, string_pattern)
{
    static const char fixed[] = "^fixedquery$";
    static const char inner[] = "b+";
    char err[128];
    cr_assert_eq(cg__pattern_compile(fixed, err, sizeof err), 0);
    cr_assert_eq(cg__pattern_compile(fixed, err, sizeof err), 0); /* again: already there */
    cr_assert_eq(cg__pattern_compile(inner, err, sizeof err), 0);
    parse_ok(CG_STRING, &(struct cg_constraints){ .pattern = fixed }, "fixedquery");
    parse_ok(CG_STRING, &(struct cg_constraints){ .pattern = inner }, "abbc"); /* searched, not matched */
    assert_refused(CG_STRING, &(struct cg_constraints){ .pattern = fixed }, "nonregexquery",
                   ERR_BODY_CTX("string_pattern_mismatch", "String should match pattern '^fixedquery$'",
                                "\"nonregexquery\"", "{\"pattern\":\"^fixedquery$\"}"));
    assert_refused(CG_STRING, &(struct cg_constraints){ .pattern = inner }, "",
                   ERR_BODY_CTX("string_pattern_mismatch", "String should match pattern 'b+'", "\"\"",
                                "{\"pattern\":\"b+\"}"));
}

Test(validate, pattern_text_with_nul_is_searched_whole)
{
    static const char pattern[] = "^x$";
    char err[128];
    cr_assert_eq(cg__pattern_compile(pattern, err, sizeof err), 0);
    struct cg_verrors errs;
    struct cg_value v;
    cg__verrors_init(&errs, arena);
    cr_assert_eq(cg__value_parse(arena, CG_STRING, &(struct cg_constraints){ .pattern = pattern }, CG_STR("x\0y"),
                                 CG_STR("[\"query\",\"q\"]"), &v, &errs),
                 -1);
    cr_assert(cg_str_eq_c(errs.items[0].input, "\"x\\u0000y\""));
}

Test(validate, pattern_registry)
{
    static const char bad[] = "a(";
    static const char good[] = "a";
    char copy[] = "a";
    char err[128] = "";
    cr_assert_eq(cg__pattern_compile(bad, err, sizeof err), -1);
    cr_assert_neq(err[0], '\0');
    cr_assert_null(cg__pattern_get(bad));
    cr_assert_eq(cg__pattern_compile(good, err, sizeof err), 0);
    cr_assert_not_null(cg__pattern_get(good));
    cr_assert_null(cg__pattern_get(copy)); /* keyed by address, not by text */
    cg__patterns_free();
    cr_assert_null(cg__pattern_get(good));
}

/* ---- numeric bounds ---- */

Test(validate, int_bounds)
{
    assert_refused(CG_INT, &(struct cg_constraints){ .has_le = true, .le = 3 }, "42",
                   ERR_BODY_CTX("less_than_equal", "Input should be less than or equal to 3", "\"42\"",
                                "{\"le\":3}"));
    assert_refused(CG_INT, &(struct cg_constraints){ .has_lt = true, .lt = 3 }, "3",
                   ERR_BODY_CTX("less_than", "Input should be less than 3", "\"3\"", "{\"lt\":3}"));
    assert_refused(CG_INT, &(struct cg_constraints){ .has_ge = true, .ge = 1 }, "0",
                   ERR_BODY_CTX("greater_than_equal", "Input should be greater than or equal to 1", "\"0\"",
                                "{\"ge\":1}"));
    assert_refused(CG_INT, &(struct cg_constraints){ .has_gt = true, .gt = 0 }, "-1",
                   ERR_BODY_CTX("greater_than", "Input should be greater than 0", "\"-1\"", "{\"gt\":0}"));
    const struct cg_constraints range = { .has_ge = true, .ge = 1, .has_le = true, .le = 100 };
    cr_assert_eq(parse_ok(CG_INT, &range, "1").i, 1);
    cr_assert_eq(parse_ok(CG_INT, &range, "100").i, 100);
}

/* A float field's bound reads as Rust prints it in the message and as
 * Python's repr in ctx, exactly as pydantic renders them. */
Test(validate, number_bounds)
{
    assert_refused(CG_NUMBER, &(struct cg_constraints){ .has_le = true, .le = 3 }, "42",
                   ERR_BODY_CTX("less_than_equal", "Input should be less than or equal to 3", "\"42\"",
                                "{\"le\":3.0}"));
    assert_refused(CG_NUMBER, &(struct cg_constraints){ .has_gt = true, .gt = 0.5 }, "0",
                   ERR_BODY_CTX("greater_than", "Input should be greater than 0.5", "\"0\"", "{\"gt\":0.5}"));
    assert_refused(CG_NUMBER, &(struct cg_constraints){ .has_ge = true, .ge = 1e16 }, "1",
                   ERR_BODY_CTX("greater_than_equal", "Input should be greater than or equal to 10000000000000000",
                                "\"1\"", "{\"ge\":1e+16}"));
    assert_refused(CG_NUMBER, &(struct cg_constraints){ .has_lt = true, .lt = 1e-7 }, "1",
                   ERR_BODY_CTX("less_than", "Input should be less than 0.0000001", "\"1\"", "{\"lt\":1e-07}"));
    assert_refused(CG_NUMBER, &(struct cg_constraints){ .has_gt = true, .gt = -2.5 }, "-2.5",
                   ERR_BODY_CTX("greater_than", "Input should be greater than -2.5", "\"-2.5\"", "{\"gt\":-2.5}"));
    cr_assert_eq(parse_ok(CG_NUMBER, &(struct cg_constraints){ .has_gt = true, .gt = 0 }, "0.001").n, 0.001);
}

#define ZEROS_10 "0000000000"
#define ZEROS_120 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10 ZEROS_10

/* The items app's price range (examples/items/app.c), far from 1: every
 * digit in the message, as Rust prints a float, and 1e-130 and 1e+126 in
 * ctx, as Python's repr. */
Test(validate, number_bounds_far_from_one)
{
    const struct cg_constraints range = { .has_ge = true, .ge = 1e-130, .has_lt = true, .lt = 1e126 };
    assert_refused(CG_NUMBER, &range, "1e-131",
                   ERR_BODY_CTX("greater_than_equal", "Input should be greater than or equal to 0." ZEROS_120
                                "0000000001", "\"1e-131\"", "{\"ge\":1e-130}"));
    assert_refused(CG_NUMBER, &range, "9.999999999999999e+125", /* the double 1e126 */
                   ERR_BODY_CTX("less_than", "Input should be less than 1" ZEROS_120 "000000",
                                "\"9.999999999999999e+125\"", "{\"lt\":1e+126}"));
    cr_assert_eq(parse_ok(CG_NUMBER, &range, "1e-130").n, 1e-130);
    cr_assert_eq(parse_ok(CG_NUMBER, &range, "9.999999999999998e+125").n, 9.999999999999998e+125);
}

Test(validate, first_failing_bound_in_pydantic_order)
{
    /* le, lt, ge, gt */
    assert_refused(CG_INT, &(struct cg_constraints){ .has_gt = true, .gt = 5, .has_lt = true, .lt = 3 }, "4",
                   ERR_BODY_CTX("less_than", "Input should be less than 3", "\"4\"", "{\"lt\":3}"));
    assert_refused(CG_INT, &(struct cg_constraints){ .has_ge = true, .ge = 5, .has_le = true, .le = 3 }, "4",
                   ERR_BODY_CTX("less_than_equal", "Input should be less than or equal to 3", "\"4\"",
                                "{\"le\":3}"));
}

Test(validate, input_is_the_received_text_escaped)
{
    assert_refused(CG_INT, &none, "a\"b\\c\n", INT_PARSING("\"a\\\"b\\\\c\\n\""));
    assert_refused(CG_INT, &none, "caf\xc3\xa9\xff", INT_PARSING("\"caf\xc3\xa9\xef\xbf\xbd\""));
}
