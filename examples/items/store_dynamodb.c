/* The DynamoDB item store (ITEMS_STORE=dynamodb, ITEMS_TABLE=<table>).
 *
 * Table layout: partition key "pk" (S), sort key "id" (N).
 *
 *   pk="item",    id=<n>  name (S), price (N), description (S, absent for null)
 *   pk="counter", id=0    last_id (N): the last id given out
 *
 * Ids: "ADD last_id 1" on the counter item is atomic, so concurrent creates
 * (other threads, other Lambda instances) never get the same id, and an id
 * is never given twice, as with SQLite's AUTOINCREMENT. A create whose
 * PutItem then fails leaves a gap, which is harmless.
 *
 * Listing by id with limit and offset: every item lives in the partition
 * "item", sorted by id, so a Query on it returns them in id order and
 * pages with LastEvaluatedKey. DynamoDB cannot skip rows, so a page at
 * offset N reads N + limit items (N + limit read units at most, as each
 * item is under 4 KB). One partition also caps the table at about 1,000
 * writes and 3,000 reads a second: right for this app, not for a hot table
 * (docs/aws.md).
 *
 * Reads are strongly consistent (ConsistentRead), so a client reads its own
 * writes as it does with SQLite. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cgate/dynamodb.h>
#include <cgate/log.h>

#include "store.h"

#define CREATE_TIMEOUT_MS 60000

struct ddb_store {
    struct store base;
    struct cg_ddb *ddb;
    char table[256];
};

static _Thread_local char last_error[384];

static const char *ddb_last_error(void)
{
    return last_error;
}

static int fail(const char *what, int status, const struct cg_ddb_result *res)
{
    snprintf(last_error, sizeof last_error, "%s: %s (%s)", what, res->message, cg_ddb_status_name(status));
    return status == CG_DDB_THROTTLED ? STORE_BUSY : STORE_ERROR;
}

static struct ddb_store *store_of(struct store *base)
{
    return (struct ddb_store *)base;
}

/* "Key": {"pk": {"S": pk}, "id": {"N": id}} */
static void write_key(struct cg_json *j, const char *pk, int64_t id)
{
    cg_json_key(j, "Key");
    cg_json_obj_begin(j);
    cg_json_key(j, "pk");
    cg_ddb_write_s(j, cg_str_c(pk));
    cg_json_key(j, "id");
    cg_ddb_write_n(j, id);
    cg_json_obj_end(j);
}

/* Prices are stored with Python's repr digits, which read back exactly. */
static void write_price(struct cg_json *j, double price)
{
    struct cg_buf digits;
    cg_buf_init(&digits, NULL);
    cg_json_format_double(&digits, price);
    cg_json_obj_begin(j);
    cg_json_key(j, "N");
    cg_json_str(j, cg_buf_str(&digits));
    cg_json_obj_end(j);
    cg_buf_free(&digits);
}

static void write_item(struct cg_json *j, const struct item *it)
{
    cg_json_key(j, "Item");
    cg_json_obj_begin(j);
    cg_json_key(j, "pk");
    cg_ddb_write_s(j, CG_STR("item"));
    cg_json_key(j, "id");
    cg_ddb_write_n(j, it->id);
    cg_json_key(j, "name");
    cg_ddb_write_s(j, it->name);
    cg_json_key(j, "price");
    write_price(j, it->price);
    if (it->description.ptr) {
        cg_json_key(j, "description");
        cg_ddb_write_s(j, it->description);
    }
    cg_json_obj_end(j);
}

/* An item of a response, copied into the request's arena: the response
 * is freed before the handler answers. */
