/* Streamed responses (runtime-api.md §8-9). The bootstrap posts its answer
 * chunked: the HTTP integration prelude (status, headers and cookies as
 * JSON), eight NUL bytes, then the body as the function writes it. A
 * failure after the first byte can only be told in the trailers, the
 * error's type in one and its JSON, base64, in the other. */
#include <string.h>

#include "local_internal.h"

void prelude_init(struct prelude_reader *p, struct cg_arena *a)
{
    cg_buf_init(&p->seen, a);
    p->done = false;
}

/* Where the eight NULs start in s, or -1. JSON holds no raw NUL, so the
 * first run of them is the delimiter. */
static long find_delimiter(cg_str s)
{
    static const char nuls[8];
    for (size_t i = 0; i + sizeof nuls <= s.len; i++)
        if (s.ptr[i] == '\0' && memcmp(s.ptr + i, nuls, sizeof nuls) == 0)
            return (long)i;
    return -1;
}

enum prelude_state prelude_feed(struct prelude_reader *p, cg_str bytes, cg_str *prelude, cg_str *rest)
{
    size_t before = p->seen.len;
    size_t room = PRELUDE_LIMIT > before ? PRELUDE_LIMIT - before : 0;
    cg_buf_append(&p->seen, bytes.ptr, bytes.len < room ? bytes.len : room);
    long at = find_delimiter(cg_buf_str(&p->seen));
    if (at < 0)
        return p->seen.len >= PRELUDE_LIMIT ? PRELUDE_TOO_LONG : PRELUDE_MORE;
    p->done = true;
    *prelude = (cg_str){ p->seen.data, (size_t)at };
    size_t body_from = (size_t)at + 8 - before; /* within bytes */
    *rest = (cg_str){ bytes.ptr + body_from, bytes.len - body_from };
    return PRELUDE_DONE;
}

/* errorMessage from the base64 error JSON, or what can be said instead. */
static cg_str error_message(struct cg_arena *a, cg_str body64)
{
    cg_str json;
    if (!body64.ptr)
        return CG_STR("(no Lambda-Runtime-Function-Error-Body)");
    if (!cg_base64_decode(a, body64, &json))
        return CG_STR("(Lambda-Runtime-Function-Error-Body is not base64)");
    const struct cg_json_value *error = cg_json_parse(a, json, CG_JSON_MAX_DEPTH, NULL);
    cg_str message = cg_json_as_str(cg_json_member(error, "errorMessage"));
    return message.ptr ? message : json;
}

bool stream_error(const struct http_request *post, cg_str *type, cg_str *message)
{
    *type = cg_kv_ifind(post->trailers, post->ntrailers, CG_STR("lambda-runtime-function-error-type"));
    cg_str body = cg_kv_ifind(post->trailers, post->ntrailers, CG_STR("lambda-runtime-function-error-body"));
    if (!type->ptr && !body.ptr)
        return false;
    if (!type->ptr)
        *type = CG_STR("(no Lambda-Runtime-Function-Error-Type)");
    *message = error_message(post->arena, body);
    return true;
}
