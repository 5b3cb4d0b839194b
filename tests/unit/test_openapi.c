/* The OpenAPI document's shape (golden fragments, checked against what
 * FastAPI writes for the same app), the servers a root path adds, and the
 * options that move or switch off the document and the docs pages. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/core_internal.h"

struct pet {
    cg_str name;
    int kind;
    cg_str tag;
};

static const struct cg_field pet_fields[] = {
    CG_FIELD(struct pet, name, CG_STRING, CG_MIN_LEN(1)),
    CG_FIELD(struct pet, kind, CG_ENUM, CG_CHOICES("cat", "dog")),
    CG_FIELD(struct pet, tag, CG_STRING, .optional = true, .description = "A label"),
};
static const struct cg_model pet_model = CG_MODEL("Pet", struct pet, pet_fields);

static int ok(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{}"));
}

/* The operation names come from the handlers' names. */
static int read_pet(struct cg_ctx *c)
{
    return ok(c);
}

static int create_pet(struct cg_ctx *c)
{
    return ok(c);
}

static int get_file(struct cg_ctx *c)
{
    return ok(c);
}

static int health(struct cg_ctx *c)
{
    return ok(c);
}

static int read_item(struct cg_ctx *c)
{
    return ok(c);
}

static const struct cg_route pet_routes[] = {
    CG_GET("/pets/{pet_id}", read_pet, .tags = "pets",
           .params = CG_PARAMS(CG_HEADER_STR("x_trace_id"), CG_QUERY_LIST("tag", CG_STRING, CG_MAX_LEN(8)),
                               CG_PATH_INT("pet_id", CG_GE(1)), CG_QUERY_INT("limit", CG_LT(50), .def = "10")),
           .response = &pet_model, .responses = CG_RESPONSES({ 404, "Pet not found" })),
    CG_POST("/pets", create_pet, .summary = "Create a pet", .tags = "pets, admin", .body = &pet_model,
            .response = &pet_model, .status = 201, .deprecated = true),
    CG_GET("/files/{rest:path}", get_file, .params = CG_PARAMS(CG_PATH_STR("rest"))),
    CG_GET("/hidden", health, .hidden = true),
    CG_GET("/health", health),
};

static const struct cg_route tiny_routes[] = {
    CG_GET("/items/{item_id}", read_item, .params = CG_PARAMS(CG_PATH_STR("item_id"))),
};

static struct cg_app *app;
static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_app_free(app);
    cg_arena_free(arena);
    cg_patterns_free();
}

TestSuite(openapi, .init = setup, .fini = teardown);

static const char *document_of(const struct cg_route *routes, size_t n, const struct cg_app_opts *opts)
{
    app = cg_app_new(opts);
    cr_assert_eq(cg_app_routes(app, routes, n), 0);
    cg_str doc = cg_app_openapi(app);
    cr_assert_not_null(doc.ptr);
    return cg_arena_strdup(arena, doc).ptr;
}

static const char *pets_document(void)
{
    return document_of(pet_routes, CG_LEN(pet_routes), &(struct cg_app_opts){ .title = "Pets", .version = "1" });
}

#define assert_has(doc, fragment) cr_assert(strstr((doc), (fragment)), "missing %s in\n%s", (fragment), (doc))

Test(openapi, golden_document_of_a_one_route_app)
{
    const char *doc = document_of(tiny_routes, 1, &(struct cg_app_opts){ .title = "Tiny", .version = "2.0" });
    cr_assert_str_eq(
        doc,
        "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Tiny\",\"version\":\"2.0\"},\"paths\":{\"/items/{item_id}\":"
        "{\"get\":{\"summary\":\"Read Item\",\"operationId\":\"read_item_items__item_id__get\",\"parameters\":"
        "[{\"name\":\"item_id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"string\",\"title\":"
        "\"Item Id\"}}],\"responses\":{\"200\":{\"description\":\"Successful Response\",\"content\":"
        "{\"application/json\":{\"schema\":{}}}},\"422\":{\"description\":\"Validation Error\",\"content\":"
        "{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/HTTPValidationError\"}}}}}}}},"
        "\"components\":{\"schemas\":{\"HTTPValidationError\":{\"properties\":{\"detail\":{\"items\":{\"$ref\":"
        "\"#/components/schemas/ValidationError\"},\"type\":\"array\",\"title\":\"Detail\"}},\"type\":\"object\","
        "\"title\":\"HTTPValidationError\"},\"ValidationError\":{\"properties\":{\"loc\":{\"items\":{\"anyOf\":"
        "[{\"type\":\"string\"},{\"type\":\"integer\"}]},\"type\":\"array\",\"title\":\"Location\"},\"msg\":"
        "{\"type\":\"string\",\"title\":\"Message\"},\"type\":{\"type\":\"string\",\"title\":\"Error Type\"},"
        "\"input\":{\"title\":\"Input\"},\"ctx\":{\"type\":\"object\",\"title\":\"Context\"}},\"type\":\"object\","
        "\"required\":[\"loc\",\"msg\",\"type\"],\"title\":\"ValidationError\"}}}}");
}

