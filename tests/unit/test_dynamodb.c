/* The DynamoDB client's readers of attribute values (cg_ddb_attr_*), on
 * items as DynamoDB answers them; the protocol itself is tested against
 * moto (tests/integration/test_aws.py, test_items_dynamodb.py). */
#include <criterion/criterion.h>

#include "cgate/dynamodb.h"

static struct cg_arena *arena;
static const struct cg_json_value *item;

static void setup(void)
{
    arena = cg_arena_new();
    static const char json[] = "{\"name\":{\"S\":\"Ham\\u00e9r\"},\"empty\":{\"S\":\"\"},\"id\":{\"N\":\"42\"},"
                               "\"price\":{\"N\":\"9.5\"},\"big\":{\"N\":\"9223372036854775808\"},"
                               "\"wrong\":{\"N\":12},\"list\":{\"L\":[]},\"huge\":{\"N\":\"1"
                               "00000000000000000000000000000000000000000000000000000000000000000\"}}";
    item = cg_json_parse(arena, CG_STR(json), CG_JSON_MAX_DEPTH, NULL);
    cr_assert_not_null(item);
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(dynamodb, .init = setup, .fini = teardown);

Test(dynamodb, string_attributes)
{
    cg_str name = cg_ddb_attr_s(item, "name");
    cr_expect(cg_str_eq(name, CG_STR("Ham\xc3\xa9r")));
    cr_expect_not_null(cg_ddb_attr_s(item, "empty").ptr, "an empty string is there");
    cr_expect_null(cg_ddb_attr_s(item, "id").ptr, "a number is no string");
    cr_expect_null(cg_ddb_attr_s(item, "missing").ptr);
    cr_expect_null(cg_ddb_attr_s(NULL, "name").ptr);
}

Test(dynamodb, number_attributes)
{
    int64_t id = 0;
    double price = 0;
    cr_expect(cg_ddb_attr_int(item, "id", &id) && id == 42);
    cr_expect(cg_ddb_attr_double(item, "price", &price) && price == 9.5);
    cr_expect(cg_ddb_attr_double(item, "id", &price) && price == 42);
    cr_expect_not(cg_ddb_attr_int(item, "price", &id), "9.5 is no integer");
    cr_expect_not(cg_ddb_attr_int(item, "big", &id), "beyond int64_t");
    cr_expect_not(cg_ddb_attr_int(item, "wrong", &id), "N must hold a string");
    cr_expect_not(cg_ddb_attr_int(item, "name", &id), "an S is no number");
    cr_expect_not(cg_ddb_attr_double(item, "huge", &price), "longer than any DynamoDB number");
    cr_expect_not(cg_ddb_attr_int(item, "list", &id));
    cr_expect_not(cg_ddb_attr_int(NULL, "id", &id));
    cr_expect_eq(id, 42, "left as it was");
}
