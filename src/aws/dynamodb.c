/* DynamoDB's JSON 1.0 protocol on top of cg_aws_call: POST / with the
 * operation in X-Amz-Target, errors as {"__type":"...#Code","message":..}. */
#include <errno.h>
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

int cg_ddb_send(struct cg_ddb *ddb, struct cg_ddb_request *r, struct cg_ddb_result *res)
{
    cg_json_obj_end(&r->json);
    *res = (struct cg_ddb_result){ 0 };
    int status = CG_DDB_OK;
    if (cg_json_failed(&r->json)) {
        snprintf(res->message, sizeof res->message, "%s: the request could not be written", r->operation);
        status = CG_DDB_VALIDATION;
    } else {
        char target[96];
        snprintf(target, sizeof target, TARGET_PREFIX "%s", r->operation);
        res->arena = cg_arena_new();
        struct aws_json_answer ans;
        if (cg__aws_json_call(ddb->aws, CG__AWS_JSON_1_0, target, cg_buf_str(&r->body), res->arena, &ans) == 0) {
            res->doc = ans.doc;
        } else {
            status = status_of(ans.code);
            snprintf(res->message, sizeof res->message, "%s", ans.message);
            cg_ddb_result_free(res);
        }
        res->attempts = ans.attempts;
        res->unanswered = ans.unanswered;
    }
    cg_buf_free(&r->body);
    return status;
}

void cg_ddb_result_free(struct cg_ddb_result *res)
{
    cg_arena_free(res->arena);
    res->arena = NULL;
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

/* The text inside item[name][type]; { NULL, 0 } when there is none. */
static cg_str attr_text(const struct cg_json_value *item, const char *name, const char *type)
{
    return cg_json_as_str(cg_json_member(cg_json_member(item, name), type));
}

cg_str cg_ddb_attr_s(const struct cg_json_value *item, const char *name)
{
    return attr_text(item, name, "S");
}

/* An N attribute as a C string for strtoll and strtod; DynamoDB's numbers
 * have at most 38 digits. */
static bool attr_number(const struct cg_json_value *item, const char *name, char *digits, size_t size)
{
    cg_str text = attr_text(item, name, "N");
    if (!text.ptr || text.len == 0 || text.len >= size)
        return false;
    memcpy(digits, text.ptr, text.len);
    digits[text.len] = '\0';
    return true;
}

bool cg_ddb_attr_int(const struct cg_json_value *item, const char *name, int64_t *out)
{
    char digits[64], *end;
    if (!attr_number(item, name, digits, sizeof digits))
        return false;
    errno = 0;
    long long n = strtoll(digits, &end, 10);
    if (*end || errno)
        return false;
    *out = n;
    return true;
}

bool cg_ddb_attr_double(const struct cg_json_value *item, const char *name, double *out)
{
    char digits[64], *end;
    if (!attr_number(item, name, digits, sizeof digits))
        return false;
    double n = strtod(digits, &end);
    if (*end)
        return false;
    *out = n;
    return true;
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
        cg_str table_status = cg_json_as_str(cg_json_member(cg_json_member(res->doc, "Table"), "TableStatus"));
        char status[32];
        snprintf(status, sizeof status, "%.*s", (int)table_status.len, table_status.ptr ? table_status.ptr : "");
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
