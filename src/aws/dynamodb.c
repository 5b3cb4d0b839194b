/* DynamoDB's JSON 1.0 protocol on top of cg_aws_call: POST / with the
 * operation in X-Amz-Target, errors as {"__type":"...#Code","message":..}. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "aws/aws_internal.h"
#include "cgate/dynamodb.h"

#define TARGET_PREFIX "DynamoDB_20120810."
#define POLL_INTERVAL_MS 250

struct cg_ddb {
    struct cg_aws *aws;
};

struct ddb_code {
    const char *code;
    enum cg_ddb_status status;
};

static const struct ddb_code codes[] = {
    { "ConditionalCheckFailedException", CG_DDB_CONDITION_FAILED },
    { "ResourceNotFoundException", CG_DDB_NO_TABLE },
    { "ProvisionedThroughputExceededException", CG_DDB_THROTTLED },
    { "ThrottlingException", CG_DDB_THROTTLED },
    { "RequestLimitExceeded", CG_DDB_THROTTLED },
    { "AccessDeniedException", CG_DDB_ACCESS_DENIED },
    { "UnrecognizedClientException", CG_DDB_ACCESS_DENIED },
    { "InvalidSignatureException", CG_DDB_ACCESS_DENIED },
    { "MissingAuthenticationTokenException", CG_DDB_ACCESS_DENIED },
    { "IncompleteSignatureException", CG_DDB_ACCESS_DENIED },
    { "ExpiredTokenException", CG_DDB_ACCESS_DENIED },
    { "ValidationException", CG_DDB_VALIDATION },
    { "SerializationException", CG_DDB_VALIDATION },
    { "ResourceInUseException", CG_DDB_IN_USE },
};

struct cg_ddb *cg_ddb_new(const struct cg_aws_opts *opts, char *err, size_t errlen)
{
    struct cg_aws_opts o = opts ? *opts : (struct cg_aws_opts){ 0 };
    o.service = "dynamodb";
    struct cg_aws *aws = cg_aws_new(&o, err, errlen);
    if (!aws)
        return NULL;
    struct cg_ddb *ddb = cg_xmalloc(sizeof *ddb);
    ddb->aws = aws;
    return ddb;
}

void cg_ddb_free(struct cg_ddb *ddb)
{
    if (!ddb)
        return;
    cg_aws_free(ddb->aws);
    free(ddb);
}

const char *cg_ddb_endpoint(const struct cg_ddb *ddb)
{
    return cg_aws_endpoint(ddb->aws);
}

const char *cg_ddb_status_name(int status)
{
    switch (status) {
    case CG_DDB_OK: return "ok";
    case CG_DDB_CONDITION_FAILED: return "condition failed";
    case CG_DDB_NO_TABLE: return "no such table";
    case CG_DDB_THROTTLED: return "throttled";
    case CG_DDB_ACCESS_DENIED: return "access denied";
    case CG_DDB_VALIDATION: return "invalid request";
    case CG_DDB_IN_USE: return "table in use";
    default: return "failed";
    }
}

void cg_ddb_begin(struct cg_ddb_request *r, const char *operation, const char *table)
{
    r->operation = operation;
    cg_buf_init(&r->body, NULL);
    cg_json_init(&r->json, &r->body);
    cg_json_obj_begin(&r->json);
    cg_json_key(&r->json, "TableName");
    cg_json_cstr(&r->json, table);
}

static enum cg_ddb_status status_of(const char *code)
{
    for (size_t i = 0; i < CG_LEN(codes); i++)
        if (strcmp(code, codes[i].code) == 0)
            return codes[i].status;
    return CG_DDB_FAILED;
}

/* DynamoDB says "message"; some errors say "Message". */
static void describe_error(yajl_val doc, const char *code, int http_status, struct cg_ddb_result *res)
{
    const char *msg = cg_ddb_member(doc, "message") ? YAJL_GET_STRING(cg_ddb_member(doc, "message"))
                                                    : YAJL_GET_STRING(cg_ddb_member(doc, "Message"));
    snprintf(res->message, sizeof res->message, "%s: %s (HTTP %d)", *code ? code : "error",
             msg ? msg : "no message", http_status);
}

/* Parse the answer of a call that got one. */
static int read_answer(struct cg_aws_response *ar, struct cg_ddb_result *res)
{
    cg_buf_putc(&ar->body, '\0'); /* yajl_tree wants a C string */
    char why[128] = "";
    yajl_val doc = yajl_tree_parse(ar->body.data, why, sizeof why);
    if (ar->status != 200) {
        describe_error(doc, ar->error_code, ar->status, res);
        yajl_tree_free(doc);
        return ar->error_code[0] ? status_of(ar->error_code) : CG_DDB_FAILED;
    }
    if (!YAJL_IS_OBJECT(doc)) {
        snprintf(res->message, sizeof res->message, "the answer is not a JSON object: %s", why);
        yajl_tree_free(doc);
        return CG_DDB_FAILED;
    }
    res->doc = doc;
    return CG_DDB_OK;
}

