/* The embedded metric format documents of the metrics middleware
 * (metrics.c records, this writes).
 *
 * What is the same in every document (the directives of the route metrics
 * and of ColdStart, the service member) is written once, at set-up
 * (cg__metrics_prepare); a request adds its numbers, its route and its own
 * metrics. A request with the route metrics alone, the common case, goes
 * faster still: the whole line but its three numbers is made once per
 * route and method (route_line_of), and the request copies it around them.
 * This runs on every request: buffers are written to directly, numbers
 * formatted by hand. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgate/json.h"
#include "cgate/log.h"
#include "metrics_internal.h"

/* Room for a document with the route metrics and a few of the app's: the
 * line then never grows on the way. */
#define LINE_RESERVE 1024

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

const char *cg__metric_unit_name(enum cg_metric_unit unit)
{
    return (unsigned)unit < CG_LEN(unit_names) ? unit_names[unit] : NULL;
}

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

void cg__metrics_prepare(struct metrics *m)
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

/* The decimal digits of v, at least `width` of them, two at a time, at
 * out; returns how many. snprintf would cost more than the rest of the line. */
static size_t format_uint(char *out, uint64_t v, int width)
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
    memcpy(out, digits + sizeof digits - n, (size_t)n);
    return (size_t)n;
}

/* Microseconds as milliseconds with three decimals: 1.234, 0.075. The
 * digits of the microseconds, at least four, with the point put in. */
static size_t format_latency(char *out, uint64_t us)
{
    size_t n = format_uint(out, us, 4);
    memmove(out + n - 2, out + n - 3, 3);
    out[n - 3] = '.';
    return n + 1;
}

/* Milliseconds since the epoch. The seconds' digits change once a second:
 * each thread keeps them, and writes the milliseconds alone, always three
 * digits. */
static size_t format_timestamp(char *out, uint64_t ms)
{
    static _Thread_local uint64_t seconds = UINT64_MAX;
    static _Thread_local char digits[20];
    static _Thread_local size_t len;
    if (ms / 1000 != seconds) {
        seconds = ms / 1000;
        len = format_uint(digits, seconds, 1);
    }
    memcpy(out, digits, len);
    unsigned millis = (unsigned)(ms % 1000);
    out[len] = (char)('0' + millis / 100);
    out[len + 1] = (char)('0' + millis / 10 % 10);
    out[len + 2] = (char)('0' + millis % 10);
    return len + 3;
}

enum { MAX_NUMBER = 24 }; /* the longest format_uint or format_latency text */

static void put_timestamp(struct cg_buf *b, uint64_t ms)
{
    b->len += format_timestamp(cg_buf_reserve(b, MAX_NUMBER), ms);
}

