/* Values (validate.c): the text of a path, query, header or cookie value
 * converted to its declared type and checked against its constraints with
 * pydantic v2's lax rules and messages. The converter without the 422
 * bookkeeping is here too, so that a body field can choose its own loc and
 * input. */
#ifndef CGATE_CORE_VALIDATE_H
#define CGATE_CORE_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "cgate/params.h"
#include "core/int64.h"
#include "core/verrors.h"

/* A converted and validated parameter or default value. */
struct cg_value {
    bool present;
    int64_t i;  /* CG_INT; CG_ENUM: the index in choices */
    double n;   /* CG_NUMBER */
    bool b;     /* CG_BOOL */
    cg_str s;   /* the text as received (every type), decoded */
    struct cg_value *items; /* a list parameter's values, in the arena */
    size_t nitems;
};

/* Convert the text of a path/query/header/cookie value to `type` and check
 * the constraints. On failure adds FastAPI's error(s) at `loc` (a JSON
 * array) and returns -1. */
int cg__value_parse(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c,
                    cg_str text, cg_str loc, struct cg_value *out, struct cg_verrors *errs);

/* The C type a value of `type` is bound as (params.h): its size, and the
 * value written there (strings copied to the arena); NULL writes the zero
 * value of an absent one (a string's ptr NULL). */
size_t cg__type_size(enum cg_type type);
void cg__value_store(struct cg_arena *a, enum cg_type type, void *p, const struct cg_value *v);

/* Why a value was refused: one 422 entry without its loc and input. */
struct cg_vfail {
    const char *type;
    cg_str msg;
    cg_str ctx; /* JSON object, or empty */
};

#define CG_VFAIL(type, msg) { (type), { (msg), sizeof(msg) - 1 }, { "", 0 } }

/* The fixed failures that body values report too. */
extern const struct cg_vfail cg__fail_int_parsing_size;
extern const struct cg_vfail cg__fail_finite_number;
extern const struct cg_vfail cg__fail_bool_parsing;

/* cg__value_parse without recording the error: fills `why` and returns -1. */
int cg__value_convert(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c, cg_str text,
                      struct cg_value *out, struct cg_vfail *why);
/* The constraints alone, on a value already converted to `type`. */
int cg__value_check(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c,
                    const struct cg_value *v, struct cg_vfail *why);
/* The "enum" failure listing `choices`. */
void cg__enum_fail(struct cg_arena *a, const char *const *choices, struct cg_vfail *why);

#endif
