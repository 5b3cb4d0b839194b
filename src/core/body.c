/* Request bodies: FastAPI's content-type rules, then the JSON bound straight
 * into the model struct by yajl's callbacks, with pydantic's lax conversions.
 * Errors are kept per field and reported in field order, as pydantic does;
 * a repeated key counts once, its last value, as with Python's json.loads. */
#include <math.h>
#include <stdlib.h>
#include <yajl/yajl_parse.h>

#include "validate_internal.h"

static const struct cg_vfail missing = CG_VFAIL("missing", "Field required");
static const struct cg_vfail int_from_float =
    CG_VFAIL("int_from_float", "Input should be a valid integer, got a number with a fractional part");
static const struct cg_vfail type_fails[] = {
    [CG_STRING] = CG_VFAIL("string_type", "Input should be a valid string"),
    [CG_INT] = CG_VFAIL("int_type", "Input should be a valid integer"),
    [CG_NUMBER] = CG_VFAIL("float_type", "Input should be a valid number"),
    [CG_BOOL] = CG_VFAIL("bool_type", "Input should be a valid boolean"),
};

#define BODY_LOC CG_STR("[\"body\"]")
#define NOT_AN_OBJECT "Input should be a valid dictionary or object to extract fields from"

/* A JSON scalar as the parser reports it. */
struct jvalue {
    enum { J_NULL, J_BOOL, J_NUMBER, J_STRING } kind;
    bool b;
    cg_str text; /* a number's token, or a string's unescaped bytes */
};

struct field_state {
    bool seen;
    bool failed;
    struct cg_vfail why;
    cg_str input;
};

struct binder {
    struct cg_arena *a;
    const struct cg_model *m;
    char *out;
    struct field_state *state;    /* one per field */
    const struct cg_field *field; /* named by the body object's last key; NULL for an extra key */
    int depth;                    /* open containers */
    bool not_object;              /* the body is an array or a scalar */
    /* Rendering a value that becomes an error's input: */
    bool capturing;
    int capture_depth; /* the depth the captured container opened at */
    struct cg_buf capture_buf;
    struct cg_json capture;
    const char *stop; /* why a callback stopped the parse */
};

/* ---- rendering inputs as Python would print what json.loads made ---- */

static bool is_integer_token(cg_str token)
{
    for (size_t i = 0; i < token.len; i++)
        if (token.ptr[i] == '.' || token.ptr[i] == 'e' || token.ptr[i] == 'E')
            return false;
    return true;
}

static double token_value(struct cg_arena *a, cg_str token)
{
    return strtod(cg_arena_strdup(a, token).ptr, NULL);
}

