/* Items API: the cgate reference app.
 *
 *   GET    /                     name, version and where the docs are
 *   GET    /api/health           {"status":"healthy"}
 *   GET    /api/aws-info         where it runs, and the Lambda details it can see
 *   GET    /api/items            ?limit=1..100 (20) &offset>=0 (0) or &cursor=, ordered by id;
 *                                 Link: <...&cursor=...>; rel="next" while more follow
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
 * create a missing table; ITEMS_CURSOR_KEY, the key of page cursors (hex);
 * ITEMS_IDEMPOTENCY_TTL, how long a write's response is replayed to a retry
 * with the same Idempotency-Key (seconds, default 3600; idempotency.c).
 * ITEMS_METRICS and ITEMS_TRACING ("on" or "off"; on by default on Lambda
 * only): CloudWatch metrics as log lines (docs/metrics.md), X-Ray
 * subsegments (docs/tracing.md).
 * Who may write and CORS: access.c.
 *
 * Parameters and bodies are validated by the core from the tables below;
 * the handlers only see valid input. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>
#include <cgate/gateway.h>
#include <cgate/xray.h>

#include "cursor.h"
#include "items.h"
#include "store.h"

#define APP_TITLE   "Items API"
#define APP_VERSION "1.0.0"

/* The prices both stores hold exactly, so that both accept the same data.
 * DynamoDB stores a price as its shortest round-trip digits (Python's repr)
 * and takes positive numbers from 1E-130 to 9.99...9E+125 (38 digits):
 * 1e-130 is the least double whose digits are in range, and every double
 * below 1e126 (itself "1e+126", out of range) prints as at most
 * 9.999999999999998e+125. SQLite's REAL holds any double. */
#define PRICE_RANGE CG_GE(1e-130), CG_LT(1e126)

/* The fields a client sends, shared by the input and the output models. */
#define ITEM_FIELDS(T)                                                              \
    CG_FIELD(T, name, CG_STRING, CG_MIN_LEN(1), CG_MAX_LEN(200)),                  \
    CG_FIELD(T, price, CG_NUMBER, PRICE_RANGE),                                     \
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
    CG_FIELD(struct item_patch, price, CG_NUMBER, .def = "null", PRICE_RANGE),
    CG_FIELD(struct item_patch, description, CG_STRING, .optional = true, CG_MAX_LEN(1000)),
};
static const struct cg_model item_patch_model =
    CG_MODEL_SENT("ItemPatch", struct item_patch, item_patch_fields, sent);

static struct store *store_of(struct cg_ctx *c)
{
    return cg_app_data(c);
}

/* Answer a store call that did not return STORE_OK. */
/* A busy store is worth retrying: 503 with Retry-After, logged. A write
 * whose outcome is unknown is a 504 that says so, without Retry-After: a
 * retried create may make a second item. Anything else is the core's 500. */
static int store_refused(struct cg_ctx *c, int rc)
{
    if (rc == STORE_NOT_FOUND)
        return cg_http_error(c, 404, "Item not found");
    if (rc == STORE_UNKNOWN) {
        cg_warn("item store: %s", store_last_error(store_of(c)));
        return cg_http_error(c, 504, "The item store did not answer: whether the write was applied is unknown");
    }
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
    cg_str cursor; /* ptr NULL: none */
};

struct item_path {
    int64_t item_id;
};

static int64_t item_id_of(struct cg_ctx *c)
{
    const struct item_path *path = cg_params(c);
    return path->item_id;
}

/* Page cursors are signed with this key (configure_cursors, at start-up). */
static struct cursor_key cursor_key;

/* A 422 as FastAPI sends it when a validator of a query parameter raises
 * ValueError(why). */
static int refuse_query(struct cg_ctx *c, const char *name, cg_str input, const char *why)
{
    struct cg_json *j = cg_json_begin(c, 422);
    cg_json_obj_begin(j);
    cg_json_key(j, "detail");
    cg_json_arr_begin(j);
    cg_json_obj_begin(j);
    cg_json_key(j, "type");
    cg_json_cstr(j, "value_error");
    cg_json_key(j, "loc");
    cg_json_arr_begin(j);
    cg_json_cstr(j, "query");
    cg_json_cstr(j, name);
    cg_json_arr_end(j);
    cg_json_key(j, "msg");
    cg_json_str(j, cg_arena_printf(cg_arena(c), "Value error, %s", why));
    cg_json_key(j, "input");
    cg_json_str(j, input);
    cg_json_key(j, "ctx");
    cg_json_raw(j, CG_STR("{\"error\":{}}"));
    cg_json_obj_end(j);
    cg_json_arr_end(j);
    cg_json_obj_end(j);
    return 0;
}