int cg_ddb_send(struct cg_ddb *ddb, struct cg_ddb_request *r, struct cg_ddb_result *res)
{
    cg_json_obj_end(&r->json);
    *res = (struct cg_ddb_result){ 0 };
    char target[96];
    snprintf(target, sizeof target, TARGET_PREFIX "%s", r->operation);
    const struct cg_kv headers[] = {
        { CG_STR("Content-Type"), CG_STR("application/x-amz-json-1.0") },
        { CG_STR("X-Amz-Target"), cg_str_c(target) },
    };
    struct cg_aws_request req = { .method = "POST", .path = CG_STR("/"), .headers = headers,
                                  .nheaders = CG_LEN(headers), .body = cg_buf_str(&r->body) };
    struct cg_aws_response ar = { 0 };
    cg_buf_init(&ar.body, NULL);
    int status;
    if (cg_json_failed(&r->json)) {
        snprintf(res->message, sizeof res->message, "%s: the request could not be written", r->operation);
        status = CG_DDB_VALIDATION;
    } else if (cg_aws_call(ddb->aws, &req, &ar, res->message, sizeof res->message) != 0) {
        status = CG_DDB_FAILED;
    } else {
        status = read_answer(&ar, res);
    }
    res->attempts = ar.attempts;
    cg_buf_free(&ar.body);
    cg_buf_free(&r->body);
    return status;
}

void cg_ddb_result_free(struct cg_ddb_result *res)
{
    yajl_tree_free(res->doc);
    res->doc = NULL;
}

/* ---- attribute values ---- */

void cg_ddb_write_s(struct cg_json *j, cg_str s)
{
    cg_json_obj_begin(j);
    cg_json_key(j, "S");
    cg_json_str(j, s);
    cg_json_obj_end(j);
}

void cg_ddb_write_n(struct cg_json *j, int64_t n)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRId64, n);
    cg_json_obj_begin(j);
    cg_json_key(j, "N");
    cg_json_cstr(j, digits);
    cg_json_obj_end(j);
}

void cg_ddb_write_value(struct cg_json *j, yajl_val v)
{
    if (YAJL_IS_OBJECT(v)) {
        cg_json_obj_begin(j);
        for (size_t i = 0; i < v->u.object.len; i++) {
            cg_json_key(j, v->u.object.keys[i]);
            cg_ddb_write_value(j, v->u.object.values[i]);
        }
        cg_json_obj_end(j);
    } else if (YAJL_IS_ARRAY(v)) {
        cg_json_arr_begin(j);
        for (size_t i = 0; i < v->u.array.len; i++)
            cg_ddb_write_value(j, v->u.array.values[i]);
        cg_json_arr_end(j);
    } else if (YAJL_IS_STRING(v)) {
        cg_json_cstr(j, YAJL_GET_STRING(v));
    } else if (YAJL_IS_NUMBER(v)) {
        cg_json_raw(j, cg_str_c(YAJL_GET_NUMBER(v))); /* as it came: no precision lost */
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        cg_json_bool(j, YAJL_IS_TRUE(v));
    } else {
        cg_json_null(j);
    }
}

yajl_val cg_ddb_member(yajl_val obj, const char *name)
{
    if (!YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], name) == 0)
            return obj->u.object.values[i];
    return NULL;
}

const char *cg_ddb_attr(yajl_val item, const char *name, const char *type)
{
    return YAJL_GET_STRING(cg_ddb_member(cg_ddb_member(item, name), type));
}

/* ---- tables ---- */

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

int cg_ddb_wait_active(struct cg_ddb *ddb, const char *table, int timeout_ms, struct cg_ddb_result *res)
{
    for (int waited = 0;; waited += POLL_INTERVAL_MS) {
        struct cg_ddb_request r;
        cg_ddb_begin(&r, "DescribeTable", table);
        int rc = cg_ddb_send(ddb, &r, res);
        if (rc != CG_DDB_OK)
            return rc;
        const char *path[] = { "Table", "TableStatus", NULL };
        char status[32];
        snprintf(status, sizeof status, "%s", YAJL_GET_STRING(yajl_tree_get(res->doc, path, yajl_t_string)) ?: "");
        if (strcmp(status, "ACTIVE") == 0)
            return CG_DDB_OK;
        cg_ddb_result_free(res);
        if (waited >= timeout_ms) {
            snprintf(res->message, sizeof res->message, "table %s is \"%s\" after %d ms, not ACTIVE", table, status,
                     waited);
            return CG_DDB_FAILED;
        }
        sleep_ms(POLL_INTERVAL_MS);
    }
}
