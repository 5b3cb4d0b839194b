/* Route templates, matching, and dispatch through the test client: 404, 405
 * with Allow, HEAD through GET, trailing-slash redirects, 422 from params,
 * 500 from failing handlers. */
#include <criterion/criterion.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "core/patterns.h"
#include "core/router.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(router, .init = setup, .fini = teardown);

static int ok(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "route");
    cg_json_cstr(j, cg_route_of(c)->path);
    cg_json_obj_end(j);
    return 0;
}

static int echo_id(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "id");
    cg_json_int(j, cg_param_int(c, "item_id"));
    cg_json_key(j, "limit");
    cg_json_int(j, cg_param_int(c, "limit"));
    cg_json_obj_end(j);
    return 0;
}

static int rest(struct cg_ctx *c)
{
    return cg_send_text(c, 200, cg_param_str(c, "rest"));
}

static int broken(struct cg_ctx *c)
{
    cg_add_header(c, "x-secret", CG_STR("leak"));
    return cg_fail(c, "database on fire");
}

static int silent(struct cg_ctx *c)
{
    (void)c;
    return 0;
}

static int nan_body(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_num(j, 0.0 / 0.0);
    return 0;
}

static const struct cg_route routes[] = {
    CG_GET("/", ok),
    CG_GET("/items/{item_id}", echo_id,
           .params = CG_PARAMS(CG_PATH_INT("item_id", CG_GE(1)), CG_QUERY_INT("limit", .def = "20"))),
    CG_DELETE("/items/{item_id}", ok, .params = CG_PARAMS(CG_PATH_INT("item_id"))),
    CG_GET("/items", ok),
    CG_POST("/slash/", ok),
    CG_GET("/files/{rest:path}", rest, .params = CG_PARAMS(CG_PATH_STR("rest"))),
    CG_GET("/broken", broken),
    CG_GET("/silent", silent),
    CG_GET("/nan", nan_body),
};

static struct cg_app *app;
static struct cg_test *client;

static void app_setup(void)
{
    setup();
    app = cg_app_new(&(struct cg_app_opts){ .title = "t" });
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_start(app), 0);
    client = cg_test_new(app);
}

static void app_teardown(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    cg__patterns_free();
    teardown();
}

TestSuite(dispatch, .init = app_setup, .fini = app_teardown);

static struct cg_test_response *handle(const char *method, const char *target, const char *host)
{
    const char *host_line = host ? cg_arena_printf(arena, "host: %s", host).ptr : NULL;
    return cg_test_request(client, &(struct cg_test_req){ .method = method, .path = target,
                                                          .headers = (const char *[]){ host_line, NULL } });
}

#define assert_body(body, expected) \
    cr_assert(cg_str_eq(body, CG_STR(expected)), "body %.*s, want %s", (int)(body).len, (body).ptr, expected)

#define assert_header(res, name, expected)                                                          \
    do {                                                                                            \
        cg_str v_ = cg_test_header(res, name);                                                      \
        cr_assert(cg_str_eq(v_, CG_STR(expected)), "%s: %.*s, want %s", name, (int)v_.len,          \
                  v_.ptr ? v_.ptr : "(absent)", expected);                                           \
    } while (0)

Test(dispatch, root_and_params)
{
    struct cg_test_response *r = handle("GET", "/", NULL);
    cr_assert_eq(r->status, 200);
    assert_body(r->body, "{\"route\":\"/\"}");
    r = handle("GET", "/items/42?limit=5", NULL);
    assert_body(r->body, "{\"id\":42,\"limit\":5}");
    r = handle("GET", "/items/%34%32", NULL);
    assert_body(r->body, "{\"id\":42,\"limit\":20}");
    assert_header(r, "content-type", "application/json");
}

Test(dispatch, not_found)
{
    struct cg_test_response *r = handle("GET", "/nope", NULL);
    cr_assert_eq(r->status, 404);
    assert_body(r->body, "{\"detail\":\"Not Found\"}");
    r = handle("GET", "/items/1/extra", NULL);
    cr_assert_eq(r->status, 404);
}

Test(dispatch, method_not_allowed_lists_every_route_of_the_path)
{
    struct cg_test_response *r = handle("PATCH", "/items/1", NULL);
    cr_assert_eq(r->status, 405);
    assert_body(r->body, "{\"detail\":\"Method Not Allowed\"}");
    assert_header(r, "allow", "GET, HEAD, DELETE");
    r = handle("BREW", "/", NULL);
    cr_assert_eq(r->status, 405);
}

Test(dispatch, head_uses_get)
{
    struct cg_test_response *r = handle("HEAD", "/items", NULL);
    cr_assert_eq(r->status, 200);
    assert_body(cg_buf_str(&r->core->body), "{\"route\":\"/items\"}");
    cr_assert_eq(r->body.len, 0, "the transport sends no body");
}

Test(dispatch, trailing_slash_redirects)
{
    struct cg_test_response *r = handle("GET", "/items/?limit=3", "example.com:8000");
    cr_assert_eq(r->status, 307);
    assert_header(r, "location", "http://example.com:8000/items?limit=3");
    cr_assert_eq(r->body.len, 0);
    r = handle("POST", "/slash", NULL);
    cr_assert_eq(r->status, 307);
    assert_header(r, "location", "/slash/");
    r = handle("GET", "/slash", NULL);
    cr_assert_eq(r->status, 307, "a partial match (other method) still redirects");
}