/* Link: <{root_path}/api/items?limit=N&cursor=C>; rel="next" (RFC 8288):
 * the whole next request, so that a client builds no URL. */
static int link_next_page(struct cg_ctx *c, int64_t limit, int64_t after)
{
    char cursor[CURSOR_TEXT_LEN + 1];
    cursor_encode(&cursor_key, after, cursor);
    cg_str root = cg_req(c)->root_path;
    cg_str link = cg_arena_printf(cg_arena(c), "<%.*s/api/items?limit=%" PRId64 "&cursor=%s>; rel=\"next\"",
                                  (int)root.len, root.len ? root.ptr : "", limit, cursor);
    return cg_add_header(c, "link", link);
}

static int list_items(struct cg_ctx *c)
{
    const struct page_query *q = cg_params(c);
    int64_t after = 0;
    if (q->cursor.ptr) {
        /* offset has a default: only the query string tells a given 0 from none. */
        if (cg_request_query(cg_req(c), "offset").ptr)
            return refuse_query(c, "cursor", q->cursor,
                                "cursor and offset cannot be used together: the cursor says where the page starts");
        const char *why = cursor_decode(&cursor_key, cg_arena(c), q->cursor, &after);
        if (why)
            return refuse_query(c, "cursor", q->cursor, why);
    }
    struct page page;
    int rc = store_list(store_of(c), cg_arena(c), after, q->offset, q->limit, &page);
    if (rc != STORE_OK)
        return store_refused(c, rc);
    if (page.more)
        link_next_page(c, q->limit, page.next_after);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < page.n; i++)
        cg_json_write_model(j, &item_model, &page.items[i]);
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
    cg_metric(c, "ItemsCreated", 1, CG_UNIT_COUNT);
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

/* The routes that call the store are blocking: a store that waits (a SQLite
 * lock, a slow DynamoDB) holds a thread of the server's blocking pool, never
 * a worker's loop, so /api/health and the rest stay fast meanwhile. */
static const struct cg_route routes[] = {
    CG_GET("/", welcome, .summary = "Welcome", .tags = "system"),
    CG_GET("/api/health", health, .summary = "Health check", .tags = "system"),
    CG_GET("/api/aws-info", aws_info, .summary = "Where the app runs", .tags = "system",
           .description = "\"local\" or \"lambda\"; the function's name, version, region, memory (MB), "
                          "architecture, log group and stream; whether this invocation was the cold start, "
                          "the init duration and the time left (ms). Null when unknown, and the last three "
                          "outside the Lambda runtime."),
    CG_GET("/api/items", list_items, .summary = "List items", .tags = "items",
           .description = "Items in id order. A page with more after it carries the request for the next one in "
                          "`Link: </api/items?limit=N&cursor=C>; rel=\"next\"` (RFC 8288): follow it until a page "
                          "has no Link. A page may hold fewer than `limit` items and still have a next one.",
           .params = CG_PARAMS_OF(struct page_query,
                                  CG_QUERY_PARAM(struct page_query, limit, CG_INT, CG_GE(1), CG_LE(100),
                                                 .def = "20", .description = "How many items to return"),
                                  CG_QUERY_PARAM(struct page_query, offset, CG_INT, CG_GE(0), .def = "0",
                                                 .description = "How many items to skip (reads them on DynamoDB: "
                                                                "prefer cursor for deep pages)"),
                                  CG_QUERY_PARAM(struct page_query, cursor, CG_STRING,
                                                 .description = "Where the page starts: the cursor of the previous "
                                                                "page's Link header; opaque, not with offset")),
           .response = &item_model, .response_list = true,
           .response_headers = CG_HEADERS({ "Link", "`</api/items?limit=N&cursor=C>; rel=\"next\"` (RFC 8288), "
                                                    "under the root path: the next page's request; absent on the "
                                                    "last page" }),
           .blocking = true),
    CG_POST("/api/items", create_item, .summary = "Create an item", .tags = "items",
            .body = &item_in_model, .response = &item_model, .status = 201, .security = &items_writer_auth,
            .blocking = true, .idempotent = true),
    CG_GET("/api/items/{item_id}", read_item, .summary = "Read an item", .tags = "items",
           .params = ITEM_ID, .response = &item_model, .responses = NOT_FOUND, .blocking = true),
    CG_PUT("/api/items/{item_id}", replace_item, .summary = "Replace an item", .tags = "items",
           .params = ITEM_ID, .body = &item_in_model, .response = &item_model,
           .responses = NOT_FOUND, .security = &items_writer_auth, .blocking = true, .idempotent = true),
    CG_PATCH("/api/items/{item_id}", patch_item, .summary = "Update some fields of an item", .tags = "items",
             .params = ITEM_ID, .body = &item_patch_model, .response = &item_model,
             .responses = NOT_FOUND, .security = &items_writer_auth, .blocking = true, .idempotent = true),
    CG_DELETE("/api/items/{item_id}", delete_item, .summary = "Delete an item", .tags = "items",
              .params = ITEM_ID, .status = 204, .responses = NOT_FOUND,
              .security = &items_writer_auth, .blocking = true, .idempotent = true),
};

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

