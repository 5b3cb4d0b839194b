/* Nested models and lists in bodies: binding, the exact 422 bodies with
 * indexed locs, the limits, and writing nested models back.
 *
 * The golden 422 bodies below were produced by FastAPI 0.165.0 with
 * pydantic 2.14.3 (TestClient) for the same models:
 *
 *   class Address(BaseModel):
 *       street: str = Field(min_length=1)
 *       zip: int = Field(ge=1000)
 *       city: Optional[str] = None
 *   class Line(BaseModel):
 *       sku: str
 *       qty: int = Field(ge=1)
 *       notes: Optional[List[Annotated[str, StringConstraints(max_length=3)]]] = None
 *   class Order(BaseModel):
 *       name: str
 *       owner: Address
 *       billing: Optional[Address] = None
 *       tags: List[Annotated[str, StringConstraints(max_length=5)]] = Field(min_length=1, max_length=3)
 *       scores: Optional[List[float]] = None
 *       colors: Optional[List[Color]] = None    # Color: an Enum of "red", "green"
 *       lines: List[Line]
 *   class Node(BaseModel):
 *       name: str
 *       children: List["Node"]
 */
#include <criterion/criterion.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/body.h"
#include "core/body_bind.h"
#include "core/log_internal.h"
#include "core/model.h"
#include "core/patterns.h"

#include "task_model.h"

struct address {
    cg_str street;
    int64_t zip;
    cg_str city;
};

static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, street, CG_STRING, CG_MIN_LEN(1)),
    CG_FIELD(struct address, zip, CG_INT, CG_GE(1000)),
    CG_FIELD(struct address, city, CG_STRING, .optional = true),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct line {
    cg_str sku;
    int64_t qty;
    struct cg_list notes; /* cg_str */
};

static const struct cg_field line_fields[] = {
    CG_FIELD(struct line, sku, CG_STRING),
    CG_FIELD(struct line, qty, CG_INT, CG_GE(1)),
    CG_FIELD_LIST(struct line, notes, CG_STRING, CG_MAX_LEN(3), .optional = true),
};
static const struct cg_model line_model = CG_MODEL("Line", struct line, line_fields);

struct order {
    cg_str name;
    struct address owner;
    struct address billing;
    bool has_billing;
    struct cg_list tags;   /* cg_str */
    struct cg_list scores; /* double */
    struct cg_list colors; /* int */
    struct cg_list lines;  /* struct line */
};

static const struct cg_field order_fields[] = {
    CG_FIELD(struct order, name, CG_STRING),
    CG_FIELD_MODEL(struct order, owner, &address_model),
    CG_FIELD_MODEL_OPT(struct order, billing, has_billing, &address_model),
    CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MAX_LEN(5), CG_MIN_ITEMS(1), CG_MAX_ITEMS(3)),
    CG_FIELD_LIST(struct order, scores, CG_NUMBER, .optional = true),
    CG_FIELD_LIST(struct order, colors, CG_ENUM, CG_CHOICES("red", "green"), .optional = true),
    CG_FIELD_MODEL_LIST(struct order, lines, &line_model),
};
static const struct cg_model order_model = CG_MODEL("Order", struct order, order_fields);

/* A model that holds a list of itself. */
struct node {
    cg_str name;
    struct cg_list children; /* struct node */
};

static const struct cg_model node_model;
static const struct cg_field node_fields[] = {
    CG_FIELD(struct node, name, CG_STRING),
    CG_FIELD_MODEL_LIST(struct node, children, &node_model),
};
static const struct cg_model node_model = CG_MODEL("Node", struct node, node_fields);

static struct cg_arena *arena;
static struct order order;
static struct node node;
static struct cg_verrors errs;

static void setup(void)
{
    arena = cg_arena_new();
    cr_assert_eq(cg__model_prepare(&order_model), 0);
    cr_assert_eq(cg__model_prepare(&node_model), 0);
}

static void teardown(void)
{
    cg_arena_free(arena);
    cg__patterns_free();
}

TestSuite(nested, .init = setup, .fini = teardown);

