/* Idempotency records in DynamoDB (include/cgate/idempotency.h): one item
 * per key in a table the app already has (docs/aws.md, "Idempotency").
 *
 *   pk                    S  "idempotency#<key>" (the key is a hex SHA-256)
 *   <sort key>            N  0, when the table has one
 *   fingerprint           S  hex SHA-256 of the request
 *   claim_token           S  the claiming request's random token
 *   idem_status           N  0 in progress, 1 completed
 *   expires_ms            N  epoch ms: the record's end, which conditions read
 *   expires_at            N  epoch s, rounded up: for the table's TTL, which
 *                            deletes expired items within days, not at once
 *   in_progress_until_ms  N  epoch ms: an in-progress claim's end
 *   response_status       N  completed: the stored response
 *   response_headers      B
 *   response_body         B
 *
 * Claim: one conditional PutItem; when the condition fails, one strongly
 * consistent GetItem reads the record that holds the key. Complete: a
 * PutItem of the whole record, release: a DeleteItem, each conditional on
 * the claim's token, so that a claim taken over after its timeout is never
 * overwritten. Retries of lost replies recognise their own earlier success:
 * a claim or a completion by its token in the condition, a release that
 * finds nothing after an unanswered attempt (cg_ddb_result.unanswered). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/codec.h"
#include "cgate/dynamodb.h"
#include "cgate/idempotency.h"

#define MAX_NAME       255
#define CLAIM_ATTEMPTS 3 /* a record released between a failed claim and its read: claim again */

struct ddb_idem {
    struct cg_idem_store base;
    pthread_mutex_t lock; /* guards ddb while it is NULL */
    struct cg_ddb *ddb;   /* the app's, or, made on first use, our own */
    bool own_client;
    char table[MAX_NAME + 1];
    char partition_key[MAX_NAME + 1];
    char sort_key[MAX_NAME + 1]; /* "" when the table has none */
};

/* The client: made on the first call when the app gave none, so that
 * making the store needs no AWS setting (`APP openapi` runs without
 * credentials). NULL, with res->message set, when it cannot be made. */
static struct cg_ddb *client(struct ddb_idem *s, struct cg_ddb_result *res)
{
    pthread_mutex_lock(&s->lock);
    if (!s->ddb) {
        s->ddb = cg_ddb_new(NULL, res->message, sizeof res->message);
        s->own_client = s->ddb != NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return s->ddb;
}

/* cg_ddb_send through client(). */
static int send_request(struct ddb_idem *s, struct cg_ddb_request *r, struct cg_ddb_result *res)
{
    *res = (struct cg_ddb_result){ 0 };
    struct cg_ddb *ddb = client(s, res);
    if (ddb)
        return cg_ddb_send(ddb, r, res);
    cg_buf_free(&r->body);
    return CG_DDB_FAILED;
}

static int fail(int rc, const struct cg_ddb_result *res, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "dynamodb: %s: %s", what, rc == CG_DDB_CONDITION_FAILED ? "the claim is another request's"
                                                                                 : res->message);
    return -1;
}

static void write_key_attrs(const struct ddb_idem *s, struct cg_json *j, cg_str key)
{
    char pk[sizeof "idempotency#" + 64];
    snprintf(pk, sizeof pk, "idempotency#%.*s", (int)key.len, key.ptr);
    cg_json_key(j, s->partition_key);
    cg_ddb_write_s(j, cg_str_c(pk));
    if (s->sort_key[0]) {
        cg_json_key(j, s->sort_key);
        cg_ddb_write_n(j, 0);
    }
}

static void write_key(const struct ddb_idem *s, struct cg_json *j, cg_str key)
{
    cg_json_key(j, "Key");
    cg_json_obj_begin(j);
    write_key_attrs(s, j, key);
    cg_json_obj_end(j);
}

static void write_b(struct cg_json *j, const char *name, cg_str bytes)
{
    struct cg_buf b64;
    cg_buf_init(&b64, NULL);
    cg_base64_encode(&b64, bytes);
    cg_json_key(j, name);
    cg_json_obj_begin(j);
    cg_json_key(j, "B");
    cg_json_str(j, cg_buf_str(&b64));
    cg_json_obj_end(j);
    cg_buf_free(&b64);
}

