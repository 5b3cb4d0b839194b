/* Reading JSON with yajl for the body binder, and rendering JSON values as
 * Python prints what json.loads made of them (an error's input). */
#include <math.h>
#include <stdlib.h>

#include "body_internal.h"

/* ---- reading ---- */

int cg_json_read(struct json_reader *r, struct cg_arena *a, const yajl_callbacks *cb, void *ctx, cg_str json,
                 struct json_parse_error *err)
{
    size_t surrogate = cg_json_find_lone_surrogate(json);
    if (surrogate != SIZE_MAX) {
        err->pos = surrogate;
        err->reason = CG_STR("lone surrogate in a \\u escape");
        return -1;
    }
    r->h = yajl_alloc(cb, NULL, ctx);
    if (!r->h)
        cg_oom();
    /* cg_json_is_valid_utf8 checks strings and keys more strictly than yajl. */
    yajl_config(r->h, yajl_dont_validate_strings, 1);
    yajl_status st = yajl_parse(r->h, (const unsigned char *)json.ptr, json.len);
    size_t pos = yajl_get_bytes_consumed(r->h);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(r->h);
        pos = json.len; /* an error here is an unfinished document */
    }
    if (st != yajl_status_ok) {
        err->pos = pos;
        err->reason = st == yajl_status_client_canceled ? cg_str_c(r->stop) : cg_yajl_reason(a, r->h, json);
    }
    yajl_free(r->h);
    r->h = NULL;
    return st == yajl_status_ok ? 0 : -1;
}

size_t cg_json_read_offset(const struct json_reader *r)
{
    return yajl_get_bytes_consumed(r->h);
}

bool cg_json_is_valid_utf8(cg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (size_t i = 0; i < s.len;) {
        int n = cg_utf8_seq(p + i, s.len - i);
        if (n < 0)
            return false;
        i += (size_t)n;
    }
    return true;
}

/* ---- rendering ---- */

bool cg_json_is_integer_token(cg_str token)
{
    for (size_t i = 0; i < token.len; i++)
        if (token.ptr[i] == '.' || token.ptr[i] == 'e' || token.ptr[i] == 'E')
            return false;
    return true;
}

static void echo_number(struct cg_json *j, struct cg_arena *a, cg_str token)
{
    if (cg_json_is_integer_token(token)) {
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

cg_str cg_json_render_scalar(struct cg_arena *a, const struct jvalue *v)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, a);
    cg_json_init(&j, &out);
    echo_scalar(&j, a, v);
    return cg_buf_str(&out);
}

struct echo {
    struct cg_arena *a;
    struct cg_json j;
};

static int echo(void *ctx, const struct jvalue *v)
{
    struct echo *e = ctx;
    echo_scalar(&e->j, e->a, v);
    return 1;
}

static int echo_null(void *ctx)
{
    return echo(ctx, &(struct jvalue){ .kind = J_NULL });
}

static int echo_boolean(void *ctx, int v)
{
    return echo(ctx, &(struct jvalue){ .kind = J_BOOL, .b = v });
}

static int echo_number_cb(void *ctx, const char *s, size_t len)
{
    return echo(ctx, &(struct jvalue){ .kind = J_NUMBER, .text = { s, len } });
}

static int echo_string(void *ctx, const unsigned char *s, size_t len)
{
    return echo(ctx, &(struct jvalue){ .kind = J_STRING, .text = { (const char *)s, len } });
}

static int echo_key(void *ctx, const unsigned char *s, size_t len)
{
    cg_json_key_str(&((struct echo *)ctx)->j, (cg_str){ (const char *)s, len });
    return 1;
}

static int echo_start_map(void *ctx)
{
    cg_json_obj_begin(&((struct echo *)ctx)->j);
    return 1;
}

static int echo_end_map(void *ctx)
{
    cg_json_obj_end(&((struct echo *)ctx)->j);
    return 1;
}

static int echo_start_array(void *ctx)
{
    cg_json_arr_begin(&((struct echo *)ctx)->j);
    return 1;
}

static int echo_end_array(void *ctx)
{
    cg_json_arr_end(&((struct echo *)ctx)->j);
    return 1;
}

static const yajl_callbacks echo_callbacks = {
    .yajl_null = echo_null,
    .yajl_boolean = echo_boolean,
    .yajl_number = echo_number_cb,
    .yajl_string = echo_string,
    .yajl_start_map = echo_start_map,
    .yajl_map_key = echo_key,
    .yajl_end_map = echo_end_map,
    .yajl_start_array = echo_start_array,
    .yajl_end_array = echo_end_array,
};

cg_str cg_json_render(struct cg_arena *a, cg_str json)
{
    struct cg_buf out;
    struct echo e = { .a = a };
    struct json_reader r = { 0 };
    struct json_parse_error err;
    cg_buf_init(&out, a);
    cg_json_init(&e.j, &out);
    /* Cannot fail: the body was read once already, with the same limits. */
    cg_json_read(&r, a, &echo_callbacks, &e, json, &err);
    return cg_buf_str(&out);
}
