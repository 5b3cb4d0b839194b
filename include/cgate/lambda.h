/* AWS Lambda: API Gateway (REST and HTTP APIs), function URL, ALB and VPC Lattice events
 * through the core, the custom-runtime loop, and `APP invoke`.
 *
 * cg_main calls these: the loop when AWS_LAMBDA_RUNTIME_API is set, invoke
 * for `APP invoke [FILE|-]`. The base path stripped from every request path
 * (custom domains) comes from CG_BASE_PATH. */
#ifndef CGATE_LAMBDA_H
#define CGATE_LAMBDA_H

#include <stdint.h>

#include "app.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Poll the Runtime API at $AWS_LAMBDA_RUNTIME_API for events and answer
 * them, with $AWS_LAMBDA_MAX_CONCURRENCY pollers (default 1). The app must
 * have started. Returns only on failure (Runtime API unreachable or
 * answering /next with an error), after logging why: the exit status. */
int cg_lambda_run(const struct cg_app *app);

/* Report a failed start-up to POST /runtime/init/error, before exiting:
 * message is its cause (errorMessage, type Runtime.InitError). Waits about
 * a second at most for the Runtime API's answer. */
void cg_lambda_init_error(const char *message);

/* One event from a file ("-" or NULL: stdin) through exactly the Lambda
 * path; the gateway response JSON is printed on stdout. Returns 0 when a
 * response was produced (whatever its status), 1 with a message on stderr
 * when the event could not be read or is not an HTTP request. */
int cg_lambda_invoke(const struct cg_app *app, const char *path);

/* The in-process core of both: decode `event`, run the app, append the
 * gateway response JSON to `out`. Everything lives in `arena` (and `event`,
 * which must outlive it); reset the arena between events. Returns 0, or -1
 * with a message in err for an event that is not an HTTP request. */
int cg_lambda_handle(const struct cg_app *app, cg_str event, struct cg_arena *arena, struct cg_buf *out,
                     char *err, size_t errlen);

/* Milliseconds left before the invocation's deadline (never negative), or
 * INT64_MAX when the request has none (local server, invoke). */
int64_t cg_lambda_remaining_ms(const struct cg_request *req);

#ifdef __cplusplus
}
#endif

#endif