static const char *bind_into(const struct cg_model *m, void *out, cg_str body)
{
    struct cg_buf text;
    cg__verrors_init(&errs, arena);
    cg_buf_init(&text, arena);
    memset(out, 0, m->size);
    int rc = cg__body_bind(arena, m, CG_STR("application/json"), body, out, &errs);
    cr_assert_eq(rc, errs.n ? -1 : 0);
    if (rc == 0)
        return "";
    cg__verrors_write(&errs, &text);
    return cg_arena_strdup(arena, cg_buf_str(&text)).ptr;
}

static const char *bind_order(const char *json)
{
    return bind_into(&order_model, &order, cg_str_c(json));
}

static const char *bind_node(const char *json)
{
    return bind_into(&node_model, &node, cg_str_c(json));
}

#define assert_422(got, expected) cr_assert_str_eq((got), (expected))
#define OWNER "\"owner\":{\"street\":\"s\",\"zip\":1234}"

#define ITEM(list, T, i) CG_LIST_AT(list, T, i)

/* ---- binding ---- */

Test(nested, models_and_lists_bound)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"Main\",\"zip\":\"1234\",\"city\":null},"
                          "\"billing\":{\"street\":\"B\",\"zip\":99999,\"city\":\"Oslo\"},\"tags\":[\"a\",\"bc\"],"
                          "\"scores\":[1,\"2.5\",true],\"colors\":[\"green\",\"red\"],"
                          "\"lines\":[{\"sku\":\"x\",\"qty\":2,\"notes\":[\"abc\"]},{\"sku\":\"y\",\"qty\":1.0}],"
                          "\"extra\":{\"deep\":[[{}]]}}"),
               "");
    cr_assert(cg_str_eq_c(order.owner.street, "Main"));
    cr_assert_eq(order.owner.zip, 1234);
    cr_assert_null(order.owner.city.ptr);
    cr_assert(order.has_billing);
    cr_assert(cg_str_eq_c(order.billing.city, "Oslo"));
    cr_assert_eq(order.tags.n, 2);
    cr_assert(cg_str_eq_c(ITEM(order.tags, cg_str, 1), "bc"));
    cr_assert_eq(order.scores.n, 3);
    cr_assert_eq(ITEM(order.scores, double, 1), 2.5);
    cr_assert_eq(ITEM(order.scores, double, 2), 1.0);
    cr_assert_eq(ITEM(order.colors, int, 0), 1);
    cr_assert_eq(order.lines.n, 2);
    const struct line *lines = order.lines.items;
    cr_assert(cg_str_eq_c(lines[0].sku, "x"));
    cr_assert_eq(lines[0].notes.n, 1);
    cr_assert(cg_str_eq_c(ITEM(lines[0].notes, cg_str, 0), "abc"));
    cr_assert_eq(lines[1].qty, 1);
    cr_assert_null(lines[1].notes.items);
}

Test(nested, absent_null_and_empty_lists)
{
    assert_422(bind_order("{\"name\":\"n\"," OWNER ",\"tags\":[\"a\"],\"lines\":[]}"), "");
    cr_assert_not(order.has_billing);
    cr_assert_null(order.scores.items); /* absent */
    cr_assert_eq(order.lines.n, 0);
    cr_assert_not_null(order.lines.items); /* given, empty */
    assert_422(bind_order("{\"name\":\"n\"," OWNER ",\"billing\":null,\"tags\":[\"a\"],\"lines\":[],\"scores\":[],"
                          "\"colors\":null}"),
               "");
    cr_assert_not(order.has_billing);
    cr_assert_not_null(order.scores.items);
    cr_assert_eq(order.scores.n, 0);
    cr_assert_null(order.colors.items);
}

/* FastAPI 0.165 answers 200 to both: the last value of a key counts. */
Test(nested, repeated_keys_keep_the_last_value)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"zip\":1,\"city\":\"c\"}," OWNER
                          ",\"tags\":[1],\"tags\":[\"a\"],\"lines\":[]}"),
               "");
    cr_assert_null(order.owner.city.ptr); /* nothing left from the first owner */
    cr_assert(cg_str_eq_c(ITEM(order.tags, cg_str, 0), "a"));
}

