/* Request bodies: FastAPI's content-type rules, then one pass of the JSON
 * scanner (json_scan.h) whose events body_bind.c binds to the model. The
 * scanner refuses whatever is not strict JSON in valid UTF-8 (NaN too, which
 * json.loads takes, and \u escapes of lone surrogates, which UTF-8 cannot
 * hold); the binder's errors only count if the whole body is JSON. */
#include "cgate/cgate.h"
#include "core/body.h"
#include "core/body_bind.h"
#include "core/json_scan.h"
#include "core/json_write.h"

static int on_scalar(const struct cg_json_scan *s, const struct jvalue *v)
{
    cg__binder_scalar(s->ctx, v);
    return 1;
}

static int on_null(const struct cg_json_scan *s)
{
    return on_scalar(s, &(struct jvalue){ .kind = J_NULL });
}

static int on_boolean(const struct cg_json_scan *s, bool value)
{
    return on_scalar(s, &(struct jvalue){ .kind = J_BOOL, .b = value });
}

static int on_number(const struct cg_json_scan *s, cg_str text)
{
    return on_scalar(s, &(struct jvalue){ .kind = J_NUMBER, .text = text });
}

static int on_string(const struct cg_json_scan *s, cg_str value)
{
    return on_scalar(s, &(struct jvalue){ .kind = J_STRING, .text = value });
}

static int on_key(const struct cg_json_scan *s, cg_str name)
{
    cg__binder_key(s->ctx, name);
    return 1;
}

static int on_start_object(const struct cg_json_scan *s)
{
    cg__binder_open(s->ctx, true, s->pos);
    return 1;
}

static int on_start_array(const struct cg_json_scan *s)
{
    cg__binder_open(s->ctx, false, s->pos);
    return 1;
}

static int on_end(const struct cg_json_scan *s)
{
    cg__binder_close(s->ctx, s->end);
    return 1;
}

static const struct cg_json_callbacks callbacks = {
    .null = on_null,
    .boolean = on_boolean,
    .number = on_number,
    .string = on_string,
    .key = on_key,
    .start_object = on_start_object,
    .end_object = on_end,
    .start_array = on_start_array,
    .end_array = on_end,
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

/* At ["body", offset], or [field, offset] for a default. */
static void add_json_invalid(struct cg_arena *a, struct cg_verrors *errs, const struct binder *b,
                             const struct cg_json_scan *s)
{
    cg_str root = cg__json_quote(a, b->field ? cg_str_c(b->field->name) : CG_STR("body"));
    cg_str loc = cg_arena_printf(a, "[%.*s,%zu]", (int)root.len, root.ptr, s->error_pos);
    cg_str reason = cg__json_quote(a, cg_str_c(s->error));
    cg__verrors_add(errs, "json_invalid", loc, CG_STR("JSON decode error"), CG_STR("{}"),
                    cg_arena_printf(a, "{\"error\":%.*s}", (int)reason.len, reason.ptr));
}

static void add_body_error(struct cg_verrors *errs, const struct cg_vfail *why, cg_str input)
{
    cg__verrors_add(errs, why->type, CG_STR("[\"body\"]"), why->msg, input, why->ctx);
}

static int bind_json(struct binder *b, struct cg_verrors *errs)
{
    /* The limit keeps every recursion over the body (the binder's frames,
     * the renderer, the writer of inputs) within CG_JSON_MAX_DEPTH. */
    struct cg_json_scan s = { .cb = &callbacks, .ctx = b, .arena = b->a, .max_depth = CG_JSON_MAX_DEPTH };
    if (cg__json_scan(&s, b->body) != CG_JSON_OK) {
        add_json_invalid(b->a, errs, b, &s); /* FastAPI decodes before it validates */
        return -1;
    }
    cg__verrors_append(errs, &b->errs);
    return b->errs.n == 0 ? 0 : -1;
}

int cg__body_bind(struct cg_arena *a, const struct cg_model *m, cg_str content_type, cg_str body, void *out,
                  struct cg_verrors *errs)
{
    if (body.len == 0) {
        add_body_error(errs, &cg__fail_missing, CG_STR("null"));
        return -1;
    }
    if (!is_json_media_type(content_type)) {
        add_body_error(errs, &cg__fail_not_an_object, cg__json_quote(a, body));
        return -1;
    }
    struct binder b;
    cg__binder_init(&b, a, body, m, NULL, out);
    return bind_json(&b, errs);
}

int cg__body_bind_default(struct cg_arena *a, const struct cg_field *f, void *obj, struct cg_verrors *errs)
{
    struct binder b;
    cg__binder_init(&b, a, cg_str_c(f->def), NULL, f, obj);
    return bind_json(&b, errs);
}
