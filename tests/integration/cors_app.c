#include <stdio.h>
#include <stdlib.h>

#include <cgate/cgate.h>
#include <cgate/cors.h>

#include "cors_app.h"

#define HELLO CG_STR("{\"hello\":\"world\"}")

static int ok(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, HELLO);
}

static int submit(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{\"submitted\":true}"));
}

/* Two Vary headers: the middleware merges them. */
static int vary(struct cg_ctx *c)
{
    cg_send_json_raw(c, 200, HELLO);
    cg_add_header(c, "vary", CG_STR("Accept-Encoding"));
    return cg_add_header(c, "vary", CG_STR("User-Agent"));
}

/* CORS headers of the handler's own: the middleware overrides them. */
static int own(struct cg_ctx *c)
{
    cg_send_json_raw(c, 200, HELLO);
    cg_add_header(c, "access-control-allow-origin", CG_STR("https://own.example"));
    cg_add_header(c, "access-control-expose-headers", CG_STR("X-Own"));
    return cg_add_header(c, "vary", CG_STR("Origin"));
}

static int items(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "limit");
    cg_json_int(j, cg_param_int(c, "limit"));
    cg_json_obj_end(j);
    return 0;
}

static int fail(struct cg_ctx *c)
{
    return cg_fail(c, "the CORS table's failing route");
}

static const struct cg_route routes[] = {
    CG_ROUTE(CG_M_GET | CG_M_POST, "/ok", ok),
    CG_POST("/submit", submit),
    CG_GET("/vary", vary),
    CG_GET("/own", own),
    CG_GET("/items", items, .params = CG_PARAMS(CG_QUERY_INT("limit", .def = "10"))),
    CG_GET("/fail", fail),
};

yajl_val cors_table_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    struct cg_buf text;
    cg_buf_init(&text, NULL);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        cg_buf_append(&text, chunk, n);
    fclose(f);
    cg_buf_putc(&text, '\0');
    char why[256];
    yajl_val table = yajl_tree_parse(text.data, why, sizeof why);
    cg_buf_free(&text);
    if (!table)
        snprintf(err, errlen, "%s: %s", path, why);
    return table;
}

/* A JSON array of strings as a NULL-terminated list (in the arena); NULL
 * when absent, as the option's default. */
static const char *const *string_list(struct cg_arena *a, yajl_val config, const char *key)
{
    const char *path[] = { key, NULL };
    yajl_val v = yajl_tree_get(config, path, yajl_t_array);
    if (!v)
        return NULL;
    size_t n = v->u.array.len;
    const char **list = cg_arena_alloc(a, (n + 1) * sizeof *list);
    for (size_t i = 0; i < n; i++)
        list[i] = YAJL_GET_STRING(v->u.array.values[i]);
    list[n] = NULL;
    return list;
}

static bool flag(yajl_val config, const char *key)
{
    const char *path[] = { key, NULL };
    return YAJL_IS_TRUE(yajl_tree_get(config, path, yajl_t_any));
}

static void read_opts(struct cg_arena *a, yajl_val config, struct cg_cors_opts *o)
{
    const char *regex_path[] = { "allow_origin_regex", NULL };
    const char *max_age_path[] = { "max_age", NULL };
    yajl_val max_age = yajl_tree_get(config, max_age_path, yajl_t_number);
    *o = (struct cg_cors_opts){
        .allow_origins = string_list(a, config, "allow_origins"),
        .allow_origin_regex = YAJL_GET_STRING(yajl_tree_get(config, regex_path, yajl_t_string)),
        .allow_methods = string_list(a, config, "allow_methods"),
        .allow_headers = string_list(a, config, "allow_headers"),
        .allow_credentials = flag(config, "allow_credentials"),
        .allow_private_network = flag(config, "allow_private_network"),
        .expose_headers = string_list(a, config, "expose_headers"),
        /* Starlette's 0 is a literal 0; absent is its default. */
        .max_age = !max_age                       ? 0
                   : YAJL_GET_INTEGER(max_age) == 0 ? CG_CORS_MAX_AGE_ZERO
                                                    : (int)YAJL_GET_INTEGER(max_age),
    };
}

struct cg_app *cors_app_new(yajl_val table, const char *config, char *err, size_t errlen)
{
    const char *path[] = { "configs", config, NULL };
    yajl_val options = yajl_tree_get(table, path, yajl_t_object);
    if (!options) {
        snprintf(err, errlen, "no CORS config named %s in the table", config);
        return NULL;
    }
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "CORS table", .version = "1.0.0" });
    struct cg_arena *arena = cg_arena_new();
    struct cg_cors_opts opts;
    read_opts(arena, options, &opts);
    int rc = cg_app_routes(app, routes, CG_LEN(routes));
    if (rc != 0)
        snprintf(err, errlen, "invalid routes");
    else
        rc = cg_app_use_cors(app, &opts, err, errlen);
    cg_arena_free(arena);
    if (rc != 0) {
        cg_app_free(app);
        return NULL;
    }
    return app;
}
