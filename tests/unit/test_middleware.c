/* The request pipeline around the routes: the middleware chain, route
 * security, deferred work and the base path. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "core/patterns.h"
#include "core/response_internal.h"

static struct cg_arena *arena;
static struct cg_app *app;
static struct cg_test *client;

/* Each middleware appends its name to a trace header on the way in and
 * sets "x-out-<name>" on the way out, so the order is visible. */
static void tracer(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    const char *name = state;
    cg_str seen = cg_request_header(req, "x-trace");
    req->headers[0] = (struct cg_kv){ CG_STR("x-trace"), cg_arena_printf(req->arena, "%.*s%s,", (int)seen.len,
                                                                          seen.ptr, name) };
    cg_next(next, req, res);
    cg_response_add_header(res, cg_arena_printf(req->arena, "x-out-%s", name), CG_STR("1"));
}

/* Answers 418 itself for paths under /teapot. */
static void teapot(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    (void)state;
    if (req->path.len >= 7 && memcmp(req->path.ptr, "/teapot", 7) == 0) {
        cg__response_detail(res, 418, "I'm a teapot");
        return;
    }
    cg_next(next, req, res);
}

static void twice(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    (void)state;
    cg_next(next, req, res);
    cg_next(next, req, res); /* ignored, and logged */
}

static int hello(struct cg_ctx *c)
{
    cg_str trace = cg_request_header(cg_req(c), "x-trace");
    return cg_send_text(c, 200, cg_arena_printf(cg_arena(c), "trace=%.*s", (int)trace.len, trace.ptr));
}

static int whoami(struct cg_ctx *c)
{
    cg_str id = cg_identity(c);
    return cg_send_text(c, 200, id.ptr ? id : CG_STR("anonymous"));
}

/* "good" passes, "reader" is known but may not write, anything else is
 * invalid. */
static enum cg_auth_result check_token(const struct cg_security *s, struct cg_ctx *c, cg_str credential)
{
    (void)s;
    if (cg_str_eq_c(credential, "good")) {
        cg_set_identity(c, CG_STR("{\"sub\":\"good\"}"));
        return CG_AUTH_OK;
    }
    return cg_str_eq_c(credential, "reader") ? CG_AUTH_FORBIDDEN : CG_AUTH_INVALID;
}

static const struct cg_security bearer = { .name = "bearerAuth", .kind = CG_SEC_BEARER, .check = check_token };
static const struct cg_security api_key = {
    .name = "apiKey", .kind = CG_SEC_API_KEY, .header = "x-api-key", .check = check_token,
};
static const struct cg_security switched_off = {
    .name = "off", .kind = CG_SEC_BEARER, .check = check_token, .disabled = true,
};

static const struct cg_route routes[] = {
    CG_GET("/hello", hello),
    CG_GET("/me", whoami, .security = &bearer, .params = CG_PARAMS(CG_QUERY_INT("n", .required = true))),
    CG_GET("/key", whoami, .security = &api_key),
    CG_GET("/open", whoami, .security = &switched_off),
};

static void setup(void)
{
    arena = cg_arena_new();
    app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    client = cg_test_new(app);
}

static void teardown(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    cg_arena_free(arena);
    cg__patterns_free();
}

TestSuite(middleware, .init = setup, .fini = teardown);

static void use(const char *name, void (*handle)(void *, struct cg_request *, struct cg_response *, struct cg_next *))
{
    cr_assert_eq(cg_app_use(app, &(struct cg_middleware){ name, handle, (void *)name, NULL }), 0);
}

/* A GET with one optional extra header; the first header is the
 * tracer's. */
static struct cg_test_response *get(const char *target, const char *header, const char *value)
{
    const char *extra = header ? cg_arena_printf(arena, "%s: %s", header, value).ptr : NULL;
    return cg_test_get(client, target, (const char *[]){ "x-trace:", extra, NULL });
}

static const char *body_of(const struct cg_test_response *res)
{
    return cg_arena_printf(arena, "%d %s", res->status, res->body.ptr).ptr;
}

static const char *header_of(const struct cg_test_response *res, const char *name)
{
    cg_str v = cg_test_header(res, name);
    return v.ptr ? cg_arena_strdup(arena, v).ptr : "(none)";
}

Test(middleware, the_last_added_runs_outermost)
{
    use("a", tracer);
    use("b", tracer);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test_response *res = get("/hello", NULL, NULL);
    cr_assert_str_eq(body_of(res), "200 trace=b,a,");
    /* on the way out the inner one (a) finishes first */
    cr_assert_str_eq(cg_arena_strdup(arena, res->headers[res->nheaders - 2].name).ptr, "x-out-a");
    cr_assert_str_eq(cg_arena_strdup(arena, res->headers[res->nheaders - 1].name).ptr, "x-out-b");
}

Test(middleware, one_can_answer_without_the_routes_and_core_answers_pass_through)
{
    use("tracer", tracer);
    use("teapot", teapot);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test_response *res = get("/teapot/x", NULL, NULL);
    cr_assert_str_eq(body_of(res), "418 {\"detail\":\"I'm a teapot\"}");
    cr_assert_str_eq(header_of(res, "x-out-tracer"), "(none)");
    res = get("/nowhere", NULL, NULL);
    cr_assert_str_eq(body_of(res), "404 {\"detail\":\"Not Found\"}");
    cr_assert_str_eq(header_of(res, "x-out-tracer"), "1");
}

