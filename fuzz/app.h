/* The app the request-path targets (fuzz_http_request, fuzz_lambda_event)
 * send their requests to, and the body models fuzz_json_body binds. */
#ifndef CG_FUZZ_APP_H
#define CG_FUZZ_APP_H

#include "cgate/cgate.h"

/* A nested model with optional parts and lists of scalars and of models. */
extern const struct cg_model fuzz_order_model;
/* A model that holds a list of itself (depth limits). */
extern const struct cg_model fuzz_node_model;

/* Routes with every kind of parameter, a body, security checks, a
 * streamed answer, deferred work, a failing handler and the docs routes,
 * behind CORS and compression, mounted under base_path (NULL: none);
 * started. NULL when it cannot start. It lives as long as the process. */
struct cg_app *fuzz_app_new(const char *base_path);

#endif
