/* Metrics as CloudWatch embedded metric format documents (metrics.h).
 *
 * The middleware opens a recorder for the request on its thread (the whole
 * of cg_app_handle runs on one thread: a worker, a pool thread or the
 * Lambda poller), the handler's cg_metric calls fill it, and once the
 * response is made the recorder is written out (metrics_emf.c) as one JSON
 * line, or several when it exceeds EMF's limits: 100 metrics per directive
 * and 100 values per metric.
 *
 *   {"_aws":{"Timestamp":1765100000000,"CloudWatchMetrics":[
 *      {"Namespace":"shop","Dimensions":[["service","route"]],
 *       "Metrics":[{"Name":"ItemsCreated","Unit":"Count"}]}]},
 *    "service":"items","route":"POST /api/items","ItemsCreated":1}
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgate/log.h"
#include "cgate/middleware.h"
#include "metrics_internal.h"

/* CloudWatch takes values within ±2^360 (PutMetricData's rule). */
#define MAX_MAGNITUDE 0x1p360

/* Members of the document's root that the middleware writes itself: an
 * app's metric or dimension of the same name would collide with them. */
static const char *const reserved_names[] = {
    "_aws", "service", "route", "function_name", "ColdStart", "Requests", "Latency", "Errors4xx", "Errors5xx",
};

static _Thread_local struct recorder *current;

/* ---- recording ---- */

/* 1..max bytes without control characters: what CloudWatch takes as a
 * name or a dimension value, and what a JSON key needs no care for. */
static bool printable(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool reserved(const char *name)
{
    for (size_t i = 0; i < CG_LEN(reserved_names); i++)
        if (strcmp(name, reserved_names[i]) == 0)
            return true;
    return false;
}

static struct metric *find_metric(struct recorder *r, const char *name)
{
    for (size_t i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metrics[i].name, name) == 0)
            return &r->metrics[i];
    return NULL;
}

static struct dimension *find_dimension(struct recorder *r, const char *name)
{
    for (size_t i = 0; i < r->ndims; i++)
        if (strcmp(r->dims[i].name, name) == 0)
            return &r->dims[i];
    return NULL;
}

/* Grow an arena array of `size`-byte elements to hold one more. */
static void *grow(struct cg_arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t new_cap = *cap ? *cap * 2 : 8;
    void *bigger = cg_arena_alloc(a, new_cap * size);
    if (n)
        memcpy(bigger, items, n * size);
    *cap = new_cap;
    return bigger;
}

static const char *arena_copy(struct cg_arena *a, const char *s)
{
    return cg_arena_strdup(a, cg_str_c(s)).ptr;
}

static struct metric *new_metric(struct recorder *r, const char *name, enum cg_metric_unit unit)
{
    r->metrics = grow(r->arena, r->metrics, r->nmetrics, &r->cap, sizeof *r->metrics);
    struct metric *m = &r->metrics[r->nmetrics++];
    *m = (struct metric){ .name = arena_copy(r->arena, name), .unit = unit };
    return m;
}

void cg_metric(struct cg_ctx *c, const char *name, double value, enum cg_metric_unit unit)
{
    (void)c;
    struct recorder *r = current;
    if (!r)
        return; /* metrics are off */
    const char *why = !printable(name, MAX_NAME)                   ? "a name is 1 to 255 characters, no control ones"
                    : reserved(name)                               ? "the name is one of the middleware's own members"
                    : find_dimension(r, name)                      ? "a dimension has that name"
                    : !cg__metric_unit_name(unit)                   ? "not a CloudWatch unit"
                    : !isfinite(value) || fabs(value) > MAX_MAGNITUDE ? "CloudWatch takes finite values within 2^360"
                                                                     : NULL;
    struct metric *m = why ? NULL : find_metric(r, name);
    if (!why && m && m->unit != unit)
        why = "the metric has another unit in this request";
    if (why) {
        cg_warn("metric %s dropped: %s", name ? name : "(null)", why);
        return;
    }
    if (!m)
        m = new_metric(r, name, unit);
    m->values = grow(r->arena, m->values, m->nvalues, &m->cap, sizeof *m->values);
    m->values[m->nvalues++] = value;
}