Test(middleware, a_second_cg_next_is_ignored)
{
    use("twice", twice);
    use("tracer", tracer);
    cr_assert_eq(cg_app_start(app), 0);
    cr_assert_str_eq(body_of(get("/hello", NULL, NULL)), "200 trace=tracer,");
}

Test(middleware, none_can_be_added_once_started)
{
    cr_assert_eq(cg_app_start(app), 0);
    cr_assert_eq(cg_app_use(app, &(struct cg_middleware){ "late", tracer, "late", NULL }), -1);
}

static int freed;
static void count_free(void *state)
{
    (void)state;
    freed++;
}

Test(middleware, the_app_frees_the_state)
{
    freed = 0;
    cr_assert_eq(cg_app_use(app, &(struct cg_middleware){ "a", tracer, "a", count_free }), 0);
    cg_app_free(app);
    app = NULL;
    cr_assert_eq(freed, 1);
    app = cg_app_new(NULL); /* for teardown */
}

Test(middleware, security_runs_before_validation)
{
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test_response *res = get("/me?n=x", NULL, NULL);
    cr_assert_str_eq(body_of(res), "401 {\"detail\":\"Not authenticated\"}");
    cr_assert_str_eq(header_of(res, "www-authenticate"), "Bearer");
    res = get("/me?n=x", "Authorization", "Bearer nope");
    cr_assert_str_eq(body_of(res), "401 {\"detail\":\"Invalid authentication credentials\"}");
    cr_assert_str_eq(header_of(res, "www-authenticate"), "Bearer");
    res = get("/me?n=x", "authorization", "bearer reader");
    cr_assert_str_eq(body_of(res), "403 {\"detail\":\"Not enough permissions\"}");
    cr_assert_str_eq(header_of(res, "www-authenticate"), "(none)");
    cr_assert_eq(get("/me?n=x", "Authorization", "Bearer good")->status, 422);
    cr_assert_str_eq(body_of(get("/me?n=1", "Authorization", "BEARER   good ")), "200 {\"sub\":\"good\"}");
}

Test(middleware, only_a_bearer_scheme_carries_a_token)
{
    cr_assert_eq(cg_app_start(app), 0);
    static const char *const refused[] = { "Basic good", "Bearer", "Bearer ", "Bearergood", "good" };
    for (size_t i = 0; i < CG_LEN(refused); i++)
        cr_assert_str_eq(body_of(get("/me?n=1", "Authorization", refused[i])), "401 {\"detail\":\"Not authenticated\"}",
                         "%s", refused[i]);
}

Test(middleware, api_keys_come_from_their_header)
{
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test_response *res = get("/key", "Authorization", "Bearer good");
    cr_assert_eq(res->status, 401);
    cr_assert_str_eq(header_of(res, "www-authenticate"), "APIKey");
    cr_assert_str_eq(body_of(get("/key", "X-API-Key", "good")), "200 {\"sub\":\"good\"}");
    cr_assert_eq(get("/key", "X-API-Key", "")->status, 401);
}

Test(middleware, a_disabled_scheme_lets_everyone_in)
{
    cr_assert_eq(cg_app_start(app), 0);
    cr_assert_str_eq(body_of(get("/open", NULL, NULL)), "200 anonymous");
}

static void record(struct cg_request *req, void *arg)
{
    struct cg_buf *log = arg;
    cg_str step = cg_request_header(req, "x-step");
    cg_buf_printf(log, "%.*s;", (int)step.len, step.ptr);
}

static void record_and_defer_more(struct cg_request *req, void *arg)
{
    struct cg_buf *log = arg;
    cg_buf_puts(log, "first;");
    cg_request_defer(req, record, log);
}

Test(middleware, deferred_work_runs_once_in_order)
{
    struct cg_buf log;
    cg_buf_init(&log, arena);
    struct cg_kv header = { CG_STR("x-step"), CG_STR("later") };
    struct cg_request req = { .headers = &header, .nheaders = 1, .arena = arena };
    cg_request_run_deferred(&req); /* nothing to run */
    cg_request_defer(&req, record_and_defer_more, &log);
    cg_request_defer(&req, record, &log);
    cr_assert_eq(log.len, 0);
    cg_request_run_deferred(&req);
    cg_request_run_deferred(&req);
    cr_assert_str_eq(cg_arena_strdup(arena, cg_buf_str(&log)).ptr, "first;later;later;");
}

Test(middleware, the_base_path_is_normalised)
{
    static const struct {
        const char *option, *env, *want;
    } cases[] = {
        { NULL, NULL, "" },       { "api", NULL, "/api" },   { "/api/v1/", NULL, "/api/v1" },
        { "/", NULL, "" },        { "api", "/v2", "/v2" },   { "api", "", "" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        struct cg_app *a = cg_app_new(&(struct cg_app_opts){ .base_path = cases[i].option });
        if (cases[i].env)
            setenv("CG_BASE_PATH", cases[i].env, 1);
        else
            unsetenv("CG_BASE_PATH");
        cr_assert_eq(cg_app_start(a), 0);
        cr_assert_str_eq(cg_arena_strdup(arena, cg_app_base_path(a)).ptr, cases[i].want, "case %zu", i);
        cg_app_stop(a);
        cg_app_free(a);
    }
    unsetenv("CG_BASE_PATH");
}
