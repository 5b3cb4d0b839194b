/* The JSON Schemas of the OpenAPI document (schema.c): parameters, model
 * fields, and the components openapi.c writes. */
#ifndef CGATE_CORE_SCHEMA_H
#define CGATE_CORE_SCHEMA_H

#include "core/app_internal.h"

/* The value a parameter holds, as a JSON Schema (model fields are written
 * with their components, in pydantic's other key order). */
struct cg_schema_of {
    enum cg_type type;
    const struct cg_constraints *c;
    const char *name;          /* its title is the name title-cased: "item_id" -> "Item Id" */
    const char *description;
    bool nullable;             /* optional with no default: anyOf [T, null], as pydantic */
    bool list;                 /* an array of T */
    const struct cg_value *def; /* the parsed default, or NULL */
};

/* {"type":...,constraints...,"default":...,"title":...,"description":...} */
void cg__schema_write(struct cg_json *j, const struct cg_schema_of *s);
/* {"$ref":"#/components/schemas/Name"} */
void cg__schema_ref(struct cg_json *j, const struct cg_model *m);
/* Python's name.replace("_", " ").title(), which FastAPI uses for summaries
 * and pydantic for titles. */
void cg__title_case(struct cg_buf *out, const char *name);
/* "components":{"schemas":{...}}, sorted by name: every model a visible
 * route uses, and FastAPI's validation error schemas when a route has
 * parameters or a body. Writes nothing when there are none. */
void cg__schema_components(struct cg_json *j, const struct cg_app *app);
/* Whether the route can answer 422: it has parameters or a body. */
bool cg__route_validates(const struct cg_route_rt *rt);

#endif
