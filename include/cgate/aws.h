/* Calling AWS services: Signature Version 4 and a small HTTPS client, with
 * credentials, region and endpoint taken from the environment as the SDKs
 * do (docs/aws.md). No SDK and no libcurl: OpenSSL signs and encrypts.
 *
 *   struct cg_aws *aws = cg_aws_new(&(struct cg_aws_opts){ .service = "dynamodb" }, err, sizeof err);
 *   cg_aws_call(aws, &req, &res, err, sizeof err);
 *
 * A client is safe to share between threads: each call borrows a kept-alive
 * connection from the client's pool and gives it back, so connections are
 * reused across requests and Lambda invocations. */
#ifndef CGATE_AWS_H
#define CGATE_AWS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_aws_credentials {
    cg_str access_key_id;
    cg_str secret_access_key;
    cg_str session_token; /* ptr NULL: long-term keys, no token */
};

/* What is signed and sent. */
struct cg_aws_request {
    const char *method;
    cg_str path;                 /* as sent, percent-encoded; "/" when empty */
    const struct cg_kv *query;   /* decoded names and values */
    size_t nquery;
    const struct cg_kv *headers; /* besides Host, X-Amz-Date, the token and Authorization */
    size_t nheaders;
    cg_str body;
};

/* Sign req for `host` (the Host header, with ":port" when not the default)
 * at `now`, as botocore's SigV4Auth does: appends the header lines to add,
 * "X-Amz-Date: ...\r\n", "X-Amz-Security-Token: ...\r\n" when there is a
 * token, and "Authorization: ...\r\n". Not for S3, which signs paths
 * differently. */
void cg_aws_sign(const struct cg_aws_credentials *creds, const char *region, const char *service, cg_str host,
                 time_t now, const struct cg_aws_request *req, struct cg_buf *out);

/* The query string as sent (and as signed): pairs percent-encoded and
 * sorted, without the '?'. */
void cg_aws_query_string(struct cg_buf *out, const struct cg_kv *query, size_t n);

struct cg_aws_opts {
    const char *service;     /* the signing name: "dynamodb", "sqs", ... */
    /* "https://host[:port]" or, for a loopback address only,
     * "http://127.0.0.1:port". NULL: AWS_ENDPOINT_URL_<SERVICE>, then
     * AWS_ENDPOINT_URL, then https://<service>.<region>.amazonaws.com. */
    const char *endpoint;
    int connect_timeout_ms;  /* 0: 3000 */
    int read_timeout_ms;     /* 0: 10000 */
    int max_attempts;        /* 0: AWS_MAX_ATTEMPTS, else 3 (1: no retries) */
    /* The whole call: every attempt, read and back-off. A reply that trickles
     * in under the read timeout cannot hold a thread longer than this.
     * 0: CG_AWS_CALL_TIMEOUT_MS, else 30000. */
    int call_timeout_ms;
};

struct cg_aws;

/* Read credentials and region from the environment, resolve the endpoint and
 * load the CA bundle; no connection yet. Returns NULL with a message naming
 * the missing or bad setting. */
struct cg_aws *cg_aws_new(const struct cg_aws_opts *opts, char *err, size_t errlen);
void cg_aws_free(struct cg_aws *aws);
const char *cg_aws_region(const struct cg_aws *aws);
const char *cg_aws_endpoint(const struct cg_aws *aws);

struct cg_aws_response {
    int status;              /* HTTP status of the last attempt */
    struct cg_buf body;      /* owned by the caller: init it, free it */
    char error_code[96];     /* the service's error code ("ThrottlingException"), "" for none */
    int attempts;            /* how many were made */
    /* An attempt was sent and no answer told what became of it: none came
     * (a lost reply, a read timeout), or a 5xx did. The service may have
     * applied it, and a retry of a conditional write may then fail on its
     * own earlier success. */
    bool unanswered;
};

/* Sign and send req, retrying throttling errors, 5xx answers and broken
 * connections with exponential backoff and full jitter (the SDKs' standard
 * mode). Returns 0 when a response came, whatever its status (res->status
 * and res->error_code tell), or -1 with a message when none did. */
int cg_aws_call(struct cg_aws *aws, const struct cg_aws_request *req, struct cg_aws_response *res, char *err,
                size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
