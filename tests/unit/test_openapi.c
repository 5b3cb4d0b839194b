/* The OpenAPI document's shape (golden fragments, checked against what
 * FastAPI writes for the same app), the servers a root path adds, and the
 * options that move or switch off the document and the docs pages. */
#include <criterion/criterion.h>
#include <string.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "core/patterns.h"

#include "task_model.h"

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
static struct cg_test *client; /* for app, made by the first get() */
static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_test_free(client);
    client = NULL;
    cg_app_free(app);
    cg_arena_free(arena);
    cg__patterns_free();
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
               "\"format\":\"int64\",\"minimum\":1,\"title\":\"Pet Id\"}},"
               "{\"name\":\"tag\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":"
               "{\"type\":\"string\",\"maxLength\":8},\"title\":\"Tag\"}},"
               "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\","
               "\"format\":\"int64\",\"exclusiveMaximum\":50,\"default\":10,\"title\":\"Limit\"}},"
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

static const struct cg_route paged_routes[] = {
    CG_GET("/pets", health, .response_headers = CG_HEADERS({ "Link", "The next page" }, { "X-Total" })),
};

Test(openapi, headers_of_the_success_response)
{
    const char *doc = document_of(paged_routes, CG_LEN(paged_routes), &(struct cg_app_opts){ .title = "P", .version = "1" });
    assert_has(doc, "\"200\":{\"description\":\"Successful Response\",\"headers\":{\"Link\":{\"description\":"
                    "\"The next page\",\"schema\":{\"type\":\"string\"}},\"X-Total\":{\"schema\":{\"type\":"
                    "\"string\"}}},\"content\":{\"application/json\":{\"schema\":{}}}}");
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

/* A GET of the app; behind a root path ("/prod"), through API Gateway's
 * REST API with that stage. */
static struct cg_test_response *get(const char *path, const char *root)
{
    if (!client)
        client = cg_test_new(app);
    return cg_test_request(client, &(struct cg_test_req){ .path = path, .via = *root ? CG_VIA_REST : CG_VIA_HTTP,
                                                          .stage = *root ? root + 1 : NULL });
}

static const char *body_of(const struct cg_test_response *res)
{
    return res->body.ptr;
}

Test(openapi, served_with_servers_behind_a_root_path)
{
    const char *doc = pets_document();
    struct cg_test_response *res = get("/openapi.json", "");
    cr_assert_eq(res->status, 200);
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
    cr_assert_eq(get("/openapi.json", "")->status, 404);
    cr_assert_eq(get("/api/schema.json", "")->status, 200);
    cr_assert_eq(get("/redoc", "")->status, 404);
    const char *docs = body_of(get("/api/docs", ""));
    assert_has(docs, "data-url=\"/api/schema.json\"");
    assert_has(docs, "src=\"/api/docs/static/swagger-ui-bundle.js?v=");
    cr_assert_eq(get("/api/docs/static/swagger-ui.css", "")->status, 200);
}

Test(openapi, without_the_document_there_are_no_pages)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .openapi_url = "" });
    cr_assert_eq(get("/openapi.json", "")->status, 404);
    cr_assert_eq(get("/docs", "")->status, 404);
    cr_assert_eq(get("/redoc", "")->status, 404);
    cr_assert_eq(get("/docs/static/swagger-ui.css", "")->status, 404);
}

Test(openapi, pages_from_a_cdn)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .docs_cdn_url = "https://cdn.example.com/npm" });
    const char *docs = body_of(get("/docs", ""));
    assert_has(docs, "src=\"https://cdn.example.com/npm/swagger-ui-dist@" CG_SWAGGER_UI_VERSION
                     "/swagger-ui-bundle.js\"");
    assert_has(body_of(get("/redoc", "")),
               "src=\"https://cdn.example.com/npm/redoc@" CG_REDOC_VERSION "/bundles/redoc.standalone.js\"");
    cr_assert_eq(get("/docs/static/swagger-ui.css", "")->status, 404, "nothing embedded is served");
}