static const char *tree(int levels)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    for (int i = 0; i < levels; i++)
        cg_buf_puts(&b, "{\"name\":\"n\",\"children\":[");
    for (int i = 0; i < levels; i++)
        cg_buf_puts(&b, "]}");
    return cg_arena_strdup(arena, cg_buf_str(&b)).ptr;
}

/* Each level of the tree is two levels of JSON: its object and its list. */
Test(nested, nesting_limit_bounds_recursive_models)
{
    assert_422(bind_node(tree(CG_JSON_MAX_DEPTH / 2)), "");
    const struct node *n = &node;
    for (int i = 1; i < CG_JSON_MAX_DEPTH / 2; i++) {
        cr_assert_eq(n->children.n, 1);
        n = n->children.items;
    }
    cr_assert_eq(n->children.n, 0);
    assert_422(bind_node(tree(CG_JSON_MAX_DEPTH / 2 + 1)),
               "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",768],\"msg\":\"JSON decode error\","
               "\"input\":{},\"ctx\":{\"error\":\"nesting too deep\"}}]}");
}

static const char *repeated(const char *head, const char *item, size_t n, const char *tail)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    cg_buf_puts(&b, head);
    for (size_t i = 0; i < n; i++)
        cg_buf_printf(&b, "%s%s", i ? "," : "", item);
    cg_buf_puts(&b, tail);
    return cg_arena_strdup(arena, cg_buf_str(&b)).ptr;
}

Test(nested, huge_lists_are_bound_in_the_arena)
{
    assert_422(bind_order(repeated("{\"name\":\"n\"," OWNER ",\"tags\":[\"a\"],\"lines\":[],\"scores\":[", "1.5",
                                   200000, "]}")),
               "");
    cr_assert_eq(order.scores.n, 200000);
    cr_assert_eq(ITEM(order.scores, double, 199999), 1.5);
    assert_422(bind_order(repeated("{\"name\":\"n\"," OWNER ",\"tags\":[\"a\"],\"lines\":[", "{\"sku\":\"s\",\"qty\":3}",
                                   50000, "]}")),
               "");
    cr_assert_eq(((const struct line *)order.lines.items)[49999].qty, 3);
}

/* A too long list is one error however long it is, and its items past the
 * limit are only counted. */
Test(nested, too_long_list_is_one_error)
{
    const char *body = repeated("{\"name\":\"n\"," OWNER ",\"lines\":[],\"tags\":[", "null", 100000, "]}");
    cr_assert_neq(strstr(bind_order(body), "\"msg\":\"List should have at most 3 items after validation, not 100000\""),
                  NULL);
    cr_assert_eq(errs.n, 1);
}

Test(nested, errors_past_the_limit_are_left_out)
{
    const char *body =
        repeated("{\"name\":5," OWNER ",\"tags\":[\"a\"],\"lines\":[],\"scores\":[", "null", 5000, "]}");
    const char *got = bind_order(body);
    cr_assert_eq(errs.n, CG_BODY_MAX_ERRORS);
    cr_assert(cg_str_eq_c(errs.items[0].loc, "[\"body\",\"name\"]"));
    cr_assert(cg_str_eq_c(errs.items[CG_BODY_MAX_ERRORS - 1].loc, "[\"body\",\"scores\",998]"));
    cr_assert_neq(strstr(got, "\"type\":\"float_type\""), NULL);
    /* Reached inside a list of models: their errors so far, still in order. */
    body = repeated("{\"name\":\"n\"," OWNER ",\"tags\":[\"a\"],\"lines\":[", "{\"qty\":\"x\"}", 600, "]}");
    bind_order(body);
    cr_assert_eq(errs.n, CG_BODY_MAX_ERRORS);
    cr_assert(cg_str_eq_c(errs.items[0].loc, "[\"body\",\"lines\",0,\"sku\"]"));
    cr_assert(cg_str_eq_c(errs.items[CG_BODY_MAX_ERRORS - 1].loc, "[\"body\",\"lines\",499,\"qty\"]"));
    /* Still JSON first: an invalid body past the limit is json_invalid. */
    body = repeated("{\"scores\":[", "null", 5000, "],}");
    cr_assert_neq(strstr(bind_order(body), "\"type\":\"json_invalid\""), NULL);
}

/* ---- FastAPI's 422 bodies ---- */

