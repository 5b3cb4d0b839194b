/* Request bodies (body.c): one JSON body read with the scanner and bound to
 * a model struct. */
#ifndef CGATE_CORE_BODY_H
#define CGATE_CORE_BODY_H

#include "cgate/params.h"
#include "core/verrors.h"

/* Bind a request body to a model struct `out` (zeroed by the caller),
 * FastAPI-style: JSON when the content type is absent, application/json or
 * +json; missing body -> "missing"; not JSON, or nested deeper than
 * CG_JSON_MAX_DEPTH -> "json_invalid"; not an object ->
 * "model_attributes_type"; then every field's errors, nested models and
 * lists included, at most CG_BODY_MAX_ERRORS of them (body_bind.h). Strings
 * and list items in `out` point into the arena. Returns 0 or -1 with errors
 * added. */
int cg__body_bind(struct cg_arena *a, const struct cg_model *m, cg_str content_type, cg_str body,
                  void *out, struct cg_verrors *errs);
/* Bind field f's default (its .def JSON text) into obj, a struct of f's
 * model, as a value sent for f would be (start-up, model.c). Errors are
 * added with locs that start at the field's name. Returns 0 or -1. */
int cg__body_bind_default(struct cg_arena *a, const struct cg_field *f, void *obj, struct cg_verrors *errs);

#endif