/* ---- info and tag metadata ---- */

Test(openapi, info_and_tags_in_fastapi_order)
{
    const char *doc = document_of(
        pet_routes, CG_LEN(pet_routes),
        &(struct cg_app_opts){
            .title = "Pets", .version = "1", .summary = "Pets, briefly", .description = "All about pets.",
            .terms_of_service = "https://example.com/terms",
            .contact = { .name = "Desk", .url = "https://example.com/help", .email = "desk@example.com" },
            .license = { .name = "Apache 2.0", .identifier = "Apache-2.0" },
            .tags = CG_TAGS({ "admin", "For staff." },
                            { "pets", "Everything pets.", .docs_url = "https://example.com/pets",
                              .docs_description = "The guide" },
                            { "unused" }) });
    assert_has(doc, "\"info\":{\"title\":\"Pets\",\"summary\":\"Pets, briefly\",\"description\":\"All about pets.\","
                    "\"termsOfService\":\"https://example.com/terms\",\"contact\":{\"name\":\"Desk\",\"url\":"
                    "\"https://example.com/help\",\"email\":\"desk@example.com\"},\"license\":{\"name\":"
                    "\"Apache 2.0\",\"identifier\":\"Apache-2.0\"},\"version\":\"1\"},\"paths\":");
    /* The declared tags as given, even unused ones; none twice. */
    assert_has(doc, "\"tags\":[{\"name\":\"admin\",\"description\":\"For staff.\"},{\"name\":\"pets\",\"description\":"
                    "\"Everything pets.\",\"externalDocs\":{\"description\":\"The guide\",\"url\":"
                    "\"https://example.com/pets\"}},{\"name\":\"unused\"}]}");
}

Test(openapi, undeclared_route_tags_follow_the_declared_ones)
{
    const char *doc = document_of(pet_routes, CG_LEN(pet_routes),
                                  &(struct cg_app_opts){ .tags = CG_TAGS({ "admin", "For staff." }) });
    assert_has(doc, "\"tags\":[{\"name\":\"admin\",\"description\":\"For staff.\"},{\"name\":\"pets\"}]}");
}

Test(openapi, a_license_with_both_url_and_identifier_is_left_out)
{
    const char *doc = document_of(
        tiny_routes, 1,
        &(struct cg_app_opts){ .contact = { .email = "a@example.com" },
                               .license = { .name = "MIT", .identifier = "MIT", .url = "https://mit.edu" } });
    assert_has(doc, "\"contact\":{\"email\":\"a@example.com\"},\"version\"");
    cr_assert_null(strstr(doc, "license"));
}

/* ---- security schemes ---- */

static enum cg_auth_result accept_all(const struct cg_security *s, struct cg_ctx *c, cg_str credential)
{
    (void)s, (void)c, (void)credential;
    return CG_AUTH_OK;
}

static const struct cg_security bearer = {
    .name = "bearerAuth", .kind = CG_SEC_BEARER, .bearer_format = "JWT", .description = "A token from /login",
    .check = accept_all,
};
static const struct cg_security api_key = {
    .name = "apiKey", .kind = CG_SEC_API_KEY, .header = "x-api-key", .description = "The key you were given",
    .check = accept_all,
};
static const struct cg_security switched_off = {
    .name = "off", .kind = CG_SEC_BEARER, .check = accept_all, .disabled = true,
};
static const struct cg_security unnamed = { .kind = CG_SEC_BEARER, .check = accept_all };

static const struct cg_route secured_routes[] = {
    CG_GET("/me", read_pet, .security = &bearer),
    CG_DELETE("/pets", create_pet, .security = &api_key),
    CG_GET("/health", health, .security = &switched_off),
    CG_GET("/hidden", get_file, .security = &unnamed, .hidden = true),
    CG_POST("/pets", create_pet, .security = &bearer),
};