/* Ints exactly ("-0" is 0), floats as repr ("1.50" is 1.5, "1e3" is 1000.0). */
static void echo_number(struct cg_json *j, struct cg_arena *a, cg_str token)
{
    if (is_integer_token(token)) {
        cg_json_raw(j, cg_str_eq(token, CG_STR("-0")) ? CG_STR("0") : token);
        return;
    }
    double v = token_value(a, token);
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

static cg_str render_scalar(struct cg_arena *a, const struct jvalue *v)
{
    struct cg_buf out;
    struct cg_json j;
    cg_buf_init(&out, a);
    cg_json_init(&j, &out);
    echo_scalar(&j, a, v);
    return cg_buf_str(&out);
}

static void capture_begin(struct binder *b)
{
    cg_buf_init(&b->capture_buf, b->a);
    cg_json_init(&b->capture, &b->capture_buf);
    b->capturing = true;
    b->capture_depth = b->depth;
}

/* ---- converting one field ---- */

static int type_fail(struct cg_arena *a, const struct cg_field *f, struct cg_vfail *why)
{
    if (f->type == CG_ENUM)
        cg_enum_fail(a, f->c.choices, why);
    else
        *why = type_fails[f->type];
    return -1;
}

/* pydantic's float_as_int: NULL when x is integral and fits an int64. */
static const struct cg_vfail *float_as_int(double x, int64_t *out)
{
    if (!isfinite(x))
        return &cg_fail_finite_number;
    if (!(x >= -0x1p63 && x < 0x1p63))
        return &cg_fail_int_parsing_size; /* past 2^53 every double is whole */
    if (!cg_is_int64(x))
        return &int_from_float;
    *out = (int64_t)x;
    return NULL;
}

/* A number token with a fraction or an exponent, for an int or bool field. */
static int convert_float_token(struct cg_arena *a, const struct cg_field *f, cg_str token,
                               struct cg_value *out, struct cg_vfail *why)
{
    *out = (struct cg_value){ .s = token };
    const struct cg_vfail *fail = float_as_int(token_value(a, token), &out->i);
    if (f->type == CG_INT) {
        if (fail) {
            *why = *fail;
            return -1;
        }
        return cg_value_check(a, f->type, &f->c, out, why);
    }
    if (fail)
        return type_fail(a, f, why);
    if (out->i != 0 && out->i != 1) {
        *why = cg_fail_bool_parsing;
        return -1;
    }
    out->b = out->i;
    return 0;
}

static int convert_number(struct cg_arena *a, const struct cg_field *f, cg_str token, struct cg_value *out,
                          struct cg_vfail *why)
{
    if (f->type == CG_STRING || f->type == CG_ENUM)
        return type_fail(a, f, why);
    /* The token is also valid text for these, with the same rules. */
    if (f->type == CG_NUMBER || is_integer_token(token))
        return cg_value_convert(a, f->type, &f->c, token, out, why);
    return convert_float_token(a, f, token, out, why);
}

static int convert(struct cg_arena *a, const struct cg_field *f, const struct jvalue *v, struct cg_value *out,
                   struct cg_vfail *why)
{
    switch (v->kind) {
    case J_STRING:
        return cg_value_convert(a, f->type, &f->c, v->text, out, why);
    case J_NUMBER:
        return convert_number(a, f, v->text, out, why);
    case J_BOOL:
        /* Lax mode: true and false are 1 and 0 for numbers too. */
        if (f->type == CG_STRING || f->type == CG_ENUM)
            break;
        return cg_value_convert(a, f->type, &f->c, v->b ? CG_STR("1") : CG_STR("0"), out, why);
    case J_NULL:
        break;
    }
    return type_fail(a, f, why);
}

/* Write a value into the struct; NULL stores an absent optional field. */
static void store(const struct binder *b, const struct cg_field *f, const struct cg_value *v)
{
    void *p = b->out + f->offset;
    switch (f->type) {
    case CG_STRING:
        *(cg_str *)p = v ? cg_arena_strdup(b->a, v->s) : (cg_str){ NULL, 0 };
        break;
    case CG_INT:
        *(int64_t *)p = v ? v->i : 0;
        break;
    case CG_NUMBER:
        *(double *)p = v ? v->n : 0;
        break;
    case CG_BOOL:
        *(bool *)p = v && v->b;
        break;
    case CG_ENUM:
        *(int *)p = v ? (int)v->i : 0;
        break;
    }
    if (f->present_offset)
        *(bool *)(b->out + f->present_offset - 1) = v != NULL;
}

static void fail_field(struct binder *b, const struct cg_field *f, const struct cg_vfail *why, cg_str input)
{
    struct field_state *s = &b->state[f - b->m->fields];
    s->failed = true;
    s->why = *why;
    s->input = input;
}

static void bind_field(struct binder *b, const struct cg_field *f, const struct jvalue *v)
{
    struct cg_value value;
    struct cg_vfail why;
    if (v->kind == J_NULL && f->optional)
        store(b, f, NULL);
    else if (convert(b->a, f, v, &value, &why) == 0)
        store(b, f, &value);
    else
        fail_field(b, f, &why, render_scalar(b->a, v));
}

static const struct cg_field *find_field(struct binder *b, cg_str key)
{
    for (size_t i = 0; i < b->m->nfields; i++) {
        if (cg_str_eq_c(key, b->m->fields[i].name)) {
            b->state[i] = (struct field_state){ .seen = true };
            return &b->m->fields[i];
        }
    }
    return NULL;
}

/* ---- yajl callbacks ---- */

static int stop(struct binder *b, const char *why)
{
    b->stop = why;
    return 0;
}

/* yajl checks only the shape of UTF-8; this also refuses overlong forms,
 * surrogates and code points beyond U+10FFFF, as Python's decoder does. */
static bool is_valid_utf8(cg_str s)
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

static int on_scalar(struct binder *b, const struct jvalue *v)
{
    if (b->capturing)
        echo_scalar(&b->capture, b->a, v);
    else if (b->depth == 0)
        b->not_object = true;
    else if (b->depth == 1 && b->field)
        bind_field(b, b->field, v);
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
    if (!is_valid_utf8(text))
        return stop(ctx, "invalid bytes in UTF8 string.");
    return on_scalar(ctx, &(struct jvalue){ .kind = J_STRING, .text = text });
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    struct binder *b = ctx;
    cg_str key = { (const char *)s, len };
    if (!is_valid_utf8(key))
        return stop(b, "invalid bytes in UTF8 string.");
    if (b->capturing)
        cg_json_key_str(&b->capture, key);
    else if (b->depth == 1)
        b->field = find_field(b, key);
    return 1;
}

static int on_open(struct binder *b, bool map)
{
    if (b->depth == CG_JSON_MAX_DEPTH)
        return stop(b, "maximum nesting depth exceeded");
    if (!b->capturing && b->depth == 0 && !map)
        b->not_object = true;
    else if (!b->capturing && b->depth == 1 && b->field)
        capture_begin(b); /* an object or array where a scalar belongs */
    b->depth++;
    if (b->capturing)
        (map ? cg_json_obj_begin : cg_json_arr_begin)(&b->capture);
    return 1;
}

static int on_close(struct binder *b, bool map)
{
    b->depth--;
    if (b->capturing) {
        (map ? cg_json_obj_end : cg_json_arr_end)(&b->capture);
        if (b->depth == b->capture_depth) {
            struct cg_vfail why;
            b->capturing = false;
            type_fail(b->a, b->field, &why);
            fail_field(b, b->field, &why, cg_buf_str(&b->capture_buf));
        }
    }
    return 1;
}

static int on_start_map(void *ctx)
{
    return on_open(ctx, true);
}

static int on_end_map(void *ctx)
{
    return on_close(ctx, true);
}

static int on_start_array(void *ctx)
{
    return on_open(ctx, false);
}

static int on_end_array(void *ctx)
{
    return on_close(ctx, false);
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_key,
    .yajl_end_map = on_end_map,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end_array,
};

/* ---- parsing ---- */

struct parse_error {
    size_t pos;
    cg_str reason;
};

/* yajl's short message without its "parse error: " prefix and newline. */
static cg_str yajl_reason(struct cg_arena *a, yajl_handle h, cg_str body)
{
    unsigned char *text = yajl_get_error(h, 0, (const unsigned char *)body.ptr, body.len);
    cg_str msg = cg_str_c((const char *)text);
    const char *sep = strstr(msg.ptr, ": ");
    if (sep) {
        msg.len -= (size_t)(sep + 2 - msg.ptr);
        msg.ptr = sep + 2;
    }
    while (msg.len && (msg.ptr[msg.len - 1] == '\n' || msg.ptr[msg.len - 1] == ' '))
        msg.len--;
    msg = cg_arena_strdup(a, msg);
    yajl_free_error(h, text);
    return msg;
}

static int parse(struct binder *b, cg_str body, struct parse_error *err)
{
    yajl_handle h = yajl_alloc(&callbacks, NULL, b);
    if (!h)
        cg_oom();
    /* is_valid_utf8 checks strings and keys more strictly than yajl. */
    yajl_config(h, yajl_dont_validate_strings, 1);
    yajl_status st = yajl_parse(h, (const unsigned char *)body.ptr, body.len);
    size_t pos = yajl_get_bytes_consumed(h);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
        pos = body.len; /* an error here is an unfinished document */
    }
    if (st != yajl_status_ok) {
        err->pos = pos;
        err->reason = st == yajl_status_client_canceled ? cg_str_c(b->stop) : yajl_reason(b->a, h, body);
    }
    yajl_free(h);
    return st == yajl_status_ok ? 0 : -1;
}

