/* Items API: the cgate reference app.
 *
 *   GET    /                     name, version and where the docs are
 *   GET    /api/health           {"status":"healthy"}
 *   GET    /api/aws-info         where it runs, and the Lambda details it can see
 *   GET    /api/items            ?limit=1..100 (20) &offset>=0 (0), ordered by id
 *   POST   /api/items            201, Location: /api/items/{id}
 *   GET    /api/items/{item_id}
 *   PUT    /api/items/{item_id}  full replacement
 *   PATCH  /api/items/{item_id}  the fields sent, the others kept
 *   DELETE /api/items/{item_id}  204
 *
 * Environment: ITEMS_STORE ("sqlite" or "dynamodb"; the default is "sqlite",
 * or "dynamodb" in a build without SQLite, ITEMS_SQLITE=OFF, as the Lambda
 * presets make it); for SQLite, ITEMS_DB (the file, default items.db;
 * ":memory:" for a throw-away database; a "file:" URI is passed to SQLite as
 * is); for DynamoDB, ITEMS_TABLE (required) and ITEMS_CREATE_TABLE=1 to
 * create a missing table.
 * Who may write and CORS: access.c.
 *
 * Parameters and bodies are validated by the core from the tables below;
 * the handlers only see valid input. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>
#include <cgate/gateway.h>

#include "items.h"
#include "store.h"

#define APP_TITLE   "Items API"
#define APP_VERSION "1.0.0"

/* The fields a client sends, shared by the input and the output models. */
#define ITEM_FIELDS(T)                                                              \
    CG_FIELD(T, name, CG_STRING, CG_MIN_LEN(1), CG_MAX_LEN(200)),                  \
    CG_FIELD(T, price, CG_NUMBER, CG_GT(0)),                                        \
    CG_FIELD(T, description, CG_STRING, .optional = true, CG_MAX_LEN(1000))

static const struct cg_field item_in_fields[] = { ITEM_FIELDS(struct item_in) };
static const struct cg_model item_in_model = CG_MODEL("ItemIn", struct item_in, item_in_fields);

static const struct cg_field item_fields[] = {
    CG_FIELD(struct item, id, CG_INT),
    ITEM_FIELDS(struct item),
};
static const struct cg_model item_model = CG_MODEL("Item", struct item, item_fields);

/* A PATCH: every field may be left out; name and price may not be null (an
 * item always has both: pydantic's `name: str = None`), a null description
 * clears it. */
struct item_patch {
    cg_str name;
    double price;
    cg_str description;
    cg_fields_set sent;
};

static const struct cg_field item_patch_fields[] = {
    CG_FIELD(struct item_patch, name, CG_STRING, .def = "null", CG_MIN_LEN(1), CG_MAX_LEN(200)),
    CG_FIELD(struct item_patch, price, CG_NUMBER, .def = "null", CG_GT(0)),
    CG_FIELD(struct item_patch, description, CG_STRING, .optional = true, CG_MAX_LEN(1000)),
};
static const struct cg_model item_patch_model =
    CG_MODEL_SENT("ItemPatch", struct item_patch, item_patch_fields, sent);

static struct store *store_of(struct cg_ctx *c)
{
    return cg_app_data(c);
}

/* Answer a store call that did not return STORE_OK. */
/* A busy store is worth retrying: 503 with Retry-After, logged; anything
 * else is the core's 500. */
static int store_refused(struct cg_ctx *c, int rc)
{
    if (rc == STORE_NOT_FOUND)
        return cg_http_error(c, 404, "Item not found");
    if (rc != STORE_BUSY)
        return cg_fail(c, "item store: %s", store_last_error(store_of(c)));
    cg_warn("item store busy: %s", store_last_error(store_of(c)));
    cg_http_error(c, 503, "Service Unavailable");
    return cg_add_header(c, "retry-after", CG_STR("1"));
}

static struct item item_from_input(int64_t id, const struct item_in *in)
{
    return (struct item){ .id = id, .name = in->name, .price = in->price,
                          .description = in->description };
}

static int welcome(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{\"name\":\"" APP_TITLE "\",\"version\":\"" APP_VERSION
                                           "\",\"docs\":\"/docs\",\"redoc\":\"/redoc\"}"));
}

static int health(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{\"status\":\"healthy\"}"));
}

static void put_string_or_null(struct cg_json *j, const char *key, const char *value)
{
    cg_json_key(j, key);
    if (value)
        cg_json_cstr(j, value);
    else
        cg_json_null(j);
}

/* The function's settings, then this invocation: whether it started the
 * process (cold), how long the process took to start, the time left. The
 * last three are null outside the Lambda Runtime API loop. */
