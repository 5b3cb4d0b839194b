/* Routers (cg_app_include) and an app's error functions (cg_app_on_error,
 * cg_raise), through the in-process client and the OpenAPI document. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include <criterion/criterion.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"

static int hello(struct cg_ctx *c)
{
    return cg_send_text(c, 200, CG_STR("hello"));
}

static enum cg_auth_result key_is_secret(const struct cg_security *s, struct cg_ctx *c, cg_str key)
{
    (void)s, (void)c;
    return cg_str_eq_c(key, "secret") ? CG_AUTH_OK : CG_AUTH_INVALID;
}

static const struct cg_security api_key = {
    .name = "apiKey", .kind = CG_SEC_API_KEY, .header = "x-api-key", .check = key_is_secret,
};

/* ---- routers ---- */

static const struct cg_route user_routes[] = {
    CG_GET("", hello),
    CG_GET("/{user_id}", hello, .tags = "people", .params = CG_PARAMS(CG_PATH_INT("user_id"))),
};
static const struct cg_route admin_routes[] = {
    CG_GET("/stats", hello, .tags = "admin"),
};
static const struct cg_router admin_router =
    CG_ROUTER(admin_routes, .prefix = "/admin", .tags = "admin", .security = &api_key, .deprecated = true);
static const struct cg_router users_router =
    CG_ROUTER(user_routes, .prefix = "/users", .tags = "users", .routers = CG_ROUTERS(&admin_router));
static const struct cg_router v1_router = { .prefix = "/v1", .routers = CG_ROUTERS(&users_router) };

static int get_status(struct cg_test *t, const char *path, const char *const *headers)
{
    return cg_test_get(t, path, headers)->status;
}

Test(routers, paths_get_every_enclosing_prefix)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_include(app, &v1_router), 0);
    struct cg_test *t = cg_test_new(app);
    cr_assert_eq(get_status(t, "/v1/users", NULL), 200);
    cr_assert_eq(get_status(t, "/v1/users/7", NULL), 200);
    cr_assert_eq(get_status(t, "/users/7", NULL), 404);
    cr_assert_eq(get_status(t, "/v1/users/admin/stats", NULL), 401, "the router's security");
    cr_assert_eq(get_status(t, "/v1/users/admin/stats", (const char *[]){ "x-api-key: secret", NULL }), 200);
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

static bool has(cg_str text, const char *part)
{
    return memmem(text.ptr, text.len, part, strlen(part)) != NULL;
}

/* The document's value at a path of members, as text. */
static cg_str doc_at(struct cg_arena *a, cg_str doc, const char *const *members)
{
    const struct cg_json_value *v = cg_json_parse(a, doc, 64, NULL);
    for (; v && *members; members++)
        v = cg_json_member(v, *members);
    cr_assert(v, "no %s in the document", members[0]);
    struct cg_buf out;
    cg_buf_init(&out, a);
    struct cg_json j;
    cg_json_init(&j, &out);
    cg_json_write_value(&j, v);
    return cg_buf_str(&out);
}

Test(routers, tags_add_up_once_each_and_the_document_says_so)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_include(app, &v1_router), 0);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_arena *a = cg_arena_new();
    cg_str doc = cg_app_openapi(app);
    cg_str read_tags = doc_at(a, doc, (const char *[]){ "paths", "/v1/users/{user_id}", "get", "tags", NULL });
    cr_assert(cg_str_eq_c(read_tags, "[\"users\",\"people\"]"), "%.*s", (int)read_tags.len, read_tags.ptr);
    cg_str stats = doc_at(a, doc, (const char *[]){ "paths", "/v1/users/admin/stats", "get", NULL });
    cr_assert(has(stats, "\"tags\":[\"users\",\"admin\"]"), "%.*s", (int)stats.len, stats.ptr);
    cr_assert(has(stats, "\"deprecated\":true"), "%.*s", (int)stats.len, stats.ptr);
    cr_assert(has(stats, "\"security\":[{\"apiKey\":[]}]"), "%.*s", (int)stats.len, stats.ptr);
    cg_arena_free(a);
    cg_app_stop(app);
    cg_app_free(app);
}

static const struct cg_route hidden_routes[] = { CG_GET("/secret", hello) };
static const struct cg_router hidden_router = CG_ROUTER(hidden_routes, .prefix = "/internal", .hidden = true);

Test(routers, a_hidden_router_serves_but_stays_out_of_the_document)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_include(app, &hidden_router), 0);
    struct cg_test *t = cg_test_new(app);
    cr_assert_eq(get_status(t, "/internal/secret", NULL), 200);
    cg_str doc = cg_app_openapi(app);
    cr_assert(!has(doc, "/internal/secret"));
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

/* An include the app refuses: a start-up error with this text. */
static void assert_refused(const struct cg_router *r, const char *why)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_include(app, r), -1);
    cr_assert(strstr(cg_app_error(app), why), "%s", cg_app_error(app));
    cr_assert_eq(cg_app_start(app), -1);
    cg_app_free(app);
}

