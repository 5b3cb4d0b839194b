/* Private interfaces of the AWS client.
 *
 *   sigv4.c     Signature Version 4 (the canonical request and the signature)
 *   endpoint.c  credentials, region and endpoint from the environment
 *   conn.c      one connection: TCP with timeouts, TLS with verification
 *   client.c    the pool of kept-alive connections, retries, cg_aws_call
 *   json_call.c the JSON protocols (X-Amz-Target), shared by the services
 *   dynamodb.c  the DynamoDB JSON protocol
 *   secrets*.c  SSM parameters and Secrets Manager (secrets_internal.h)
 *   xray.c      X-Ray: trace headers and subsegments (xray_internal.h) */
#ifndef CGATE_AWS_INTERNAL_H
#define CGATE_AWS_INTERNAL_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "cgate/aws.h"

/* sigv4.c: the canonical pieces, exposed for the unit tests. */
void cg__sigv4_uri_encode(struct cg_buf *out, cg_str s, bool keep_slash);
/* The path with "." and ".." segments and empty segments removed, then
 * encoded again ('%' becomes "%25"), as every service but S3 wants. */
void cg__sigv4_canonical_uri(struct cg_buf *out, cg_str path);
/* Leading and trailing blanks removed, inner runs of blanks made one space. */
void cg__sigv4_trim_value(struct cg_buf *out, cg_str value);
/* The whole canonical request (the text that is hashed and signed). */
void cg__sigv4_canonical_request(const struct cg_aws_request *req, cg_str host, const char *amz_date,
                                 cg_str session_token, struct cg_buf *out, struct cg_buf *signed_headers);

/* endpoint.c */
struct aws_endpoint {
    bool tls;
    char host[256];      /* name or address, without brackets */
    uint16_t port;
    char host_header[300]; /* host[:port] as the Host header and the signature want it */
};

/* Parse "https://host[:port][/]" or "http://loopback:port". */
int cg__aws_endpoint_parse(const char *url, struct aws_endpoint *ep, char *err, size_t errlen);
/* The URL to use for service: explicit, else the environment, else AWS's. */
int cg__aws_endpoint_resolve(const char *explicit_url, const char *service, const char *region, struct aws_endpoint *ep,
                             char *url, size_t urlcap, char *err, size_t errlen);
/* The CA bundle: $SSL_CERT_FILE, else Amazon Linux's, else Debian's path;
 * NULL when none exists. */
const char *cg__aws_ca_bundle(void);

/* conn.c: one connection, blocking with timeouts. */
struct aws_conn {
    int fd;
    SSL *ssl;            /* NULL for plain HTTP */
    struct aws_conn *next; /* in the idle list */
    int read_timeout_ms;   /* for each read... */
    int rcv_timeout_ms;    /* ...as the socket has it now (shorter near the deadline) */
    uint64_t deadline_ms;  /* monotonic: past it every read fails with ETIMEDOUT; 0: none */
};

struct aws_conn *cg__aws_conn_open(const struct aws_endpoint *ep, SSL_CTX *tls, int connect_timeout_ms,
                                   int read_timeout_ms, char *err, size_t errlen);
void cg__aws_conn_close(struct aws_conn *c);
int cg__aws_conn_write(struct aws_conn *c, const char *data, size_t len);
ssize_t cg__aws_conn_read(void *conn, char *buf, size_t cap);
/* Milliseconds of CLOCK_MONOTONIC, the clock of deadline_ms. */
uint64_t cg__aws_now_ms(void);
/* A TLS context that verifies the peer against bundle. */
SSL_CTX *cg__aws_tls_context(const char *bundle, char *err, size_t errlen);

/* client.c: when a call that starts at now_ms (CLOCK_MONOTONIC) must end:
 * call_timeout_ms later, or margin_ms before the deadline of the request
 * being handled, left_ms away (INT64_MAX: none), when that comes first
 * (by_request). A deadline already within the margin gives now_ms: no
 * attempt is made. */
struct aws_call_limit {
    uint64_t deadline_ms;
    bool by_request;
};
struct aws_call_limit cg__aws_call_limit(uint64_t now_ms, int call_timeout_ms, int64_t left_ms, int margin_ms);

/* json_call.c: one operation of a JSON protocol (DynamoDB's 1.0, SSM's and
 * Secrets Manager's 1.1): POST / with `target` in X-Amz-Target. Returns 0
 * with the answered object in doc (in arena a), or -1 with message and, when
 * the service answered an error, its code. */
struct aws_json_answer {
    const struct cg_json_value *doc;
    char code[96];     /* "ResourceNotFoundException"; "" when none */
    char message[320]; /* "<code>: <the service's message> (HTTP <status>)", or why no answer came */
    int attempts;
    bool unanswered;   /* as cg_aws_response's */
};
#define CG__AWS_JSON_1_0 "application/x-amz-json-1.0"
#define CG__AWS_JSON_1_1 "application/x-amz-json-1.1"
int cg__aws_json_call(struct cg_aws *aws, const char *content_type, const char *target, cg_str body,
                      struct cg_arena *a, struct aws_json_answer *ans);

#endif