Test(dispatch, catch_all)
{
    struct cg_test_response *r = handle("GET", "/files/a/b%2Fc.txt", NULL);
    assert_body(r->body, "a/b/c.txt");
    r = handle("GET", "/files/", NULL);
    cr_assert_eq(r->status, 200);
    assert_body(r->body, "");
}

Test(dispatch, validation_errors)
{
    struct cg_test_response *r = handle("GET", "/items/abc", NULL);
    cr_assert_eq(r->status, 422);
    assert_body(r->body, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],"
                   "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                   "\"input\":\"abc\"}]}");
    r = handle("GET", "/items/0?limit=x", NULL);
    assert_body(r->body, "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"item_id\"],"
                   "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\",\"ctx\":{\"ge\":1}},"
                   "{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],"
                   "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
                   "\"input\":\"x\"}]}");
}

Test(dispatch, failures_become_500_without_details)
{
    struct cg_test_response *r = handle("GET", "/broken", NULL);
    cr_assert_eq(r->status, 500);
    assert_body(r->body, "{\"detail\":\"Internal Server Error\"}");
    cr_assert_null(cg_test_header(r, "x-secret").ptr);
    r = handle("GET", "/silent", NULL);
    cr_assert_eq(r->status, 500);
    r = handle("GET", "/nan", NULL);
    cr_assert_eq(r->status, 500);
    assert_body(r->body, "{\"detail\":\"Internal Server Error\"}");
}

static struct cg_route_rt compile(const char *path)
{
    static struct cg_route route;
    route = (struct cg_route){ .methods = CG_M_GET, .path = path, .handler = ok };
    struct cg_route_rt rt;
    char err[128];
    cr_assert_eq(cg__route_compile(&rt, &route, err, sizeof err), 0, "%s", err);
    return rt;
}

static bool matches(const char *tpl, const char *path)
{
    struct cg_route_rt rt = compile(tpl);
    cg_str values[CG_MAX_SEGMENTS];
    int n;
    return cg__route_match(&rt, cg_str_c(path), values, &n);
}

Test(router, matching)
{
    cr_assert(matches("/", "/"));
    cr_assert_not(matches("/", "/a"));
    cr_assert(matches("/a/{x}", "/a/1"));
    cr_assert_not(matches("/a/{x}", "/a/"));
    cr_assert_not(matches("/a/{x}", "/a"));
    cr_assert_not(matches("/a/{x}", "/a/1/"));
    cr_assert(matches("/a/", "/a/"));
    cr_assert_not(matches("/a/", "/a"));
    cr_assert(matches("/a/{p:path}", "/a/x/y/z"));
    cr_assert_not(matches("/a/{p:path}", "/a"));
    cr_assert(matches("/a/{x}/b/{y}", "/a/1/b/2"));
    cr_assert_not(matches("/a/{x}/b/{y}", "/a/1/c/2"));
}

Test(router, bad_templates)
{
    const char *bad[] = { "a", "/a//b", "/{x", "/a{x}", "/{x:int}", "/{p:path}/b", "/{}" };
    for (size_t i = 0; i < CG_LEN(bad); i++) {
        struct cg_route route = { .methods = CG_M_GET, .path = bad[i], .handler = ok };
        struct cg_route_rt rt;
        char err[128];
        cr_assert_eq(cg__route_compile(&rt, &route, err, sizeof err), -1, "%s should be refused", bad[i]);
    }
}

/* Block-scope compound literals are not constant: these tables live here. */
static const struct cg_route undeclared[] = { CG_GET("/x/{id}", ok) };
static const struct cg_route bad_default[] = {
    CG_GET("/y", ok, .params = CG_PARAMS(CG_QUERY_INT("n", CG_LE(10), .def = "50"))),
};

Test(router, start_up_checks)
{
    struct cg_app *a = cg_app_new(NULL);
    cg_app_routes(a, undeclared, 1);
    cr_assert_eq(cg_app_start(a), -1);
    cg_app_free(a);
    a = cg_app_new(NULL);
    cg_app_routes(a, bad_default, 1);
    cr_assert_eq(cg_app_start(a), -1);
    cg_app_free(a);
}

static const struct cg_route bad_template[] = { CG_GET("/ok", ok), CG_GET("/items/{id", ok), CG_GET("/after", ok) };

/* main() may ignore what a registration returns: the app remembers. */
Test(router, a_failed_registration_keeps_the_app_from_starting)
{
    struct cg_app *a = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(a, bad_template, CG_LEN(bad_template)), -1);
    cr_assert_eq(cg_app_start(a), -1);
    cr_assert(strstr(cg_app_error(a), "/items/{id"), "%s", cg_app_error(a));
    struct cg_test *t = cg_test_new(a);
    struct cg_test_response *r = cg_test_get(t, "/ok", NULL);
    cr_assert_eq(r->status, 0, "never served");
    cr_assert_str_eq(r->body.ptr, cg_app_error(a));
    cg_test_free(t);
    cg_app_free(a);
}

Test(router, start_up_errors_are_kept_with_the_app)
{
    struct cg_app *a = cg_app_new(NULL);
    cr_assert_null(cg_app_error(a));
    cr_assert_eq(cg_app_routes(a, bad_default, 1), 0, "checked at start");
    cr_assert_eq(cg_app_start(a), -1);
    cr_assert(strstr(cg_app_error(a), "route /y: parameter n: default \"50\" is invalid"), "%s", cg_app_error(a));
    cr_assert_null(cg_app_openapi(a).ptr, "no document either");
    cg_app_free(a);
}