void cg_metric_dimension(struct cg_ctx *c, const char *name, const char *value)
{
    (void)c;
    struct recorder *r = current;
    if (!r)
        return;
    struct dimension *d = find_dimension(r, name);
    const char *why = !printable(name, MAX_NAME)                  ? "a name is 1 to 255 characters, no control ones"
                    : !printable(value, MAX_DIMENSION_VALUE)      ? "a value is 1 to 1024 characters, no control ones"
                    : reserved(name)                              ? "the name is one of the middleware's own members"
                    : find_metric(r, name)                        ? "a metric has that name"
                    : !d && r->ndims == MAX_APP_DIMENSIONS        ? "a dimension set holds 30 names, service and route included"
                                                                  : NULL;
    if (why) {
        cg_warn("metric dimension %s dropped: %s", name ? name : "(null)", why);
        return;
    }
    if (!d) {
        if (!r->dims)
            r->dims = cg_arena_alloc(r->arena, MAX_APP_DIMENSIONS * sizeof *r->dims);
        d = &r->dims[r->ndims++];
        d->name = arena_copy(r->arena, name);
    }
    d->value = arena_copy(r->arena, value);
}

/* ---- the middleware ---- */

static uint64_t clock_us(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void handle(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    struct metrics *m = state;
    struct recorder rec = { .arena = req->arena };
    struct recorder *outer = current;
    current = &rec;
    uint64_t start = clock_us(CLOCK_MONOTONIC);
    cg_next(next, req, res);
    uint64_t latency = clock_us(CLOCK_MONOTONIC) - start;
    current = outer;
    bool cold = req->cold_start && m->function_name;
    if (!rec.nmetrics && !m->route_metrics && !cold)
        return;
    cg__metrics_emit(&(struct emission){
        .m = m,
        .rec = &rec,
        .req = req,
        .route = cg_app_route_of(m->app, req),
        .timestamp_ms = clock_us(CLOCK_REALTIME) / 1000,
        .latency_us = latency,
        .status = res->status,
        .cold = cold,
    });
}

static void free_metrics(void *state)
{
    struct metrics *m = state;
    free(m->namespace_);
    free(m->service);
    free(m->function_name);
    cg__metrics_free_text(m);
    free(m);
}

/* The first environment variable of `vars` that is set, else fallback:
 * the deployment overrides what the app's code chose. */
static const char *setting(const char *const *vars, const char *fallback)
{
    for (; *vars; vars++) {
        const char *v = getenv(*vars);
        if (v && *v)
            return v;
    }
    return fallback && *fallback ? fallback : NULL;
}

/* A heap copy of s (NULL stays NULL); out of memory aborts. */
static char *copy(const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s && !c)
        cg_oom();
    return c;
}

int cg_app_use_metrics(struct cg_app *app, const struct cg_metrics_opts *opts)
{
    static const struct cg_metrics_opts none;
    opts = opts ? opts : &none;
    const char *ns = setting((const char *const[]){ "CG_METRICS_NAMESPACE", "POWERTOOLS_METRICS_NAMESPACE", NULL },
                             opts->namespace_);
    if (!ns)
        return cg_app_fail(app, "metrics: no namespace: set CG_METRICS_NAMESPACE (or POWERTOOLS_METRICS_NAMESPACE, "
                                "or the app's namespace_ option)");
    if (!printable(ns, MAX_NAME))
        return cg_app_fail(app, "metrics: the namespace \"%s\" (CG_METRICS_NAMESPACE) is not 1 to 255 characters "
                                "without control ones", ns);
    const char *service = setting((const char *const[]){ "CG_SERVICE_NAME", "POWERTOOLS_SERVICE_NAME", NULL },
                                  opts->service);
    service = service ? service : setting((const char *const[]){ "AWS_LAMBDA_FUNCTION_NAME", NULL },
                                          cg_app_options(app)->title);
    if (!printable(service, MAX_DIMENSION_VALUE))
        return cg_app_fail(app, "metrics: the service name \"%s\" (CG_SERVICE_NAME) is not 1 to 1024 characters "
                                "without control ones", service);
    struct metrics *m = calloc(1, sizeof *m);
    if (!m)
        cg_oom();
    *m = (struct metrics){
        .app = app,
        .namespace_ = copy(ns),
        .service = copy(service),
        .function_name = copy(setting((const char *const[]){ "AWS_LAMBDA_FUNCTION_NAME", NULL }, NULL)),
        .route_metrics = opts->route_metrics,
        .write = opts->write,
        .write_arg = opts->write_arg,
    };
    cg__metrics_prepare(m);
    if (cg_app_use(app, &(struct cg_middleware){ "metrics", handle, m, free_metrics }) != 0) {
        free_metrics(m);
        return -1;
    }
    return 0;
}