static const struct cg_route root_routes[] = { CG_GET("", hello) };
extern const struct cg_router loop_router;
const struct cg_router loop_router = { .prefix = "/x", .routers = CG_ROUTERS(&loop_router) };

Test(routers, bad_declarations_are_start_up_errors)
{
    assert_refused(&(struct cg_router)CG_ROUTER(user_routes, .prefix = "users"), "must start with '/'");
    assert_refused(&(struct cg_router)CG_ROUTER(user_routes, .prefix = "/users/"), "not end with '/'");
    assert_refused(&(struct cg_router)CG_ROUTER(root_routes), "empty path and no prefix");
    assert_refused(&loop_router, "nested deeper than");
}

/* ---- error functions ---- */

enum { ERR_NOT_FOUND = 1, ERR_CONFLICT, ERR_UNHANDLED, ERR_AGAIN };

static int not_found(struct cg_ctx *c, int code, const char *detail)
{
    cr_assert_eq(code, ERR_NOT_FOUND);
    return cg_http_error(c, 404, detail);
}

static int conflict(struct cg_ctx *c, int code, const char *detail)
{
    (void)code;
    cg_add_header(c, "x-error", CG_STR("conflict"));
    return cg_send_error(c, 409, detail, "CONFLICT");
}

/* An error function may not raise again. */
static int raises_again(struct cg_ctx *c, int code, const char *detail)
{
    (void)detail;
    return cg_raise(c, code, "again");
}

static int find_item(struct cg_ctx *c)
{
    return cg_raise(c, ERR_NOT_FOUND, "no item %d", 42);
}

static int take_name(struct cg_ctx *c)
{
    return cg_raise(c, ERR_CONFLICT, "the name is taken");
}

static int raise_unhandled(struct cg_ctx *c)
{
    return cg_raise(c, ERR_UNHANDLED, "nobody handles this");
}

static int raise_twice(struct cg_ctx *c)
{
    cg_raise(c, ERR_NOT_FOUND, "first");
    return cg_raise(c, ERR_CONFLICT, "second");
}

static int raise_after_answering(struct cg_ctx *c)
{
    cg_send_text(c, 200, CG_STR("answered"));
    return cg_raise(c, ERR_NOT_FOUND, "too late");
}

static int raise_again(struct cg_ctx *c)
{
    return cg_raise(c, ERR_AGAIN, "once");
}

static const struct cg_route raising_routes[] = {
    CG_GET("/item", find_item),
    CG_GET("/name", take_name),
    CG_GET("/unhandled", raise_unhandled),
    CG_GET("/twice", raise_twice),
    CG_GET("/late", raise_after_answering),
    CG_GET("/again", raise_again),
};

static struct cg_app *raising_app(void)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, raising_routes, CG_LEN(raising_routes)), 0);
    cr_assert_eq(cg_app_on_error(app, ERR_NOT_FOUND, not_found), 0);
    cr_assert_eq(cg_app_on_error(app, ERR_CONFLICT, conflict), 0);
    cr_assert_eq(cg_app_on_error(app, ERR_AGAIN, raises_again), 0);
    return app;
}

static const enum cg_test_via vias[] = { CG_VIA_HTTP, CG_VIA_HTTP_API, CG_VIA_REST, CG_VIA_ALB };

Test(raise, the_function_for_the_code_answers_on_every_front_door)
{
    struct cg_app *app = raising_app();
    struct cg_test *t = cg_test_new(app);
    for (size_t i = 0; i < CG_LEN(vias); i++) {
        struct cg_test_response *r = cg_test_request(t, &(struct cg_test_req){ .path = "/item", .via = vias[i] });
        cr_assert_eq(r->status, 404);
        cr_assert_str_eq(r->body.ptr, "{\"detail\":\"no item 42\"}");
        r = cg_test_request(t, &(struct cg_test_req){ .path = "/name", .via = vias[i] });
        cr_assert_eq(r->status, 409);
        cr_assert(cg_str_eq_c(cg_test_header(r, "x-error"), "conflict"));
        cr_assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "error.message")), "the name is taken"));
    }
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

Test(raise, misuses_are_the_cores_500)
{
    struct cg_app *app = raising_app();
    struct cg_test *t = cg_test_new(app);
    const char *const paths[] = { "/unhandled", "/twice", "/late", "/again" };
    for (size_t i = 0; i < CG_LEN(paths); i++) {
        struct cg_test_response *r = cg_test_get(t, paths[i], NULL);
        cr_assert_eq(r->status, 500, "%s: %d", paths[i], r->status);
        cr_assert_str_eq(r->body.ptr, "{\"detail\":\"Internal Server Error\"}", "%s", paths[i]);
        cr_assert_null(cg_test_header(r, "x-error").ptr);
    }
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

Test(raise, a_code_takes_one_function)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_on_error(app, ERR_NOT_FOUND, not_found), 0);
    cr_assert_eq(cg_app_on_error(app, ERR_NOT_FOUND, conflict), -1);
    cr_assert(strstr(cg_app_error(app), "cg_app_on_error(1): the code has a function already"));
    cg_app_free(app);
}
