/* Request bodies: FastAPI's content-type rules, then one pass of yajl over
 * the JSON whose events body_bind.c binds to the model. This file checks
 * what the binder does not: UTF-8, the nesting limit, the JSON itself. */
#include "body_internal.h"

/* The context of the callbacks. */
struct body_read {
    struct binder b;
    int depth; /* open containers */
};

static int stop(struct body_read *br, const char *why)
{
    br->b.r.stop = why;
    return 0;
}

static int on_scalar(void *ctx, const struct jvalue *v)
{
    cg_binder_scalar(&((struct body_read *)ctx)->b, v);
    return 1;
}

static int on_null(void *ctx)
{
    return on_scalar(ctx, &(struct jvalue){ .kind = J_NULL });
}

static int on_boolean(void *ctx, int v)
{
    return on_scalar(ctx, &(struct jvalue){ .kind = J_BOOL, .b = v });
}

static int on_number(void *ctx, const char *s, size_t len)
{
    return on_scalar(ctx, &(struct jvalue){ .kind = J_NUMBER, .text = { s, len } });
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    cg_str text = { (const char *)s, len };
    if (!cg_json_is_valid_utf8(text))
        return stop(ctx, "invalid bytes in UTF8 string.");
    return on_scalar(ctx, &(struct jvalue){ .kind = J_STRING, .text = text });
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    struct body_read *br = ctx;
    cg_str key = { (const char *)s, len };
    if (!cg_json_is_valid_utf8(key))
        return stop(br, "invalid bytes in UTF8 string.");
    cg_binder_key(&br->b, key);
    return 1;
}

/* The limit keeps every recursion over the body (the binder's frames, the
 * renderer, the writer of inputs) within CG_JSON_MAX_DEPTH. */
static int on_open(struct body_read *br, bool map)
{
    if (br->depth == CG_JSON_MAX_DEPTH)
        return stop(br, "maximum nesting depth exceeded");
    br->depth++;
    cg_binder_open(&br->b, map);
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_open(ctx, true);
}

static int on_start_array(void *ctx)
{
    return on_open(ctx, false);
}

static int on_end(void *ctx)
{
    struct body_read *br = ctx;
    br->depth--;
    cg_binder_close(&br->b);
    return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

/* FastAPI reads the body as JSON when there is no content type, or when it
 * is application/json or application/<anything>+json, parameters ignored. */
static bool is_json_media_type(cg_str ct)
{
    if (ct.len == 0)
        return true;
    cg_str type = { ct.ptr, 0 };
    while (type.len < ct.len && ct.ptr[type.len] != ';')
        type.len++;
    while (type.len && ct.ptr[type.len - 1] == ' ')
        type.len--;
    cg_str prefix = CG_STR("application/");
    if (type.len < prefix.len || !cg_str_ieq((cg_str){ type.ptr, prefix.len }, prefix))
        return false;
    cg_str sub = { type.ptr + prefix.len, type.len - prefix.len };
    cg_str suffix = CG_STR("+json");
    return cg_str_ieq(sub, CG_STR("json")) ||
           (sub.len >= suffix.len && cg_str_ieq((cg_str){ sub.ptr + sub.len - suffix.len, suffix.len }, suffix));
}

static void add_json_invalid(struct cg_arena *a, struct cg_verrors *errs, const struct json_parse_error *err)
{
    cg_str reason = cg_json_quote(a, err->reason);
    cg_verrors_add(errs, "json_invalid", cg_arena_printf(a, "[\"body\",%zu]", err->pos), CG_STR("JSON decode error"),
                   CG_STR("{}"), cg_arena_printf(a, "{\"error\":%.*s}", (int)reason.len, reason.ptr));
}

static void add_body_error(struct cg_verrors *errs, const struct cg_vfail *why, cg_str input)
{
    cg_verrors_add(errs, why->type, CG_STR("[\"body\"]"), why->msg, input, why->ctx);
}

int cg_body_bind(struct cg_arena *a, const struct cg_model *m, cg_str content_type, cg_str body, void *out,
                 struct cg_verrors *errs)
{
    if (body.len == 0) {
        add_body_error(errs, &cg_fail_missing, CG_STR("null"));
        return -1;
    }
    if (!is_json_media_type(content_type)) {
        add_body_error(errs, &cg_fail_not_an_object, cg_json_quote(a, body));
        return -1;
    }
    struct body_read br = { .depth = 0 };
    struct json_parse_error err;
    cg_binder_init(&br.b, a, m, body, out);
    if (cg_json_read(&br.b.r, a, &callbacks, &br, body, &err) != 0) {
        add_json_invalid(a, errs, &err); /* FastAPI decodes before it validates */
        return -1;
    }
    cg_verrors_append(errs, &br.b.errs);
    return br.b.errs.n == 0 ? 0 : -1;
}