static int read_item(struct cg_arena *a, const struct cg_json_value *item, struct item *out)
{
    cg_str name = cg_ddb_attr_s(item, "name"), description = cg_ddb_attr_s(item, "description");
    if (!name.ptr || !cg_ddb_attr_int(item, "id", &out->id) || !cg_ddb_attr_double(item, "price", &out->price)) {
        snprintf(last_error, sizeof last_error, "an item in the table lacks id, name or price");
        return STORE_ERROR;
    }
    out->name = cg_arena_strdup(a, name);
    out->description = description.ptr ? cg_arena_strdup(a, description) : (cg_str){ NULL, 0 };
    return STORE_OK;
}

static void write_condition(struct cg_json *j, const char *condition)
{
    cg_json_key(j, "ConditionExpression");
    cg_json_cstr(j, condition);
}

/* ---- the operations ---- */

/* The next id, from the counter item. */
static int next_id(struct ddb_store *s, int64_t *id)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "UpdateItem", s->table);
    write_key(&r.json, "counter", 0);
    cg_json_key(&r.json, "UpdateExpression");
    cg_json_cstr(&r.json, "ADD last_id :one");
    cg_json_key(&r.json, "ExpressionAttributeValues");
    cg_json_obj_begin(&r.json);
    cg_json_key(&r.json, ":one");
    cg_ddb_write_n(&r.json, 1);
    cg_json_obj_end(&r.json);
    cg_json_key(&r.json, "ReturnValues");
    cg_json_cstr(&r.json, "UPDATED_NEW");
    struct cg_ddb_result res;
    int rc = cg_ddb_send(s->ddb, &r, &res);
    int result = rc == CG_DDB_OK ? STORE_OK : fail("next id", rc, &res);
    if (rc == CG_DDB_OK && !cg_ddb_attr_int(cg_json_member(res.doc, "Attributes"), "last_id", id)) {
        snprintf(last_error, sizeof last_error, "next id: the answer has no last_id");
        result = STORE_ERROR;
    }
    cg_ddb_result_free(&res);
    return result;
}

/* PutItem under a condition. Returns CG_DDB_OK, CG_DDB_CONDITION_FAILED, or
 * another status with last_error set; *unanswered: an attempt went without
 * an answer (cg_ddb_result). */
static int put_item(struct ddb_store *s, const struct item *it, const char *condition, bool *unanswered)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "PutItem", s->table);
    write_item(&r.json, it);
    write_condition(&r.json, condition);
    struct cg_ddb_result res;
    int rc = cg_ddb_send(s->ddb, &r, &res);
    if (rc != CG_DDB_OK && rc != CG_DDB_CONDITION_FAILED)
        fail("put item", rc, &res);
    *unanswered = res.unanswered;
    cg_ddb_result_free(&res);
    return rc;
}

static int ddb_get(struct store *base, struct cg_arena *a, int64_t id, struct item *out);

static bool same_text(cg_str a, cg_str b)
{
    return a.ptr ? b.ptr && cg_str_eq(a, b) : !b.ptr;
}

/* Whether the table holds `it` at its id, as written. */
static bool holds(struct ddb_store *s, const struct item *it)
{
    struct cg_arena *a = cg_arena_new();
    struct item found;
    bool same = ddb_get(&s->base, a, it->id, &found) == STORE_OK && found.price == it->price &&
                same_text(found.name, it->name) && same_text(found.description, it->description);
    cg_arena_free(a);
    return same;
}

static int ddb_create(struct store *base, struct item *it)
{
    struct ddb_store *s = store_of(base);
    int rc = next_id(s, &it->id);
    if (rc != STORE_OK)
        return rc;
    bool unanswered;
    rc = put_item(s, it, "attribute_not_exists(id)", &unanswered);
    /* The id came from the counter for this create alone: when it is taken
     * after an attempt that went unanswered, the lost reply was to the
     * write that took it, if the item there is the one sent. */
    if (rc == CG_DDB_CONDITION_FAILED && unanswered && holds(s, it))
        return STORE_OK;
    if (rc == CG_DDB_CONDITION_FAILED) /* only a counter set back by hand does this */
        snprintf(last_error, sizeof last_error, "id %" PRId64 " is taken: the counter item is behind", it->id);
    return rc == CG_DDB_OK ? STORE_OK : STORE_ERROR;
}

