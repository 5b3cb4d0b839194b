/* Model tables (model.c): checked once at start-up, and the C layout of
 * their list items. */
#ifndef CGATE_CORE_MODEL_H
#define CGATE_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cgate/json.h"
#include "cgate/params.h"

/* Check a model's table and the models it nests, at start-up: types,
 * enum choices, patterns (compiled here), list and nested struct members,
 * and the defaults, which are converted and checked here into the model's
 * initial object. Logs what is wrong and returns -1. NULL is fine. */
int cg__model_prepare(const struct cg_model *m);

/* A field the request must send: neither optional nor with a default. */
static inline bool cg_field_required(const struct cg_field *f)
{
    return !f->optional && !f->def;
}

/* pydantic's `x: T = None`: omittable, never null (see cg_field.def). */
static inline bool cg_field_defaults_to_none(const struct cg_field *f)
{
    return !f->optional && f->def && strcmp(f->def, "null") == 0;
}

/* Fill obj as a fresh object of m: its defaults (prepared), zero elsewhere. */
void cg__model_init(const struct cg_model *m, void *obj);
/* Record in obj, when m records it, that field i was sent. */
void cg__model_mark_sent(const struct cg_model *m, void *obj, size_t i);
/* Whether the request sent `path` ("price", "owner.city") in obj, an
 * object of m (cg_model_has). Returns 0, or -1 with `why` filled when the
 * path names no field or crosses a model without CG_MODEL_SENT. */
int cg__model_sent(const struct cg_model *m, const void *obj, const char *path, bool *sent, char *why,
                   size_t whylen);
/* "default":value for field f of m, as pydantic writes it in a schema
 * (a nested object without its null fields); nothing when the default is
 * null, as FastAPI shows Optional[X] = None. */
void cg__model_write_default(struct cg_json *j, const struct cg_model *m, const struct cg_field *f);

/* The C size of one item of a list field: a scalar's type or the model's. */
size_t cg__body_item_size(const struct cg_field *f);

#endif