Test(openapi, golden_security_schemes_and_requirements)
{
    const char *doc = document_of(secured_routes, CG_LEN(secured_routes),
                                  &(struct cg_app_opts){ .title = "Locked", .version = "1" });
    cr_assert_str_eq(
        doc,
        "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Locked\",\"version\":\"1\"},\"paths\":{"
        "\"/me\":{\"get\":{\"summary\":\"Read Pet\",\"operationId\":\"read_pet_me_get\",\"responses\":{\"200\":"
        "{\"description\":\"Successful Response\",\"content\":{\"application/json\":{\"schema\":{}}}}},"
        "\"security\":[{\"bearerAuth\":[]}]}},"
        "\"/pets\":{\"post\":{\"summary\":\"Create Pet\",\"operationId\":\"create_pet_pets_post\",\"responses\":"
        "{\"200\":{\"description\":\"Successful Response\",\"content\":{\"application/json\":{\"schema\":{}}}}},"
        "\"security\":[{\"bearerAuth\":[]}]},"
        "\"delete\":{\"summary\":\"Create Pet\",\"operationId\":\"create_pet_pets_delete\",\"responses\":{\"200\":"
        "{\"description\":\"Successful Response\",\"content\":{\"application/json\":{\"schema\":{}}}}},"
        "\"security\":[{\"apiKey\":[]}]}},"
        "\"/health\":{\"get\":{\"summary\":\"Health\",\"operationId\":\"health_health_get\",\"responses\":{\"200\":"
        "{\"description\":\"Successful Response\",\"content\":{\"application/json\":{\"schema\":{}}}}}}}},"
        "\"components\":{\"securitySchemes\":{"
        "\"bearerAuth\":{\"type\":\"http\",\"description\":\"A token from /login\",\"scheme\":\"bearer\","
        "\"bearerFormat\":\"JWT\"},"
        "\"apiKey\":{\"type\":\"apiKey\",\"description\":\"The key you were given\",\"in\":\"header\","
        "\"name\":\"x-api-key\"}}}}");
}

static const struct cg_route cached_routes[] = {
    CG_GET("/pets", health, .cache_ttl = 60),
    CG_POST("/pets", create_pet),
    CG_GET("/pets/{pet_id}", read_item, .params = CG_PARAMS(CG_PATH_STR("pet_id")), .security = &api_key,
           .cache_ttl = 5),
};

Test(openapi, cache_ttl_is_an_operation_extension)
{
    const char *doc = document_of(cached_routes, CG_LEN(cached_routes), &(struct cg_app_opts){ .title = "C", .version = "1" });
    /* Last in the operation, after its security; none on a route that is not cached. */
    assert_has(doc, "\"operationId\":\"health_pets_get\",\"responses\":{\"200\":{\"description\":\"Successful "
                    "Response\",\"content\":{\"application/json\":{\"schema\":{}}}}},\"x-cgate-cache-ttl\":60}");
    assert_has(doc, "\"security\":[{\"apiKey\":[]}],\"x-cgate-cache-ttl\":5}");
    const char *post = strstr(doc, "\"post\":"), *next = strstr(doc, "\"/pets/{pet_id}\":");
    cr_assert(post && next && post < next);
    cr_assert(strstr(post, "x-cgate-cache-ttl") > next, "the POST is not cached:\n%s", doc);
}

static const struct cg_route unnamed_routes[] = {
    CG_GET("/items/{item_id}", read_item, .params = CG_PARAMS(CG_PATH_STR("item_id")), .security = &unnamed),
};

Test(openapi, security_schemes_follow_the_schemas_and_default_to_fastapi_names)
{
    const char *doc = document_of(unnamed_routes, 1, &(struct cg_app_opts){ 0 });
    assert_has(doc, "\"security\":[{\"HTTPBearer\":[]}]}}}");
    assert_has(doc, "\"title\":\"ValidationError\"}},\"securitySchemes\":{\"HTTPBearer\":{\"type\":\"http\","
                    "\"scheme\":\"bearer\"}}}}");
}

/* ---- Swagger UI's OAuth2 redirect page ---- */

