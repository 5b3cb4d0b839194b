/* Model tables (model.c): checked once at start-up, and the C layout of
 * their list items. */
#ifndef CGATE_CORE_MODEL_H
#define CGATE_CORE_MODEL_H

#include <stddef.h>

#include "cgate/params.h"

/* Check a model's table and the models it nests, at start-up: types,
 * enum choices, patterns (compiled here), list and nested struct members.
 * Logs what is wrong and returns -1. NULL is fine. */
int cg_model_prepare(const struct cg_model *m);

/* The C size of one item of a list field: a scalar's type or the model's. */
size_t cg_body_item_size(const struct cg_field *f);

#endif
