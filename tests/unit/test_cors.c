/* The CORS middleware against Starlette's: every case of
 * tests/unit/data/cors_cases.json (written by tests/cors_cases.py from real
 * Starlette) through the test client, then the options' checks and the
 * helpers a handler uses without the middleware. */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cgate/cgate.h>
#include <cgate/cors.h>
#include <cgate/testing.h>

#include "../integration/cors_app.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(cors, .init = setup, .fini = teardown);

static cg_str string_field(const struct cg_json_value *obj, const char *key)
{
    return cg_json_as_str(cg_json_member(obj, key));
}

/* A string of the table as a C string; NULL when absent. */
static const char *c_string(cg_str s)
{
    return s.ptr ? cg_arena_strdup(arena, s).ptr : NULL;
}

/* [[name, value], ...] */
static struct cg_kv *pairs_of(const struct cg_json_value *pairs, size_t *n)
{
    *n = pairs->len;
    struct cg_kv *kv = cg_arena_alloc(arena, (*n ? *n : 1) * sizeof *kv);
    for (size_t i = 0; i < *n; i++)
        kv[i] = (struct cg_kv){ cg_json_as_str(&pairs->items[i].items[0]),
                                cg_json_as_str(&pairs->items[i].items[1]) };
    return kv;
}

/* The case's request through the app. */
static struct cg_test_response *send_case(struct cg_test *client, const struct cg_json_value *c)
{
    const struct cg_json_value *pairs = cg_json_member(c, "headers");
    const char **lines = cg_arena_zalloc(arena, (pairs->len + 1) * sizeof *lines);
    for (size_t i = 0; i < pairs->len; i++) {
        cg_str name = cg_json_as_str(&pairs->items[i].items[0]), value = cg_json_as_str(&pairs->items[i].items[1]);
        lines[i] = cg_arena_printf(arena, "%.*s: %.*s", (int)name.len, name.ptr, (int)value.len, value.ptr).ptr;
    }
    return cg_test_request(client, &(struct cg_test_req){ .method = c_string(string_field(c, "method")),
                                                          .path = c_string(string_field(c, "path")),
                                                          .headers = lines });
}

/* A response's headers in the arena, to be sorted by render(). */
static struct cg_kv *headers_copy(const struct cg_test_response *r)
{
    struct cg_kv *h = cg_arena_alloc(arena, (r->nheaders ? r->nheaders : 1) * sizeof *h);
    if (r->nheaders)
        memcpy(h, r->headers, r->nheaders * sizeof *h);
    return h;
}

/* "name: value" lines, names in lower case. Unless in_order, grouped by
 * name (stable): only the preflight answer is the middleware's alone, and
 * the app's own headers come in another order than FastAPI's. */
static const char *render(struct cg_kv *h, size_t n, bool in_order)
{
    for (size_t i = 1; i < n && !in_order; i++) {
        struct cg_kv kv = h[i];
        size_t k = i;
        for (; k > 0 && strcasecmp(h[k - 1].name.ptr, kv.name.ptr) > 0; k--)
            h[k] = h[k - 1];
        h[k] = kv;
    }
    struct cg_buf out;
    cg_buf_init(&out, arena);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < h[i].name.len; k++)
            cg_buf_putc(&out, (char)tolower((unsigned char)h[i].name.ptr[k]));
        cg_buf_printf(&out, ": %.*s\n", (int)h[i].value.len, h[i].value.ptr);
    }
    return cg_arena_strdup(arena, cg_buf_str(&out)).ptr;
}

static const char *expected_headers(const struct cg_json_value *expect, bool in_order)
{
    size_t n;
    struct cg_kv *h = pairs_of(cg_json_member(expect, "headers"), &n);
    return render(h, n, in_order);
}

/* The app for a config, built once per config. */
static struct cg_app *app_for(const struct cg_json_value *table, const char *config, const char **names,
                              struct cg_app **apps, size_t *napps)
{
    for (size_t i = 0; i < *napps; i++)
        if (strcmp(names[i], config) == 0)
            return apps[i];
    char err[256];
    struct cg_app *app = cors_app_new(table, config, err, sizeof err);
    cr_assert(app, "%s", err);
    cr_assert_eq(cg_app_start(app), 0);
    names[*napps] = config;
    return apps[(*napps)++] = app;
}

static void check_case(struct cg_app *app, const struct cg_json_value *c)
{
    const char *name = c_string(string_field(c, "name"));
    const struct cg_json_value *expect = cg_json_member(c, "expect");
    const struct cg_json_value *preflight_flag = cg_json_member(expect, "preflight");
    bool preflight = preflight_flag && preflight_flag->type == CG_JSON_TRUE;
    struct cg_test *client = cg_test_new(app);
    struct cg_test_response *res = send_case(client, c);

    int64_t status = 0;
    cg_json_as_int(cg_json_member(expect, "status"), &status);
    cr_expect_eq(res->status, status, "%s: status %d, Starlette %d", name, res->status, (int)status);
    const char *body = cg_arena_strdup(arena, res->body).ptr;
    const char *starlette_body = c_string(string_field(expect, "body"));
    cr_expect_str_eq(body, starlette_body, "%s: body\n%s\nStarlette:\n%s", name, body, starlette_body);
    const char *headers = render(headers_copy(res), res->nheaders, preflight);
    const char *starlette_headers = expected_headers(expect, preflight);
    cr_expect_str_eq(headers, starlette_headers, "%s: headers\n%sStarlette:\n%s", name, headers, starlette_headers);
    cg_test_free(client);
}

