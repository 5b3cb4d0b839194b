/* Body binding: FastAPI's content-type rules, JSON errors, pydantic's lax
 * conversions, and the exact 422 bodies (checked against FastAPI 0.165 with
 * pydantic 2.14 for the same model). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/body.h"

struct item {
    cg_str name;
    double price;
    int64_t count;
    bool ok;
    int kind;
    cg_str desc;
    int64_t n2;
    bool has_n2;
};

static const struct cg_field item_fields[] = {
    CG_FIELD(struct item, name, CG_STRING, CG_MIN_LEN(1)),
    CG_FIELD(struct item, price, CG_NUMBER, CG_GT(0)),
    CG_FIELD(struct item, count, CG_INT, CG_GE(1), CG_LE(10)),
    CG_FIELD(struct item, ok, CG_BOOL),
    CG_FIELD(struct item, kind, CG_ENUM, CG_CHOICES("alexnet", "resnet", "lenet")),
    CG_FIELD(struct item, desc, CG_STRING, .optional = true),
    CG_FIELD_OPT(struct item, n2, has_n2, CG_INT),
};
static const struct cg_model item_model = CG_MODEL("Item", struct item, item_fields);

static struct cg_arena *arena;
static struct item it;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(body, .init = setup, .fini = teardown);

static const char *bind_with(const char *content_type, cg_str body)
{
    struct cg_verrors errs;
    struct cg_buf out;
    cg__verrors_init(&errs, arena);
    cg_buf_init(&out, arena);
    memset(&it, 0, sizeof it);
    int rc = cg__body_bind(arena, &item_model, cg_str_c(content_type), body, &it, &errs);
    cr_assert_eq(rc, errs.n ? -1 : 0);
    if (rc == 0)
        return "";
    cg__verrors_write(&errs, &out);
    return cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

static const char *bind(const char *json)
{
    return bind_with("application/json", cg_str_c(json));
}

#define assert_422(got, expected) cr_assert_str_eq((got), (expected))
#define assert_bound(json) assert_422(bind(json), "")

#define VALID "\"name\":\"x\",\"price\":1,\"count\":2,\"ok\":true,\"kind\":\"resnet\""

/* Expected 422 bodies, built from their parts. */
#define DETAIL(errors) "{\"detail\":[" errors "]}"
#define BODY_ERR(type, msg, input) \
    "{\"type\":\"" type "\",\"loc\":[\"body\"],\"msg\":\"" msg "\",\"input\":" input "}"
#define FIELD_ERR(type, name, msg, input) \
    "{\"type\":\"" type "\",\"loc\":[\"body\",\"" name "\"],\"msg\":\"" msg "\",\"input\":" input "}"
#define FIELD_ERR_CTX(type, name, msg, input, ctx) \
    "{\"type\":\"" type "\",\"loc\":[\"body\",\"" name "\"],\"msg\":\"" msg "\",\"input\":" input ",\"ctx\":" ctx "}"

#define NOT_OBJECT(input) \
    DETAIL(BODY_ERR("model_attributes_type", "Input should be a valid dictionary or object to extract fields from", \
                    input))
#define JSON_INVALID(pos, error)                                                                       \
    DETAIL("{\"type\":\"json_invalid\",\"loc\":[\"body\"," pos "],\"msg\":\"JSON decode error\","       \
           "\"input\":{},\"ctx\":{\"error\":\"" error "\"}}")
#define MISSING(name, input) FIELD_ERR("missing", name, "Field required", input)
#define ENUM_ERROR(input)                                                                           \
    FIELD_ERR_CTX("enum", "kind", "Input should be 'alexnet', 'resnet' or 'lenet'", input,          \
                  "{\"expected\":\"'alexnet', 'resnet' or 'lenet'\"}")
#define STRING_TYPE(input) FIELD_ERR("string_type", "name", "Input should be a valid string", input)
#define FLOAT_TYPE(input) FIELD_ERR("float_type", "price", "Input should be a valid number", input)
#define INT_TYPE(input) FIELD_ERR("int_type", "count", "Input should be a valid integer", input)
#define BOOL_TYPE(input) FIELD_ERR("bool_type", "ok", "Input should be a valid boolean", input)
#define BOOL_PARSING(input) \
    FIELD_ERR("bool_parsing", "ok", "Input should be a valid boolean, unable to interpret input", input)
#define INT_SIZE(input) \
    FIELD_ERR("int_parsing_size", "count", "Unable to parse input string as an integer, exceeded maximum size", input)
