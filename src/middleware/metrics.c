/* Metrics as CloudWatch embedded metric format documents (metrics.h).
 *
 * The middleware opens a recorder for the request on its thread (the whole
 * of cg_app_handle runs on one thread: a worker, a pool thread or the
 * Lambda poller), the handler's cg_metric calls fill it, and once the
 * response is made the recorder is written out as one JSON line, or
 * several when it exceeds EMF's limits: 100 metrics per directive and 100
 * values per metric.
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
#include <unistd.h>

#include "cgate/app.h"
#include "cgate/json.h"
#include "cgate/log.h"
#include "cgate/metrics.h"
#include "cgate/middleware.h"

enum {
    MAX_METRICS_PER_DIRECTIVE = 100, /* EMF: Metrics holds at most 100 definitions */
    MAX_VALUES_PER_METRIC = 100,     /* EMF: a member's array holds at most 100 values */
    MAX_DIMENSIONS = 30,             /* EMF: a dimension set holds at most 30 names */
    MAX_APP_DIMENSIONS = MAX_DIMENSIONS - 2, /* besides service and route */
    MAX_NAME = 255,
    MAX_DIMENSION_VALUE = 1024,
};

/* Room for a document with the route metrics and a few of the app's: the
 * line then never grows on the way. */
#define LINE_RESERVE 1024

/* CloudWatch takes values within ±2^360 (PutMetricData's rule). */
#define MAX_MAGNITUDE 0x1p360

static const char *const unit_names[] = {
    [CG_UNIT_NONE] = "None",
    [CG_UNIT_COUNT] = "Count",
    [CG_UNIT_PERCENT] = "Percent",
    [CG_UNIT_SECONDS] = "Seconds",
    [CG_UNIT_MILLISECONDS] = "Milliseconds",
    [CG_UNIT_MICROSECONDS] = "Microseconds",
    [CG_UNIT_BYTES] = "Bytes",
    [CG_UNIT_KILOBYTES] = "Kilobytes",
    [CG_UNIT_MEGABYTES] = "Megabytes",
    [CG_UNIT_GIGABYTES] = "Gigabytes",
    [CG_UNIT_TERABYTES] = "Terabytes",
    [CG_UNIT_BITS] = "Bits",
    [CG_UNIT_KILOBITS] = "Kilobits",
    [CG_UNIT_MEGABITS] = "Megabits",
    [CG_UNIT_GIGABITS] = "Gigabits",
    [CG_UNIT_TERABITS] = "Terabits",
    [CG_UNIT_BYTES_PER_SECOND] = "Bytes/Second",
    [CG_UNIT_KILOBYTES_PER_SECOND] = "Kilobytes/Second",
    [CG_UNIT_MEGABYTES_PER_SECOND] = "Megabytes/Second",
    [CG_UNIT_GIGABYTES_PER_SECOND] = "Gigabytes/Second",
    [CG_UNIT_TERABYTES_PER_SECOND] = "Terabytes/Second",
    [CG_UNIT_BITS_PER_SECOND] = "Bits/Second",
    [CG_UNIT_KILOBITS_PER_SECOND] = "Kilobits/Second",
    [CG_UNIT_MEGABITS_PER_SECOND] = "Megabits/Second",
    [CG_UNIT_GIGABITS_PER_SECOND] = "Gigabits/Second",
    [CG_UNIT_TERABITS_PER_SECOND] = "Terabits/Second",
    [CG_UNIT_COUNT_PER_SECOND] = "Count/Second",
};

/* Members of the document's root that the middleware writes itself: an
 * app's metric or dimension of the same name would collide with them. */
