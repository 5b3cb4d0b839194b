/* What the metrics middleware (metrics.c: recording, the middleware) and
 * its writer (metrics_emf.c: the EMF documents) share. */
#ifndef CGATE_METRICS_INTERNAL_H
#define CGATE_METRICS_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgate/app.h"
#include "cgate/buf.h"
#include "cgate/metrics.h"

enum {
    MAX_METRICS_PER_DIRECTIVE = 100, /* EMF: Metrics holds at most 100 definitions */
    MAX_VALUES_PER_METRIC = 100,     /* EMF: a member's array holds at most 100 values */
    MAX_DIMENSIONS = 30,             /* EMF: a dimension set holds at most 30 names */
    MAX_APP_DIMENSIONS = MAX_DIMENSIONS - 2, /* besides service and route */
    MAX_NAME = 255,
    MAX_DIMENSION_VALUE = 1024,
    ROUTE_LINES = 256,               /* routes and methods whose line is kept ready */
};

struct metric {
    const char *name;
    enum cg_metric_unit unit;
    double *values;
    size_t nvalues, cap;
};

struct dimension {
    const char *name, *value;
};

/* One request's metrics, in its arena. */
struct recorder {
    struct cg_arena *arena;
    struct metric *metrics;
    size_t nmetrics, cap;
    struct dimension *dims;       /* MAX_APP_DIMENSIONS, allocated by the first */
    size_t ndims;
};

struct route_line;                /* metrics_emf.c */

struct metrics {
    const struct cg_app *app;
    char *namespace_;
    char *service;
    char *function_name;          /* for ColdStart; NULL off Lambda */
    bool route_metrics;
    void (*write)(void *arg, cg_str line);
    void *write_arg;
    /* cg__metrics_prepare: ColdStart's directive with its comma; what ends
     * the directives and begins the members, with and without the route
     * metrics' directive: [<route directive>]},"service":"..","route": */
    struct cg_buf cold_directive, tail_with_routes, tail_without;
    /* The line of a request with the route metrics alone, but for its
     * numbers, per route and method: made by the first such request, then
     * shared by every thread (written once, never changed). */
    _Atomic(struct route_line *) route_lines[ROUTE_LINES];
};

/* What the documents of one request say besides the app's metrics. */
struct emission {
    struct metrics *m;            /* route_lines fill as requests come */
    const struct recorder *rec;
    const struct cg_request *req;
    const struct cg_route *route; /* NULL: none matched */
    uint64_t timestamp_ms;
    uint64_t latency_us;
    int status;
    bool cold;                    /* ColdStart goes in the first document */
};

/* The unit's name in EMF, NULL for a value outside the enum. */
const char *cg__metric_unit_name(enum cg_metric_unit unit);

/* Write the parts of the documents that never change (at set-up). */
void cg__metrics_prepare(struct metrics *m);
/* Write out one request's documents. */
void cg__metrics_emit(const struct emission *e);
/* Free what cg__metrics_prepare and the requests made. */
void cg__metrics_free_text(struct metrics *m);

#endif