Test(nested, missing_fields_of_the_body)
{
    assert_422(bind_order("{}"),
          "{\"detail\":["
          "{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":{}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"owner\"],\"msg\":\"Field required\",\"input\":{}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Field required\",\"input\":{}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"lines\"],\"msg\":\"Field required\",\"input\":{}}"
          "]}");
}

Test(nested, model_field_not_an_object)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":\"x\",\"tags\":[\"a\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"owner\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":\"x\"}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":[1, {\"a\": 2}],\"tags\":[\"a\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"owner\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[1,{\"a\":2}]}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":null,\"tags\":[\"a\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"owner\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":null}"
          "]}");
}

Test(nested, missing_in_a_nested_model_shows_that_object)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"zip\":5, \"x\": [1.50]},\"tags\":[\"a\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"missing\",\"loc\":[\"body\",\"owner\",\"street\"],\"msg\":\"Field required\",\"input\":{\"zip\":5,\"x\":[1.5]}},"
          "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"owner\",\"zip\"],\"msg\":\"Input should be greater than or equal to 1000\",\"input\":5,\"ctx\":{\"ge\":1000}}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"billing\":{\"street\":\"\"},\"tags\":[\"a\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"string_too_short\",\"loc\":[\"body\",\"billing\",\"street\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"billing\",\"zip\"],\"msg\":\"Field required\",\"input\":{\"street\":\"\"}}"
          "]}");
}

Test(nested, list_field_not_a_list)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"billing\":null,\"tags\":\"abc\",\"lines\":{\"a\":1}}"),
          "{\"detail\":["
          "{\"type\":\"list_type\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Input should be a valid list\",\"input\":\"abc\"},"
          "{\"type\":\"list_type\",\"loc\":[\"body\",\"lines\"],\"msg\":\"Input should be a valid list\",\"input\":{\"a\":1}}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":null,\"lines\":null}"),
          "{\"detail\":["
          "{\"type\":\"list_type\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Input should be a valid list\",\"input\":null},"
          "{\"type\":\"list_type\",\"loc\":[\"body\",\"lines\"],\"msg\":\"Input should be a valid list\",\"input\":null}"
          "]}");
}

Test(nested, item_errors_carry_their_index)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"ok\",5,null],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],\"msg\":\"Input should be a valid string\",\"input\":5},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",2],\"msg\":\"Input should be a valid string\",\"input\":null}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[[1],{}],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",0],\"msg\":\"Input should be a valid string\",\"input\":[1]},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],\"msg\":\"Input should be a valid string\",\"input\":{}}"
          "]}");
}

Test(nested, too_long_replaces_item_errors)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"ok\",5,\"toolong\",null],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"too_long\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at most 3 items after validation, not 4\",\"input\":[\"ok\",5,\"toolong\",null],\"ctx\":{\"field_type\":\"List\",\"max_length\":3,\"actual_length\":4}}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"too_long\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at most 3 items after validation, not 5\",\"input\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":3,\"actual_length\":5}}"
          "]}");
}

Test(nested, too_short)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"too_short\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at least 1 item after validation, not 0\",\"input\":[],\"ctx\":{\"field_type\":\"List\",\"min_length\":1,\"actual_length\":0}}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[],\"lines\":[{\"qty\":0}]}"),
          "{\"detail\":["
          "{\"type\":\"too_short\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at least 1 item after validation, not 0\",\"input\":[],\"ctx\":{\"field_type\":\"List\",\"min_length\":1,\"actual_length\":0}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"lines\",0,\"sku\"],\"msg\":\"Field required\",\"input\":{\"qty\":0}},"
          "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"lines\",0,\"qty\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":0,\"ctx\":{\"ge\":1}}"
          "]}");
}

