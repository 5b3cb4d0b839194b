/* Helpers every handler can use: where the code runs, a comparison of
 * secrets that leaks no timing, the one JSON error shape, and what Lambda
 * tells about the function and the invocation. The caller's bearer token is
 * cg_bearer_token (request.h).
 *
 * The rest of the gateway event is on struct cg_request (request.h):
 * method, path, headers, query, client_addr (the source IP), stage,
 * request_id, domain, authorizer (JWT claims, a Lambda authorizer's
 * context, IAM identity) and the raw event. Locally they hold what the
 * connection gives: client_addr is the peer, domain the Host header,
 * request_id the server's own id, stage, authorizer and event are absent.
 *
 * Where the code runs and the Lambda details are kept by the Lambda
 * transport (library cgate_lambda, which every app links); the credentials
 * and the error shape are the core's. */
#ifndef CGATE_GATEWAY_H
#define CGATE_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include "request.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_ctx;

/* ---- where the code runs ---- */

/* True when AWS_LAMBDA_FUNCTION_NAME or AWS_LAMBDA_RUNTIME_API is set: on
 * Lambda, and also under `cgate-local`, which sets both for the bootstrap it
 * runs. Read once. cg_is_local() is its negation. */
bool cg_is_lambda(void);
bool cg_is_local(void);

/* ---- credentials ---- */

/* Whether `given` equals the secret `expected`, in a time that depends only
 * on expected.len: every byte of the secret is examined, whatever the given
 * value, with no early return on the first difference or on a length
 * mismatch. Pass the secret first. */
bool cg_token_equal(cg_str expected, cg_str given);

/* ---- responses ---- */

/* `json_body` (JSON text, sent as is) with a 2xx status; an empty body
 * sends none (204). Any other status is a programming error: logged, and
 * the client gets a 500. Returns 0, or -1 after such an error. */
int cg_send_success(struct cg_ctx *c, int status, cg_str json_body);

/* The structured error shape of cgate apps, for clients that want a stable
 * code and the request id (the framework's own errors, and cg_http_error,
 * keep FastAPI's {"detail": ...}):
 *
 *   {"error":{"code":"item_not_found","message":"Item not found","status":404},
 *    "requestId":"..."}
 *
 * `code` is a stable machine-readable name; NULL derives one from the
 * status ("not_found"). requestId is the Lambda invocation's id or the local
 * server's request id, absent when the request has none. Status must be
 * 400-599 (other values are logged and sent as 500). Returns 0. */
int cg_send_error(struct cg_ctx *c, int status, const char *message, const char *code);

/* ---- Lambda ---- */

/* The function as Lambda describes it in the environment, read once. Strings
 * are NULL and numbers 0 when unknown (always, when not on Lambda), except
 * architecture, which comes from uname ("x86_64", "arm64"). */
struct cg_lambda_env {
    const char *function_name;    /* AWS_LAMBDA_FUNCTION_NAME */
    const char *function_version; /* AWS_LAMBDA_FUNCTION_VERSION */
    const char *region;           /* AWS_REGION, else AWS_DEFAULT_REGION */
    const char *log_group;        /* AWS_LAMBDA_LOG_GROUP_NAME */
    const char *log_stream;       /* AWS_LAMBDA_LOG_STREAM_NAME */
    const char *architecture;
    int64_t memory_mb;            /* AWS_LAMBDA_FUNCTION_MEMORY_SIZE */
};
const struct cg_lambda_env *cg_lambda_env(void);

/* True while this thread serves the first invocation of the process (with
 * several pollers, exactly one invocation is the cold start); false for
 * every later one and outside the Runtime API loop. */
bool cg_cold_start(void);

/* Milliseconds from the process's start (the first C code of the runtime,
 * after the dynamic loader) until it first asked the Runtime API for an
 * event; negative until then, and always outside the Runtime API loop. */
double cg_init_duration_ms(void);

#ifdef __cplusplus
}
#endif

#endif
