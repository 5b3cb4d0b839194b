/* The DynamoDB item store (ITEMS_STORE=dynamodb, ITEMS_TABLE=<table>).
 *
 * Table layout: partition key "pk" (S), sort key "id" (N).
 *
 *   pk="item#<id / 100>", id=<n>  name (S), price (N), description (S, absent for null)
 *   pk="counter",         id=0    last_id (N): the last id given out
 *
 * Ids: "ADD last_id 1" on the counter item is atomic, so concurrent creates
 * (other threads, other Lambda instances) never get the same id, and an id
 * is never given twice, as with SQLite's AUTOINCREMENT. A create whose
 * PutItem then fails leaves a gap, which is harmless.
 *
 * Buckets: the items of ids 100b .. 100b + 99 share the partition key
 * "item#<b>", so reads, replaces and deletes spread over as many keys as
 * there are hundreds of ids, each key with its own throughput (about 1,000
 * writes and 3,000 reads a second), while a list stays a walk in id order:
 * a Query per bucket, each sorted by id. 100 is the most items a page
 * holds, so a page of consecutive ids spans at most two buckets; a smaller
 * bucket would cost more Queries per page, a larger one puts more items on
 * one key. Creates all go to the newest bucket, as they all go through the
 * counter item anyway (docs/aws.md says what caps them).
 *
 * A page from a cursor starts at the bucket of its id: O(limit) items read.
 * DynamoDB cannot skip items, so an offset of N reads N more. Buckets
 * emptied by deletes cost a Query each while holding nothing, so a page
 * reads at most PAGE_QUERIES buckets past those its offset needs, and ends
 * early, with a next page, past a long run of deleted ids.
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
#define BUCKET_SIZE 100 /* ids per partition key */
#define PAGE_QUERIES 16 /* buckets a page reads, besides those its offset skips */
#define PK_MAX 32

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

/* A DynamoDB error as the app sees it: throttling is worth retrying later. */
static int store_status(int status)
{
    return status == CG_DDB_THROTTLED ? STORE_BUSY : STORE_ERROR;
}

/* A call that went unanswered, too, is worth retrying: DynamoDB was
 * reached, but does not answer now. */
static int fail(const char *what, int status, const struct cg_ddb_result *res)
{
    snprintf(last_error, sizeof last_error, "%s: %s (%s)", what, res->message, cg_ddb_status_name(status));
    return res->unanswered ? STORE_BUSY : store_status(status);
}

static struct ddb_store *store_of(struct store *base)
{
    return (struct ddb_store *)base;
}

/* The partition key of item `id`, written into pk. */
static const char *item_pk(int64_t id, char pk[PK_MAX])
{
    snprintf(pk, PK_MAX, "item#%" PRId64, id / BUCKET_SIZE);
    return pk;
}

