/* The route index (route_index.c) against the rule it must keep: for tables
 * of every shape and many request paths, cg__route_find picks what trying
 * every route in declaration order picks (the reference below): the same
 * route, the same allowed methods (a 405's Allow), the same parameter
 * values. And the index does narrow: a large table leaves one candidate. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/route_index.h"

enum { MAX_ROUTES = 1100, MAX_PARAMS = 8, TEXT_SIZE = 96, NAME_SIZE = 16 };

static const unsigned methods[] = { CG_M_GET,   CG_M_HEAD,  CG_M_POST,    CG_M_PUT,
                                    CG_M_DELETE, CG_M_PATCH, CG_M_OPTIONS, CG_M_OTHER };

/* A table being built, and everything its routes point to: it must
 * outlive the app. */
struct table {
    struct cg_route routes[MAX_ROUTES];
    char paths[MAX_ROUTES][TEXT_SIZE];
    char names[MAX_ROUTES][MAX_PARAMS][NAME_SIZE];
    struct cg_param params[MAX_ROUTES][MAX_PARAMS + 1];
    size_t n;
};

static struct table *table;
static struct cg_app *app;

static void setup(void)
{
    table = calloc(1, sizeof *table);
    cr_assert(table);
}

static void teardown(void)
{
    cg_app_free(app);
    app = NULL;
    free(table);
}

TestSuite(route_index, .init = setup, .fini = teardown, .timeout = 60);

static int ok(struct cg_ctx *c)
{
    (void)c;
    return 0;
}

/* A route of the table, with a CG_PATH_STR for each {name} of its path. */
static void add(unsigned route_methods, const char *path)
{
    size_t i = table->n++;
    cr_assert(i < MAX_ROUTES && strlen(path) < TEXT_SIZE, "table too small for %s", path);
    strcpy(table->paths[i], path);
    int nparams = 0;
    for (const char *open = strchr(path, '{'); open; open = strchr(open + 1, '{')) {
        cr_assert(nparams < MAX_PARAMS);
        char *name = table->names[i][nparams];
        size_t len = strcspn(open + 1, ":}");
        snprintf(name, NAME_SIZE, "%.*s", (int)len, open + 1);
        table->params[i][nparams++] = (struct cg_param)CG_PATH_STR(name);
    }
    table->routes[i] = (struct cg_route)CG_ROUTE(route_methods, table->paths[i], ok,
                                                 .params = nparams ? table->params[i] : NULL);
}

static void start(void)
{
    app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, table->routes, table->n), 0, "%s", cg_app_error(app));
    cr_assert_eq(cg_app_start(app), 0, "%s", cg_app_error(app));
}

/* The rule as the app once applied it: every route, in order. */
static bool reference_find(cg_str path, unsigned method, struct cg__route_lookup *out)
{
    out->route = NULL;
    out->allowed = 0;
    for (size_t i = 0; i < app->nroutes; i++) {
        const struct cg_route_rt *rt = &app->routes[i];
        cg_str values[CG_MAX_SEGMENTS];
        int nvalues;
        if (!cg__route_match(rt, path, values, &nvalues))
            continue;
        unsigned route_methods = rt->route->methods;
        if (route_methods & CG_M_GET)
            route_methods |= CG_M_HEAD;
        out->allowed |= route_methods;
        if (route_methods & method) {
            out->route = rt;
            out->nvalues = nvalues;
            memcpy(out->values, values, (size_t)nvalues * sizeof *values);
            return true;
        }
    }
    return out->allowed != 0;
}

/* Every route that matches `path` is a candidate, and they come in order. */
static void check_candidates(cg_str path)
{
    uint32_t ids[CG__ROUTE_CANDIDATES_MAX];
    size_t n = cg__route_candidates(app->route_index, path, ids);
    if (n == CG__ROUTE_CANDIDATES_ALL)
        return;
    for (size_t k = 1; k < n; k++)
        cr_assert_lt(ids[k - 1], ids[k], "candidates of %.*s out of order", (int)path.len, path.ptr);
    size_t k = 0;
    for (size_t i = 0; i < app->nroutes; i++) {
        cg_str values[CG_MAX_SEGMENTS];
        int nvalues;
        while (k < n && ids[k] < i)
            k++;
        if (cg__route_match(&app->routes[i], path, values, &nvalues))
            cr_assert(k < n && ids[k] == i, "route %s matches %.*s but is no candidate",
                      app->routes[i].route->path, (int)path.len, path.ptr);
    }
}