Test(nested, list_of_models)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"a\"],\"lines\":[{\"sku\":\"a\",\"qty\":0},5,{\"qty\":\"x\"},null,[]]}"),
          "{\"detail\":["
          "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"lines\",0,\"qty\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":0,\"ctx\":{\"ge\":1}},"
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"lines\",1],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":5},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"lines\",2,\"sku\"],\"msg\":\"Field required\",\"input\":{\"qty\":\"x\"}},"
          "{\"type\":\"int_parsing\",\"loc\":[\"body\",\"lines\",2,\"qty\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},"
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"lines\",3],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":null},"
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"lines\",4],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[]}"
          "]}");
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"a\"],\"lines\":[{\"sku\":\"a\",\"qty\":1,\"notes\":[\"abcd\",\"ab\",7]}]}"),
          "{\"detail\":["
          "{\"type\":\"string_too_long\",\"loc\":[\"body\",\"lines\",0,\"notes\",0],\"msg\":\"String should have at most 3 characters\",\"input\":\"abcd\",\"ctx\":{\"max_length\":3}},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"lines\",0,\"notes\",2],\"msg\":\"Input should be a valid string\",\"input\":7}"
          "]}");
}

Test(nested, errors_in_declaration_order_not_json_order)
{
    assert_422(bind_order("{\"lines\":[{\"sku\":\"a\",\"qty\":0}],\"tags\":[1],\"owner\":{\"zip\":\"z\"},\"name\":5}"),
          "{\"detail\":["
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":5},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"owner\",\"street\"],\"msg\":\"Field required\",\"input\":{\"zip\":\"z\"}},"
          "{\"type\":\"int_parsing\",\"loc\":[\"body\",\"owner\",\"zip\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"z\"},"
          "{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",0],\"msg\":\"Input should be a valid string\",\"input\":1},"
          "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"lines\",0,\"qty\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":0,\"ctx\":{\"ge\":1}}"
          "]}");
}

Test(nested, scalar_items_lax_and_enum)
{
    assert_422(bind_order("{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234},\"tags\":[\"a\"],\"scores\":[1,\"2.5\",true,\"x\",null],\"colors\":[\"red\",\"blue\",null],\"lines\":[]}"),
          "{\"detail\":["
          "{\"type\":\"float_parsing\",\"loc\":[\"body\",\"scores\",3],\"msg\":\"Input should be a valid number, unable to parse string as a number\",\"input\":\"x\"},"
          "{\"type\":\"float_type\",\"loc\":[\"body\",\"scores\",4],\"msg\":\"Input should be a valid number\",\"input\":null},"
          "{\"type\":\"enum\",\"loc\":[\"body\",\"colors\",1],\"msg\":\"Input should be 'red' or 'green'\",\"input\":\"blue\",\"ctx\":{\"expected\":\"'red' or 'green'\"}},"
          "{\"type\":\"enum\",\"loc\":[\"body\",\"colors\",2],\"msg\":\"Input should be 'red' or 'green'\",\"input\":null,\"ctx\":{\"expected\":\"'red' or 'green'\"}}"
          "]}");
}

Test(nested, recursive_model)
{
    assert_422(bind_node("{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[{\"children\":[]}]}]}"),
          "{\"detail\":["
          "{\"type\":\"missing\",\"loc\":[\"body\",\"children\",0,\"children\",0,\"name\"],\"msg\":\"Field required\",\"input\":{\"children\":[]}}"
          "]}");
    assert_422(bind_node("{\"name\":\"a\",\"children\":[{\"name\":\"b\",\"children\":[5]}, {}]}"),
          "{\"detail\":["
          "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"children\",0,\"children\",0],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":5},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"children\",1,\"name\"],\"msg\":\"Field required\",\"input\":{}},"
          "{\"type\":\"missing\",\"loc\":[\"body\",\"children\",1,\"children\"],\"msg\":\"Field required\",\"input\":{}}"
          "]}");
}

/* ---- start-up checks ---- */

/* A list bound to a member that is not a struct cg_list does not compile
 * (tests/compile_fail); a nested model's size can only be checked here. */
struct wrong {
    int64_t owner; /* not a struct address */
};

