/* The scalar fields of a body (body_value.c): a JSON scalar converted to a
 * field's type with pydantic's lax rules, checked, and stored in the model
 * struct. */
#ifndef CGATE_CORE_BODY_VALUE_H
#define CGATE_CORE_BODY_VALUE_H

#include "core/body_json.h"
#include "core/validate.h"

/* The failure for a value of the wrong JSON type for f's scalar type. */
void cg__body_type_fail(struct cg_arena *a, const struct cg_field *f, struct cg_vfail *why);
/* Convert a JSON scalar to f's type with pydantic's lax rules and check the
 * constraints. Returns 0, or -1 with `why` filled. */
int cg__body_convert(struct cg_arena *a, const struct cg_field *f, const struct jvalue *v, struct cg_value *out,
                     struct cg_vfail *why);
/* Write a converted value at p as f's C type (strings copied to the arena);
 * NULL writes the zero value of an absent optional field. */
void cg__body_store(struct cg_arena *a, const struct cg_field *f, void *p, const struct cg_value *v);

#endif