/* The whole (valid) body, compact, as the input of a body-level error.
 * Parsed a second time: only error paths need it. */
static cg_str render_body(struct cg_arena *a, cg_str body)
{
    struct binder b = { .a = a };
    struct parse_error err;
    capture_begin(&b);
    b.capture_depth = -1; /* never ends */
    parse(&b, body, &err);
    return cg_buf_str(&b.capture_buf);
}

/* ---- binding ---- */

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

static void add_json_invalid(struct cg_arena *a, struct cg_verrors *errs, const struct parse_error *err)
{
    cg_str reason = cg_json_quote(a, err->reason);
    cg_verrors_add(errs, "json_invalid", cg_arena_printf(a, "[\"body\",%zu]", err->pos), CG_STR("JSON decode error"),
                   CG_STR("{}"), cg_arena_printf(a, "{\"error\":%.*s}", (int)reason.len, reason.ptr));
}

static void add_field_error(struct cg_arena *a, struct cg_verrors *errs, const struct cg_field *f,
                            const struct cg_vfail *why, cg_str input)
{
    cg_str name = cg_json_quote(a, cg_str_c(f->name));
    cg_str loc = cg_arena_printf(a, "[\"body\",%.*s]", (int)name.len, name.ptr);
    cg_verrors_add(errs, why->type, loc, why->msg, input, why->ctx);
}