static void write_record(const struct ddb_idem *s, struct cg_json *j, const struct cg_idem_record *rec)
{
    cg_json_key(j, "Item");
    cg_json_obj_begin(j);
    write_key_attrs(s, j, rec->key);
    cg_json_key(j, "fingerprint");
    cg_ddb_write_s(j, rec->fingerprint);
    cg_json_key(j, "claim_token");
    cg_ddb_write_s(j, rec->token);
    cg_json_key(j, "idem_status");
    cg_ddb_write_n(j, rec->status);
    cg_json_key(j, "expires_ms");
    cg_ddb_write_n(j, rec->expires_ms);
    cg_json_key(j, "expires_at");
    cg_ddb_write_n(j, (rec->expires_ms + 999) / 1000);
    cg_json_key(j, "in_progress_until_ms");
    cg_ddb_write_n(j, rec->in_progress_until_ms);
    if (rec->status == CG_IDEM_COMPLETED) {
        cg_json_key(j, "response_status");
        cg_ddb_write_n(j, rec->response_status);
        write_b(j, "response_headers", rec->response_headers);
        write_b(j, "response_body", rec->response_body);
    }
    cg_json_obj_end(j);
}

/* The condition of a write that only the claim's own request may make. */
static void write_own_condition(struct cg_json *j, cg_str token)
{
    cg_json_key(j, "ConditionExpression");
    cg_json_cstr(j, "claim_token = :token");
    cg_json_key(j, "ExpressionAttributeValues");
    cg_json_obj_begin(j);
    cg_json_key(j, ":token");
    cg_ddb_write_s(j, token);
    cg_json_obj_end(j);
}

/* A claim takes a key that no record holds, or whose record has expired
 * or was claimed and then abandoned past its timeout. The last clause is
 * the lost reply: the client's retry of a claim that was applied finds its
 * own token, and succeeds as the first attempt did. */
static void write_claim_condition(const struct ddb_idem *s, struct cg_json *j, int64_t now_ms, cg_str token)
{
    cg_json_key(j, "ConditionExpression");
    cg_json_cstr(j, "attribute_not_exists(#pk) OR expires_ms <= :now OR "
                    "(idem_status = :in_progress AND in_progress_until_ms <= :now) OR claim_token = :token");
    cg_json_key(j, "ExpressionAttributeNames");
    cg_json_obj_begin(j);
    cg_json_key(j, "#pk");
    cg_json_cstr(j, s->partition_key);
    cg_json_obj_end(j);
    cg_json_key(j, "ExpressionAttributeValues");
    cg_json_obj_begin(j);
    cg_json_key(j, ":now");
    cg_ddb_write_n(j, now_ms);
    cg_json_key(j, ":in_progress");
    cg_ddb_write_n(j, CG_IDEM_IN_PROGRESS);
    cg_json_key(j, ":token");
    cg_ddb_write_s(j, token);
    cg_json_obj_end(j);
}

static cg_str read_b(struct cg_arena *a, const struct cg_json_value *item, const char *name)
{
    cg_str out = { "", 0 };
    cg_str text = cg_json_as_str(cg_json_member(cg_json_member(item, name), "B"));
    if (text.ptr && !cg_base64_decode(a, text, &out))
        out = (cg_str){ "", 0 };
    return out;
}

static bool read_record(struct cg_arena *a, const struct cg_json_value *item, cg_str key, struct cg_idem_record *out)
{
    int64_t status = 0, expires = 0, until = 0, response_status = 0;
    cg_str fingerprint = cg_ddb_attr_s(item, "fingerprint"), token = cg_ddb_attr_s(item, "claim_token");
    if (!fingerprint.ptr || !token.ptr || !cg_ddb_attr_int(item, "idem_status", &status) ||
        !cg_ddb_attr_int(item, "expires_ms", &expires) || !cg_ddb_attr_int(item, "in_progress_until_ms", &until))
        return false;
    cg_ddb_attr_int(item, "response_status", &response_status);
    *out = (struct cg_idem_record){
        .key = cg_arena_strdup(a, key),
        .fingerprint = cg_arena_strdup(a, fingerprint),
        .token = cg_arena_strdup(a, token),
        .status = status ? CG_IDEM_COMPLETED : CG_IDEM_IN_PROGRESS,
        .expires_ms = expires,
        .in_progress_until_ms = until,
        .response_status = (int)response_status,
        .response_headers = read_b(a, item, "response_headers"),
        .response_body = read_b(a, item, "response_body"),
    };
    return true;
}

/* The record that holds key: 1 when found (*out), 0 when there is none, -1
 * on failure. */
static int get_record(struct ddb_idem *s, cg_str key, struct cg_arena *a, struct cg_idem_record *out, char *err,
                      size_t errlen)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "GetItem", s->table);
    write_key(s, &r.json, key);
    cg_json_key(&r.json, "ConsistentRead");
    cg_json_bool(&r.json, true);
    struct cg_ddb_result res;
    int rc = send_request(s, &r, &res);
    const struct cg_json_value *item = cg_json_member(res.doc, "Item");
    int found = rc != CG_DDB_OK ? fail(rc, &res, "read the record", err, errlen) : item ? 1 : 0;
    if (found == 1 && !read_record(a, item, key, out)) {
        snprintf(err, errlen, "dynamodb: the record of an idempotency key lacks an attribute");
        found = -1;
    }
    cg_ddb_result_free(&res);
    return found;
}

