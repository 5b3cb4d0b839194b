/* One JSON scalar of a body converted to a field's C type, with pydantic's
 * lax rules for JSON input: numbers for strings of digits, true and false
 * for 1 and 0, whole floats for ints. */
#include <math.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/body_value.h"

static const struct cg_vfail int_from_float =
    CG_VFAIL("int_from_float", "Input should be a valid integer, got a number with a fractional part");
static const struct cg_vfail type_fails[] = {
    [CG_STRING] = CG_VFAIL("string_type", "Input should be a valid string"),
    [CG_INT] = CG_VFAIL("int_type", "Input should be a valid integer"),
    [CG_NUMBER] = CG_VFAIL("float_type", "Input should be a valid number"),
    [CG_BOOL] = CG_VFAIL("bool_type", "Input should be a valid boolean"),
};

void cg__body_type_fail(struct cg_arena *a, const struct cg_field *f, struct cg_vfail *why)
{
    if (f->type == CG_ENUM)
        cg__enum_fail(a, f->c.choices, why);
    else
        *why = type_fails[f->type];
}

static int type_fail(struct cg_arena *a, const struct cg_field *f, struct cg_vfail *why)
{
    cg__body_type_fail(a, f, why);
    return -1;
}

/* pydantic's float_as_int: NULL when x is integral and fits an int64. */
static const struct cg_vfail *float_as_int(double x, int64_t *out)
{
    if (!isfinite(x))
        return &cg__fail_finite_number;
    if (!(x >= -0x1p63 && x < 0x1p63))
        return &cg__fail_int_parsing_size; /* past 2^53 every double is whole */
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
    double x = strtod(cg_arena_strdup(a, token).ptr, NULL);
    const struct cg_vfail *fail = float_as_int(x, &out->i);
    if (f->type == CG_INT) {
        if (fail) {
            *why = *fail;
            return -1;
        }
        return cg__value_check(a, f->type, &f->c, out, why);
    }
    if (fail)
        return type_fail(a, f, why);
    if (out->i != 0 && out->i != 1) {
        *why = cg__fail_bool_parsing;
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
    if (f->type == CG_NUMBER || cg__json_is_integer_token(token))
        return cg__value_convert(a, f->type, &f->c, token, out, why);
    return convert_float_token(a, f, token, out, why);
}

int cg__body_convert(struct cg_arena *a, const struct cg_field *f, const struct jvalue *v, struct cg_value *out,
                     struct cg_vfail *why)
{
    switch (v->kind) {
    case J_STRING:
        return cg__value_convert(a, f->type, &f->c, v->text, out, why);
    case J_NUMBER:
        return convert_number(a, f, v->text, out, why);
    case J_BOOL:
        /* Lax mode: true and false are 1 and 0 for numbers too. */
        if (f->type == CG_STRING || f->type == CG_ENUM)
            break;
        return cg__value_convert(a, f->type, &f->c, v->b ? CG_STR("1") : CG_STR("0"), out, why);
    case J_NULL:
        break;
    }
    return type_fail(a, f, why);
}

void cg__body_store(struct cg_arena *a, const struct cg_field *f, void *p, const struct cg_value *v)
{
    cg__value_store(a, f->type, p, v);
}