static int report_fields(const struct binder *b, cg_str body, struct cg_verrors *errs)
{
    size_t before = errs->n;
    cg_str whole = { NULL, 0 };
    for (size_t i = 0; i < b->m->nfields; i++) {
        const struct cg_field *f = &b->m->fields[i];
        const struct field_state *s = &b->state[i];
        if (s->failed) {
            add_field_error(b->a, errs, f, &s->why, s->input);
        } else if (!s->seen && !f->optional) {
            if (!whole.ptr)
                whole = render_body(b->a, body);
            add_field_error(b->a, errs, f, &missing, whole);
        }
    }
    return errs->n == before ? 0 : -1;
}

int cg_body_bind(struct cg_arena *a, const struct cg_model *m, cg_str content_type, cg_str body, void *out,
                 struct cg_verrors *errs)
{
    if (body.len == 0) {
        cg_verrors_add(errs, missing.type, BODY_LOC, missing.msg, CG_STR("null"), CG_STR(""));
        return -1;
    }
    if (!is_json_media_type(content_type)) {
        cg_verrors_add(errs, "model_attributes_type", BODY_LOC, CG_STR(NOT_AN_OBJECT), cg_json_quote(a, body),
                       CG_STR(""));
        return -1;
    }
    struct binder b = { .a = a, .m = m, .out = out };
    b.state = cg_arena_zalloc(a, (m->nfields ? m->nfields : 1) * sizeof *b.state);
    struct parse_error err;
    if (parse(&b, body, &err) != 0) {
        add_json_invalid(a, errs, &err);
        return -1;
    }
    if (b.not_object) {
        cg_verrors_add(errs, "model_attributes_type", BODY_LOC, CG_STR(NOT_AN_OBJECT), render_body(a, body),
                       CG_STR(""));
        return -1;
    }
    return report_fields(&b, body, errs);
}

/* ---- responses ---- */

static void write_choice(struct cg_json *j, const char *const *choices, int index)
{
    for (int i = 0; choices[i]; i++) {
        if (i == index) {
            cg_json_cstr(j, choices[i]);
            return;
        }
    }
    /* Not one of the choices: FastAPI's response validation would fail too. */
    j->failed = true;
}

static void write_field(struct cg_json *j, const struct cg_field *f, const char *obj)
{
    const void *p = obj + f->offset;
    if (f->present_offset && !*(const bool *)(obj + f->present_offset - 1)) {
        cg_json_null(j);
        return;
    }
    switch (f->type) {
    case CG_STRING:
        if (((const cg_str *)p)->ptr)
            cg_json_str(j, *(const cg_str *)p);
        else
            cg_json_null(j);
        break;
    case CG_INT:
        cg_json_int(j, *(const int64_t *)p);
        break;
    case CG_NUMBER:
        cg_json_num(j, *(const double *)p);
        break;
    case CG_BOOL:
        cg_json_bool(j, *(const bool *)p);
        break;
    case CG_ENUM:
        write_choice(j, f->c.choices, *(const int *)p);
        break;
    }
}

void cg_json_write_model(struct cg_json *j, const struct cg_model *m, const void *obj)
{
    cg_json_obj_begin(j);
    for (size_t i = 0; i < m->nfields; i++) {
        cg_json_key(j, m->fields[i].name);
        write_field(j, &m->fields[i], obj);
    }
    cg_json_obj_end(j);
}