#define NAME_TOO_SHORT                                                                                      \
    FIELD_ERR_CTX("string_too_short", "name", "String should have at least 1 character", "\"\"", \
                  "{\"min_length\":1}")

/* ---- the body as a whole ---- */

Test(body, empty_body_is_missing)
{
    const char *missing = DETAIL(BODY_ERR("missing", "Field required", "null"));
    assert_422(bind(""), missing);
    assert_422(bind_with("text/plain", CG_STR("")), missing);
}

Test(body, content_types_read_as_json)
{
    static const char *const json[] = { NULL,
                                        "",
                                        "application/json",
                                        "application/json; charset=utf-8",
                                        "Application/JSON ;charset=UTF-8",
                                        "application/vnd.api+json",
                                        "application/merge-patch+JSON; x=y" };
    for (size_t i = 0; i < CG_LEN(json); i++)
        cr_assert_str_eq(bind_with(json[i], CG_STR("{" VALID "}")), "", "%s", json[i] ? json[i] : "(none)");
}

Test(body, other_content_types_are_not_json)
{
    assert_422(bind_with("application/x-www-form-urlencoded", CG_STR("name=Foo&price=50.5")),
               NOT_OBJECT("\"name=Foo&price=50.5\""));
    assert_422(bind_with("text/plain", CG_STR("{\"name\":\"x\"}")), NOT_OBJECT("\"{\\\"name\\\":\\\"x\\\"}\""));
    assert_422(bind_with("application/jsonx", CG_STR("{}")), NOT_OBJECT("\"{}\""));
    assert_422(bind_with("json", CG_STR("{}")), NOT_OBJECT("\"{}\""));
}

Test(body, json_that_is_not_an_object)
{
    assert_422(bind("[1, 2]"), NOT_OBJECT("[1,2]"));
    assert_422(bind("1.50"), NOT_OBJECT("1.5"));
    assert_422(bind("-0"), NOT_OBJECT("0"));
    assert_422(bind(" \"x\" "), NOT_OBJECT("\"x\""));
    assert_422(bind("null"), NOT_OBJECT("null"));
    assert_422(bind("true"), NOT_OBJECT("true"));
    assert_422(bind("[{\"name\": \"x\"}, [], 1e3]"), NOT_OBJECT("[{\"name\":\"x\"},[],1000.0]"));
}

Test(body, invalid_json_with_position)
{
    /* The offset of the byte where decoding failed, as Python's json gives it. */
    assert_422(bind("{\"a\":1,}"), JSON_INVALID("7", "expected a string key"));
    assert_422(bind("{\"a\":1"), JSON_INVALID("6", "unexpected end of input"));
    assert_422(bind("   "), JSON_INVALID("3", "unexpected end of input"));
    assert_422(bind("{\"a\":1} x"), JSON_INVALID("8", "trailing data"));
    assert_422(bind("{\"a\":1}{}"), JSON_INVALID("7", "trailing data"));
    assert_422(bind("{'a':1}"), JSON_INVALID("1", "expected a string key"));
    assert_422(bind("{\"a\":01}"), JSON_INVALID("6", "invalid number"));
    assert_422(bind("{\"a\":1 /* c */}"), JSON_INVALID("7", "expected ',' or '}'"));
    assert_422(bind("{\"a\":\"x\ty\"}"), JSON_INVALID("7", "control character in a string"));
}

/* At the first byte that is not UTF-8, where Python's decoder stops too. */
Test(body, invalid_utf8_in_strings)
{
    assert_422(bind("{\"name\":\"\xff\"}"), JSON_INVALID("9", "invalid UTF-8"));
    assert_422(bind("{\"name\":\"\xc0\x80\"}"), JSON_INVALID("9", "invalid UTF-8"));
    assert_422(bind("{\"\xed\xa0\x80\":1}"), JSON_INVALID("2", "invalid UTF-8"));
}

Test(body, lone_surrogate_escapes)
{
    assert_422(bind("{\"name\":\"\\ud800\"}"), JSON_INVALID("9", "lone surrogate in a \\\\u escape"));
}

/* {"extra":[[...]], VALID}: the object counts as one level */
static const char *nested(int depth)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    cg_buf_puts(&b, "{\"extra\":");
    for (int i = 1; i < depth; i++)
        cg_buf_putc(&b, '[');
    for (int i = 1; i < depth; i++)
        cg_buf_putc(&b, ']');
    cg_buf_puts(&b, "," VALID "}");
    return cg_arena_strdup(arena, cg_buf_str(&b)).ptr;
}