static int aws_info(struct cg_ctx *c)
{
    const struct cg_lambda_env *env = cg_lambda_env();
    double init_ms = cg_init_duration_ms();
    bool in_runtime = init_ms >= 0;
    int64_t remaining = cg_lambda_remaining_ms(cg_req(c));
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    put_string_or_null(j, "environment", cg_is_lambda() ? "lambda" : "local");
    put_string_or_null(j, "function_name", env->function_name);
    put_string_or_null(j, "function_version", env->function_version);
    put_string_or_null(j, "region", env->region);
    cg_json_key(j, "memory_size_mb");
    if (env->memory_mb)
        cg_json_int(j, env->memory_mb);
    else
        cg_json_null(j);
    put_string_or_null(j, "architecture", env->architecture);
    put_string_or_null(j, "log_group", env->log_group);
    put_string_or_null(j, "log_stream", env->log_stream);
    cg_json_key(j, "cold_start");
    if (in_runtime)
        cg_json_bool(j, cg_cold_start());
    else
        cg_json_null(j);
    cg_json_key(j, "init_duration_ms");
    if (in_runtime)
        cg_json_num(j, (double)(int64_t)(init_ms * 1000 + 0.5) / 1000); /* to the microsecond */
    else
        cg_json_null(j);
    cg_json_key(j, "remaining_time_ms");
    if (remaining != INT64_MAX)
        cg_json_int(j, remaining);
    else
        cg_json_null(j);
    cg_json_obj_end(j);
    return 0;
}

/* The routes' parameters, bound by the core (CG_PARAMS_OF below). */
struct page_query {
    int64_t limit, offset;
};

struct item_path {
    int64_t item_id;
};

static int64_t item_id_of(struct cg_ctx *c)
{
    const struct item_path *path = cg_params(c);
    return path->item_id;
}

static int list_items(struct cg_ctx *c)
{
    const struct page_query *q = cg_params(c);
    struct item *items = NULL;
    size_t n = 0;
    int rc = store_list(store_of(c), cg_arena(c), q->limit, q->offset, &items, &n);
    if (rc != STORE_OK)
        return store_refused(c, rc);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        cg_json_write_model(j, &item_model, &items[i]);
    cg_json_arr_end(j);
    return 0;
}

static int read_item(struct cg_ctx *c)
{
    struct item it;
    int rc = store_get(store_of(c), cg_arena(c), item_id_of(c), &it);
    if (rc != STORE_OK)
        return store_refused(c, rc);
    return cg_json_model(c, 200, &item_model, &it);
}

static int create_item(struct cg_ctx *c)
{
    struct item it = item_from_input(0, cg_body(c));
    int rc = store_create(store_of(c), &it);
    if (rc != STORE_OK)
        return store_refused(c, rc);
    /* Behind an API Gateway stage the app is mounted under root_path. */
    cg_str root = cg_req(c)->root_path;
    cg_add_header(c, "location", cg_arena_printf(cg_arena(c), "%.*s/api/items/%" PRId64,
                                                 (int)root.len, root.len ? root.ptr : "", it.id));
    return cg_json_model(c, 201, &item_model, &it);
}

static int replace_item(struct cg_ctx *c)
{
    struct item it = item_from_input(item_id_of(c), cg_body(c));
    int rc = store_replace(store_of(c), &it);
    if (rc != STORE_OK)
        return store_refused(c, rc);
    return cg_json_model(c, 200, &item_model, &it);
}

static int patch_item(struct cg_ctx *c)
{
    const struct item_patch *p = cg_body(c);
    struct item it;
    int rc = store_get(store_of(c), cg_arena(c), item_id_of(c), &it);
    if (rc == STORE_OK) {
        if (cg_body_has(c, "name"))
            it.name = p->name;
        if (cg_body_has(c, "price"))
            it.price = p->price;
        if (cg_body_has(c, "description"))
            it.description = p->description;
        rc = store_replace(store_of(c), &it);
    }
    if (rc != STORE_OK)
        return store_refused(c, rc);
    return cg_json_model(c, 200, &item_model, &it);
}

static int delete_item(struct cg_ctx *c)
{
    int rc = store_remove(store_of(c), item_id_of(c));
    if (rc != STORE_OK)
        return store_refused(c, rc);
    return cg_send_empty(c, 204);
}

#define ITEM_ID                                                                                     \
    CG_PARAMS_OF(struct item_path,                                                                  \
                 CG_PATH_PARAM(struct item_path, item_id, CG_INT, CG_GE(1), .description = "The item's id"))
#define NOT_FOUND CG_RESPONSES({ 404, "Item not found" })

