/* Parameters the OpenAPI layer added: lists from repeated query keys (with
 * the item's index in a 422 loc) and header names with hyphens. */
#include <criterion/criterion.h>
#include <string.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "core/patterns.h"

/* Answers "tags=<n>:<each, joined by +>;trace=<x-trace-id>". */
static int echo(struct cg_ctx *c)
{
    struct cg_buf out;
    cg_buf_init(&out, cg_arena(c));
    size_t n = cg_param_count(c, "tag");
    cg_buf_printf(&out, "tags=%zu:", n);
    for (size_t i = 0; i < n; i++) {
        cg_str tag = cg_param_str_at(c, "tag", i);
        cg_buf_printf(&out, "%s%.*s", i ? "+" : "", (int)tag.len, tag.ptr);
    }
    cg_str trace = cg_param_str(c, "x_trace_id");
    cg_buf_printf(&out, ";trace=%.*s;ids=%zu", (int)trace.len, trace.ptr, cg_param_count(c, "id"));
    return cg_send_text(c, 200, cg_buf_str(&out));
}

/* Answers "<n>:" and every x-tag value, as FastAPI's list[str] = Header(). */
static int tags(struct cg_ctx *c)
{
    struct cg_buf out;
    cg_buf_init(&out, cg_arena(c));
    size_t n = cg_param_count(c, "x_tag");
    cg_buf_printf(&out, "%zu:", n);
    for (size_t i = 0; i < n; i++) {
        cg_str tag = cg_param_str_at(c, "x_tag", i);
        cg_buf_printf(&out, "%s%.*s", i ? "+" : "", (int)tag.len, tag.ptr);
    }
    return cg_send_text(c, 200, cg_buf_str(&out));
}

static const struct cg_route routes[] = {
    CG_GET("/echo", echo,
           .params = CG_PARAMS(CG_QUERY_LIST("tag", CG_STRING, CG_MAX_LEN(3)), CG_QUERY_LIST("id", CG_INT),
                               CG_HEADER_STR("x_trace_id", .required = true))),
    CG_GET("/raw", echo, .params = CG_PARAMS(CG_HEADER_STR("x_trace_id", .keep_underscores = true),
                                             CG_QUERY_LIST("tag", CG_STRING), CG_QUERY_LIST("id", CG_INT))),
    CG_GET("/tags", tags, .params = CG_PARAMS(CG_HEADER_STR("x_tag", .list = true, CG_MAX_LEN(3)))),
};

static struct cg_app *app;
static struct cg_test *client;
static struct cg_arena *arena; /* the client's */

static void setup(void)
{
    app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_start(app), 0);
    client = cg_test_new(app);
    arena = cg_test_arena(client);
}

static void teardown(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    cg__patterns_free();
}

TestSuite(params, .init = setup, .fini = teardown);

/* "STATUS BODY" */
static const char *status_and_body(const struct cg_test_response *r)
{
    return cg_arena_printf(arena, "%d %s", r->status, r->body.ptr).ptr;
}

static const char *get(const char *path, const char *query, const char *header, const char *value)
{
    const char *line = header ? cg_arena_printf(arena, "%s: %s", header, value).ptr : NULL;
    const char *target = cg_arena_printf(arena, "%s?%s", path, query).ptr;
    return status_and_body(cg_test_get(client, target, (const char *[]){ line, NULL }));
}

Test(params, a_list_holds_every_value_of_a_repeated_key_in_order)
{
    cr_assert_str_eq(get("/echo", "tag=a&x=1&tag=bc&tag=&id=7", "X-Trace-Id", "t1"), "200 tags=3:a+bc+;trace=t1;ids=1");
    cr_assert_str_eq(get("/echo", "", "x-trace-id", "t2"), "200 tags=0:;trace=t2;ids=0");
}

Test(params, each_item_is_checked_and_reported_with_its_index)
{
    cr_assert_str_eq(get("/echo", "tag=ok&tag=long&id=1&id=x", "x-trace-id", "t"),
                     "422 {\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"query\",\"tag\",1],"
                     "\"msg\":\"String should have at most 3 characters\",\"input\":\"long\",\"ctx\":"
                     "{\"max_length\":3}},{\"type\":\"int_parsing\",\"loc\":[\"query\",\"id\",1],\"msg\":"
                     "\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"}]}");
}

Test(params, header_names_take_hyphens_for_underscores)
{
    cr_assert_str_eq(get("/echo", "", "x_trace_id", "t"),
                     "422 {\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-trace-id\"],"
                     "\"msg\":\"Field required\",\"input\":null}]}");
    cr_assert_str_eq(get("/raw", "", "X_Trace_Id", "u"), "200 tags=0:;trace=u;ids=0");
    cr_assert_str_eq(get("/raw", "", "x-trace-id", "u"), "200 tags=0:;trace=;ids=0");
}

static const char *get_tags(const char *const *values, size_t n)
{
    const char **lines = cg_arena_zalloc(arena, (n + 2) * sizeof *lines);
    for (size_t i = 0; i < n; i++)
        lines[i] = cg_arena_printf(arena, "%s: %s", i % 2 ? "x-tag" : "X-Tag", values[i]).ptr;
    lines[n] = "x-other: zzzz";
    return status_and_body(cg_test_get(client, "/tags", lines));
}

Test(params, a_header_list_holds_every_repeated_header_in_order)
{
    static const char *const values[] = { "a", "bc", "d" };
    cr_assert_str_eq(get_tags(values, 3), "200 3:a+bc+d");
    cr_assert_str_eq(get_tags(values, 0), "200 0:");
    static const char *const bad[] = { "ok", "long" };
    cr_assert_str_eq(get_tags(bad, 2),
                     "422 {\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"header\",\"x-tag\",1],"
                     "\"msg\":\"String should have at most 3 characters\",\"input\":\"long\",\"ctx\":{\"max_length\":3}}]}");
}