/* The last id of the bucket holding `id`. */
static int64_t bucket_end(int64_t id)
{
    int64_t room = BUCKET_SIZE - 1 - id % BUCKET_SIZE;
    return id > INT64_MAX - room ? INT64_MAX : id + room;
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
    char pk[PK_MAX];
    cg_json_key(j, "Item");
    cg_json_obj_begin(j);
    cg_json_key(j, "pk");
    cg_ddb_write_s(j, cg_str_c(item_pk(it->id, pk)));
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

/* A write failed after an attempt that went unanswered (a lost reply, a
 * reply too slow for the call's time, a 5xx), which may have been applied:
 * read the item back. `written` is the item as the write leaves it, or NULL
 * for a delete. STORE_OK when the table shows the write; else the outcome
 * is unknown: the item cannot be read, or an attempt held up on its way
 * may still land, so not even an item unlike `written` proves a failure. */
static int settle(struct ddb_store *s, int64_t id, const struct item *written)
{
    char why[sizeof last_error];
    snprintf(why, sizeof why, "%s", last_error);
    struct cg_arena *a = cg_arena_new();
    struct item found;
    int rc = ddb_get(&s->base, a, id, &found);
    bool applied = written ? rc == STORE_OK && found.price == written->price && same_text(found.name, written->name) &&
                                 same_text(found.description, written->description)
                           : rc == STORE_NOT_FOUND;
    cg_arena_free(a);
    if (applied)
        return STORE_OK;
    snprintf(last_error, sizeof last_error, "%.250s; item %" PRId64 " read back %s: the outcome is unknown", why, id,
             rc == STORE_OK || rc == STORE_NOT_FOUND ? "without the write" : "failed");
    return STORE_UNKNOWN;
}

static int ddb_create(struct store *base, struct item *it)
{
    struct ddb_store *s = store_of(base);
    int rc = next_id(s, &it->id);
    if (rc != STORE_OK)
        return rc;
    bool unanswered;
    rc = put_item(s, it, "attribute_not_exists(id)", &unanswered);
    if (rc == CG_DDB_OK)
        return STORE_OK;
    /* The id came from the counter for this create alone: after an attempt
     * that went unanswered, an item there as sent is this create's, and the
     * retries failed on it (the id taken) or went unanswered too. */
    if (unanswered)
        return settle(s, it->id, it);
    if (rc != CG_DDB_CONDITION_FAILED)
        return store_status(rc);
    /* only a counter set back by hand does this */
    snprintf(last_error, sizeof last_error, "id %" PRId64 " is taken: the counter item is behind", it->id);
    return STORE_ERROR;
}

static int ddb_replace(struct store *base, const struct item *it)
{
    bool unanswered; /* a replacement applied twice is the same replacement */
    int rc = put_item(store_of(base), it, "attribute_exists(id)", &unanswered);
    if (rc == CG_DDB_OK || rc == CG_DDB_CONDITION_FAILED)
        return rc == CG_DDB_OK ? STORE_OK : STORE_NOT_FOUND;
    return unanswered ? settle(store_of(base), it->id, it) : store_status(rc);
}

static int ddb_get(struct store *base, struct cg_arena *a, int64_t id, struct item *out)
{
    struct ddb_store *s = store_of(base);
    char pk[PK_MAX];
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "GetItem", s->table);
    write_key(&r.json, item_pk(id, pk), id);
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
    char pk[PK_MAX];
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "DeleteItem", s->table);
    write_key(&r.json, item_pk(id, pk), id);
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
    bool unanswered = res.unanswered;
    cg_ddb_result_free(&res);
    return result != STORE_OK && result != STORE_NOT_FOUND && unanswered ? settle(s, id, NULL) : result;
}

/* A list page being read: a walk over the buckets in id order. */
struct walk {
    struct ddb_store *s;
    struct cg_arena *a;
    struct item *items;
    size_t n, want;  /* want: the page's limit and one more, which says there is a next page */
    int64_t after;   /* every item up to this id has been read */
    int64_t to_skip; /* what is left of the offset */
    int64_t last_id; /* the counter's: no item lies above it; INT64_MAX until read */
};

/* The last id given out (0 before the first create). */
static int read_last_id(struct ddb_store *s, int64_t *last_id)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "GetItem", s->table);
    write_key(&r.json, "counter", 0);
    cg_json_key(&r.json, "ConsistentRead");
    cg_json_bool(&r.json, true);
    struct cg_ddb_result res;
    int rc = cg_ddb_send(s->ddb, &r, &res);
    if (rc == CG_DDB_OK && !cg_ddb_attr_int(cg_json_member(res.doc, "Item"), "last_id", last_id))
        *last_id = 0;
    int result = rc == CG_DDB_OK ? STORE_OK : fail("list items: read the counter", rc, &res);
    cg_ddb_result_free(&res);
    return result;
}

static void log_query(const char *pk, int64_t after, const struct cg_json_value *found, const struct cg_ddb_result *res)
{
    const struct cg_json_value *units = cg_json_member(cg_json_member(res->doc, "ConsumedCapacity"), "CapacityUnits");
    cg_str text = units ? units->text : CG_STR("?");
    cg_debug("items store: Query %s above id %" PRId64 ": %zu items, %.*s read units", pk, after, found->len,
             (int)text.len, text.ptr);
}

