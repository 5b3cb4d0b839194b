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

const struct cg_json_value *cors_table_load(struct cg_arena *a, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return NULL;
    }
    struct cg_buf text;
    cg_buf_init(&text, a);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        cg_buf_append(&text, chunk, n);
    fclose(f);
    struct cg_json_error why;
    const struct cg_json_value *table = cg_json_parse(a, cg_buf_str(&text), CG_JSON_MAX_DEPTH, &why);
    if (!table)
        snprintf(err, errlen, "%s: %s at byte %zu", path, why.reason, why.pos);
    return table;
}

/* A string of the table as a C string in the arena; NULL when absent. */
static const char *c_string(struct cg_arena *a, const struct cg_json_value *v)
{
    cg_str s = cg_json_as_str(v);
    return s.ptr ? cg_arena_strdup(a, s).ptr : NULL;
}

/* A JSON array of strings as a NULL-terminated list (in the arena); NULL
 * when absent, as the option's default. */
static const char *const *string_list(struct cg_arena *a, const struct cg_json_value *config, const char *key)
{
    const struct cg_json_value *v = cg_json_member(config, key);
    if (!v || v->type != CG_JSON_ARRAY)
        return NULL;
    const char **list = cg_arena_alloc(a, (v->len + 1) * sizeof *list);
    for (size_t i = 0; i < v->len; i++)
        list[i] = c_string(a, &v->items[i]);
    list[v->len] = NULL;
    return list;
}

static bool flag(const struct cg_json_value *config, const char *key)
{
    const struct cg_json_value *v = cg_json_member(config, key);
    return v && v->type == CG_JSON_TRUE;
}

static void read_opts(struct cg_arena *a, const struct cg_json_value *config, struct cg_cors_opts *o)
{
    int64_t max_age;
    bool has_max_age = cg_json_as_int(cg_json_member(config, "max_age"), &max_age);
    *o = (struct cg_cors_opts){
        .allow_origins = string_list(a, config, "allow_origins"),
        .allow_origin_regex = c_string(a, cg_json_member(config, "allow_origin_regex")),
        .allow_methods = string_list(a, config, "allow_methods"),
        .allow_headers = string_list(a, config, "allow_headers"),
        .allow_credentials = flag(config, "allow_credentials"),
        .allow_private_network = flag(config, "allow_private_network"),
        .expose_headers = string_list(a, config, "expose_headers"),
        /* Starlette's 0 is a literal 0; absent is its default. */
        .max_age = !has_max_age ? 0 : max_age == 0 ? CG_CORS_MAX_AGE_ZERO : (int)max_age,
    };
}

struct cg_app *cors_app_new(const struct cg_json_value *table, const char *config, char *err, size_t errlen)
{
    const struct cg_json_value *options = cg_json_member(cg_json_member(table, "configs"), config);
    if (!options || options->type != CG_JSON_OBJECT) {
        snprintf(err, errlen, "no CORS config named %s in the table", config);
        return NULL;
    }
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "CORS table", .version = "1.0.0" });
    struct cg_arena *arena = cg_arena_new();
    struct cg_cors_opts opts;
    read_opts(arena, options, &opts);
    int rc = cg_app_routes(app, routes, CG_LEN(routes));
    if (rc == 0)
        rc = cg_app_use_cors(app, &opts);
    cg_arena_free(arena);
    if (rc != 0) {
        snprintf(err, errlen, "%s", cg_app_error(app));
        cg_app_free(app);
        return NULL;
    }
    return app;
}