static const struct cg_route routes[] = {
    CG_GET("/", welcome, .summary = "Welcome", .tags = "system"),
    CG_GET("/api/health", health, .summary = "Health check", .tags = "system"),
    CG_GET("/api/aws-info", aws_info, .summary = "Where the app runs", .tags = "system",
           .description = "\"local\" or \"lambda\"; the function's name, version, region, memory (MB), "
                          "architecture, log group and stream; whether this invocation was the cold start, "
                          "the init duration and the time left (ms). Null when unknown, and the last three "
                          "outside the Lambda runtime."),
    CG_GET("/api/items", list_items, .summary = "List items", .tags = "items",
           .params = CG_PARAMS_OF(struct page_query,
                                  CG_QUERY_PARAM(struct page_query, limit, CG_INT, CG_GE(1), CG_LE(100),
                                                 .def = "20", .description = "How many items to return"),
                                  CG_QUERY_PARAM(struct page_query, offset, CG_INT, CG_GE(0), .def = "0",
                                                 .description = "How many items to skip")),
           .response = &item_model, .response_list = true),
    CG_POST("/api/items", create_item, .summary = "Create an item", .tags = "items",
            .body = &item_in_model, .response = &item_model, .status = 201, .security = &items_writer_auth),
    CG_GET("/api/items/{item_id}", read_item, .summary = "Read an item", .tags = "items",
           .params = ITEM_ID, .response = &item_model, .responses = NOT_FOUND),
    CG_PUT("/api/items/{item_id}", replace_item, .summary = "Replace an item", .tags = "items",
           .params = ITEM_ID, .body = &item_in_model, .response = &item_model,
           .responses = NOT_FOUND, .security = &items_writer_auth),
    CG_PATCH("/api/items/{item_id}", patch_item, .summary = "Update some fields of an item", .tags = "items",
             .params = ITEM_ID, .body = &item_patch_model, .response = &item_model,
             .responses = NOT_FOUND, .security = &items_writer_auth),
    CG_DELETE("/api/items/{item_id}", delete_item, .summary = "Delete an item", .tags = "items",
              .params = ITEM_ID, .status = 204, .responses = NOT_FOUND,
              .security = &items_writer_auth),
};

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

#ifdef ITEMS_HAVE_SQLITE
#define DEFAULT_STORE "sqlite"

static int open_sqlite(struct store **store)
{
    const char *path = env_or("ITEMS_DB", "items.db");
    char err[256];
    if (store_sqlite_open(path, store, err, sizeof err) != 0) {
        cg_error("cannot open the item store ITEMS_DB=%s: %s", path, err);
        return -1;
    }
    return 0;
}
#else
#define DEFAULT_STORE "dynamodb"

static int open_sqlite(struct store **store)
{
    (void)store;
    cg_error("ITEMS_STORE=sqlite: this items was built without SQLite (ITEMS_SQLITE=OFF); use ITEMS_STORE=dynamodb");
    return -1;
}
#endif

static int open_dynamodb(struct store **store)
{
    const char *table = env_or("ITEMS_TABLE", NULL);
    if (!table) {
        cg_error("ITEMS_STORE=dynamodb needs ITEMS_TABLE, the name of the DynamoDB table");
        return -1;
    }
    /* On Lambda the deploy kit has made the table: describing it at each
     * cold start would cost a round trip before the first event, and a
     * missing table is still named by the first request's error. */
    enum table_check check = strcmp(env_or("ITEMS_CREATE_TABLE", "0"), "1") == 0 ? TABLE_CREATED
                           : cg_is_lambda()                                     ? TABLE_TRUSTED
                                                                                 : TABLE_CHECKED;
    char err[512];
    if (store_dynamodb_open(table, check, store, err, sizeof err) != 0) {
        cg_error("cannot open the item store: %s", err);
        return -1;
    }
    return 0;
}

static int open_store(struct cg_app *app)
{
    const char *kind = env_or("ITEMS_STORE", DEFAULT_STORE);
    struct store *store;
    int rc;
    if (strcmp(kind, "sqlite") == 0) {
        rc = open_sqlite(&store);
    } else if (strcmp(kind, "dynamodb") == 0) {
        rc = open_dynamodb(&store);
    } else {
        cg_error("ITEMS_STORE=%s is not supported (\"sqlite\" or \"dynamodb\")", kind);
        return -1;
    }
    if (rc == 0)
        cg_app_set_data(app, store);
    return rc;
}

static void close_store(struct cg_app *app)
{
    struct store *store = cg_app_get_data(app);
    if (store)
        store_close(store);
    cg_app_set_data(app, NULL);
}

struct cg_app *items_app_new(void)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){
        .title = APP_TITLE,
        .version = APP_VERSION,
        .description = "A small CRUD API: the cgate reference app.",
        .on_startup = open_store,
        .on_shutdown = close_store,
    });
    /* CORS (configured in access.c) is added last: it runs outermost. */
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0 || cg_app_use_compression(app, NULL) != 0 ||
        items_configure_access(app) != 0) {
        cg_app_free(app);
        return NULL;
    }
    return app;
}