/* One conditional PutItem of the claim: CG_DDB_OK, CG_DDB_CONDITION_FAILED,
 * or another status with err set. */
static int put_claim(struct ddb_idem *s, const struct cg_idem_record *rec, int64_t now_ms, char *err, size_t errlen)
{
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "PutItem", s->table);
    write_record(s, &r.json, rec);
    write_claim_condition(s, &r.json, now_ms, rec->token);
    struct cg_ddb_result res;
    int rc = send_request(s, &r, &res);
    if (rc != CG_DDB_OK && rc != CG_DDB_CONDITION_FAILED)
        fail(rc, &res, "claim", err, errlen);
    cg_ddb_result_free(&res);
    return rc;
}

static int ddb_claim(struct cg_idem_store *base, const struct cg_idem_record *rec, int64_t now_ms,
                     struct cg_arena *a, struct cg_idem_record *existing, char *err, size_t errlen)
{
    struct ddb_idem *s = (struct ddb_idem *)base;
    for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        int rc = put_claim(s, rec, now_ms, err, errlen);
        if (rc == CG_DDB_OK)
            return CG_IDEM_CLAIMED;
        if (rc != CG_DDB_CONDITION_FAILED)
            return CG_IDEM_ERROR;
        int found = get_record(s, rec->key, a, existing, err, errlen);
        if (found)
            return found > 0 ? CG_IDEM_EXISTS : CG_IDEM_ERROR;
    }
    snprintf(err, errlen, "dynamodb: the key's record kept changing (%d claims)", CLAIM_ATTEMPTS);
    return CG_IDEM_ERROR;
}

static int ddb_complete(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    struct ddb_idem *s = (struct ddb_idem *)base;
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "PutItem", s->table);
    write_record(s, &r.json, rec);
    /* Its own earlier attempt (a lost reply) left the same token: a retry
     * writes the same record again. */
    write_own_condition(&r.json, rec->token);
    struct cg_ddb_result res;
    int rc = send_request(s, &r, &res);
    int result = rc == CG_DDB_OK ? 0 : fail(rc, &res, "store the response", err, errlen);
    cg_ddb_result_free(&res);
    return result;
}

static int ddb_release(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    struct ddb_idem *s = (struct ddb_idem *)base;
    struct cg_ddb_request r;
    cg_ddb_begin(&r, "DeleteItem", s->table);
    write_key(s, &r.json, rec->key);
    write_own_condition(&r.json, rec->token);
    struct cg_ddb_result res;
    int rc = send_request(s, &r, &res);
    /* Gone after an attempt that went unanswered: that attempt deleted it. */
    int result = rc == CG_DDB_OK || (rc == CG_DDB_CONDITION_FAILED && res.unanswered)
                     ? 0
                     : fail(rc, &res, "free the key", err, errlen);
    cg_ddb_result_free(&res);
    return result;
}

static void ddb_free(struct cg_idem_store *base)
{
    struct ddb_idem *s = (struct ddb_idem *)base;
    if (s->own_client)
        cg_ddb_free(s->ddb);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const struct cg_idem_store_ops ddb_ops = {
    .claim = ddb_claim,
    .complete = ddb_complete,
    .release = ddb_release,
    .free = ddb_free,
};

static bool copy_name(char *dst, const char *src, const char *what, char *err, size_t errlen)
{
    if (strlen(src) == 0 || strlen(src) > MAX_NAME) {
        snprintf(err, errlen, "cg_idem_dynamodb_new: %s must be 1 to %d characters", what, MAX_NAME);
        return false;
    }
    memcpy(dst, src, strlen(src) + 1);
    return true;
}

struct cg_idem_store *cg_idem_dynamodb_new(const struct cg_idem_dynamodb_opts *opts, char *err, size_t errlen)
{
    if (!opts || !opts->table) {
        snprintf(err, errlen, "cg_idem_dynamodb_new: a table is required");
        return NULL;
    }
    struct ddb_idem *s = cg_xmalloc(sizeof *s);
    *s = (struct ddb_idem){ .base.ops = &ddb_ops, .ddb = opts->ddb };
    bool ok = copy_name(s->table, opts->table, "table", err, errlen) &&
              copy_name(s->partition_key, opts->partition_key ? opts->partition_key : "pk", "partition_key", err,
                        errlen) &&
              (!opts->sort_key || copy_name(s->sort_key, opts->sort_key, "sort_key", err, errlen));
    if (!ok) {
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    return &s->base;
}
