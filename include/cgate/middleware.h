/* Middleware: code wrapped around every request, on every transport (the
 * local server, Lambda, invoke) alike.
 *
 * An app holds an ordered chain. cg_app_use appends to it and the last one
 * added runs outermost, as Starlette's add_middleware. A middleware sees the
 * core request before routing; it may answer by itself (a CORS preflight)
 * without calling cg_next, or call cg_next to run the rest of the chain and
 * the route, then change the response (add headers, compress the body).
 * Built-in routes (the OpenAPI document, the docs pages) and the core's own
 * 404, 405 and 422 answers pass through the chain too.
 *
 *   static void add_server_header(void *state, struct cg_request *req,
 *                                 struct cg_response *res, struct cg_next *next)
 *   {
 *       cg_next(next, req, res);
 *       cg_response_set_header(res, CG_STR("server"), CG_STR(state));
 *   }
 *   cg_app_use(app, &(struct cg_middleware){ "server", add_server_header, "cgate" });
 */
#ifndef CGATE_MIDDLEWARE_H
#define CGATE_MIDDLEWARE_H

#include "request.h"
#include "response.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;
struct cg_next; /* the rest of the chain; valid during the call only */

struct cg_middleware {
    const char *name;              /* for logs and start-up errors: "cors" */
    void (*handle)(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next);
    void *state;                   /* handed to handle; shared by every worker thread: read-only */
    void (*free_state)(void *state); /* called by cg_app_free; may be NULL */
};

/* Append to the chain (the struct is copied); before cg_app_start. Returns
 * 0, or -1 (logged) once the app has started. On failure free_state is not
 * called: the caller keeps its state. */
int cg_app_use(struct cg_app *app, const struct cg_middleware *mw);

/* Run the rest of the chain, then route and handle the request. Call it at
 * most once. */
void cg_next(struct cg_next *next, struct cg_request *req, struct cg_response *res);

#ifdef __cplusplus
}
#endif

#endif