Test(nested, prepare_refuses_bad_tables)
{
    static const struct cg_field bad_model[] = { CG_FIELD_MODEL(struct wrong, owner, &address_model) };
    static const struct cg_field bad_counts[] = {
        CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MIN_ITEMS(3), CG_MAX_ITEMS(2)),
    };
    static const struct cg_field no_choices[] = { CG_FIELD_LIST(struct order, colors, CG_ENUM) };
    static const struct cg_model models[] = {
        CG_MODEL("A", struct wrong, bad_model),
        CG_MODEL("C", struct order, bad_counts),
        CG_MODEL("D", struct order, no_choices),
    };
    for (size_t i = 0; i < CG_LEN(models); i++)
        cr_assert_eq(cg__model_prepare(&models[i]), -1, "%s", models[i].name);
    static const struct cg_field nested_bad[] = { CG_FIELD_MODEL_LIST(struct order, lines, &models[2]) };
    static const struct cg_model outer = CG_MODEL("E", struct order, nested_bad);
    cr_assert_eq(cg__model_prepare(&outer), -1);
}

/* ---- defaults, null and sent fields (the models: task_model.h) ---- */



static struct task task;

static const char *bind_task(const char *json)
{
    cr_assert_eq(cg__model_prepare(&task_model), 0);
    return bind_into(&task_model, &task, cg_str_c(json));
}

static const char *write_task(void)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    cg_json_write_model(&j, &task_model, &task);
    cr_assert_not(cg_json_failed(&j));
    return cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

/* FastAPI's model_dump of Task(name="x"). */
Test(nested, absent_fields_take_their_defaults)
{
    assert_422(bind_task("{\"name\":\"x\"}"), "");
    cr_assert_str_eq(write_task(), "{\"name\":\"x\",\"done\":false,\"qty\":1,\"price\":9.5,\"color\":\"red\",\"note\":null,"
                                   "\"maybe\":5,\"tags\":[],\"nums\":[1,2],"
                                   "\"home\":{\"street\":\"Main\",\"zip\":1000,\"city\":null},"
                                   "\"work\":{\"street\":\"Elm\",\"zip\":2000,\"city\":null},\"other\":null}");
    cr_assert(task.has_maybe);
    cr_assert_not_null(task.tags.items); /* [] given by default: not null */
    cr_assert_eq(task.tags.n, 0);
    cr_assert_eq(CG_LIST_AT(task.nums, int64_t, 1), 2);
}

/* An object sent for a model with defaults starts from them; null for an
 * optional field with a default is null. */
Test(nested, sent_values_replace_defaults)
{
    assert_422(bind_task("{\"name\":\"x\",\"home\":{\"city\":\"P\"},\"maybe\":null,\"other\":{}}"), "");
    cr_assert_str_eq(write_task(), "{\"name\":\"x\",\"done\":false,\"qty\":1,\"price\":9.5,\"color\":\"red\",\"note\":null,"
                                   "\"maybe\":null,\"tags\":[],\"nums\":[1,2],"
                                   "\"home\":{\"street\":\"Main\",\"zip\":1000,\"city\":\"P\"},"
                                   "\"work\":{\"street\":\"Elm\",\"zip\":2000,\"city\":null},"
                                   "\"other\":{\"street\":\"Main\",\"zip\":1000,\"city\":null}}");
    cr_assert_not(task.has_maybe);
    cr_assert(task.has_other);
}

/* A field with a default refuses null unless it is optional too. */
Test(nested, null_is_refused_unless_optional)
{
    assert_422(
        bind_task("{\"name\":null,\"done\":null,\"qty\":null,\"price\":null,\"color\":null,\"note\":null,"
                  "\"maybe\":null,\"tags\":null,\"nums\":null,\"home\":null,\"work\":null,\"other\":null}"),
        "{\"detail\":["
        "{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":null},"
        "{\"type\":\"bool_type\",\"loc\":[\"body\",\"done\"],\"msg\":\"Input should be a valid boolean\",\"input\":null},"
        "{\"type\":\"int_type\",\"loc\":[\"body\",\"qty\"],\"msg\":\"Input should be a valid integer\",\"input\":null},"
        "{\"type\":\"float_type\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number\",\"input\":null},"
        "{\"type\":\"enum\",\"loc\":[\"body\",\"color\"],\"msg\":\"Input should be 'red' or 'green'\",\"input\":null,"
        "\"ctx\":{\"expected\":\"'red' or 'green'\"}},"
        "{\"type\":\"list_type\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Input should be a valid list\",\"input\":null},"
        "{\"type\":\"list_type\",\"loc\":[\"body\",\"nums\"],\"msg\":\"Input should be a valid list\",\"input\":null},"
        "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"home\"],\"msg\":\"Input should be a valid dictionary "
        "or object to extract fields from\",\"input\":null},"
        "{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"work\"],\"msg\":\"Input should be a valid dictionary "
        "or object to extract fields from\",\"input\":null}]}");
    assert_422(bind_task("{\"name\":\"x\",\"home\":{\"zip\":5,\"street\":null},\"nums\":[1,\"a\"]}"),
               "{\"detail\":["
               "{\"type\":\"int_parsing\",\"loc\":[\"body\",\"nums\",1],\"msg\":\"Input should be a valid integer, "
               "unable to parse string as an integer\",\"input\":\"a\"},"
               "{\"type\":\"string_type\",\"loc\":[\"body\",\"home\",\"street\"],\"msg\":\"Input should be a valid "
               "string\",\"input\":null},"
               "{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"home\",\"zip\"],\"msg\":\"Input should be greater "
               "than or equal to 1000\",\"input\":5,\"ctx\":{\"ge\":1000}}]}");
}