Test(openapi, the_oauth2_redirect_page_under_the_root_path)
{
    pets_document();
    const char *docs = body_of(get("/docs", "/prod"));
    assert_has(docs, "data-oauth2-redirect-url=\"/prod/docs/oauth2-redirect\"");
    assert_has(docs, "oauth2RedirectUrl: window.location.origin + urls.oauth2RedirectUrl,");
    struct cg_test_response *res = get("/docs/oauth2-redirect", "/prod");
    cr_assert_eq(res->status, 200);
    assert_has(body_of(res), "<script src=\"/prod/docs/static/oauth2-redirect.js?v=");
    cr_assert_eq(get("/docs/static/oauth2-redirect.js", "")->status, 200);
}

Test(openapi, the_oauth2_redirect_page_moves_with_swagger_ui)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .docs_url = "/api/docs" });
    cr_assert_eq(get("/api/docs/oauth2-redirect", "")->status, 200);
    cr_assert_eq(get("/docs/oauth2-redirect", "")->status, 404);
}

Test(openapi, without_swagger_ui_there_is_no_redirect_page)
{
    document_of(pet_routes, 1, &(struct cg_app_opts){ .docs_url = "" });
    cr_assert_eq(get("/docs/oauth2-redirect", "")->status, 404);
    cr_assert_eq(get("/redoc", "")->status, 200, "ReDoc keeps its assets without Swagger UI");
    cr_assert_eq(get("/redoc/static/redoc.standalone.js", "")->status, 200);
}

/* ---- nested models and lists (schemas as FastAPI 0.165 with pydantic 2.14
 * writes them, but for ints, which cgate gives "format":"int64" and writes
 * their bounds as integers) ---- */

struct address {
    cg_str street;
    int64_t zip;
};

static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, street, CG_STRING, CG_MIN_LEN(1)),
    CG_FIELD(struct address, zip, CG_INT, CG_GE(1000)),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct tree {
    cg_str name;
    struct cg_list children;
};

static const struct cg_model tree_model;
static const struct cg_field tree_fields[] = {
    CG_FIELD(struct tree, name, CG_STRING),
    CG_FIELD_MODEL_LIST(struct tree, children, &tree_model),
};
static const struct cg_model tree_model = CG_MODEL("Node", struct tree, tree_fields);

struct order {
    struct address owner;
    struct address billing;
    bool has_billing;
    struct cg_list tags, scores, nodes;
};

static const struct cg_field order_fields[] = {
    CG_FIELD_MODEL(struct order, owner, &address_model),
    CG_FIELD_MODEL_OPT(struct order, billing, has_billing, &address_model),
    CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MAX_LEN(5), CG_MIN_ITEMS(1), CG_MAX_ITEMS(3)),
    CG_FIELD_LIST(struct order, scores, CG_NUMBER, .optional = true),
    CG_FIELD_MODEL_LIST(struct order, nodes, &tree_model),
};
static const struct cg_model order_model = CG_MODEL("Order", struct order, order_fields);

static int create_order(struct cg_ctx *c)
{
    return ok(c);
}

static const struct cg_route order_routes[] = {
    CG_POST("/orders", create_order, .body = &order_model),
};