Test(openapi, operation_ids_as_fastapi_generates_them)
{
    const char *doc = pets_document();
    assert_has(doc, "\"operationId\":\"read_pet_pets__pet_id__get\"");
    assert_has(doc, "\"operationId\":\"create_pet_pets_post\"");
    assert_has(doc, "\"/files/{rest}\":{\"get\":{\"summary\":\"Get File\",\"operationId\":\"get_file_files__rest__get\"");
}

Test(openapi, parameters_in_fastapi_order_with_schemas_and_constraints)
{
    assert_has(pets_document(),
               "\"parameters\":["
               "{\"name\":\"pet_id\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\","
               "\"minimum\":1,\"title\":\"Pet Id\"}},"
               "{\"name\":\"tag\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":"
               "{\"type\":\"string\",\"maxLength\":8},\"title\":\"Tag\"}},"
               "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\","
               "\"exclusiveMaximum\":50,\"default\":10,\"title\":\"Limit\"}},"
               "{\"name\":\"x-trace-id\",\"in\":\"header\",\"required\":false,\"schema\":{\"anyOf\":"
               "[{\"type\":\"string\"},{\"type\":\"null\"}],\"title\":\"X Trace Id\"}}]");
}

Test(openapi, bodies_responses_and_models)
{
    const char *doc = pets_document();
    assert_has(doc, "\"requestBody\":{\"content\":{\"application/json\":{\"schema\":{\"$ref\":"
                    "\"#/components/schemas/Pet\"}}},\"required\":true}");
    assert_has(doc, "\"201\":{\"description\":\"Successful Response\",\"content\":{\"application/json\":"
                    "{\"schema\":{\"$ref\":\"#/components/schemas/Pet\"}}}}");
    assert_has(doc, "\"404\":{\"description\":\"Pet not found\"}");
    assert_has(doc, "\"Pet\":{\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"title\":\"Name\"},"
                    "\"kind\":{\"type\":\"string\",\"enum\":[\"cat\",\"dog\"],\"title\":\"Kind\"},"
                    "\"tag\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],\"title\":\"Tag\","
                    "\"description\":\"A label\"}},\"type\":\"object\",\"required\":[\"name\",\"kind\"],"
                    "\"title\":\"Pet\"}");
}

Test(openapi, components_sorted_and_422_only_with_input)
{
    const char *doc = pets_document();
    const char *http = strstr(doc, "\"HTTPValidationError\":{"), *pet = strstr(doc, "\"Pet\":{"),
               *verr = strstr(doc, "\"ValidationError\":{");
    cr_assert(http && pet && verr && http < pet && pet < verr);
    assert_has(doc, "\"/health\":{\"get\":{\"summary\":\"Health\",\"operationId\":\"health_health_get\","
                    "\"responses\":{\"200\":{\"description\":\"Successful Response\",\"content\":"
                    "{\"application/json\":{\"schema\":{}}}}}}}");
}

Test(openapi, tags_deprecated_and_hidden_routes)
{
    const char *doc = pets_document();
    assert_has(doc, "\"tags\":[\"pets\",\"admin\"],\"summary\":\"Create a pet\"");
    assert_has(doc, "\"deprecated\":true");
    assert_has(doc, "\"tags\":[{\"name\":\"pets\"},{\"name\":\"admin\"}]}");
    cr_assert_null(strstr(doc, "/hidden"));
    cr_assert_null(strstr(doc, "/docs"), "the built-in routes are not in the document");
    cr_assert_null(strstr(doc, "openapi.json"));
}