/* pydantic's model_fields_set: {"home","maybe","name","other"}, and
 * {"city"} for home. */
Test(nested, sent_fields_as_model_fields_set)
{
    assert_422(bind_task("{\"name\":\"x\",\"home\":{\"city\":\"P\"},\"maybe\":null,\"other\":{}}"), "");
    static const char *const sent[] = { "name", "maybe", "home", "other", "home.city", NULL };
    static const char *const unsent[] = { "done", "qty", "tags", "work", "home.street", "work.city",
                                          "other.city", NULL };
    for (size_t i = 0; sent[i]; i++)
        cr_assert(cg_model_has(&task_model, &task, sent[i]), "%s", sent[i]);
    for (size_t i = 0; unsent[i]; i++)
        cr_assert_not(cg_model_has(&task_model, &task, unsent[i]), "%s", unsent[i]);
    assert_422(bind_task("{\"name\":\"x\",\"other\":null}"), "");
    cr_assert(cg_model_has(&task_model, &task, "other"));
    cr_assert_not(cg_model_has(&task_model, &task, "other.street"));
}

Test(nested, sent_fields_misused)
{
    char why[256];
    bool sent;
    assert_422(bind_task("{\"name\":\"x\"}"), "");
    cr_assert_eq(cg__model_sent(&task_model, &task, "nmae", &sent, why, sizeof why), -1);
    cr_assert_str_eq(why, "model Task has no field named nmae");
    cr_assert_eq(cg__model_sent(&task_model, &task, "tags.x", &sent, why, sizeof why), -1);
    cr_assert_str_eq(why, "model Task: field tags is not a nested model");
    cr_assert_eq(cg__model_sent(&order_model, &order, "name", &sent, why, sizeof why), -1);
    cr_assert_str_eq(why, "model Order records no sent fields (declare it with CG_MODEL_SENT)");
}

/* The error cg__model_prepare logs when it refuses m. */
static const char *refusal(const struct cg_model *m)
{
    static char why[512];
    why[0] = '\0';
    cg__log_capture(why, sizeof why);
    cr_assert_eq(cg__model_prepare(m), -1, "%s", m->name);
    cg__log_capture(NULL, 0);
    return why;
}

/* A default is bound at start-up as a sent value would be: one that does
 * not parse, or breaks its field's constraints, stops start-up. */
