/* routes_bench: cgate's side of the routing curve (bench/curves/routes.py).
 *
 *   routes_bench static|param ROUTES ROUNDS
 *
 * Builds an app of ROUTES routes, all static ("GET /r/0017/items") or all
 * parameterised ("GET /r/0017/items/{id}", id a validated int), then runs
 * ROUNDS rounds of four requests through cg_app_handle (routing, binding,
 * handler, response; no I/O): the first route, the middle one, the last one,
 * and a path no route takes, which ends in 404. Each answer is checked
 * (200 "ok", or 404); the exit status is 1 on a wrong one. It prints
 * nothing: the curve's script runs it under callgrind for two values of
 * ROUNDS, and the difference of the totals is the cost of the lookups alone
 * (start-up and the table's construction cancel out). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>

#define MAX_ROUTES 9999 /* numbered 0000 to 9998: /r/9999 is the miss */
#define PATH_SIZE 32

struct item_path {
    int64_t id;
};

static const struct cg_param item_params[] = CG_PARAMS_OF(struct item_path,
                                                               CG_PATH_PARAM(struct item_path, id, CG_INT));

static int ok(struct cg_ctx *c)
{
    return cg_send_text(c, 200, CG_STR("ok"));
}

/* The table, and its paths in one block: both must outlive the app. */
static struct cg_route *make_routes(bool param, long n, char *paths)
{
    struct cg_route *routes = calloc((size_t)n, sizeof *routes);
    for (long i = 0; i < n; i++) {
        char *path = paths + i * PATH_SIZE;
        snprintf(path, PATH_SIZE, param ? "/r/%04ld/items/{id}" : "/r/%04ld/items", i);
        routes[i] = (struct cg_route)CG_GET(path, ok, .params = param ? item_params : NULL);
    }
    return routes;
}

/* One request through the app, as a transport hands it over; returns
 * whether the answer is the expected one. */
static bool lookup(const struct cg_app *app, struct cg_arena *arena, const char *path, int expect)
{
    struct cg_request req = {
        .method = CG_STR("GET"),
        .raw_path = cg_str_c(path),
        .scheme = CG_STR("http"),
        .root_path = CG_STR(""),
        .arena = arena,
    };
    struct cg_response res;
    cg_response_init(&res, arena);
    cg_app_handle(app, &req, &res);
    bool right = res.status == expect && (expect != 200 || cg_str_eq_c(cg_buf_str(&res.body), "ok"));
    if (!right)
        fprintf(stderr, "routes_bench: GET %s answered %d, not %d\n", path, res.status, expect);
    cg_arena_reset(arena);
    return right;
}

static int run(const struct cg_app *app, bool param, long n, long rounds)
{
    const char *suffix = param ? "/items/42" : "/items";
    long targets[] = { 0, n / 2, n - 1, MAX_ROUTES };
    char paths[4][PATH_SIZE];
    for (int k = 0; k < 4; k++)
        snprintf(paths[k], PATH_SIZE, "/r/%04ld%s", targets[k], suffix);
    struct cg_arena *arena = cg_arena_new();
    bool right = true;
    for (long r = 0; r < rounds && right; r++)
        for (int k = 0; k < 4 && right; k++)
            right = lookup(app, arena, paths[k], k == 3 ? 404 : 200);
    cg_arena_free(arena);
    return right ? 0 : 1;
}

/* A decimal count, or -1 when text is anything else ("", "12x", "-3"). */
static long parse_count(const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    return text[0] >= '0' && text[0] <= '9' && *end == '\0' && errno == 0 ? v : -1;
}

int main(int argc, char **argv)
{
    bool param = argc == 4 && strcmp(argv[1], "param") == 0;
    long n = argc == 4 ? parse_count(argv[2]) : -1;
    long rounds = argc == 4 ? parse_count(argv[3]) : -1;
    if (argc != 4 || (!param && strcmp(argv[1], "static") != 0) || n < 1 || n > MAX_ROUTES || rounds < 0) {
        fprintf(stderr, "usage: routes_bench static|param ROUTES (1 to %d) ROUNDS\n", MAX_ROUTES);
        return 2;
    }
    cg_log_init(CG_LOG_TEXT);
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "routes", .version = "1.0.0" });
    char *paths = malloc((size_t)n * PATH_SIZE);
    struct cg_route *routes = make_routes(param, n, paths);
    int status = 1;
    if (cg_app_routes(app, routes, (size_t)n) == 0 && cg_app_start(app) == 0) {
        status = run(app, param, n, rounds);
        cg_app_stop(app);
    }
    cg_app_free(app);
    free(routes);
    free(paths);
    return status;
}
