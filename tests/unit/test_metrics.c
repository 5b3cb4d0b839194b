/* Metrics in CloudWatch's embedded metric format: every line the
 * middleware writes is checked against the specification's rules
 * (check_document), then for what it says. */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"

enum { MAX_LINES = 512 };

static struct cg_arena *arena;
static cg_str lines[MAX_LINES];
static size_t nlines;

static void keep_line(void *arg, cg_str line)
{
    (void)arg;
    cr_assert_lt(nlines, MAX_LINES);
    lines[nlines++] = cg_arena_strdup(arena, line);
}

static void setup(void)
{
    arena = cg_arena_new();
    nlines = 0;
    unsetenv("CG_METRICS_NAMESPACE");
    unsetenv("POWERTOOLS_METRICS_NAMESPACE");
    unsetenv("CG_SERVICE_NAME");
    unsetenv("POWERTOOLS_SERVICE_NAME");
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(metrics, .init = setup, .fini = teardown);

/* ---- the specification's rules ---- */

static const char *const units[] = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
};

static bool is_unit(cg_str u)
{
    for (size_t i = 0; i < CG_LEN(units); i++)
        if (cg_str_eq_c(u, units[i]))
            return true;
    return false;
}

static const struct cg_json_value *root_member(const struct cg_json_value *doc, cg_str name)
{
    for (size_t i = 0; i < doc->len; i++)
        if (cg_str_eq(doc->items[i].key, name))
            return &doc->items[i];
    return NULL;
}

static void check_directive(const struct cg_json_value *doc, const struct cg_json_value *d)
{
    cg_str ns = cg_json_as_str(cg_json_member(d, "Namespace"));
    cr_assert(ns.len >= 1 && ns.len <= 255);
    const struct cg_json_value *sets = cg_json_member(d, "Dimensions");
    cr_assert(sets && sets->type == CG_JSON_ARRAY);
    for (size_t s = 0; s < sets->len; s++) {
        const struct cg_json_value *set = &sets->items[s];
        cr_assert(set->type == CG_JSON_ARRAY && set->len <= 30, "a dimension set holds at most 30 names");
        for (size_t k = 0; k < set->len; k++) {
            const struct cg_json_value *v = root_member(doc, cg_json_as_str(&set->items[k]));
            cr_assert(v && v->type == CG_JSON_STRING, "a dimension names a string member of the root");
        }
    }
    const struct cg_json_value *metrics = cg_json_member(d, "Metrics");
    cr_assert(metrics && metrics->type == CG_JSON_ARRAY && metrics->len <= 100, "at most 100 metrics");
    for (size_t i = 0; i < metrics->len; i++) {
        const struct cg_json_value *def = &metrics->items[i];
        cg_str name = cg_json_as_str(cg_json_member(def, "Name"));
        cr_assert(name.len >= 1 && name.len <= 255);
        cr_assert(is_unit(cg_json_as_str(cg_json_member(def, "Unit"))));
        const struct cg_json_value *v = root_member(doc, name);
        cr_assert(v, "metric %.*s has no member", (int)name.len, name.ptr);
        if (v->type == CG_JSON_ARRAY) {
            cr_assert(v->len >= 1 && v->len <= 100, "at most 100 values");
            for (size_t k = 0; k < v->len; k++)
                cr_assert(v->items[k].type == CG_JSON_NUMBER);
        } else {
            cr_assert(v->type == CG_JSON_NUMBER);
        }
    }
}

/* Line i, checked: one JSON object, _aws with an integer Timestamp and
 * directives whose dimensions and metrics the root carries. */
static const struct cg_json_value *check_document(size_t i)
{
    const struct cg_json_value *doc = cg_json_parse(arena, lines[i], 32, NULL);
    cr_assert(doc && doc->type == CG_JSON_OBJECT, "%s", lines[i].ptr);
    const struct cg_json_value *aws = cg_json_member(doc, "_aws");
    cr_assert(aws && aws->type == CG_JSON_OBJECT);
    const struct cg_json_value *ts = cg_json_member(aws, "Timestamp");
    int64_t ms;
    cr_assert(cg_json_as_int(ts, &ms) && ms > 1700000000000, "Timestamp: milliseconds since the epoch");
    const struct cg_json_value *directives = cg_json_member(aws, "CloudWatchMetrics");
    cr_assert(directives && directives->type == CG_JSON_ARRAY && directives->len >= 1);
    for (size_t d = 0; d < directives->len; d++)
        check_directive(doc, &directives->items[d]);
    return doc;
}