#define DEFAULT_DB "items.db"

#ifdef ITEMS_HAVE_SQLITE
#define DEFAULT_STORE "sqlite"

static int open_sqlite(struct store **store)
{
    const char *path = env_or("ITEMS_DB", DEFAULT_DB);
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

/* Without ITEMS_CURSOR_KEY, a random key: cursors then work within this
 * process only, which is wrong on Lambda, where the next page may reach
 * another instance. */
static int configure_cursors(void)
{
    const char *hex = env_or("ITEMS_CURSOR_KEY", NULL);
    char err[160];
    if (hex && cursor_key_from_hex(&cursor_key, hex, err, sizeof err) != 0) {
        cg_error("ITEMS_CURSOR_KEY: %s", err);
        return -1;
    }
    if (hex)
        return 0;
    if (cursor_key_random(&cursor_key) != 0) {
        cg_error("ITEMS_CURSOR_KEY is not set, and OpenSSL gave no random key for page cursors");
        return -1;
    }
    cg_log(cg_is_lambda() ? CG_LOG_WARN : CG_LOG_INFO,
           "ITEMS_CURSOR_KEY is not set: page cursors are signed with a random key, so no other process or "
           "instance takes them (set the same 64 hex digits everywhere: openssl rand -hex 32)");
    return 0;
}

static int open_store(struct cg_app *app)
{
    if (configure_cursors() != 0)
        return -1;
    if (items_read_token_secret() != 0)
        return -1;
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

/* Whether the switch `name` ("on" or "off") is on; on Lambda by default.
 * -1 when it is neither, with the app's error naming it. */
static int switched_on(struct cg_app *app, const char *name)
{
    const char *setting = env_or(name, cg_is_lambda() ? "on" : "off");
    if (strcmp(setting, "on") == 0 || strcmp(setting, "off") == 0)
        return strcmp(setting, "on") == 0;
    return cg_app_fail(app, "%s=%s is not supported (\"on\" or \"off\")", name, setting);
}

/* Metrics (docs/metrics.md) and X-Ray subsegments (docs/tracing.md): on
 * Lambda unless switched off, locally when switched on. */
static int use_observability(struct cg_app *app)
{
    int metrics = switched_on(app, "ITEMS_METRICS"), tracing = switched_on(app, "ITEMS_TRACING");
    if (metrics < 0 || tracing < 0)
        return -1;
    if (metrics &&
        cg_app_use_metrics(app, &(struct cg_metrics_opts){ .namespace_ = "ItemsAPI", .route_metrics = true }) != 0)
        return -1;
    return tracing ? cg_app_use_xray(app, NULL) : 0;
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
    /* Idempotency runs inside compression, so that it stores bodies as
     * the handlers made them; CORS (configured in access.c) comes next, then
     * metrics and tracing: they run outermost, timing every other middleware.
     * A step that fails keeps its error in the app, which cg_main reports
     * (on Lambda in /init/error) and cg_app_start refuses to start with; the
     * steps after it are skipped, so that its error is the one logged. */
    if (cg_app_routes(app, routes, CG_LEN(routes)) == 0 &&
        items_use_idempotency(app, env_or("ITEMS_STORE", DEFAULT_STORE), env_or("ITEMS_DB", DEFAULT_DB),
                              env_or("ITEMS_TABLE", NULL)) == 0 &&
        cg_app_use_compression(app, NULL) == 0 && items_configure_access(app) == 0)
        use_observability(app);
    return app;
}
