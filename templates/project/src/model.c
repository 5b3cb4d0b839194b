/* The record's schema: each field's C member, JSON type and constraints.
 * The core validates request bodies against it (a 422 like FastAPI's when
 * they do not match), writes responses from it, and documents both in
 * /openapi.json. */
#include "APP_IDENT.h"

/* The fields a client sends, shared by the input and the output models. */
#define APP_UPPER_FIELDS(T)                                                            \
    CG_FIELD(T, name, CG_STRING, CG_MIN_LEN(1), CG_MAX_LEN(200)),                     \
    CG_FIELD(T, description, CG_STRING, .optional = true, CG_MAX_LEN(1000)),          \
    CG_FIELD(T, quantity, CG_INT, CG_GE(0), .def = "1")

static const struct cg_field in_fields[] = { APP_UPPER_FIELDS(struct APP_IDENT_in) };
const struct cg_model APP_IDENT_in_model = CG_MODEL("APP_CAMELIn", struct APP_IDENT_in, in_fields);

static const struct cg_field fields[] = {
    CG_FIELD(struct APP_IDENT, id, CG_INT),
    APP_UPPER_FIELDS(struct APP_IDENT),
};
const struct cg_model APP_IDENT_model = CG_MODEL("APP_CAMEL", struct APP_IDENT, fields);