static bool has(cg_str text, const char *part)
{
    return memmem(text.ptr, text.len, part, strlen(part)) != NULL;
}

/* ---- an app ---- */

static int hello(struct cg_ctx *c)
{
    return cg_send_text(c, 200, CG_STR("hello"));
}

static int created(struct cg_ctx *c)
{
    cg_metric_dimension(c, "tenant", "acme");
    cg_metric(c, "ItemsCreated", 1, CG_UNIT_COUNT);
    cg_metric(c, "PayloadBytes", 120, CG_UNIT_BYTES);
    cg_metric(c, "PayloadBytes", 80.5, CG_UNIT_BYTES);
    return cg_send_empty(c, 201);
}

/* 250 values of one metric and 150 metrics of one value. */
static int many(struct cg_ctx *c)
{
    for (int i = 0; i < 250; i++)
        cg_metric(c, "Sample", i, CG_UNIT_MILLISECONDS);
    for (int i = 0; i < 150; i++)
        cg_metric(c, cg_arena_printf(cg_arena(c), "M%03d", i).ptr, i, CG_UNIT_COUNT);
    return cg_send_empty(c, 204);
}

static int bad(struct cg_ctx *c)
{
    cg_metric(c, "Nan", NAN, CG_UNIT_COUNT);
    cg_metric(c, "Huge", 1e300, CG_UNIT_COUNT);
    cg_metric(c, "", 1, CG_UNIT_COUNT);
    cg_metric(c, "Requests", 1, CG_UNIT_COUNT);
    cg_metric(c, "Kept", 1, CG_UNIT_COUNT);
    cg_metric(c, "Kept", 2, CG_UNIT_SECONDS);
    cg_metric(c, "Bad\nName", 1, CG_UNIT_COUNT);
    cg_metric(c, "BadUnit", 1, (enum cg_metric_unit)99);
    for (int i = 0; i < 40; i++)
        cg_metric_dimension(c, cg_arena_printf(cg_arena(c), "d%d", i).ptr, "v");
    cg_metric_dimension(c, "Kept", "clash");
    return cg_send_empty(c, 204);
}

static int fails(struct cg_ctx *c)
{
    cg_metric(c, "Attempted", 1, CG_UNIT_COUNT);
    return cg_fail(c, "on purpose");
}

static const struct cg_route routes[] = {
    CG_GET("/hello", hello), CG_POST("/items", created), CG_GET("/many", many),
    CG_GET("/bad", bad),     CG_GET("/fails", fails),
};

static struct cg_app *app_with(bool route_metrics)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "Shop" });
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_use_metrics(app, &(struct cg_metrics_opts){ .namespace_ = "ShopApp",
                                                                      .route_metrics = route_metrics,
                                                                      .write = keep_line }),
                 0);
    return app;
}

static void call(struct cg_app *app, const char *method, const char *path)
{
    struct cg_test *t = cg_test_new(app);
    struct cg_test_response *r = cg_test_request(t, &(struct cg_test_req){ .method = method, .path = path });
    cr_assert(r->status > 0, "%s %s: %s", method, path, r->body.ptr);
    cg_test_free(t);
}

static void done(struct cg_app *app)
{
    cg_app_stop(app);
    cg_app_free(app);
}

Test(metrics, route_metrics_are_one_document_per_request)
{
    struct cg_app *app = app_with(true);
    call(app, "GET", "/hello");
    call(app, "GET", "/nowhere");
    call(app, "GET", "/fails");
    cr_assert_eq(nlines, 3);
    for (size_t i = 0; i < nlines; i++)
        check_document(i);
    cr_assert(has(lines[0], "\"service\":\"Shop\",\"route\":\"GET /hello\""), "%s", lines[0].ptr);
    cr_assert(has(lines[0], "\"Requests\":1,\"Latency\":"), "%s", lines[0].ptr);
    cr_assert(has(lines[0], "\"Errors4xx\":0,\"Errors5xx\":0"), "%s", lines[0].ptr);
    cr_assert(has(lines[1], "\"route\":\"GET (no route)\""), "%s", lines[1].ptr);
    cr_assert(has(lines[1], "\"Errors4xx\":1,\"Errors5xx\":0"), "%s", lines[1].ptr);
    cr_assert(has(lines[2], "\"Errors4xx\":0,\"Errors5xx\":1"), "%s", lines[2].ptr);
    cr_assert(has(lines[2], "\"Attempted\":1.0"), "a failed request keeps its metrics: %s", lines[2].ptr);
    done(app);
}

