/* APP_TITLE: the routes.
 *
 *   GET /api/health: {"status":"healthy"}
 *   GET /api/APP_NAME: the records by id, ?limit=1..100 (20) &offset>=0 (0)
 *   POST /api/APP_NAME: 201, Location: /api/APP_NAME/{id}
 *   GET, PUT (replaces every field), DELETE (204) /api/APP_NAME/{id}
 *
 * Environment: APP_UPPER_DB, the SQLite file (default APP_NAME.db, on Lambda
 * /tmp/APP_NAME.db; ":memory:" for a database that lasts as long as the
 * process).
 *
 * The core validates parameters and bodies from the tables at the end
 * before a handler runs: handlers only ever see valid input. */
#include <inttypes.h>
#include <stdlib.h>

#include "APP_IDENT.h"

static struct APP_IDENT_store *store_of(struct cg_ctx *c)
{
    return cg_app_data(c);
}

/* A store call failed: 404 for a missing record, else a logged 500. */
static int store_failed(struct cg_ctx *c, int rc)
{
    if (rc == APP_UPPER_NOT_FOUND)
        return cg_http_error(c, 404, "Not found");
    return cg_fail(c, "APP_NAME store: %s", APP_IDENT_store_error());
}

static int health(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{\"status\":\"healthy\"}"));
}

/* The parameters of the routes, bound into these structs by the core. */
struct page_query {
    int64_t limit, offset;
};

struct id_path {
    int64_t id;
};

static int64_t id_of(struct cg_ctx *c)
{
    const struct id_path *path = cg_params(c);
    return path->id;
}

static struct APP_IDENT from_input(int64_t id, const struct APP_IDENT_in *in)
{
    return (struct APP_IDENT){ .id = id, .name = in->name, .description = in->description,
                               .quantity = in->quantity };
}

static int list_records(struct cg_ctx *c)
{
    const struct page_query *q = cg_params(c);
    struct APP_IDENT *records;
    size_t n;
    int rc = APP_IDENT_store_list(store_of(c), cg_arena(c), q->limit, q->offset, &records, &n);
    if (rc != APP_UPPER_OK)
        return store_failed(c, rc);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        cg_json_write_model(j, &APP_IDENT_model, &records[i]);
    cg_json_arr_end(j);
    return 0;
}

static int read_record(struct cg_ctx *c)
{
    struct APP_IDENT r;
    int rc = APP_IDENT_store_get(store_of(c), cg_arena(c), id_of(c), &r);
    if (rc != APP_UPPER_OK)
        return store_failed(c, rc);
    return cg_json_model(c, 200, &APP_IDENT_model, &r);
}

static int create_record(struct cg_ctx *c)
{
    struct APP_IDENT r = from_input(0, cg_body(c));
    int rc = APP_IDENT_store_create(store_of(c), &r);
    if (rc != APP_UPPER_OK)
        return store_failed(c, rc);
    /* Behind an API Gateway stage the app is mounted under root_path. */
    cg_str root = cg_req(c)->root_path;
    cg_add_header(c, "location", cg_arena_printf(cg_arena(c), "%.*s/api/APP_NAME/%" PRId64,
                                                 (int)root.len, root.len ? root.ptr : "", r.id));
    return cg_json_model(c, 201, &APP_IDENT_model, &r);
}

static int replace_record(struct cg_ctx *c)
{
    struct APP_IDENT r = from_input(id_of(c), cg_body(c));
    int rc = APP_IDENT_store_replace(store_of(c), &r);
    if (rc != APP_UPPER_OK)
        return store_failed(c, rc);
    return cg_json_model(c, 200, &APP_IDENT_model, &r);
}

static int delete_record(struct cg_ctx *c)
{
    int rc = APP_IDENT_store_remove(store_of(c), id_of(c));
    if (rc != APP_UPPER_OK)
        return store_failed(c, rc);
    return cg_send_empty(c, 204);
}

#define ID_PARAM                                                                                    \
    CG_PARAMS_OF(struct id_path, CG_PATH_PARAM(struct id_path, id, CG_INT, CG_GE(1),               \
                                               .description = "The record's id"))
#define NOT_FOUND CG_RESPONSES({ 404, "Not found" })

static const struct cg_route routes[] = {
    CG_GET("/api/health", health, .summary = "Health check", .tags = "system"),
    CG_GET("/api/APP_NAME", list_records, .summary = "List records", .tags = "APP_NAME",
           .params = CG_PARAMS_OF(struct page_query,
                                  CG_QUERY_PARAM(struct page_query, limit, CG_INT, CG_GE(1), CG_LE(100),
                                                 .def = "20", .description = "How many to return"),
                                  CG_QUERY_PARAM(struct page_query, offset, CG_INT, CG_GE(0), .def = "0",
                                                 .description = "How many to skip")),
           .response = &APP_IDENT_model, .response_list = true),
    CG_POST("/api/APP_NAME", create_record, .summary = "Create a record", .tags = "APP_NAME",
            .body = &APP_IDENT_in_model, .response = &APP_IDENT_model, .status = 201),
    CG_GET("/api/APP_NAME/{id}", read_record, .summary = "Read a record", .tags = "APP_NAME",
           .params = ID_PARAM, .response = &APP_IDENT_model, .responses = NOT_FOUND),
    CG_PUT("/api/APP_NAME/{id}", replace_record, .summary = "Replace a record", .tags = "APP_NAME",
           .params = ID_PARAM, .body = &APP_IDENT_in_model, .response = &APP_IDENT_model,
           .responses = NOT_FOUND),
    CG_DELETE("/api/APP_NAME/{id}", delete_record, .summary = "Delete a record", .tags = "APP_NAME",
              .params = ID_PARAM, .status = 204, .responses = NOT_FOUND),
};

static int open_store(struct cg_app *app)
{
    /* On Lambda the code's directory is read-only: /tmp is the one place
     * a function can write (and it starts empty on each new instance). */
    const char *path = getenv("APP_UPPER_DB");
    if (!path || !*path)
        path = cg_is_lambda() ? "/tmp/APP_NAME.db" : "APP_NAME.db";
    struct APP_IDENT_store *s = APP_IDENT_store_open(path);
    if (!s)
        return -1;
    cg_app_set_data(app, s);
    return 0;
}

static void close_store(struct cg_app *app)
{
    APP_IDENT_store_close(cg_app_get_data(app));
    cg_app_set_data(app, NULL);
}

struct cg_app *APP_IDENT_app_new(void)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){
        .title = "APP_TITLE",
        .version = "0.1.0",
        .on_startup = open_store,
        .on_shutdown = close_store,
    });
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0) {
        cg_app_free(app);
        return NULL;
    }
    return app;
}