Test(body, nesting_limit)
{
    assert_bound(nested(CG_JSON_MAX_DEPTH));
    assert_422(bind(nested(CG_JSON_MAX_DEPTH + 1)), JSON_INVALID("72", "nesting too deep")); /* its last '[' */
}

/* ---- fields ---- */

Test(body, every_field_bound)
{
    assert_bound("{\"kind\":\"lenet\",\"name\":\"caf\\u00e9\\n\\\"\",\"price\":19.99,\"count\":10,\"ok\":false,"
                 "\"desc\":\"d\",\"n2\":-3,\"extra\":{\"deep\":[1,{\"name\":5}]}}");
    cr_assert(cg_str_eq_c(it.name, "caf\xc3\xa9\n\""));
    cr_assert_eq(it.price, 19.99);
    cr_assert_eq(it.count, 10);
    cr_assert_not(it.ok);
    cr_assert_eq(it.kind, 2);
    cr_assert(cg_str_eq_c(it.desc, "d"));
    cr_assert_eq(it.n2, -3);
    cr_assert(it.has_n2);
}

Test(body, optional_fields_absent_or_null)
{
    assert_bound("{" VALID "}");
    cr_assert_null(it.desc.ptr);
    cr_assert_not(it.has_n2);
    assert_bound("{" VALID ",\"desc\":null,\"n2\":null}");
    cr_assert_null(it.desc.ptr);
    cr_assert_not(it.has_n2);
    assert_bound("{" VALID ",\"desc\":\"\"}");
    cr_assert_not_null(it.desc.ptr);
    cr_assert_eq(it.desc.len, 0);
}

Test(body, lax_conversions)
{
    assert_bound("{\"name\":\"x\",\"price\":\" 2.5 \",\"count\":\"3\",\"ok\":\"yes\",\"kind\":\"alexnet\"}");
    cr_assert_eq(it.price, 2.5);
    cr_assert_eq(it.count, 3);
    cr_assert(it.ok);
    assert_bound("{\"name\":\"x\",\"price\":true,\"count\":\"1.0\",\"ok\":0.0,\"kind\":\"alexnet\",\"n2\":true}");
    cr_assert_eq(it.price, 1.0);
    cr_assert_eq(it.count, 1);
    cr_assert_not(it.ok);
    cr_assert_eq(it.n2, 1);
    assert_bound("{\"name\":\"x\",\"price\":5,\"count\":2.0,\"ok\":1,\"kind\":\"alexnet\",\"n2\":-1e2}");
    cr_assert_eq(it.count, 2);
    cr_assert(it.ok);
    cr_assert_eq(it.n2, -100);
}

Test(body, last_of_repeated_keys_wins)
{
    assert_422(bind("{\"name\":\"a\",\"name\":\"\",\"price\":1,\"count\":1,\"ok\":1,\"kind\":\"lenet\"}"),
               DETAIL(NAME_TOO_SHORT));
    assert_bound("{\"name\":[],\"name\":\"b\",\"price\":1,\"count\":1,\"ok\":1,\"kind\":\"lenet\"}");
    cr_assert(cg_str_eq_c(it.name, "b"));
}

Test(body, missing_fields_show_the_whole_body)
{
    assert_422(bind("{}"), DETAIL(MISSING("name", "{}") "," MISSING("price", "{}") "," MISSING("count", "{}") ","
                                  MISSING("ok", "{}") "," MISSING("kind", "{}")));
#define WHOLE "{\"name\":\"x\",\"extra\":[1.5,{\"k\":null}],\"kind\":\"lenet\",\"ok\":1}"
    assert_422(bind("{ \"name\" : \"x\", \"extra\": [1.50, {\"k\": null}] , \"kind\":\"lenet\", \"ok\":1}"),
               DETAIL(MISSING("price", WHOLE) "," MISSING("count", WHOLE)));
#undef WHOLE
}

Test(body, constraint_errors_in_field_order)
{
    assert_422(
        bind("{\"n2\":null,\"kind\":\"x\",\"ok\":\"maybe\",\"count\":\"11\",\"price\":-1.50,\"name\":\"\"}"),
        DETAIL(NAME_TOO_SHORT "," FIELD_ERR_CTX("greater_than", "price", "Input should be greater than 0", "-1.5",
                                                "{\"gt\":0.0}") ","
               FIELD_ERR_CTX("less_than_equal", "count", "Input should be less than or equal to 10", "\"11\"",
                             "{\"le\":10}") "," BOOL_PARSING("\"maybe\"") "," ENUM_ERROR("\"x\"")));
}