static bool ends_with(const struct cg_buf *b, const char *suffix)
{
    size_t n = strlen(suffix);
    return b->len >= n && memcmp(b->data + b->len - n, suffix, n) == 0;
}

/* The line with its timestamp and latency as N. */
static const char *masked(cg_str line)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    for (size_t i = 0; i < line.len; i++) {
        cg_buf_putc(&b, line.ptr[i]);
        if (ends_with(&b, "\"Timestamp\":") || ends_with(&b, "\"Latency\":")) {
            cg_buf_putc(&b, 'N');
            while (i + 1 < line.len && (line.ptr[i + 1] == '.' || (line.ptr[i + 1] >= '0' && line.ptr[i + 1] <= '9')))
                i++;
        }
    }
    cg_buf_putc(&b, '\0');
    return b.data;
}

/* A request with the route metrics alone is written from its route's
 * ready line: the same bytes as any other request's document. */
Test(metrics, route_lines_are_the_documents_any_request_gets)
{
    static const char head[] = "{\"_aws\":{\"Timestamp\":N,\"CloudWatchMetrics\":[{\"Namespace\":\"ShopApp\","
                               "\"Dimensions\":[[\"service\",\"route\"]],\"Metrics\":[{\"Name\":\"Requests\","
                               "\"Unit\":\"Count\"},{\"Name\":\"Latency\",\"Unit\":\"Milliseconds\"},{\"Name\":"
                               "\"Errors4xx\",\"Unit\":\"Count\"},{\"Name\":\"Errors5xx\",\"Unit\":\"Count\"}]}]},"
                               "\"service\":\"Shop\",\"route\":";
    struct cg_app *app = app_with(true);
    call(app, "GET", "/hello");
    call(app, "POST", "/items"); /* the app's metrics: not from a ready line */
    call(app, "GET", "/hello");
    call(app, "HEAD", "/hello");
    call(app, "GET", "/nowhere");
    cr_assert_eq(nlines, 5);
    const char *hello = cg_arena_printf(arena, "%s\"GET /hello\",\"Requests\":1,\"Latency\":N,"
                                               "\"Errors4xx\":0,\"Errors5xx\":0}", head).ptr;
    cr_assert_str_eq(masked(lines[0]), hello);
    cr_assert_str_eq(masked(lines[2]), hello);
    cr_assert_str_eq(masked(lines[3]), cg_arena_printf(arena, "%s\"HEAD /hello\",\"Requests\":1,\"Latency\":N,"
                                                              "\"Errors4xx\":0,\"Errors5xx\":0}", head).ptr);
    cr_assert_str_eq(masked(lines[4]), cg_arena_printf(arena, "%s\"GET (no route)\",\"Requests\":1,\"Latency\":N,"
                                                              "\"Errors4xx\":1,\"Errors5xx\":0}", head).ptr);
    for (size_t i = 0; i < nlines; i++)
        check_document(i);
    done(app);
}

/* More routes than the ready lines' table holds: the rest are written the
 * slow way, every one whole. */
Test(metrics, routes_past_the_ready_lines_are_written_too)
{
    enum { N = 400 };
    static struct cg_route many_routes[N];
    static char paths[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(paths[i], sizeof paths[i], "/r%d", i);
        many_routes[i] = (struct cg_route)CG_GET(paths[i], hello);
    }
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "Shop" });
    cr_assert_eq(cg_app_routes(app, many_routes, N), 0);
    cr_assert_eq(cg_app_use_metrics(app, &(struct cg_metrics_opts){ .namespace_ = "ShopApp", .route_metrics = true,
                                                                      .write = keep_line }),
                 0);
    for (int i = 0; i < N; i++)
        call(app, "GET", paths[i]);
    cr_assert_eq(nlines, N);
    for (int i = 0; i < N; i++) {
        check_document((size_t)i);
        cr_assert(has(lines[i], cg_arena_printf(arena, "\"route\":\"GET %s\",", paths[i]).ptr), "%s", lines[i].ptr);
    }
    done(app);
}