Test(nested, prepare_refuses_bad_defaults)
{
    static const struct cg_field not_json[] = { CG_FIELD(struct place, street, CG_STRING, .def = "Main") };
    static const struct cg_field wrong_type[] = { CG_FIELD(struct place, zip, CG_INT, .def = "\"x\"") };
    static const struct cg_field out_of_bounds[] = { CG_FIELD(struct place, zip, CG_INT, CG_GE(1000), .def = "5") };
    static const struct cg_field bad_item[] = { CG_FIELD_LIST(struct task, nums, CG_INT, .def = "[1,\"a\"]") };
    static const struct cg_field bad_nested[] = { CG_FIELD_MODEL(struct order, owner, &address_model, .def = "{}") };
    static const struct cg_model models[] = {
        CG_MODEL("A", struct place, not_json), CG_MODEL("B", struct place, wrong_type),
        CG_MODEL("C", struct place, out_of_bounds), CG_MODEL("E", struct task, bad_item),
        CG_MODEL("F", struct order, bad_nested),
    };
    static const char *const why[] = {
        "model A: field street: the default Main is not valid: JSON decode error at [\"street\",0] "
        "{\"error\":\"expected a value\"}",
        "model B: field zip: the default \"x\" is not valid: Input should be a valid integer, unable to parse string "
        "as an integer at [\"zip\"]",
        "model C: field zip: the default 5 is not valid: Input should be greater than or equal to 1000 at [\"zip\"] "
        "{\"ge\":1000}",
        "model E: field nums: the default [1,\"a\"] is not valid: Input should be a valid integer, unable to parse "
        "string as an integer at [\"nums\",1]",
        "model F: field owner: the default {} is not valid: Field required at [\"owner\",\"street\"]",
    };
    for (size_t i = 0; i < CG_LEN(models); i++)
        cr_assert_str_eq(refusal(&models[i]), why[i]);
}

/* pydantic's `zip: int = None`: may be left out, may not be sent as null. */
Test(nested, a_null_default_may_be_left_out_but_not_sent_null)
{
    static const struct cg_field fields[] = {
        CG_FIELD(struct place, street, CG_STRING),
        CG_FIELD(struct place, zip, CG_INT, .def = "null"),
    };
    static const struct cg_model m = CG_MODEL_SENT("Place", struct place, fields, sent);
    cr_assert_eq(cg__model_prepare(&m), 0);
    struct place p;
    assert_422(bind_into(&m, &p, CG_STR("{\"street\":\"s\"}")), "");
    cr_assert_eq(p.zip, 0);
    cr_assert_not(cg_model_has(&m, &p, "zip"));
    assert_422(bind_into(&m, &p, CG_STR("{\"street\":\"s\",\"zip\":null}")),
               "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"zip\"],\"msg\":\"Input should be a valid "
               "integer\",\"input\":null}]}");
    assert_422(bind_into(&m, &p, CG_STR("{\"street\":\"s\",\"zip\":75001}")), "");
    cr_assert(p.zip == 75001 && cg_model_has(&m, &p, "zip"));
}

/* ---- writing nested models ---- */

static const char *write_order(const struct order *o)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    cg_json_write_model(&j, &order_model, o);
    cr_assert_not(cg_json_failed(&j));
    return cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

/* FastAPI's response for the same body, only the model's fields. */
Test(nested, bound_order_writes_back_as_fastapi_answers)
{
    assert_422(bind_order("{\"name\":\"n\"," OWNER ",\"tags\":[\"a\"],\"lines\":[],\"x\":1}"), "");
    cr_assert_str_eq(write_order(&order), "{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234,\"city\":null},"
                                          "\"billing\":null,\"tags\":[\"a\"],\"scores\":null,\"colors\":null,"
                                          "\"lines\":[]}");
    assert_422(bind_order("{\"name\":\"n\"," OWNER ",\"billing\":{\"street\":\"b\",\"zip\":1000},\"tags\":[\"a\"],"
                          "\"scores\":[2,0.1],\"colors\":[\"red\"],\"lines\":[{\"sku\":\"k\",\"qty\":1,"
                          "\"notes\":[\"n\"]}]}"),
               "");
    cr_assert_str_eq(write_order(&order),
                     "{\"name\":\"n\",\"owner\":{\"street\":\"s\",\"zip\":1234,\"city\":null},\"billing\":"
                     "{\"street\":\"b\",\"zip\":1000,\"city\":null},\"tags\":[\"a\"],\"scores\":[2.0,0.1],"
                     "\"colors\":[\"red\"],\"lines\":[{\"sku\":\"k\",\"qty\":1,\"notes\":[\"n\"]}]}");
}

Test(nested, write_refuses_a_bad_item)
{
    struct cg_buf out;
    struct cg_json j;
    int colors[] = { 0, 7 };
    struct order o = { .name = CG_STR("n"), .colors = { colors, 2 } };
    cg_buf_init(&out, arena);
    cg_json_init(&j, &out);
    cg_json_write_model(&j, &order_model, &o);
    cr_assert(cg_json_failed(&j));
}