Test(body, type_errors)
{
    assert_422(bind("{\"name\":5,\"price\":\"abc\",\"count\":1.5,\"ok\":2,\"kind\":1}"),
               DETAIL(STRING_TYPE("5") ","
                      FIELD_ERR("float_parsing", "price",
                                "Input should be a valid number, unable to parse string as a number", "\"abc\"") ","
                      FIELD_ERR("int_from_float", "count",
                                "Input should be a valid integer, got a number with a fractional part", "1.5") ","
                      BOOL_PARSING("2") "," ENUM_ERROR("1")));
}

Test(body, null_for_required_fields)
{
    assert_422(bind("{\"name\":null,\"price\":null,\"count\":null,\"ok\":null,\"kind\":null}"),
               DETAIL(STRING_TYPE("null") "," FLOAT_TYPE("null") "," INT_TYPE("null") "," BOOL_TYPE("null") ","
                      ENUM_ERROR("null")));
}

Test(body, containers_where_scalars_belong)
{
    assert_422(bind("{\"name\":[1, {\"a\": 2}],\"price\":{},\"count\":[\"1\"],\"ok\":0.5,\"kind\":\"lenet\"}"),
               DETAIL(STRING_TYPE("[1,{\"a\":2}]") "," FLOAT_TYPE("{}") "," INT_TYPE("[\"1\"]") ","
                      BOOL_TYPE("0.5")));
}

Test(body, numbers_echo_as_python_prints_them)
{
    assert_422(bind("{\"name\":\"a\",\"price\":1,\"count\":1e3,\"ok\":2.0,\"kind\":\"lenet\"}"),
               DETAIL(FIELD_ERR_CTX("less_than_equal", "count", "Input should be less than or equal to 10", "1000.0",
                                    "{\"le\":10}") "," BOOL_PARSING("2.0")));
    assert_422(bind("{\"name\":\"a\",\"price\":1,\"count\":-0,\"ok\":1,\"kind\":\"lenet\"}"),
               DETAIL(FIELD_ERR_CTX("greater_than_equal", "count", "Input should be greater than or equal to 1", "0",
                                    "{\"ge\":1}")));
}

Test(body, integers_beyond_int64)
{
    assert_422(bind("{\"name\":\"a\",\"price\":1,\"count\":1e300,\"ok\":1,\"kind\":\"lenet\"}"),
               DETAIL(INT_SIZE("1e+300")));
    assert_422(bind("{\"name\":\"a\",\"price\":1,\"count\":99999999999999999999,\"ok\":1,\"kind\":\"lenet\"}"),
               DETAIL(INT_SIZE("99999999999999999999")));
}

Test(body, numbers_must_be_finite)
{
    assert_422(bind("{\"name\":\"a\",\"price\":-1e400,\"count\":1,\"ok\":1,\"kind\":\"lenet\"}"),
               DETAIL(FIELD_ERR("finite_number", "price", "Input should be a finite number", "-1e400")));
}

/* ---- writing a model ---- */

static const char *write_item(const struct item *obj)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    cg_json_write_model(&j, &item_model, obj);
    cr_assert_not(cg_json_failed(&j));
    return cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

Test(body, write_model)
{
    struct item obj = { .name = CG_STR("caf\xc3\xa9 \"x\""), .price = 1.5, .count = -2, .ok = true, .kind = 1 };
    cr_assert_str_eq(write_item(&obj), "{\"name\":\"caf\xc3\xa9 \\\"x\\\"\",\"price\":1.5,\"count\":-2,\"ok\":true,"
                                       "\"kind\":\"resnet\",\"desc\":null,\"n2\":null}");
    obj.desc = CG_STR("");
    obj.has_n2 = true;
    obj.price = 3;
    cr_assert_str_eq(write_item(&obj), "{\"name\":\"caf\xc3\xa9 \\\"x\\\"\",\"price\":3.0,\"count\":-2,\"ok\":true,"
                                       "\"kind\":\"resnet\",\"desc\":\"\",\"n2\":0}");
}

Test(body, bound_model_writes_back)
{
    assert_bound("{\"name\":\"n\",\"price\":\"1e2\",\"count\":\"4\",\"ok\":\"on\",\"kind\":\"lenet\",\"n2\":7}");
    cr_assert_str_eq(write_item(&it), "{\"name\":\"n\",\"price\":100.0,\"count\":4,\"ok\":true,\"kind\":\"lenet\","
                                      "\"desc\":null,\"n2\":7}");
}

Test(body, write_model_refuses_bad_values)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    struct item obj = { .name = CG_STR("x"), .kind = 3 };
    cg_json_write_model(&j, &item_model, &obj);
    cr_assert(cg_json_failed(&j));
}