Test(openapi, nested_models_are_components_and_lists_arrays)
{
    const char *doc = document_of(order_routes, 1, &(struct cg_app_opts){ .title = "Orders", .version = "1" });
    assert_has(doc, "\"schemas\":{\"Address\":{\"properties\":{\"street\":{\"type\":\"string\",\"minLength\":1,"
                    "\"title\":\"Street\"},"
                    "\"zip\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1000,\"title\":\"Zip\"}},"
                    "\"type\":\"object\",\"required\":[\"street\",\"zip\"],\"title\":\"Address\"},"
                    "\"HTTPValidationError\":");
    assert_has(doc, "\"Node\":{\"properties\":{\"name\":{\"type\":\"string\",\"title\":\"Name\"},\"children\":"
                    "{\"items\":{\"$ref\":\"#/components/schemas/Node\"},\"type\":\"array\",\"title\":\"Children\"}},"
                    "\"type\":\"object\",\"required\":[\"name\",\"children\"],\"title\":\"Node\"},");
    assert_has(doc, "\"Order\":{\"properties\":{"
                    "\"owner\":{\"$ref\":\"#/components/schemas/Address\"},"
                    "\"billing\":{\"anyOf\":[{\"$ref\":\"#/components/schemas/Address\"},{\"type\":\"null\"}]},"
                    "\"tags\":{\"items\":{\"type\":\"string\",\"maxLength\":5},\"type\":\"array\",\"maxItems\":3,"
                    "\"minItems\":1,\"title\":\"Tags\"},"
                    "\"scores\":{\"anyOf\":[{\"items\":{\"type\":\"number\"},\"type\":\"array\"},{\"type\":\"null\"}],"
                    "\"title\":\"Scores\"},"
                    "\"nodes\":{\"items\":{\"$ref\":\"#/components/schemas/Node\"},\"type\":\"array\","
                    "\"title\":\"Nodes\"}},"
                    "\"type\":\"object\",\"required\":[\"owner\",\"tags\",\"nodes\"],\"title\":\"Order\"}");
}

/* ---- defaults (the models: task_model.h; FastAPI's schemas for them, but
 * for ints, with "format":"int64" and bounds written as integers, and the
 * enum, written in place where pydantic makes it a component) ---- */

static int create_task(struct cg_ctx *c)
{
    return ok(c);
}

static const struct cg_route task_routes[] = {
    CG_POST("/tasks", create_task, .body = &task_model),
};

Test(openapi, defaults_as_pydantic_writes_them)
{
    const char *doc = document_of(task_routes, 1, &(struct cg_app_opts){ .title = "Tasks", .version = "1" });
    assert_has(doc, "\"Place\":{\"properties\":{\"street\":{\"type\":\"string\",\"title\":\"Street\",\"default\":\"Main\"},"
                    "\"zip\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1000,\"title\":\"Zip\","
                    "\"default\":1000},"
                    "\"city\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],\"title\":\"City\"}},"
                    "\"type\":\"object\",\"title\":\"Place\"}");
    assert_has(doc, "\"Task\":{\"properties\":{\"name\":{\"type\":\"string\",\"title\":\"Name\"},"
                    "\"done\":{\"type\":\"boolean\",\"title\":\"Done\",\"description\":\"Finished\",\"default\":false},"
                    "\"qty\":{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":1,\"title\":\"Qty\",\"default\":1},"
                    "\"price\":{\"type\":\"number\",\"title\":\"Price\",\"default\":9.5},"
                    "\"color\":{\"type\":\"string\",\"enum\":[\"red\",\"green\"],\"title\":\"Color\",\"default\":\"red\"},"
                    "\"note\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"null\"}],\"title\":\"Note\"},"
                    "\"maybe\":{\"anyOf\":[{\"type\":\"integer\",\"format\":\"int64\"},{\"type\":\"null\"}],"
                    "\"title\":\"Maybe\",\"default\":5},"
                    "\"tags\":{\"items\":{\"type\":\"string\"},\"type\":\"array\",\"title\":\"Tags\",\"default\":[]},"
                    "\"nums\":{\"items\":{\"type\":\"integer\",\"format\":\"int64\"},\"type\":\"array\","
                    "\"title\":\"Nums\",\"default\":[1,2]},"
                    "\"home\":{\"$ref\":\"#/components/schemas/Place\",\"default\":{\"street\":\"Main\",\"zip\":1000}},"
                    "\"work\":{\"$ref\":\"#/components/schemas/Place\",\"default\":{\"street\":\"Elm\",\"zip\":2000}},"
                    "\"other\":{\"anyOf\":[{\"$ref\":\"#/components/schemas/Place\"},{\"type\":\"null\"}]}},"
                    "\"type\":\"object\",\"required\":[\"name\"],\"title\":\"Task\"}");
}
