/* The docs pages, Swagger UI and ReDoc, with their embedded files (docs.c). */
#ifndef CGATE_CORE_DOCS_H
#define CGATE_CORE_DOCS_H

#include "core/app_internal.h"

/* Append the routes that serve the document and the docs pages to
 * app->builtin per the app's options; returns how many. */
size_t cg__docs_routes(struct cg_app *app);

#endif
