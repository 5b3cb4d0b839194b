/* Typed parameters (CG_PARAMS_OF): bound into the handler's struct, with the
 * same validation, 422 bodies and OpenAPI document as the same parameters
 * declared by name; and the declarations start-up refuses. */
#include <criterion/criterion.h>
#include <string.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "core/patterns.h"

struct search {
    int64_t item_id;
    int64_t limit;
    cg_str q;
    bool has_after;
    int64_t after;
    double ratio;
    bool full;
    int sort;
    struct cg_list tag;
    struct cg_list id;
    cg_str x_trace_id;
    int64_t session;
};

static void put_str(struct cg_buf *out, const char *name, cg_str s)
{
    if (s.ptr)
        cg_buf_printf(out, " %s=%.*s", name, (int)s.len, s.ptr);
    else
        cg_buf_printf(out, " %s=<null>", name);
}

/* Answers every member as text: "item=7 limit=20 q=<null> ...". Both
 * tables below name it, so that their documents can be compared; the
 * by-name table's is never run (its tests stop at the 422). */
static int search(struct cg_ctx *c)
{
    const struct search *s = cg_params(c);
    struct cg_buf out;
    cg_buf_init(&out, cg_arena(c));
    cg_buf_printf(&out, "item=%lld limit=%lld", (long long)s->item_id, (long long)s->limit);
    put_str(&out, "q", s->q);
    if (s->has_after)
        cg_buf_printf(&out, " after=%lld", (long long)s->after);
    else
        cg_buf_puts(&out, " after=-");
    cg_buf_printf(&out, " ratio=%g full=%d sort=%d tags=%zu%s", s->ratio, s->full, s->sort, s->tag.n,
                  s->tag.items ? "" : "(null)");
    for (size_t i = 0; i < s->tag.n; i++) {
        cg_str tag = CG_LIST_AT(s->tag, cg_str, i);
        cg_buf_printf(&out, ":%.*s", (int)tag.len, tag.ptr);
    }
    cg_buf_printf(&out, " ids=%zu", s->id.n);
    for (size_t i = 0; i < s->id.n; i++)
        cg_buf_printf(&out, ":%lld", (long long)CG_LIST_AT(s->id, int64_t, i));
    put_str(&out, "trace", s->x_trace_id);
    cg_buf_printf(&out, " session=%lld", (long long)s->session);
    return cg_send_text(c, 200, cg_buf_str(&out));
}

static const char *const sorts[] = { "asc", "desc", NULL };

#define SEARCH_PATH "/items/{item_id}"

/* The same parameters twice: typed, and by name. */
static const struct cg_route typed_routes[] = {
    CG_GET(SEARCH_PATH, search,
           .params = CG_PARAMS_OF(struct search,
                                  CG_PATH_PARAM(struct search, item_id, CG_INT, CG_GE(1)),
                                  CG_QUERY_PARAM(struct search, limit, CG_INT, CG_GE(1), CG_LE(100), .def = "20"),
                                  CG_QUERY_PARAM(struct search, q, CG_STRING, CG_MAX_LEN(5)),
                                  CG_QUERY_PARAM_OPT(struct search, after, has_after, CG_INT, CG_GE(0)),
                                  CG_QUERY_PARAM(struct search, ratio, CG_NUMBER, CG_GT(0), .def = "0.5"),
                                  CG_QUERY_PARAM(struct search, full, CG_BOOL, .def = "false"),
                                  CG_QUERY_PARAM(struct search, sort, CG_ENUM, .c.choices = sorts, .def = "asc"),
                                  CG_QUERY_PARAM_LIST(struct search, tag, CG_STRING, CG_MAX_LEN(3)),
                                  CG_QUERY_PARAM_LIST(struct search, id, CG_INT),
                                  CG_HEADER_PARAM(struct search, x_trace_id, CG_STRING),
                                  CG_COOKIE_PARAM(struct search, session, CG_INT, CG_GE(0), .def = "0"))),
};

static const struct cg_route named_routes[] = {
    CG_GET(SEARCH_PATH, search,
           .params = CG_PARAMS(CG_PATH_INT("item_id", CG_GE(1)),
                               CG_QUERY_INT("limit", CG_GE(1), CG_LE(100), .def = "20"),
                               CG_QUERY_STR("q", CG_MAX_LEN(5)), CG_QUERY_INT("after", CG_GE(0)),
                               CG_QUERY_NUM("ratio", CG_GT(0), .def = "0.5"), CG_QUERY_BOOL("full", .def = "false"),
                               CG_QUERY_ENUM("sort", .c.choices = sorts, .def = "asc"),
                               CG_QUERY_LIST("tag", CG_STRING, CG_MAX_LEN(3)), CG_QUERY_LIST("id", CG_INT),
                               CG_HEADER_STR("x_trace_id"), CG_COOKIE_INT("session", CG_GE(0), .def = "0"))),
};

static struct cg_app *new_app(const struct cg_route *routes, size_t n)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, n), 0);
    return app;
}

static void teardown(void)
{
    cg__patterns_free();
}

TestSuite(typed_params, .fini = teardown);

/* "STATUS BODY" of a GET through the HTTP front door or one Lambda's. */
static const char *get_via(struct cg_app *app, const char *path, const char *const *headers, enum cg_test_via via)
{
    struct cg_test *t = cg_test_new(app);
    struct cg_test_response *r = cg_test_request(t, &(struct cg_test_req){ .path = path, .headers = headers, .via = via });
    char *text = strdup(cg_arena_printf(cg_test_arena(t), "%d %.*s", r->status, (int)r->body.len, r->body.ptr).ptr);
    cg_test_free(t);
    return text;
}