static void check_path(const char *text)
{
    cg_str path = cg_str_c(text);
    check_candidates(path);
    for (size_t m = 0; m < CG_LEN(methods); m++) {
        struct cg__route_lookup want, got;
        bool want_found = reference_find(path, methods[m], &want);
        bool got_found = cg__route_find(app, path, methods[m], &got);
        const char *method = cg_method_name(methods[m]);
        cr_assert_eq(got_found, want_found, "%s %s: found", method, text);
        cr_assert_eq(got.allowed, want.allowed, "%s %s: allowed %#x, not %#x", method, text, got.allowed,
                     want.allowed);
        cr_assert_eq(got.route, want.route, "%s %s: route %s, not %s", method, text,
                     got.route ? got.route->route->path : "none", want.route ? want.route->route->path : "none");
        if (!want.route)
            continue;
        cr_assert_eq(got.nvalues, want.nvalues, "%s %s: values", method, text);
        for (int v = 0; v < want.nvalues; v++)
            cr_assert(got.values[v].ptr == want.values[v].ptr && got.values[v].len == want.values[v].len,
                      "%s %s: value %d", method, text, v);
    }
}

/* ---- generated tables and paths ---- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t below)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % below);
}

/* Few words, so that templates and paths collide often. */
static const char *const words[] = { "a", "b", "items", "users", "42" };

static unsigned random_methods(void)
{
    unsigned mask = 0;
    while (!mask)
        for (int bit = 0; bit <= 6; bit++) /* GET to OPTIONS; HEAD alone now and then */
            if (rnd(bit == 1 ? 12 : 4) == 0)
                mask |= 1u << bit;
    return mask;
}

static void add_random_route(void)
{
    char path[TEXT_SIZE] = "";
    size_t len = 0;
    int depth = (int)rnd(5);
    for (int i = 0; i < depth; i++) {
        uint32_t kind = rnd(10);
        if (kind == 0 && i == depth - 1)
            len += (size_t)snprintf(path + len, sizeof path - len, "/{rest%d:path}", i);
        else if (kind < 4)
            len += (size_t)snprintf(path + len, sizeof path - len, "/{p%d}", i);
        else
            len += (size_t)snprintf(path + len, sizeof path - len, "/%s", words[rnd(CG_LEN(words))]);
    }
    if (depth == 0 || rnd(5) == 0)
        len += (size_t)snprintf(path + len, sizeof path - len, "/");
    add(random_methods(), path);
}

/* A path that a route of the table may take: one of its templates filled
 * in, often bent a little (a slash more or less, a segment more or less). */
static void random_path(char *out, size_t size)
{
    const char *template = table->paths[rnd((uint32_t)table->n)];
    size_t len = 0;
    for (const char *p = template; *p && len + 16 < size;) {
        if (*p != '{') {
            out[len++] = *p++;
            continue;
        }
        p = strchr(p, '}') + 1;
        uint32_t pick = rnd((uint32_t)CG_LEN(words) + 2);
        const char *value = pick < CG_LEN(words) ? words[pick] : pick == CG_LEN(words) ? "" : "x/y";
        len += (size_t)snprintf(out + len, size - len, "%s", value);
    }
    out[len] = '\0';
    switch (rnd(6)) {
    case 0: /* toggle the trailing slash */
        if (len > 1 && out[len - 1] == '/')
            out[len - 1] = '\0';
        else
            snprintf(out + len, size - len, "/");
        break;
    case 1: /* one segment more */
        snprintf(out + len, size - len, "/%s", words[rnd(CG_LEN(words))]);
        break;
    case 2: /* one segment less */
        if (strrchr(out, '/') && strrchr(out, '/') != out)
            *strrchr(out, '/') = '\0';
        break;
    default:
        break;
    }
}

/* Any path at all: words, empty segments, no leading slash now and then. */
static void noise_path(char *out, size_t size)
{
    size_t len = 0;
    int pieces = (int)rnd(7);
    if (rnd(20) == 0)
        len += (size_t)snprintf(out, size, "%s", words[rnd(CG_LEN(words))]);
    for (int i = 0; i < pieces; i++)
        len += (size_t)snprintf(out + len, size - len, "/%s", rnd(4) ? words[rnd(CG_LEN(words))] : "");
    out[len] = '\0';
}

static void check_random_paths(int count)
{
    static const char *const odd[] = { "", "/", "//", "*", "a", "/a//b", "/items/", "/items//",
                                       "/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b/a/b" };
    for (size_t i = 0; i < CG_LEN(odd); i++)
        check_path(odd[i]);
    for (int i = 0; i < count; i++) {
        char path[TEXT_SIZE * 2];
        if (rnd(3))
            random_path(path, sizeof path);
        else
            noise_path(path, sizeof path);
        check_path(path);
    }
}

Test(route_index, random_tables_route_as_the_scan)
{
    for (uint64_t seed = 1; seed <= 40; seed++) {
        rng_state = seed * 0x9E3779B97F4A7C15u;
        size_t n = 1 + rnd(seed % 4 ? 40 : 400);
        for (size_t i = 0; i < n; i++)
            add_random_route();
        start();
        check_random_paths(400);
        cg_app_free(app);
        app = NULL;
        memset(table, 0, sizeof *table);
    }
}

