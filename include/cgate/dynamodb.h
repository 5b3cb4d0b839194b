/* DynamoDB over its JSON protocol (X-Amz-Target: DynamoDB_20120810.<Op>):
 * any operation, with the request written by the JSON writer and the
 * response read into a tree of cgate's JSON values (json.h). docs/aws.md
 * shows GetItem, PutItem with a condition, UpdateItem, DeleteItem, Query
 * and Scan with pagination.
 *
 *   struct cg_ddb_request r;
 *   cg_ddb_begin(&r, "GetItem", "Items");          // {"TableName":"Items"
 *   cg_json_key(&r.json, "Key"); ...                // the other members
 *   struct cg_ddb_result res;
 *   int rc = cg_ddb_send(ddb, &r, &res);            // CG_DDB_OK or an error below
 *   const struct cg_json_value *item = cg_json_member(res.doc, "Item");
 *   cg_str name = cg_ddb_attr_s(item, "name");     // {"name": {"S": "..."}}
 *   cg_ddb_result_free(&res);
 *
 * A client is safe to share between threads (see aws.h). */
#ifndef CGATE_DYNAMODB_H
#define CGATE_DYNAMODB_H

#include <stdbool.h>
#include <stdint.h>

#include "aws.h"
#include "json.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cg_ddb_status {
    CG_DDB_OK = 0,
    CG_DDB_CONDITION_FAILED = -1, /* ConditionalCheckFailedException */
    CG_DDB_NO_TABLE = -2,         /* ResourceNotFoundException: no such table (or index) */
    CG_DDB_THROTTLED = -3,        /* still throttled after the retries */
    CG_DDB_ACCESS_DENIED = -4,    /* AccessDenied, bad or expired credentials, bad signature */
    CG_DDB_VALIDATION = -5,       /* ValidationException, SerializationException: a bad request */
    CG_DDB_IN_USE = -6,           /* ResourceInUseException: the table exists, or is changing */
    CG_DDB_FAILED = -7,           /* any other error, or no response at all */
};

struct cg_ddb;

/* opts may be NULL; its service is always "dynamodb", so the endpoint comes
 * from AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL. Returns NULL with a
 * message naming the bad setting. */
struct cg_ddb *cg_ddb_new(const struct cg_aws_opts *opts, char *err, size_t errlen);
void cg_ddb_free(struct cg_ddb *ddb);
const char *cg_ddb_endpoint(const struct cg_ddb *ddb);

/* A request being written: cg_ddb_begin opens the object with its
 * TableName; add members through `json`; cg_ddb_send closes it. */
struct cg_ddb_request {
    const char *operation;
    struct cg_buf body; /* heap, released by cg_ddb_send */
    struct cg_json json;
};

void cg_ddb_begin(struct cg_ddb_request *r, const char *operation, const char *table);

struct cg_ddb_result {
    /* The response object, and everything in it, until cg_ddb_result_free;
     * NULL after an error. */
    const struct cg_json_value *doc;
    char message[320]; /* after an error: "<code>: <message>" */
    int attempts;
    bool unanswered;        /* as cg_aws_response's: an attempt may have been applied unseen */
    struct cg_arena *arena; /* private: holds doc */
};

/* Send the request and parse the answer. Returns CG_DDB_OK with res->doc
 * set, or a cg_ddb_status with res->message. Free res in either case. */
int cg_ddb_send(struct cg_ddb *ddb, struct cg_ddb_request *r, struct cg_ddb_result *res);
void cg_ddb_result_free(struct cg_ddb_result *res);
const char *cg_ddb_status_name(int status);

/* Attribute values written into a request: {"S": "text"} and {"N": "12"}.
 * A value read from a response (a LastEvaluatedKey sent back as the
 * ExclusiveStartKey) is written whole by cg_json_write_value. */
void cg_ddb_write_s(struct cg_json *j, cg_str s);
void cg_ddb_write_n(struct cg_json *j, int64_t n);

/* Attributes of an item read from a response (a map of attribute values,
 * such as "Item", "Attributes" or an entry of "Items"); item may be NULL.
 *
 * The text of item[name] when it is a string, {"S": "text"}; else
 * { NULL, 0 }. It lives as long as the result. */
cg_str cg_ddb_attr_s(const struct cg_json_value *item, const char *name);
/* True, with *out set, when item[name] is a number, {"N": "12"}, that is an
 * integer in int64_t's range, or any number for the double. */
bool cg_ddb_attr_int(const struct cg_json_value *item, const char *name, int64_t *out);
bool cg_ddb_attr_double(const struct cg_json_value *item, const char *name, double *out);

/* Wait until DescribeTable says ACTIVE (polling), for up to timeout_ms. */
int cg_ddb_wait_active(struct cg_ddb *ddb, const char *table, int timeout_ms, struct cg_ddb_result *res);

#ifdef __cplusplus
}
#endif

#endif