static void assert_answer(const struct cg_route *routes, size_t n, const char *path, const char *const *headers,
                          const char *want)
{
    struct cg_app *app = new_app(routes, n);
    static const enum cg_test_via vias[] = { CG_VIA_HTTP, CG_VIA_HTTP_API, CG_VIA_REST };
    for (size_t i = 0; i < CG_LEN(vias); i++) {
        const char *got = get_via(app, path, headers, vias[i]);
        cr_assert_str_eq(got, want, "via %d", (int)vias[i]);
        free((char *)got);
    }
    cg_app_stop(app);
    cg_app_free(app);
}

Test(typed_params, absent_values_take_their_defaults_or_read_as_absent)
{
    assert_answer(typed_routes, CG_LEN(typed_routes), "/items/7", NULL,
                  "200 item=7 limit=20 q=<null> after=- ratio=0.5 full=0 sort=0 tags=0(null) ids=0 "
                  "trace=<null> session=0");
}

Test(typed_params, given_values_are_bound_into_their_members)
{
    static const char *const headers[] = { "X-Trace-Id: t1", "Cookie: session=9", NULL };
    assert_answer(typed_routes, CG_LEN(typed_routes),
                  "/items/7?limit=5&q=&after=0&ratio=2.5&full=yes&sort=desc&tag=a&id=3&tag=bc&id=-1", headers,
                  "200 item=7 limit=5 q= after=0 ratio=2.5 full=1 sort=1 tags=2:a:bc ids=2:3:-1 trace=t1 session=9");
}

/* Validation is the declaration's, not the binding's: the same 422. */
Test(typed_params, invalid_values_get_the_same_422_as_parameters_declared_by_name)
{
    static const char *const headers[] = { "Cookie: session=-1", NULL };
    const char *path = "/items/0?limit=x&q=toolong&after=-2&ratio=0&full=maybe&sort=up&tag=long&id=1&id=z";
    struct cg_app *typed_app = new_app(typed_routes, CG_LEN(typed_routes));
    struct cg_app *named_app = new_app(named_routes, CG_LEN(named_routes));
    const char *typed_answer = get_via(typed_app, path, headers, CG_VIA_HTTP);
    const char *named_answer = get_via(named_app, path, headers, CG_VIA_HTTP);
    cr_assert(strncmp(typed_answer, "422 ", 4) == 0, "%s", typed_answer);
    cr_assert_str_eq(typed_answer, named_answer);
    free((char *)typed_answer);
    free((char *)named_answer);
    cg_app_stop(typed_app);
    cg_app_stop(named_app);
    cg_app_free(typed_app);
    cg_app_free(named_app);
}

Test(typed_params, the_openapi_document_is_the_one_of_parameters_declared_by_name)
{
    struct cg_app *typed_app = new_app(typed_routes, CG_LEN(typed_routes));
    struct cg_app *named_app = new_app(named_routes, CG_LEN(named_routes));
    cg_str typed_doc = cg_app_openapi(typed_app), named_doc = cg_app_openapi(named_app);
    cr_assert(typed_doc.ptr && named_doc.ptr);
    cr_assert(cg_str_eq(typed_doc, named_doc), "%.*s\n%.*s", (int)typed_doc.len, typed_doc.ptr, (int)named_doc.len,
              named_doc.ptr);
    cg_app_free(typed_app);
    cg_app_free(named_app);
}

/* ---- what start-up refuses: what the compiler cannot see ---- */

static void assert_refused(const struct cg_route *route, const char *message)
{
    struct cg_app *app = new_app(route, 1);
    cr_assert_eq(cg_app_start(app), -1);
    cr_assert_str_eq(cg_log_first_error(), message);
    cg_app_free(app);
}

struct page {
    int64_t limit;
    int64_t offset;
};

struct other {
    int64_t limit;
};

/* One refused declaration each. */
static const struct cg_route no_presence = CG_GET(
    "/p", search, .params = CG_PARAMS_OF(struct page, CG_QUERY_PARAM(struct page, limit, CG_INT, CG_GE(1))));
static const struct cg_route typed_in_named_table =
    CG_GET("/p", search, .params = CG_PARAMS(CG_QUERY_PARAM(struct page, limit, CG_INT, .def = "1")));
static const struct cg_route named_in_typed_table =
    CG_GET("/p", search, .params = CG_PARAMS_OF(struct page, CG_QUERY_PARAM(struct page, limit, CG_INT, .def = "1"),
                                                CG_QUERY_INT("offset", .def = "0")));
static const struct cg_route another_struct = CG_GET(
    "/p", search, .params = CG_PARAMS_OF(struct page, CG_QUERY_PARAM(struct other, limit, CG_INT, .def = "1")));

Test(typed_params, an_optional_number_without_a_presence_member_is_refused)
{
    assert_refused(&no_presence, "route /p: parameter limit may be absent: give it a default, .required = true, "
                                 "or a presence bool (CG_*_PARAM_OPT)");
}

Test(typed_params, a_typed_parameter_outside_a_typed_table_is_refused)
{
    assert_refused(&typed_in_named_table,
                   "route /p: parameter limit: a typed parameter belongs in a CG_PARAMS_OF table");
}

Test(typed_params, a_parameter_by_name_inside_a_typed_table_is_refused)
{
    assert_refused(&named_in_typed_table, "route /p: parameter offset: a CG_PARAMS_OF table holds typed "
                                          "parameters only (CG_QUERY_PARAM...)");
}

Test(typed_params, a_parameter_of_another_struct_is_refused)
{
    assert_refused(&another_struct, "route /p: parameter limit: its struct has 8 bytes, the CG_PARAMS_OF struct 16");
}
