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

/* openapi_tags.c: an operation's "tags" member (each tag once), and the
 * document's "tags" list (nothing when no route has a tag). */
void cg__openapi_write_route_tags(struct cg_json *j, const char *tags);
void cg__openapi_write_tags(struct cg_json *j, const struct cg_app *app);
/* "key":"value", or nothing when value is NULL. */
void cg__openapi_write_optional(struct cg_json *j, const char *key, const char *value);

#endif
