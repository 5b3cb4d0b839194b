/* DynamoDB over its JSON protocol (X-Amz-Target: DynamoDB_20120810.<Op>):
 * any operation, with the request written by the JSON writer and the
 * response parsed by yajl. docs/aws.md shows GetItem, PutItem with a
 * condition, UpdateItem, DeleteItem, Query and Scan with pagination.
 *
 *   struct cg_ddb_request r;
 *   cg_ddb_begin(&r, "GetItem", "Items");          // {"TableName":"Items"
 *   cg_json_key(&r.json, "Key"); ...                // the other members
 *   struct cg_ddb_result res;
 *   int rc = cg_ddb_send(ddb, &r, &res);            // CG_DDB_OK or an error below
 *   yajl_val item = cg_ddb_member(res.doc, "Item");
 *   cg_ddb_result_free(&res);
 *
 * A client is safe to share between threads (see aws.h). */
#ifndef CGATE_DYNAMODB_H
#define CGATE_DYNAMODB_H

#include <stdint.h>

#include <yajl/yajl_tree.h>

#include "aws.h"
#include "json.h"

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
    yajl_val doc;       /* the response object; NULL after an error */
    char message[320];  /* after an error: "<code>: <message>" */
    int attempts;
};

/* Send the request and parse the answer. Returns CG_DDB_OK with res->doc
 * set, or a cg_ddb_status with res->message. Free res in either case. */
int cg_ddb_send(struct cg_ddb *ddb, struct cg_ddb_request *r, struct cg_ddb_result *res);
void cg_ddb_result_free(struct cg_ddb_result *res);
const char *cg_ddb_status_name(int status);

/* Attribute values: {"S": "text"} and {"N": "12"}. */
void cg_ddb_write_s(struct cg_json *j, cg_str s);
void cg_ddb_write_n(struct cg_json *j, int64_t n);
/* Any value of a response (a LastEvaluatedKey) written into a request, as
 * an ExclusiveStartKey. */
void cg_ddb_write_value(struct cg_json *j, yajl_val v);

/* obj[name], or NULL. */
yajl_val cg_ddb_member(yajl_val obj, const char *name);
/* The string inside item[name][type] ("S" or "N"), or NULL. */
const char *cg_ddb_attr(yajl_val item, const char *name, const char *type);

/* Wait until DescribeTable says ACTIVE (polling), for up to timeout_ms. */
int cg_ddb_wait_active(struct cg_ddb *ddb, const char *table, int timeout_ms, struct cg_ddb_result *res);

#endif
