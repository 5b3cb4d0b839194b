/* The JSON protocols of AWS services (DynamoDB's 1.0; SSM's and Secrets
 * Manager's 1.1): POST / with the operation in X-Amz-Target, the answer one
 * JSON object, an error {"__type": "...#Code", "message": ...}. */
#include <stdio.h>

#include "aws/aws_internal.h"
#include "cgate/json.h"

/* Services say "message"; some errors (Secrets Manager's) say "Message". */
static void describe_error(const struct cg_json_value *doc, int http_status, struct aws_json_answer *ans)
{
    cg_str msg = cg_json_as_str(cg_json_member(doc, "message"));
    if (!msg.ptr)
        msg = cg_json_as_str(cg_json_member(doc, "Message"));
    if (!msg.ptr)
        msg = CG_STR("no message");
    snprintf(ans->message, sizeof ans->message, "%s: %.*s (HTTP %d)", ans->code[0] ? ans->code : "error",
             (int)msg.len, msg.ptr, http_status);
}

/* The answer's body lives in the arena, so the tree's strings may point
 * into it. */
static int read_answer(const struct cg_aws_response *res, struct cg_arena *a, struct aws_json_answer *ans)
{
    struct cg_json_error why;
    const struct cg_json_value *doc = cg_json_parse(a, cg_buf_str(&res->body), CG_JSON_MAX_DEPTH, &why);
    if (res->status != 200) {
        snprintf(ans->code, sizeof ans->code, "%s", res->error_code);
        describe_error(doc, res->status, ans);
        return -1;
    }
    if (!doc || doc->type != CG_JSON_OBJECT) {
        if (doc)
            why = (struct cg_json_error){ "not an object", 0 };
        snprintf(ans->message, sizeof ans->message, "the answer is not a JSON object: %s at byte %zu", why.reason,
                 why.pos);
        return -1;
    }
    ans->doc = doc;
    return 0;
}

int cg__aws_json_call(struct cg_aws *aws, const char *content_type, const char *target, cg_str body,
                      struct cg_arena *a, struct aws_json_answer *ans)
{
    *ans = (struct aws_json_answer){ 0 };
    const struct cg_kv headers[] = {
        { CG_STR("Content-Type"), cg_str_c(content_type) },
        { CG_STR("X-Amz-Target"), cg_str_c(target) },
    };
    struct cg_aws_request req = { .method = "POST", .path = CG_STR("/"), .headers = headers,
                                  .nheaders = CG_LEN(headers), .body = body };
    struct cg_aws_response res = { 0 };
    cg_buf_init(&res.body, a);
    int rc = cg_aws_call(aws, &req, &res, ans->message, sizeof ans->message);
    ans->attempts = res.attempts;
    ans->unanswered = res.unanswered;
    return rc == 0 ? read_answer(&res, a, ans) : -1;
}