static void put_latency(struct cg_buf *b, uint64_t us)
{
    b->len += format_latency(cg_buf_reserve(b, MAX_NUMBER), us);
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

/* The error counts of a response's status, as members. */
static cg_str error_members(int status)
{
    return status >= 500   ? CG_STR(",\"Errors4xx\":0,\"Errors5xx\":1")
         : status >= 400   ? CG_STR(",\"Errors4xx\":1,\"Errors5xx\":0")
                           : CG_STR(",\"Errors4xx\":0,\"Errors5xx\":0");
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
    put_latency(b, e->latency_us);
    cg_buf_append_str(b, error_members(e->status));
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

/* Hand a document to the app's writer, or to stdout as a line: `doc` has
 * room for its newline. */
static void write_line(const struct metrics *m, char *doc, size_t len)
{
    if (m->write) {
        m->write(m->write_arg, (cg_str){ doc, len });
        return;
    }
    doc[len] = '\n';
    write_stdout((cg_str){ doc, len + 1 });
}

#define DOCUMENT_OPEN "{\"_aws\":{\"Timestamp\":"

static void write_document(const struct emission *e, const struct batch *bt, struct cg_buf *b)
{
    const struct metrics *m = e->m;
    b->len = 0;
    cg_buf_puts(b, DOCUMENT_OPEN);
    put_timestamp(b, e->timestamp_ms);
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
    cg_buf_reserve(b, 1); /* the newline */
    write_line(m, b->data, b->len);
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

/* Any request's documents: the app's metrics in batches within EMF's
 * limits, the built-in members in the first. */
static void emit_documents(const struct emission *e)
{
    struct cg_buf line;
    cg_buf_init(&line, e->rec->arena);
    cg_buf_reserve(&line, LINE_RESERVE);
    bool builtins_left = e->m->route_metrics || e->cold;
    size_t *idx = cg_arena_alloc(e->rec->arena, (e->rec->nmetrics + 1) * sizeof *idx);
    for (size_t chunk = 0;; chunk++) {
        size_t n = metrics_in_chunk(e->rec, chunk, idx);
        if (n == 0 && !builtins_left)
            return;
        size_t first = 0;
        do {
            size_t count = n - first < MAX_METRICS_PER_DIRECTIVE ? n - first : MAX_METRICS_PER_DIRECTIVE;
            write_document(e, &(struct batch){ chunk, idx + first, count, builtins_left }, &line);
            builtins_left = false;
            first += count;
        } while (first < n);
    }
}

/* ---- the line of a request with the route metrics alone ---- */

/* Everything between the timestamp and the latency:
 * ,"CloudWatchMetrics":[..]},"service":"..","route":"GET /x","Requests":1,"Latency": */
struct route_line {
    const struct cg_route *route;
    unsigned method_id;
    size_t len;
    char middle[];
};

enum { ROUTE_LINE_PROBES = 8 }; /* slots tried before a line is made per request */

static struct route_line *make_route_line(const struct emission *e)
{
    struct cg_buf b;
    cg_buf_init(&b, NULL);
    cg_buf_append_str(&b, CG_STR(",\"CloudWatchMetrics\":["));
    cg_buf_append_str(&b, cg_buf_str(&e->m->tail_with_routes));
    put_route(&b, e);
    cg_buf_append_str(&b, CG_STR(",\"Requests\":1,\"Latency\":"));
    struct route_line *l = malloc(sizeof *l + b.len);
    if (!l)
        cg_oom();
    *l = (struct route_line){ .route = e->route, .method_id = e->req->method_id, .len = b.len };
    memcpy(l->middle, b.data, b.len);
    cg_buf_free(&b);
    return l;
}

/* The line of the request's route and method, made by the first request
 * that needs it; NULL when the slots it may take hold other routes. */
static const struct route_line *route_line_of(const struct emission *e)
{
    uintptr_t h = ((uintptr_t)e->route >> 4) ^ ((uintptr_t)e->route >> 12) ^ e->req->method_id;
    for (size_t i = 0; i < ROUTE_LINE_PROBES; i++) {
        _Atomic(struct route_line *) *slot = &e->m->route_lines[(h + i) % ROUTE_LINES];
        struct route_line *l = atomic_load_explicit(slot, memory_order_acquire);
        if (!l) {
            struct route_line *made = make_route_line(e);
            if (atomic_compare_exchange_strong_explicit(slot, &l, made, memory_order_acq_rel,
                                                        memory_order_acquire))
                return made;
            free(made); /* another thread filled the slot first: l is its line */
        }
        if (l->route == e->route && l->method_id == e->req->method_id)
            return l;
    }
    return NULL;
}

/* The document in one go: 3 numbers around the route's ready line. */
static bool emit_route_line(const struct emission *e)
{
    const struct route_line *l = route_line_of(e);
    char doc[LINE_RESERVE];
    cg_str errors = error_members(e->status);
    if (!l || sizeof DOCUMENT_OPEN + 2 * MAX_NUMBER + l->len + errors.len + 2 > sizeof doc)
        return false;
    char *p = doc;
    memcpy(p, DOCUMENT_OPEN, sizeof DOCUMENT_OPEN - 1);
    p += sizeof DOCUMENT_OPEN - 1;
    p += format_timestamp(p, e->timestamp_ms);
    memcpy(p, l->middle, l->len);
    p += l->len;
    p += format_latency(p, e->latency_us);
    memcpy(p, errors.ptr, errors.len);
    p += errors.len;
    *p++ = '}';
    write_line(e->m, doc, (size_t)(p - doc));
    return true;
}

void cg__metrics_emit(const struct emission *e)
{
    bool route_metrics_alone = e->m->route_metrics && !e->cold && !e->rec->nmetrics && !e->rec->ndims && e->route;
    if (route_metrics_alone && emit_route_line(e))
        return;
    emit_documents(e);
}

void cg__metrics_free_text(struct metrics *m)
{
    cg_buf_free(&m->cold_directive);
    cg_buf_free(&m->tail_with_routes);
    cg_buf_free(&m->tail_without);
    for (size_t i = 0; i < ROUTE_LINES; i++)
        free(atomic_load_explicit(&m->route_lines[i], memory_order_relaxed));
}