Test(metrics, app_metrics_carry_the_requests_dimensions)
{
    struct cg_app *app = app_with(true);
    call(app, "POST", "/items");
    cr_assert_eq(nlines, 1);
    check_document(0);
    cr_assert(has(lines[0], "{\"Namespace\":\"ShopApp\",\"Dimensions\":[[\"service\",\"route\",\"tenant\"]],"
                            "\"Metrics\":[{\"Name\":\"ItemsCreated\",\"Unit\":\"Count\"},"
                            "{\"Name\":\"PayloadBytes\",\"Unit\":\"Bytes\"}]}"),
              "%s", lines[0].ptr);
    cr_assert(has(lines[0], "{\"Namespace\":\"ShopApp\",\"Dimensions\":[[\"service\",\"route\"]],"
                            "\"Metrics\":[{\"Name\":\"Requests\",\"Unit\":\"Count\"},"),
              "the route metrics keep their own dimensions: %s", lines[0].ptr);
    cr_assert(has(lines[0], "\"tenant\":\"acme\""));
    cr_assert(has(lines[0], "\"ItemsCreated\":1.0,\"PayloadBytes\":[120.0,80.5]"), "%s", lines[0].ptr);
    done(app);
}

Test(metrics, nothing_recorded_writes_nothing)
{
    struct cg_app *app = app_with(false);
    call(app, "GET", "/hello");
    cr_assert_eq(nlines, 0);
    done(app);
}

Test(metrics, past_the_limits_a_request_writes_several_documents)
{
    struct cg_app *app = app_with(false);
    call(app, "GET", "/many");
    /* values 0-99: Sample and M000-M098, then M099-M149; 100-199; 200-249 */
    cr_assert_eq(nlines, 4, "%zu lines", nlines);
    size_t samples = 0, singles = 0;
    for (size_t i = 0; i < nlines; i++) {
        const struct cg_json_value *doc = check_document(i);
        const struct cg_json_value *sample = cg_json_member(doc, "Sample");
        samples += sample ? sample->len : 0;
        for (size_t k = 0; k < doc->len; k++)
            singles += doc->items[k].key.ptr[0] == 'M';
    }
    cr_assert_eq(samples, 250, "every value once");
    cr_assert_eq(singles, 150, "every metric once");
    done(app);
}

Test(metrics, what_cloudwatch_would_refuse_is_dropped)
{
    struct cg_app *app = app_with(false);
    call(app, "GET", "/bad");
    cr_assert_eq(nlines, 1);
    const struct cg_json_value *doc = check_document(0);
    cr_assert(has(lines[0], "\"Kept\":1.0"), "%s", lines[0].ptr);
    const char *const dropped[] = { "Nan", "Huge", "\"\"", "Requests", "Bad", "BadUnit", "\"d28\"", "clash" };
    for (size_t i = 0; i < CG_LEN(dropped); i++)
        cr_assert(!has(lines[0], dropped[i]), "%s in %s", dropped[i], lines[0].ptr);
    cr_assert(cg_json_member(doc, "d27"), "28 dimensions of the app's are kept");
    done(app);
}

Test(metrics, the_namespace_comes_from_the_environment_first)
{
    setenv("CG_METRICS_NAMESPACE", "FromEnv", 1);
    setenv("POWERTOOLS_SERVICE_NAME", "svc", 1);
    struct cg_app *app = app_with(true);
    call(app, "GET", "/hello");
    cr_assert(has(lines[0], "\"Namespace\":\"FromEnv\""), "%s", lines[0].ptr);
    cr_assert(has(lines[0], "\"service\":\"svc\""), "%s", lines[0].ptr);
    done(app);
}

Test(metrics, no_namespace_is_a_start_up_error_naming_the_setting)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_use_metrics(app, NULL), -1);
    cr_assert(strstr(cg_app_error(app), "CG_METRICS_NAMESPACE"), "%s", cg_app_error(app));
    cg_app_free(app);
}

Test(metrics, off_cg_metric_does_nothing)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    call(app, "POST", "/items");
    cr_assert_eq(nlines, 0);
    done(app);
}