/* One Query: the items above w->after in its bucket, as many as the page
 * still takes (skipped ones included). */
static int read_bucket(struct walk *w)
{
    char pk[PK_MAX];
    item_pk(w->after + 1, pk);
    /* No more than a bucket holds, and no sum past INT64_MAX: the offset
     * may be anything up to it. */
    int64_t limit = w->to_skip < BUCKET_SIZE ? w->to_skip + (int64_t)(w->want - w->n) : BUCKET_SIZE;
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "Query", w->s->table);
    cg_json_key(&r.json, "KeyConditionExpression");
    cg_json_cstr(&r.json, "pk = :pk AND id > :after");
    cg_json_key(&r.json, "ExpressionAttributeValues");
    cg_json_obj_begin(&r.json);
    cg_json_key(&r.json, ":pk");
    cg_ddb_write_s(&r.json, cg_str_c(pk));
    cg_json_key(&r.json, ":after");
    cg_ddb_write_n(&r.json, w->after);
    cg_json_obj_end(&r.json);
    cg_json_key(&r.json, "ConsistentRead");
    cg_json_bool(&r.json, true);
    cg_json_key(&r.json, "Limit");
    cg_json_int(&r.json, limit < BUCKET_SIZE ? limit : BUCKET_SIZE);
    cg_json_key(&r.json, "ReturnConsumedCapacity");
    cg_json_cstr(&r.json, "TOTAL");
    struct cg_ddb_result res;
    int rc = cg_ddb_send(w->s->ddb, &r, &res);
    const struct cg_json_value *found = cg_json_member(res.doc, "Items");
    if (rc != CG_DDB_OK || !found || found->type != CG_JSON_ARRAY) {
        int result = rc != CG_DDB_OK ? fail("list items", rc, &res) : STORE_ERROR;
        if (rc == CG_DDB_OK)
            snprintf(last_error, sizeof last_error, "list items: a Query answer without Items");
        cg_ddb_result_free(&res);
        return result;
    }
    log_query(pk, w->after, found, &res);
    int result = STORE_OK;
    /* w->n < w->want holds with any answer of at most Limit items; checked
     * so that no answer can write past the array. */
    for (size_t i = 0; result == STORE_OK && i < found->len && w->n < w->want; i++) {
        if (w->to_skip > 0)
            w->to_skip--;
        else
            result = read_item(w->a, &found->items[i], &w->items[w->n++]);
    }
    /* With LastEvaluatedKey the bucket holds more than this answer. */
    const struct cg_json_value *next = cg_json_member(res.doc, "LastEvaluatedKey");
    if (!next || !cg_ddb_attr_int(next, "id", &w->after))
        w->after = bucket_end(w->after + 1);
    cg_ddb_result_free(&res);
    return result;
}

static int ddb_list(struct store *base, struct cg_arena *a, int64_t after, int64_t offset, int64_t limit,
                    struct page *page)
{
    struct walk w = { .s = store_of(base), .a = a, .want = (size_t)limit + 1, .after = after, .to_skip = offset,
                      .last_id = INT64_MAX };
    w.items = cg_arena_alloc(a, w.want * sizeof *w.items);
    int64_t queries = PAGE_QUERIES + offset / BUCKET_SIZE;
    int rc = STORE_OK;
    while (rc == STORE_OK && w.n < w.want && w.after < w.last_id && queries-- > 0) {
        rc = read_bucket(&w);
        /* Only a page that reaches past its first bucket needs the end. */
        if (rc == STORE_OK && w.n < w.want && w.last_id == INT64_MAX)
            rc = read_last_id(w.s, &w.last_id);
    }
    bool full = w.n == w.want;
    page->items = w.items;
    page->n = full ? (size_t)limit : w.n;
    page->more = full || w.after < w.last_id;
    page->next_after = full ? w.items[limit - 1].id : w.after;
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