/* The start-up error of a config that cgate refuses on purpose (the table's
 * "cgate_refuses"), or NULL: its cases keep Starlette's answers as a record. */
static const char *refusal(const struct cg_json_value *table, const char *config)
{
    return c_string(cg_json_as_str(cg_json_member(cg_json_member(table, "cgate_refuses"), config)));
}

Test(cors, every_case_of_the_table_answers_as_starlette)
{
    char err[256];
    const struct cg_json_value *table = cors_table_load(arena, CG_CORS_CASES, err, sizeof err);
    cr_assert(table, "%s", err);
    const struct cg_json_value *cases = cg_json_member(table, "cases");
    cr_assert(cases && cases->type == CG_JSON_ARRAY && cases->len > 100, "the table has its cases");
    const char *names[16];
    struct cg_app *apps[16];
    size_t napps = 0;
    for (size_t i = 0; i < cases->len; i++) {
        const struct cg_json_value *c = &cases->items[i];
        const char *config = c_string(string_field(c, "config"));
        if (!refusal(table, config))
            check_case(app_for(table, config, names, apps, &napps), c);
    }
    const struct cg_json_value *refused = cg_json_member(table, "cgate_refuses");
    cr_expect_eq(napps, cg_json_member(table, "configs")->len - (refused ? refused->len : 0),
                 "every config has its cases");
    for (size_t i = 0; i < napps; i++) {
        cg_app_stop(apps[i]);
        cg_app_free(apps[i]);
    }
}

/* ---- options ---- */

static const char *rejected(const struct cg_cors_opts *opts)
{
    static char err[256];
    err[0] = '\0';
    struct cg_cors *cors = cg_cors_new(opts, err, sizeof err);
    cr_assert_null(cors, "accepted");
    return err;
}

Test(cors, invalid_options_are_refused_with_a_message_naming_them)
{
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .allow_origin_regex = "https://(a|b" }),
                     "CORS allow_origin_regex \"https://(a|b\": Unmatched ( or \\(");
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .allow_headers = (const char *[]){ "X-Ok", "X Bad", NULL } }),
                     "CORS allow_headers: \"X Bad\" is not an HTTP token");
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .allow_methods = (const char *[]){ "", NULL } }),
                     "CORS allow_methods: \"\" is not an HTTP token");
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .expose_headers = (const char *[]){ "X-A\r\n", NULL } }),
                     "CORS expose_headers: \"X-A\r\n\" is not an HTTP token");
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .max_age = -5 }),
                     "CORS max_age: -5 is negative (CG_CORS_MAX_AGE_ZERO sends 0)");
}

/* Starlette echoes any origin with Access-Control-Allow-Credentials: true,
 * which lets every site read what the user's cookies unlock. */
Test(cors, any_origin_with_credentials_is_refused)
{
    static const char *const any[] = { "*", NULL }, *const some_and_any[] = { "https://a.example", "*", NULL };
    const char *why = "CORS allow_origins \"*\" with allow_credentials would let any site read what the "
                      "user's cookies unlock; list the origins";
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .allow_origins = any, .allow_credentials = true }), why);
    cr_expect_str_eq(rejected(&(struct cg_cors_opts){ .allow_origins = some_and_any, .allow_credentials = true }),
                     why);
    char err[256];
    const struct cg_json_value *table = cors_table_load(arena, CG_CORS_CASES, err, sizeof err);
    cr_assert(table, "%s", err);
    const struct cg_json_value *refused = cg_json_member(table, "cgate_refuses");
    cr_assert(refused && refused->type == CG_JSON_OBJECT && refused->len > 0, "the table marks what cgate refuses");
    for (size_t i = 0; i < refused->len; i++) {
        const char *config = c_string(refused->items[i].key);
        cr_expect_null(cors_app_new(table, config, err, sizeof err), "%s: accepted", config);
        cr_expect_str_eq(err, refusal(table, config), "%s", config);
    }
}

Test(cors, the_middleware_is_added_before_start_only)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_start(app), 0);
    cr_expect_eq(cg_app_use_cors(app, NULL), -1);
    cr_expect_str_eq(cg_app_error(app), "cg_app_use(cors): the app has started; add middleware before cg_app_start");
    cg_app_stop(app);
    cg_app_free(app);
}

/* ---- without the middleware ---- */