static int ddb_replace(struct store *base, const struct item *it)
{
    bool unanswered; /* a replacement applied twice is the same replacement */
    int rc = put_item(store_of(base), it, "attribute_exists(id)", &unanswered);
    return rc == CG_DDB_OK ? STORE_OK : rc == CG_DDB_CONDITION_FAILED ? STORE_NOT_FOUND : STORE_ERROR;
}

static int ddb_get(struct store *base, struct cg_arena *a, int64_t id, struct item *out)
{
    struct ddb_store *s = store_of(base);
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "GetItem", s->table);
    write_key(&r.json, "item", id);
    cg_json_key(&r.json, "ConsistentRead");
    cg_json_bool(&r.json, true);
    struct cg_ddb_result res;
    int rc = cg_ddb_send(s->ddb, &r, &res);
    const struct cg_json_value *item = cg_json_member(res.doc, "Item");
    int result = rc != CG_DDB_OK ? fail("get item", rc, &res) : item ? read_item(a, item, out) : STORE_NOT_FOUND;
    cg_ddb_result_free(&res);
    return result;
}

static int ddb_remove(struct store *base, int64_t id)
{
    struct ddb_store *s = store_of(base);
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "DeleteItem", s->table);
    write_key(&r.json, "item", id);
    write_condition(&r.json, "attribute_exists(id)");
    struct cg_ddb_result res;
    int rc = cg_ddb_send(s->ddb, &r, &res);
    /* Gone after an attempt that went unanswered: that attempt deleted it
     * (or a concurrent delete did; either way it is gone, and DELETE is
     * idempotent). */
    if (rc == CG_DDB_CONDITION_FAILED && res.unanswered)
        rc = CG_DDB_OK;
    int result = rc == CG_DDB_OK ? STORE_OK : rc == CG_DDB_CONDITION_FAILED ? STORE_NOT_FOUND
                                                                             : fail("delete item", rc, &res);
    cg_ddb_result_free(&res);
    return result;
}

/* One Query page of up to `limit` items of the partition, after `start`
 * (a LastEvaluatedKey, or NULL for the first page). */
static int query_page(struct ddb_store *s, int64_t limit, const struct cg_json_value *start,
                      struct cg_ddb_result *res)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "Query", s->table);
    cg_json_key(&r.json, "KeyConditionExpression");
    cg_json_cstr(&r.json, "pk = :pk");
    cg_json_key(&r.json, "ExpressionAttributeValues");
    cg_json_obj_begin(&r.json);
    cg_json_key(&r.json, ":pk");
    cg_ddb_write_s(&r.json, CG_STR("item"));
    cg_json_obj_end(&r.json);
    cg_json_key(&r.json, "ConsistentRead");
    cg_json_bool(&r.json, true);
    cg_json_key(&r.json, "Limit");
    cg_json_int(&r.json, limit);
    if (start) {
        cg_json_key(&r.json, "ExclusiveStartKey");
        cg_json_write_value(&r.json, start);
    }
    int rc = cg_ddb_send(s->ddb, &r, res);
    return rc == CG_DDB_OK ? STORE_OK : fail("list items", rc, res);
}