static const char *const reserved_names[] = {
    "_aws", "service", "route", "function_name", "ColdStart", "Requests", "Latency", "Errors4xx", "Errors5xx",
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

static _Thread_local struct recorder *current;

struct metrics {
    const struct cg_app *app;
    char *namespace_;
    char *service;
    char *function_name;          /* for ColdStart; NULL off Lambda */
    bool route_metrics;
    void (*write)(void *arg, cg_str line);
    void *write_arg;
    /* prepare_text: ColdStart's directive with its comma; what ends the
     * directives and begins the members, with and without the route
     * metrics' directive: [<route directive>]},"service":"..","route": */
    struct cg_buf cold_directive, tail_with_routes, tail_without;
};

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
                    : (unsigned)unit >= CG_LEN(unit_names)          ? "not a CloudWatch unit"
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

/* ---- writing ----
 *
 * What is the same in every document (the directives of the route metrics
 * and of ColdStart, the service member) is written once, at set-up
 * (prepare_text); a request adds its numbers, its route and its own
 * metrics. The buffer is written to directly: this runs on every request. */

/* What the documents of one request say besides the app's metrics. */
struct emission {
    const struct metrics *m;
    const struct recorder *rec;
    struct cg_buf *line;
    const struct cg_request *req;
    const struct cg_route *route; /* NULL: none matched */
    uint64_t timestamp_ms;
    uint64_t latency_us;
    int status;
    bool cold;                    /* ColdStart goes in the first document */
};

/* The app's metrics one document carries: value chunk `chunk` (values
 * chunk*100 and on) of the metrics idx[0..n). */
struct batch {
    size_t chunk;
    const size_t *idx;
    size_t n;
    bool builtins;                /* the route metrics and ColdStart too */
};

static void put_string(struct cg_buf *b, const char *s)
{
    cg_json_escape(b, cg_str_c(s));
}

/* ,"name":"Count"} of a metric definition, after {"Name": */
static void put_definition(struct cg_buf *b, const char *name, enum cg_metric_unit unit)
{
    cg_buf_puts(b, "{\"Name\":");
    put_string(b, name);
    cg_buf_puts(b, ",\"Unit\":\"");
    cg_buf_puts(b, unit_names[unit]);
    cg_buf_puts(b, "\"}");
}

/* {"Namespace":..,"Dimensions":[["service",<second>...]],"Metrics":[ */
static void put_directive_head(struct cg_buf *b, const struct metrics *m, const char *second)
{
    cg_buf_puts(b, "{\"Namespace\":");
    put_string(b, m->namespace_);
    cg_buf_puts(b, ",\"Dimensions\":[[\"service\",");
    put_string(b, second);
}

static void prepare_text(struct metrics *m)
{
    struct cg_buf b;
    cg_buf_init(&b, NULL);
    put_directive_head(&b, m, "function_name");
    cg_buf_puts(&b, "]],\"Metrics\":[");
    put_definition(&b, "ColdStart", CG_UNIT_COUNT);
    cg_buf_puts(&b, "]},");
    m->cold_directive = b;
    cg_buf_init(&b, NULL);
    cg_buf_puts(&b, "]},\"service\":");
    put_string(&b, m->service);
    cg_buf_puts(&b, ",\"route\":");
    m->tail_without = b;
    cg_buf_init(&b, NULL);
    put_directive_head(&b, m, "route");
    cg_buf_puts(&b, "]],\"Metrics\":[");
    put_definition(&b, "Requests", CG_UNIT_COUNT);
    cg_buf_putc(&b, ',');
    put_definition(&b, "Latency", CG_UNIT_MILLISECONDS);
    cg_buf_putc(&b, ',');
    put_definition(&b, "Errors4xx", CG_UNIT_COUNT);
    cg_buf_putc(&b, ',');
    put_definition(&b, "Errors5xx", CG_UNIT_COUNT);
    cg_buf_puts(&b, "]}");
    cg_buf_append_str(&b, cg_buf_str(&m->tail_without));
    m->tail_with_routes = b;
}

/* The decimal digits of v, at least `width` of them, two at a time:
 * snprintf would cost more than the rest of the line. */
static void put_uint(struct cg_buf *b, uint64_t v, int width)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                "8081828384858687888990919293949596979899";
    char digits[20];
    int n = 0;
    for (; v >= 100; v /= 100, n += 2)
        memcpy(digits + sizeof digits - 2 - n, pairs + 2 * (v % 100), 2);
    if (v >= 10) {
        memcpy(digits + sizeof digits - 2 - n, pairs + 2 * v, 2);
        n += 2;
    } else {
        digits[sizeof digits - 1 - n++] = (char)('0' + v);
    }
    for (; n < width; n++)
        digits[sizeof digits - 1 - n] = '0';
    cg_buf_append(b, digits + sizeof digits - n, (size_t)n);
}

static void put_app_directive(struct cg_buf *b, const struct emission *e, const struct batch *bt)
{
    put_directive_head(b, e->m, "route");
    for (size_t i = 0; i < e->rec->ndims; i++) {
        cg_buf_putc(b, ',');
        put_string(b, e->rec->dims[i].name);
    }
    cg_buf_puts(b, "]],\"Metrics\":[");
    for (size_t i = 0; i < bt->n; i++) {
        const struct metric *mt = &e->rec->metrics[bt->idx[i]];
        if (i)
            cg_buf_putc(b, ',');
        put_definition(b, mt->name, mt->unit);
    }
    cg_buf_puts(b, "]},");
}

/* A metric's values of this chunk: a number, or an array of up to 100. */
static void put_values(struct cg_buf *b, const struct metric *mt, size_t chunk)
{
    size_t first = chunk * MAX_VALUES_PER_METRIC;
    size_t n = mt->nvalues - first < MAX_VALUES_PER_METRIC ? mt->nvalues - first : MAX_VALUES_PER_METRIC;
    cg_buf_putc(b, ',');
    put_string(b, mt->name);
    cg_buf_putc(b, ':');
    if (n > 1)
        cg_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            cg_buf_putc(b, ',');
        cg_json_format_double(b, mt->values[first + i]);
    }
    if (n > 1)
        cg_buf_putc(b, ']');
}

static void put_builtin_members(struct cg_buf *b, const struct emission *e)
{
    if (e->cold) {
        cg_buf_append_str(b, CG_STR(",\"function_name\":"));
        put_string(b, e->m->function_name);
        cg_buf_append_str(b, CG_STR(",\"ColdStart\":1"));
    }
    if (!e->m->route_metrics)
        return;
    cg_buf_append_str(b, CG_STR(",\"Requests\":1,\"Latency\":"));
    put_uint(b, e->latency_us / 1000, 1);
    cg_buf_putc(b, '.');
    put_uint(b, e->latency_us % 1000, 3);
    cg_buf_append_str(b, e->status >= 400 && e->status < 500 ? CG_STR(",\"Errors4xx\":1") : CG_STR(",\"Errors4xx\":0"));
    cg_buf_append_str(b, e->status >= 500 ? CG_STR(",\"Errors5xx\":1") : CG_STR(",\"Errors5xx\":0"));
}

