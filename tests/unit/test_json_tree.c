/* The JSON reader's tree mode (cg_json_parse): the shape of the tree, keys
 * and decoded strings, member lookup, integers, refusals with the
 * scanner's reasons and offsets, the depth limit, documents too large for
 * the builder's inline stack, and values written back. */
#include <criterion/criterion.h>
#include <stdio.h>

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

TestSuite(json_tree, .init = setup, .fini = teardown);

static const struct cg_json_value *parse(const char *json)
{
    struct cg_json_error err = { 0 };
    const struct cg_json_value *v = cg_json_parse(arena, cg_str_c(json), CG_JSON_MAX_DEPTH, &err);
    cr_assert(v, "%s: %s at %zu", json, err.reason, err.pos);
    return v;
}

static void expect_text(cg_str text, const char *want)
{
    cr_expect(cg_str_eq(text, cg_str_c(want)), "\"%.*s\", not \"%s\"", (int)text.len, text.ptr, want);
}

/* The value written back by the JSON writer. */
static const char *written(const struct cg_json_value *v)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    cg_json_write_value(&j, v);
    return cg_json_failed(&j) ? "(failed)" : cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

Test(json_tree, scalars_at_the_root)
{
    cr_expect_eq(parse("null")->type, CG_JSON_NULL);
    cr_expect_eq(parse(" true ")->type, CG_JSON_TRUE);
    cr_expect_eq(parse("false")->type, CG_JSON_FALSE);
    const struct cg_json_value *n = parse("-12.50e+3");
    cr_expect_eq(n->type, CG_JSON_NUMBER);
    expect_text(n->text, "-12.50e+3");
    const struct cg_json_value *s = parse("\"caf\\u00e9\"");
    cr_expect_eq(s->type, CG_JSON_STRING);
    expect_text(s->text, "caf\xc3\xa9");
    cr_expect_eq(s->len, 0);
    cr_expect_null(s->items);
}

Test(json_tree, containers_hold_their_items_in_order)
{
    const struct cg_json_value *root = parse("{\"a\":[1,{\"b\":\"x\"},[]],\"c\":{},\"d\\n\":null}");
    cr_assert_eq(root->type, CG_JSON_OBJECT);
    cr_assert_eq(root->len, 3);
    expect_text(root->items[0].key, "a");
    expect_text(root->items[1].key, "c");
    expect_text(root->items[2].key, "d\n");
    const struct cg_json_value *a = &root->items[0];
    cr_assert_eq(a->type, CG_JSON_ARRAY);
    cr_assert_eq(a->len, 3);
    cr_expect_eq(a->items[0].key.len, 0, "an array's items have no key");
    expect_text(a->items[0].text, "1");
    cr_assert_eq(a->items[1].type, CG_JSON_OBJECT);
    expect_text(cg_json_as_str(cg_json_member(&a->items[1], "b")), "x");
    cr_expect_eq(a->items[2].len, 0);
    cr_expect_null(a->items[2].items);
    cr_expect_eq(root->items[1].type, CG_JSON_OBJECT);
    cr_expect_eq(root->items[1].len, 0);
    cr_expect_eq(root->items[2].type, CG_JSON_NULL);
}

Test(json_tree, plain_strings_are_slices_of_the_text)
{
    static const char json[] = "[\"plain\",\"esc\\taped\"]";
    const struct cg_json_value *root = parse(json);
    cr_expect_eq(root->items[0].text.ptr, json + 2);
    cr_expect(root->items[1].text.ptr < json || root->items[1].text.ptr >= json + sizeof json);
    expect_text(root->items[1].text, "esc\taped");
}

Test(json_tree, members_are_looked_up_by_name)
{
    const struct cg_json_value *root = parse("{\"Table\":{\"TableStatus\":\"ACTIVE\"},\"k\":1,\"k\":2,\"\":3}");
    expect_text(cg_json_as_str(cg_json_member(cg_json_member(root, "Table"), "TableStatus")), "ACTIVE");
    expect_text(cg_json_member(root, "k")->text, "1"); /* the first of a repeated name */
    expect_text(cg_json_member(root, "")->text, "3");
    cr_expect_null(cg_json_member(root, "missing"));
    cr_expect_null(cg_json_member(cg_json_member(root, "missing"), "TableStatus"), "a chain through NULL");
    cr_expect_null(cg_json_member(parse("[\"k\"]"), "k"), "not an object");
    cr_expect_null(cg_json_as_str(cg_json_member(root, "k")).ptr, "not a string");
    cr_expect_null(cg_json_as_str(NULL).ptr);
    expect_text(cg_json_as_str(parse("\"\"")), "");
    cr_expect_not_null(cg_json_as_str(parse("\"\"")).ptr, "an empty string is not an absent one");
}

Test(json_tree, integers_are_read_exactly)
{
    static const struct {
        const char *json;
        int64_t value;
    } fine[] = {
        { "0", 0 },
        { "-0", 0 },
        { "200", 200 },
        { "9223372036854775807", INT64_MAX },
        { "-9223372036854775808", INT64_MIN },
    };
    for (size_t i = 0; i < CG_LEN(fine); i++) {
        int64_t n = 1;
        cr_expect(cg_json_as_int(parse(fine[i].json), &n), "%s", fine[i].json);
        cr_expect_eq(n, fine[i].value, "%s", fine[i].json);
    }
    static const char *const refused[] = { "9223372036854775808", "-9223372036854775809", "1.0", "1e2", "\"1\"",
                                           "true", "null", "[1]" };
    for (size_t i = 0; i < CG_LEN(refused); i++) {
        int64_t n = 7;
        cr_expect_not(cg_json_as_int(parse(refused[i]), &n), "%s", refused[i]);
        cr_expect_eq(n, 7, "%s: left as it was", refused[i]);
    }
    int64_t n;
    cr_expect_not(cg_json_as_int(NULL, &n));
}