static struct cg_response get(const char *path, const char *root)
{
    struct cg_request req = {
        .method = CG_STR("GET"),
        .raw_path = cg_str_c(path),
        .root_path = cg_str_c(root),
        .arena = arena,
    };
    struct cg_response res;
    cg_response_init(&res, arena);
    cg_app_handle(app, &req, &res);
    return res;
}

static const char *body_of(struct cg_response res)
{
    return cg_arena_strdup(arena, cg_buf_str(&res.body)).ptr;
}

Test(openapi, served_with_servers_behind_a_root_path)
{
    const char *doc = pets_document();
    struct cg_response res = get("/openapi.json", "");
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(body_of(res), doc);
    const char *served = body_of(get("/openapi.json", "/prod"));
    assert_has(served, "\"version\":\"1\"},\"servers\":[{\"url\":\"/prod\"}],\"paths\":{");
    cr_assert_eq(strlen(served), strlen(doc) + strlen(",\"servers\":[{\"url\":\"/prod\"}]"));
}

Test(openapi, pages_link_everything_under_the_root_path)
{
    pets_document();
    const char *docs = body_of(get("/docs", "/prod"));
    assert_has(docs, "data-url=\"/prod/openapi.json\"");
    assert_has(docs, "<script src=\"/prod/docs/static/swagger-ui-bundle.js?v=");
    assert_has(docs, "href=\"/prod/docs/static/swagger-ui.css?v=");
    assert_has(docs, "validatorUrl: null");
    const char *redoc = body_of(get("/redoc", "/prod"));
    assert_has(redoc, "<redoc spec-url=\"/prod/openapi.json\">");
    assert_has(redoc, "<script src=\"/prod/docs/static/redoc.standalone.js?v=");
    cr_assert_null(strstr(redoc, "fonts.googleapis"));
    assert_has(body_of(get("/docs", "")), "data-url=\"/openapi.json\"");
}

Test(openapi, the_title_is_escaped_in_the_pages)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .title = "<Pets & \"Co\">" });
    assert_has(body_of(get("/docs", "")), "<title>&lt;Pets &amp; &quot;Co&quot;&gt; - Swagger UI</title>");
}

Test(openapi, urls_can_move_or_be_switched_off)
{
    document_of(pet_routes, 1,
                &(struct cg_app_opts){ .openapi_url = "/api/schema.json", .docs_url = "/api/docs", .redoc_url = "" });
    cr_assert_eq(get("/openapi.json", "").status, 404);
    cr_assert_eq(get("/api/schema.json", "").status, 200);
    cr_assert_eq(get("/redoc", "").status, 404);
    const char *docs = body_of(get("/api/docs", ""));
    assert_has(docs, "data-url=\"/api/schema.json\"");
    assert_has(docs, "src=\"/api/docs/static/swagger-ui-bundle.js?v=");
    cr_assert_eq(get("/api/docs/static/swagger-ui.css", "").status, 200);
}

Test(openapi, without_the_document_there_are_no_pages)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .openapi_url = "" });
    cr_assert_eq(get("/openapi.json", "").status, 404);
    cr_assert_eq(get("/docs", "").status, 404);
    cr_assert_eq(get("/redoc", "").status, 404);
    cr_assert_eq(get("/docs/static/swagger-ui.css", "").status, 404);
}

Test(openapi, pages_from_a_cdn)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .docs_cdn_url = "https://cdn.example.com/npm" });
    const char *docs = body_of(get("/docs", ""));
    assert_has(docs, "src=\"https://cdn.example.com/npm/swagger-ui-dist@" CG_SWAGGER_UI_VERSION
                     "/swagger-ui-bundle.js\"");
    assert_has(body_of(get("/redoc", "")),
               "src=\"https://cdn.example.com/npm/redoc@" CG_REDOC_VERSION "/bundles/redoc.standalone.js\"");
    cr_assert_eq(get("/docs/static/swagger-ui.css", "").status, 404, "nothing embedded is served");
}
