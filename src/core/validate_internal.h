/* Private helpers shared by json.c, validate.c and body.c: text checks and
 * the value converter without the 422 bookkeeping, so that a body field can
 * choose its own loc and input. */
#ifndef CGATE_VALIDATE_INTERNAL_H
#define CGATE_VALIDATE_INTERNAL_H

#include "core_internal.h"

/* The length (1 to 4) of the valid UTF-8 sequence at s, or minus the length
 * of its maximal invalid prefix, which stands for one U+FFFD as in Python's
 * decode(errors="replace"). Needs n > 0. */
int cg_utf8_seq(const unsigned char *s, size_t n);

/* s as a JSON string literal, in the arena. */
cg_str cg_json_quote(struct cg_arena *a, cg_str s);

/* v in plain decimal, never with an exponent, integral values without ".0"
 * ("3", "0.5", "10000000000000000"): Rust's Display, which pydantic uses for
 * the bounds in its messages. */
void cg_format_decimal(struct cg_buf *out, double v);

/* Why a value was refused: one 422 entry without its loc and input. */
struct cg_vfail {
    const char *type;
    cg_str msg;
    cg_str ctx; /* JSON object, or empty */
};

#define CG_VFAIL(type, msg) { (type), { (msg), sizeof(msg) - 1 }, { "", 0 } }

/* The fixed failures that body.c reports too. */
extern const struct cg_vfail cg_fail_int_parsing_size;
extern const struct cg_vfail cg_fail_finite_number;
extern const struct cg_vfail cg_fail_bool_parsing;

/* cg_value_parse without recording the error: fills `why` and returns -1. */
int cg_value_convert(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c, cg_str text,
                     struct cg_value *out, struct cg_vfail *why);
/* The constraints alone, on a value already converted to `type`. */
int cg_value_check(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c,
                   const struct cg_value *v, struct cg_vfail *why);
/* The "enum" failure listing `choices`. */
void cg_enum_fail(struct cg_arena *a, const char *const *choices, struct cg_vfail *why);

/* A whole number that fits an int64. Not libm's trunc(): the core then needs
 * no libm, and a bootstrap without SQLite links libc alone. */
static inline bool cg_is_int64(double v)
{
    return v >= -0x1p63 && v < 0x1p63 && (double)(int64_t)v == v;
}

#endif