/* The shapes by name, each with its own answer, then the same comparison. */
Test(route_index, shapes_route_as_declared)
{
    add(CG_M_GET, "/");
    add(CG_M_GET, "/items/{id}");      /* a parameter before a literal... */
    add(CG_M_GET, "/items/new");       /* ...that it hides */
    add(CG_M_GET, "/users/new");       /* a literal before a parameter... */
    add(CG_M_GET, "/users/{id}");      /* ...that takes the rest */
    add(CG_M_GET, "/m");
    add(CG_M_POST, "/m");
    add(CG_M_DELETE | CG_M_PUT, "/m");
    add(CG_M_POST, "/s/");
    add(CG_M_GET, "/s");
    add(CG_M_GET, "/files/{rest:path}");
    add(CG_M_PATCH, "/{a}/{b}/{rest:path}/");
    add(CG_M_POST, "/{all:path}");
    start();
    struct cg__route_lookup got;
    cr_assert(cg__route_find(app, CG_STR("/items/new"), CG_M_GET, &got));
    cr_assert_str_eq(got.route->route->path, "/items/{id}");
    cr_assert(cg__route_find(app, CG_STR("/users/new"), CG_M_HEAD, &got));
    cr_assert_str_eq(got.route->route->path, "/users/new");
    cr_assert(cg__route_find(app, CG_STR("/m"), CG_M_PATCH, &got));
    cr_assert_null(got.route);
    cr_assert_eq(got.allowed, CG_M_GET | CG_M_HEAD | CG_M_POST | CG_M_PUT | CG_M_DELETE);
    cr_assert(cg__route_find(app, CG_STR("/m"), CG_M_POST, &got));
    cr_assert_eq(got.allowed, CG_M_GET | CG_M_HEAD | CG_M_POST, "only the routes tried");
    cr_assert(cg__route_find(app, CG_STR("/files/"), CG_M_GET, &got));
    cr_assert_eq(got.nvalues, 1);
    cr_assert_eq(got.values[0].len, 0);
    cr_assert(cg__route_find(app, CG_STR("/x/y/z/w"), CG_M_PATCH, &got));
    cr_assert_str_eq(got.route->route->path, "/{a}/{b}/{rest:path}/");
    cr_assert(cg_str_eq_c(got.values[2], "z/w"));
    cr_assert(cg__route_find(app, CG_STR("/s/"), CG_M_POST, &got));
    cr_assert_str_eq(got.route->route->path, "/s/");
    cr_assert(cg__route_find(app, CG_STR("/s"), CG_M_POST, &got));
    cr_assert_str_eq(got.route->route->path, "/{all:path}");
    rng_state = 7;
    check_random_paths(3000);
}

/* So many routes share a path that the lookup tries them all: the same
 * answers, the slow way. ("/same" overflows before "/{any}" is walked.) */
Test(route_index, too_many_candidates_scan_the_table)
{
    size_t nany = 0;
    for (int i = 0; i < 2 * CG__ROUTE_CANDIDATES_MAX; i++) {
        add(i % 2 ? CG_M_PUT : CG_M_POST, i % 3 ? "/same" : "/{any}");
        nany += i % 3 == 0;
    }
    add(CG_M_GET, "/same");
    add(CG_M_GET, "/other");
    start();
    uint32_t ids[CG__ROUTE_CANDIDATES_MAX];
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/same"), ids), CG__ROUTE_CANDIDATES_ALL);
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/other"), ids), nany + 1);
    check_path("/same");
    check_path("/other");
    check_path("/none/");
}

/* What the routing curve measures (bench/curves/routes_bench.c): a
 * thousand routes, and a lookup that tries one of them. */
Test(route_index, a_large_table_leaves_one_candidate)
{
    for (int i = 0; i < 1000; i++) {
        char path[TEXT_SIZE];
        snprintf(path, sizeof path, i % 2 ? "/r/%04d/items/{id}" : "/r/%04d/items", i);
        add(CG_M_GET, path);
    }
    start();
    size_t first = app->nroutes - 1000; /* the built-in routes come first */
    uint32_t ids[CG__ROUTE_CANDIDATES_MAX];
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/r/0500/items"), ids), 1);
    cr_assert_eq(ids[0], first + 500);
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/r/0999/items/7"), ids), 1);
    cr_assert_eq(ids[0], first + 999);
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/r/9999/items"), ids), 0);
    cr_assert_eq(cg__route_candidates(app->route_index, CG_STR("/r/0500/items/"), ids), 0);
    check_path("/r/0500/items");
    check_path("/r/0501/items/42");
}
