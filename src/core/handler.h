/* Running one matched route (handler.c). */
#ifndef CGATE_CORE_HANDLER_H
#define CGATE_CORE_HANDLER_H

#include "core/app_internal.h"

/* Bind and validate the route's parameters and body, then run its handler;
 * 422 on invalid input, 500 when the handler fails. */
void cg__route_run(const struct cg_app *app, const struct cg_route_rt *rt, const cg_str *path_values,
                   struct cg_request *req, struct cg_response *res);
/* Answer 500 {"detail":"Internal Server Error"} in place of whatever res
 * held (headers and a stream dropped), and log why with the request. */
void cg__answer_failure(const struct cg_request *req, struct cg_response *res, const char *why);
/* Record the first use of the handler API against the route's declaration:
 * the request answers 500, and the log names the route and this cause. */
void cg__misuse(struct cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After a handler returned with cg_raise: the app's error function for the
 * code writes the answer (raise.c). Returns what that function returned;
 * a code without one is a misuse. */
int cg__answer_raised(struct cg_ctx *c);
/* Whether the route's security lets this caller in (always, without one). */
bool cg__route_admits(const struct cg_app *app, const struct cg_route_rt *rt, struct cg_request *req);

#endif
