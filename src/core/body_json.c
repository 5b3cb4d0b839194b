/* Rendering JSON values as Python prints what json.loads made of them (an
 * error's input). */
#include <math.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/body_json.h"
#include "core/json_scan.h"

bool cg__json_is_integer_token(cg_str token)
{
    for (size_t i = 0; i < token.len; i++)
        if (token.ptr[i] == '.' || token.ptr[i] == 'e' || token.ptr[i] == 'E')
            return false;
    return true;
}

static void echo_number(struct cg_json *j, struct cg_arena *a, cg_str token)
{
    if (cg__json_is_integer_token(token)) {
        cg_json_raw(j, cg_str_eq(token, CG_STR("-0")) ? CG_STR("0") : token);
        return;
    }
    double v = strtod(cg_arena_strdup(a, token).ptr, NULL);
    if (isfinite(v))
        cg_json_num(j, v);
    else
        cg_json_raw(j, token);
}

static void echo_scalar(struct cg_json *j, struct cg_arena *a, const struct jvalue *v)
{
    switch (v->kind) {
    case J_NULL:
        cg_json_null(j);
        break;
    case J_BOOL:
        cg_json_bool(j, v->b);
        break;
    case J_NUMBER:
        echo_number(j, a, v->text);
        break;
    case J_STRING:
        cg_json_str(j, v->text);
        break;
    }
}

cg_str cg__json_render_scalar(struct cg_arena *a, const struct jvalue *v)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, a);
    cg_json_init(&j, &out);
    echo_scalar(&j, a, v);
    return cg_buf_str(&out);
}

static int echo(const struct cg_json_scan *s, const struct jvalue *v)
{
    echo_scalar(s->ctx, s->arena, v);
    return 1;
}

static int echo_null(const struct cg_json_scan *s)
{
    return echo(s, &(struct jvalue){ .kind = J_NULL });
}

static int echo_boolean(const struct cg_json_scan *s, bool value)
{
    return echo(s, &(struct jvalue){ .kind = J_BOOL, .b = value });
}

static int echo_number_token(const struct cg_json_scan *s, cg_str text)
{
    return echo(s, &(struct jvalue){ .kind = J_NUMBER, .text = text });
}

static int echo_string(const struct cg_json_scan *s, cg_str value)
{
    return echo(s, &(struct jvalue){ .kind = J_STRING, .text = value });
}

static int echo_key(const struct cg_json_scan *s, cg_str name)
{
    cg_json_key_str(s->ctx, name);
    return 1;
}

static int echo_start_object(const struct cg_json_scan *s)
{
    cg_json_obj_begin(s->ctx);
    return 1;
}

static int echo_end_object(const struct cg_json_scan *s)
{
    cg_json_obj_end(s->ctx);
    return 1;
}

static int echo_start_array(const struct cg_json_scan *s)
{
    cg_json_arr_begin(s->ctx);
    return 1;
}

static int echo_end_array(const struct cg_json_scan *s)
{
    cg_json_arr_end(s->ctx);
    return 1;
}

static const struct cg_json_callbacks echo_callbacks = {
    .null = echo_null,
    .boolean = echo_boolean,
    .number = echo_number_token,
    .string = echo_string,
    .key = echo_key,
    .start_object = echo_start_object,
    .end_object = echo_end_object,
    .start_array = echo_start_array,
    .end_array = echo_end_array,
};

cg_str cg__json_render(struct cg_arena *a, cg_str json)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, a);
    cg_json_init(&j, &out);
    /* Cannot fail: the body was read once already, with the same limit. */
    struct cg_json_scan s = { .cb = &echo_callbacks, .ctx = &j, .arena = a, .max_depth = CG_JSON_MAX_DEPTH };
    cg__json_scan(&s, json);
    return cg_buf_str(&out);
}