static const char *const origins[] = { "https://a.example", NULL };
static struct cg_cors *route_cors;

/* One route that handles CORS itself. */
static int by_hand(struct cg_ctx *c)
{
    if (cg_cors_answer_preflight(route_cors, cg_req(c), cg_take_response(c)))
        return 0;
    cg_send_text(c, 200, CG_STR("hi"));
    cg_cors_add_headers(route_cors, cg_req(c), cg_take_response(c));
    return 0;
}

static const struct cg_route by_hand_routes[] = {
    CG_ROUTE(CG_M_GET | CG_M_OPTIONS, "/hand", by_hand),
};

static const char *call(struct cg_test *client, const char *method, const char *acrm)
{
    const char *request_method = acrm ? cg_arena_printf(arena, "Access-Control-Request-Method: %s", acrm).ptr : NULL;
    struct cg_test_response *res = cg_test_request(client, &(struct cg_test_req){
        .method = method, .path = "/hand",
        .headers = (const char *[]){ "Origin: https://a.example", request_method, NULL } });
    return cg_arena_printf(arena, "%d %s | %s", res->status, res->body.ptr,
                           render(headers_copy(res), res->nheaders, true)).ptr;
}

Test(cors, a_handler_can_answer_cors_by_itself)
{
    char err[64];
    route_cors = cg_cors_new(&(struct cg_cors_opts){ .allow_origins = origins, .max_age = CG_CORS_MAX_AGE_ZERO },
                             err, sizeof err);
    cr_assert(route_cors, "%s", err);
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, by_hand_routes, CG_LEN(by_hand_routes)), 0);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test *client = cg_test_new(app);

    cr_expect_str_eq(call(client, "GET", NULL), "200 hi | content-type: text/plain; charset=utf-8\n"
                                             "access-control-allow-origin: https://a.example\nvary: Origin\n");
    cr_expect_str_eq(call(client, "OPTIONS", "GET"),
                     "200 OK | vary: Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
                     "Access-Control-Request-Private-Network\naccess-control-allow-methods: GET\n"
                     "access-control-max-age: 0\naccess-control-allow-headers: Accept, Accept-Language, "
                     "Content-Language, Content-Type\naccess-control-allow-origin: https://a.example\n"
                     "content-type: text/plain; charset=utf-8\n");
    cr_expect_str_eq(call(client, "OPTIONS", NULL), "200 hi | content-type: text/plain; charset=utf-8\n"
                                                 "access-control-allow-origin: https://a.example\nvary: Origin\n");
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    cg_cors_free(route_cors);
}

/* ---- what the table cannot carry (its client sends UTF-8 and no NUL) ---- */

static int preflight_status(const struct cg_cors *cors, cg_str origin, cg_str requested_headers)
{
    struct cg_kv headers[] = {
        { CG_STR("origin"), origin },
        { CG_STR("access-control-request-method"), CG_STR("GET") },
        { CG_STR("access-control-request-headers"), requested_headers },
    };
    struct cg_request req = { .method = CG_STR("OPTIONS"), .headers = headers, .nheaders = 3, .arena = arena };
    struct cg_response res;
    cg_response_init(&res, arena);
    cr_assert(cg_cors_answer_preflight(cors, &req, &res));
    return res.status;
}

Test(cors, requested_headers_are_stripped_as_python_strips_latin1_text)
{
    char err[64];
    struct cg_cors *cors = cg_cors_new(&(struct cg_cors_opts){ .allow_origins = origins,
                                                               .allow_headers = (const char *[]){ "X-Token", NULL } },
                                       err, sizeof err);
    cr_assert(cors, "%s", err);
    cg_str origin = CG_STR("https://a.example");
    /* Starlette: "X-Token,\x85Accept\xa0" decoded as Latin-1, .lower().split(","), .strip(). */
    cr_expect_eq(preflight_status(cors, origin, CG_STR("X-Token,\x85" "Accept\xa0")), 200);
    cr_expect_eq(preflight_status(cors, origin, CG_STR("\x0bX-Token\x1f, accept")), 200);
    cr_expect_eq(preflight_status(cors, origin, CG_STR("X-Token,\x80" "Accept")), 400);
    cg_cors_free(cors);
}

Test(cors, the_regex_must_match_the_whole_origin_nul_bytes_included)
{
    char err[64];
    struct cg_cors *cors = cg_cors_new(&(struct cg_cors_opts){ .allow_origin_regex = "https://[a-z]+\\.example\\.org" },
                                       err, sizeof err);
    cr_assert(cors, "%s", err);
    cr_expect_eq(preflight_status(cors, CG_STR("https://api.example.org"), CG_STR("Accept")), 200);
    cr_expect_eq(preflight_status(cors, CG_STR("https://api.example.org\0.evil"), CG_STR("Accept")), 400);
    cr_expect_eq(preflight_status(cors, CG_STR("xhttps://api.example.org"), CG_STR("Accept")), 400);
    cg_cors_free(cors);
}