Test(json_tree, malformed_text_is_refused_with_the_scanners_reason_and_offset)
{
    static const struct {
        const char *json, *reason;
        size_t pos;
    } cases[] = {
        { "", "unexpected end of input", 0 },
        { "{", "unexpected end of input", 1 },
        { "[1,]", "expected a value", 3 },
        { "{\"a\"}", "expected ':' after a key", 4 },
        { "{\"a\":1,}", "expected a string key", 7 },
        { "[1 2]", "expected ',' or ']'", 3 },
        { "01", "invalid number", 1 },
        { "{} []", "trailing data", 3 },
        { "[\"\\ud800\"]", "lone surrogate in a \\u escape", 2 },
        { "[\"\xc0\xaf\"]", "invalid UTF-8", 2 },
        { "[\"a\tb\"]", "control character in a string", 3 },
        { "{\"a\":[1,{\"b\":tru}]}", "invalid literal", 13 },
        { "[\"open", "unterminated string", 1 },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        struct cg_json_error err = { 0 };
        cr_expect_null(cg_json_parse(arena, cg_str_c(cases[i].json), CG_JSON_MAX_DEPTH, &err), "%s", cases[i].json);
        cr_expect_str_eq(err.reason, cases[i].reason, "%s", cases[i].json);
        cr_expect_eq(err.pos, cases[i].pos, "%s: at %zu", cases[i].json, err.pos);
    }
    cr_expect_null(cg_json_parse(arena, CG_STR("[1,"), CG_JSON_MAX_DEPTH, NULL), "err may be NULL");
}

Test(json_tree, the_depth_is_limited)
{
    struct cg_json_error err;
    cr_expect_not_null(cg_json_parse(arena, CG_STR("[{\"a\":1}]"), 2, &err));
    cr_expect_null(cg_json_parse(arena, CG_STR("[{\"a\":[]}]"), 2, &err));
    cr_expect_str_eq(err.reason, "nesting too deep");
    cr_expect_eq(err.pos, 6);
}

/* More values in flight than the builder keeps on its own stack, and
 * deeper than any recursive reader would like. */
Test(json_tree, large_and_deep_documents)
{
    struct cg_buf text;
    cg_buf_init(&text, arena);
    cg_buf_puts(&text, "{\"list\":[");
    for (int i = 0; i < 1000; i++)
        cg_buf_printf(&text, "%s{\"n\":%d}", i ? "," : "", i);
    cg_buf_puts(&text, "]}");
    const struct cg_json_value *root = cg_json_parse(arena, cg_buf_str(&text), CG_JSON_MAX_DEPTH, NULL);
    cr_assert_not_null(root);
    const struct cg_json_value *list = cg_json_member(root, "list");
    cr_assert_eq(list->len, 1000);
    int64_t n;
    cr_expect(cg_json_as_int(cg_json_member(&list->items[999], "n"), &n) && n == 999);

    enum { DEPTH = 10000 };
    struct cg_buf deep;
    cg_buf_init(&deep, arena);
    for (int i = 0; i < DEPTH; i++)
        cg_buf_putc(&deep, '[');
    cg_buf_puts(&deep, "\"core\"");
    for (int i = 0; i < DEPTH; i++)
        cg_buf_putc(&deep, ']');
    const struct cg_json_value *v = cg_json_parse(arena, cg_buf_str(&deep), SIZE_MAX, NULL);
    cr_assert_not_null(v);
    for (int i = 0; i < DEPTH; i++) {
        cr_assert_eq(v->len, 1, "level %d", i);
        v = &v->items[0];
    }
    expect_text(cg_json_as_str(v), "core");
}

Test(json_tree, values_are_written_back_as_read)
{
    static const char *const same[] = {
        "{\"a\":[1,2.50,-0,1E+400,\"x\\\"y\",true,false,null],\"b\":{},\"c\":[]}",
        "{\"LastEvaluatedKey\":{\"pk\":{\"S\":\"item\"},\"id\":{\"N\":\"12\"}}}",
        "\"caf\xc3\xa9\"",
    };
    for (size_t i = 0; i < CG_LEN(same); i++)
        cr_expect_str_eq(written(parse(same[i])), same[i]);
    cr_expect_str_eq(written(parse(" { \"k\" : [ 1 , \"\\u00e9\\/\" ] } ")), "{\"k\":[1,\"\xc3\xa9/\"]}");

    char deep[2 * (CG_JSON_MAX_DEPTH + 1) + 1];
    memset(deep, '[', CG_JSON_MAX_DEPTH + 1);
    memset(deep + CG_JSON_MAX_DEPTH + 1, ']', CG_JSON_MAX_DEPTH + 1);
    deep[sizeof deep - 1] = '\0';
    cr_expect_str_eq(written(cg_json_parse(arena, cg_str_c(deep), SIZE_MAX, NULL)), "(failed)",
                     "deeper than the writer goes");
}
