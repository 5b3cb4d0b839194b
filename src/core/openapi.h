/* The OpenAPI document (openapi.c). */
#ifndef CGATE_CORE_OPENAPI_H
#define CGATE_CORE_OPENAPI_H

#include "core/app_internal.h"

/* The document, built from the route tables on its first use, as FastAPI's
 * app.openapi() is: a cold start that serves no docs does not pay for it.
 * Safe from any thread once the app is prepared. And the handler that
 * serves it. */
cg_str cg__openapi_document(const struct cg_app *app);
int cg__openapi_serve(struct cg_ctx *c);

#endif
