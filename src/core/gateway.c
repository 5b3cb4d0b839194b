/* Handler helpers (cgate/gateway.h): a constant-time comparison and the
 * error shape. Where the code runs and the Lambda details are the Lambda
 * transport's (src/lambda/environment.c). */
#include <string.h>

#include "cgate/cgate.h"
#include "cgate/gateway.h"

/* ---- credentials ---- */

/* The loop reads every byte of `expected` and folds every difference into
 * one accumulator, which is only looked at after the loop; `volatile` keeps
 * the compiler from turning it back into an early exit. Bytes past the end
 * of `given` compare against 0, and the length difference is folded in too. */
bool cg_token_equal(cg_str expected, cg_str given)
{
    const volatile unsigned char *e = (const volatile unsigned char *)expected.ptr;
    const unsigned char *g = (const unsigned char *)given.ptr;
    volatile unsigned char diff = expected.len != given.len;
    for (size_t i = 0; i < expected.len; i++)
        diff |= e[i] ^ (i < given.len ? g[i] : 0);
    return diff == 0;
}

/* ---- responses ---- */

int cg_send_success(struct cg_ctx *c, int status, cg_str json_body)
{
    if (status < 200 || status > 299)
        return cg_fail(c, "cg_send_success: %d is not a success status", status);
    if (json_body.len == 0)
        return cg_send_empty(c, status);
    return cg_send_json_raw(c, status, json_body);
}

/* "Not Found" -> "not_found". */
static const char *code_of_status(struct cg_arena *a, int status)
{
    const char *phrase = cg_status_phrase(status);
    size_t n = strlen(phrase);
    char *code = cg_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) {
        char ch = phrase[i];
        code[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : (ch >= 'a' && ch <= 'z') ? ch : '_';
    }
    code[n] = '\0';
    return code;
}

int cg_send_error(struct cg_ctx *c, int status, const char *message, const char *code)
{
    if (status < 400 || status > 599) {
        cg_error("cg_send_error: %d is not an error status; sent 500", status);
        status = 500;
    }
    struct cg_request *req = cg_req(c);
    struct cg_json *j = cg_json_begin(c, status);
    cg_json_obj_begin(j);
    cg_json_key(j, "error");
    cg_json_obj_begin(j);
    cg_json_key(j, "code");
    cg_json_cstr(j, code ? code : code_of_status(req->arena, status));
    cg_json_key(j, "message");
    cg_json_cstr(j, message ? message : cg_status_phrase(status));
    cg_json_key(j, "status");
    cg_json_int(j, status);
    cg_json_obj_end(j);
    if (req->request_id.len) {
        cg_json_key(j, "requestId");
        cg_json_str(j, req->request_id);
    }
    cg_json_obj_end(j);
    return 0;
}