/* Whether s can go between quotes as it is: printable ASCII, no quote or
 * backslash. Route templates always can, and are written without the cost
 * of the escaper. */
static bool plain_json(cg_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < 0x20 || s.ptr[i] >= 0x7f || s.ptr[i] == '"' || s.ptr[i] == '\\')
            return false;
    return true;
}

/* "GET /api/items/{item_id}"; "GET (no route)" when nothing matched. */
static void put_route(struct cg_buf *b, const struct emission *e)
{
    cg_str method = e->req->method, path = cg_str_c(e->route ? e->route->path : "(no route)");
    if (!plain_json(method) || !plain_json(path)) {
        cg_json_escape(b, cg_arena_printf(e->rec->arena, "%.*s %s", (int)method.len, method.ptr, path.ptr));
        return;
    }
    cg_buf_putc(b, '"');
    cg_buf_append_str(b, method);
    cg_buf_putc(b, ' ');
    cg_buf_append_str(b, path);
    cg_buf_putc(b, '"');
}

/* One write(2) per line, so that lines of several threads never mix. */
static void write_stdout(cg_str line)
{
    while (line.len) {
        ssize_t n = write(STDOUT_FILENO, line.ptr, line.len);
        if (n <= 0)
            return; /* a closed stdout: metrics are lost, the request is not */
        line.ptr += n;
        line.len -= (size_t)n;
    }
}

static void write_document(const struct emission *e, const struct batch *bt)
{
    const struct metrics *m = e->m;
    struct cg_buf *b = e->line;
    b->len = 0;
    cg_buf_append_str(b, CG_STR("{\"_aws\":{\"Timestamp\":"));
    put_uint(b, e->timestamp_ms, 1);
    cg_buf_append_str(b, CG_STR(",\"CloudWatchMetrics\":["));
    if (bt->n)
        put_app_directive(b, e, bt);
    if (bt->builtins && e->cold)
        cg_buf_append_str(b, cg_buf_str(&m->cold_directive));
    if (bt->builtins && m->route_metrics) {
        cg_buf_append_str(b, cg_buf_str(&m->tail_with_routes));
    } else {
        b->len--; /* the last directive's comma */
        cg_buf_append_str(b, cg_buf_str(&m->tail_without));
    }
    put_route(b, e);
    for (size_t i = 0; i < e->rec->ndims; i++) {
        cg_buf_putc(b, ',');
        put_string(b, e->rec->dims[i].name);
        cg_buf_putc(b, ':');
        put_string(b, e->rec->dims[i].value);
    }
    if (bt->builtins)
        put_builtin_members(b, e);
    for (size_t i = 0; i < bt->n; i++)
        put_values(b, &e->rec->metrics[bt->idx[i]], bt->chunk);
    cg_buf_putc(b, '}');
    if (m->write) {
        m->write(m->write_arg, cg_buf_str(b));
        return;
    }
    cg_buf_putc(b, '\n');
    write_stdout(cg_buf_str(b));
}

/* The indexes of the metrics with values in chunk `chunk`. */
static size_t metrics_in_chunk(const struct recorder *r, size_t chunk, size_t *idx)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nmetrics; i++)
        if (r->metrics[i].nvalues > chunk * MAX_VALUES_PER_METRIC)
            idx[n++] = i;
    return n;
}

static void emit(const struct emission *e)
{
    bool builtins_left = e->m->route_metrics || e->cold;
    size_t *idx = cg_arena_alloc(e->rec->arena, (e->rec->nmetrics + 1) * sizeof *idx);
    for (size_t chunk = 0;; chunk++) {
        size_t n = metrics_in_chunk(e->rec, chunk, idx);
        if (n == 0 && !builtins_left)
            return;
        size_t first = 0;
        do {
            size_t count = n - first < MAX_METRICS_PER_DIRECTIVE ? n - first : MAX_METRICS_PER_DIRECTIVE;
            write_document(e, &(struct batch){ chunk, idx + first, count, builtins_left });
            builtins_left = false;
            first += count;
        } while (first < n);
    }
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
    const struct metrics *m = state;
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
    struct cg_buf line;
    cg_buf_init(&line, req->arena);
    cg_buf_reserve(&line, LINE_RESERVE);
    emit(&(struct emission){
        .m = m,
        .rec = &rec,
        .line = &line,
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
    cg_buf_free(&m->cold_directive);
    cg_buf_free(&m->tail_with_routes);
    cg_buf_free(&m->tail_without);
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
    prepare_text(m);
    if (cg_app_use(app, &(struct cg_middleware){ "metrics", handle, m, free_metrics }) != 0) {
        free_metrics(m);
        return -1;
    }
    return 0;
}
