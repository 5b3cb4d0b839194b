/* Metrics in CloudWatch's embedded metric format (EMF): a handler records
 * values, and once the request is answered the app writes them as one JSON
 * line that CloudWatch Logs turns into metrics, with no API call and no SDK.
 * On Lambda the line goes to the function's log; locally, to stdout.
 *
 *   cg_app_use_metrics(app, &(struct cg_metrics_opts){ .route_metrics = true });
 *   ...in a handler:
 *   cg_metric(c, "ItemsCreated", 1, CG_UNIT_COUNT);
 *   cg_metric_dimension(c, "tenant", tenant);
 *
 * Every document carries the dimension `service`; the app's metrics also
 * `route` (the route template with its method, "GET /api/items/{item_id}")
 * and the request's own dimensions. docs/metrics.md has the format, the
 * limits and the CloudWatch queries. Without cg_app_use_metrics, cg_metric
 * does nothing (and costs a thread-local read). */
#ifndef CGATE_METRICS_H
#define CGATE_METRICS_H

#include <stdbool.h>

#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;
struct cg_ctx;

/* CloudWatch's units. */
enum cg_metric_unit {
    CG_UNIT_NONE,
    CG_UNIT_COUNT,
    CG_UNIT_PERCENT,
    CG_UNIT_SECONDS,
    CG_UNIT_MILLISECONDS,
    CG_UNIT_MICROSECONDS,
    CG_UNIT_BYTES,
    CG_UNIT_KILOBYTES,
    CG_UNIT_MEGABYTES,
    CG_UNIT_GIGABYTES,
    CG_UNIT_TERABYTES,
    CG_UNIT_BITS,
    CG_UNIT_KILOBITS,
    CG_UNIT_MEGABITS,
    CG_UNIT_GIGABITS,
    CG_UNIT_TERABITS,
    CG_UNIT_BYTES_PER_SECOND,
    CG_UNIT_KILOBYTES_PER_SECOND,
    CG_UNIT_MEGABYTES_PER_SECOND,
    CG_UNIT_GIGABYTES_PER_SECOND,
    CG_UNIT_TERABYTES_PER_SECOND,
    CG_UNIT_BITS_PER_SECOND,
    CG_UNIT_KILOBITS_PER_SECOND,
    CG_UNIT_MEGABITS_PER_SECOND,
    CG_UNIT_GIGABITS_PER_SECOND,
    CG_UNIT_TERABITS_PER_SECOND,
    CG_UNIT_COUNT_PER_SECOND,
};

struct cg_metrics_opts {
    /* The CloudWatch namespace: $CG_METRICS_NAMESPACE, else
     * $POWERTOOLS_METRICS_NAMESPACE, else this (the deployment overrides the
     * code); without any, cg_app_use_metrics fails naming the variable. */
    const char *namespace_;
    /* The `service` dimension: $CG_SERVICE_NAME, else
     * $POWERTOOLS_SERVICE_NAME, else this, else $AWS_LAMBDA_FUNCTION_NAME,
     * else the app's title. */
    const char *service;
    /* Per route: Requests (Count), Latency (Milliseconds, the app's time:
     * middleware and handler), Errors4xx and Errors5xx (Count, 0 or 1), with
     * the dimensions service and route. */
    bool route_metrics;
    /* Where each document goes, one line without its newline; NULL: one
     * write(2) to stdout per line, newline included. Called on the thread
     * that served the request. */
    void (*write)(void *arg, cg_str line);
    void *write_arg;
};

/* Write every request's metrics as EMF (the middleware runs outermost of
 * those added so far; add it last to time the others too). On the
 * invocation that started a Lambda process, also ColdStart = 1 with the
 * dimensions service and function_name. Returns 0, or -1 (an app error
 * naming the setting). */
int cg_app_use_metrics(struct cg_app *app, const struct cg_metrics_opts *opts);

/* Record a value for this request; the same name again adds a value (a
 * metric is one unit: a value in another unit is dropped and logged).
 * Names are 1 to 255 characters; values finite, within ±2^360, as
 * CloudWatch takes them. Anything else is dropped with a warning. */
void cg_metric(struct cg_ctx *c, const char *name, double value, enum cg_metric_unit unit);
/* A dimension of this request's metrics (not of the route metrics): up to
 * 28 besides service and route; a name used again takes the new value. */
void cg_metric_dimension(struct cg_ctx *c, const char *name, const char *value);

#ifdef __cplusplus
}
#endif

#endif