static int ddb_list(struct store *base, struct cg_arena *a, int64_t limit, int64_t offset, struct item **items,
                    size_t *n)
{
    struct ddb_store *s = store_of(base);
    struct item *out = cg_arena_alloc(a, (size_t)limit * sizeof *out);
    size_t count = 0;
    int64_t to_skip = offset;
    struct cg_ddb_result page = { 0 };
    int rc = STORE_OK;
    do {
        struct cg_ddb_result prev = page;
        rc = query_page(s, to_skip + limit - (int64_t)count, cg_json_member(prev.doc, "LastEvaluatedKey"), &page);
        cg_ddb_result_free(&prev);
        const struct cg_json_value *found = cg_json_member(page.doc, "Items");
        size_t nfound = found && found->type == CG_JSON_ARRAY ? found->len : 0;
        for (size_t i = 0; rc == STORE_OK && i < nfound; i++) {
            if (to_skip > 0)
                to_skip--;
            else
                rc = read_item(a, &found->items[i], &out[count++]);
        }
    } while (rc == STORE_OK && (int64_t)count < limit && cg_json_member(page.doc, "LastEvaluatedKey"));
    cg_ddb_result_free(&page);
    *items = out;
    *n = count;
    return rc;
}

static void ddb_close(struct store *base)
{
    struct ddb_store *s = store_of(base);
    cg_ddb_free(s->ddb);
    free(s);
}

static const struct store_ops ddb_ops = {
    .close = ddb_close,
    .create = ddb_create,
    .get = ddb_get,
    .list = ddb_list,
    .replace = ddb_replace,
    .remove = ddb_remove,
    .last_error = ddb_last_error,
};

/* ---- the table ---- */

static int create_table(struct ddb_store *s, struct cg_ddb_result *res)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "CreateTable", s->table);
    cg_json_key(&r.json, "AttributeDefinitions");
    cg_json_raw(&r.json, CG_STR("[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
                                "{\"AttributeName\":\"id\",\"AttributeType\":\"N\"}]"));
    cg_json_key(&r.json, "KeySchema");
    cg_json_raw(&r.json, CG_STR("[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
                                "{\"AttributeName\":\"id\",\"KeyType\":\"RANGE\"}]"));
    cg_json_key(&r.json, "BillingMode");
    cg_json_cstr(&r.json, "PAY_PER_REQUEST");
    int rc = cg_ddb_send(s->ddb, &r, res);
    cg_ddb_result_free(res);
    if (rc == CG_DDB_OK)
        cg_info("items store: created the DynamoDB table %s", s->table);
    return rc == CG_DDB_IN_USE ? CG_DDB_OK : rc; /* another instance created it first */
}

/* The table must be there, and ACTIVE; with create_table, make it first. */
static int ensure_table(struct ddb_store *s, enum table_check check, char *err, size_t errlen)
{
    if (check == TABLE_TRUSTED)
        return 0;
    bool create = check == TABLE_CREATED;
    struct cg_ddb_result res;
    int rc = cg_ddb_wait_active(s->ddb, s->table, CREATE_TIMEOUT_MS, &res);
    if (rc == CG_DDB_NO_TABLE && create) {
        rc = create_table(s, &res);
        if (rc == CG_DDB_OK)
            rc = cg_ddb_wait_active(s->ddb, s->table, CREATE_TIMEOUT_MS, &res);
    }
    if (rc == CG_DDB_NO_TABLE && !create)
        snprintf(err, errlen, "ITEMS_TABLE=%s: no such table at %s (ITEMS_CREATE_TABLE=1 creates it)", s->table,
                 cg_ddb_endpoint(s->ddb));
    else if (rc != CG_DDB_OK)
        snprintf(err, errlen, "ITEMS_TABLE=%s at %s: %s", s->table, cg_ddb_endpoint(s->ddb), res.message);
    cg_ddb_result_free(&res);
    return rc == CG_DDB_OK ? 0 : -1;
}

int store_dynamodb_open(const char *table, enum table_check check, struct store **out, char *err, size_t errlen)
{
    struct ddb_store *s = cg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->base.ops = &ddb_ops;
    snprintf(s->table, sizeof s->table, "%s", table);
    s->ddb = cg_ddb_new(NULL, err, errlen);
    if (!s->ddb || ensure_table(s, check, err, errlen) != 0) {
        ddb_close(&s->base);
        return -1;
    }
    *out = &s->base;
    return 0;
}
