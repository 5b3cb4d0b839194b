/* The app behind the request-path targets: small, but every feature a
 * request can reach (see app.h). Handlers write what they were given
 * back as JSON, so that the targets' "every JSON body is valid JSON" check
 * covers the decoded values too. */
#include <inttypes.h>

#include "cgate/cgate.h"
#include "cgate/compress.h"
#include "cgate/cors.h"
#include "fuzz.h"
#include "app.h"

struct address {
    cg_str street;
    int64_t zip;
    cg_str city;
};

static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, street, CG_STRING, CG_MIN_LEN(1), CG_MAX_LEN(40)),
    CG_FIELD(struct address, zip, CG_INT, CG_GE(1000), CG_LT(100000)),
    CG_FIELD(struct address, city, CG_STRING, .optional = true, CG_PATTERN("^[A-Z][a-z]+$")),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct line {
    cg_str sku;
    int64_t qty;
    double price;
    bool has_price;
    struct cg_list notes; /* cg_str */
};

static const struct cg_field line_fields[] = {
    CG_FIELD(struct line, sku, CG_STRING),
    CG_FIELD(struct line, qty, CG_INT, CG_GE(1)),
    CG_FIELD_OPT(struct line, price, has_price, CG_NUMBER, CG_GT(0)),
    CG_FIELD_LIST(struct line, notes, CG_STRING, CG_MAX_LEN(3), .optional = true),
};
static const struct cg_model line_model = CG_MODEL("Line", struct line, line_fields);

struct order {
    cg_str name;
    bool gift;
    struct address owner;
    struct address billing;
    bool has_billing;
    struct cg_list tags;   /* cg_str */
    struct cg_list scores; /* double */
    struct cg_list colors; /* int */
    struct cg_list flags;  /* bool */
    struct cg_list lines;  /* struct line */
};

static const struct cg_field order_fields[] = {
    CG_FIELD(struct order, name, CG_STRING),
    CG_FIELD(struct order, gift, CG_BOOL),
    CG_FIELD_MODEL(struct order, owner, &address_model),
    CG_FIELD_MODEL_OPT(struct order, billing, has_billing, &address_model),
    CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MAX_LEN(5), CG_MIN_ITEMS(1), CG_MAX_ITEMS(3)),
    CG_FIELD_LIST(struct order, scores, CG_NUMBER, .optional = true, CG_GE(-1e6), CG_LE(1e6)),
    CG_FIELD_LIST(struct order, colors, CG_ENUM, CG_CHOICES("red", "green"), .optional = true),
    CG_FIELD_LIST(struct order, flags, CG_BOOL, .optional = true, CG_MAX_ITEMS(4)),
    CG_FIELD_MODEL_LIST(struct order, lines, &line_model, CG_MAX_ITEMS(50)),
};
const struct cg_model fuzz_order_model = CG_MODEL("Order", struct order, order_fields);

struct node {
    cg_str name;
    struct cg_list children; /* struct node */
};

static const struct cg_field node_fields[] = {
    CG_FIELD(struct node, name, CG_STRING),
    CG_FIELD_MODEL_LIST(struct node, children, &fuzz_node_model, .optional = true),
};
const struct cg_model fuzz_node_model = CG_MODEL("Node", struct node, node_fields);

/* ---- handlers ---- */

static void write_kv_list(struct cg_json *j, const char *key, const struct cg_kv *kv, size_t n)
{
    cg_json_key(j, key);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        cg_json_arr_begin(j);
        cg_json_str(j, kv[i].name);
        cg_json_str(j, kv[i].value);
        cg_json_arr_end(j);
    }
    cg_json_arr_end(j);
}

/* The request as the core sees it. */
static int echo(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "method");
    cg_json_str(j, r->method);
    cg_json_key(j, "rest");
    cg_json_str(j, cg_param_str(c, "rest"));
    cg_json_key(j, "path");
    cg_json_str(j, r->path);
    write_kv_list(j, "query", r->query, r->nquery);
    write_kv_list(j, "headers", r->headers, r->nheaders);
    write_kv_list(j, "cookies", r->cookies, r->ncookies);
    cg_json_key(j, "body");
    cg_json_str(j, r->body);
    cg_json_key(j, "root_path");
    cg_json_str(j, r->root_path);
    cg_json_obj_end(j);
    return 0;
}

/* Every kind of parameter, each written back. */
static int read_item(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "id");
    cg_json_int(j, cg_param_int(c, "item_id"));
    cg_json_key(j, "ratio");
    cg_json_num(j, cg_param_num(c, "ratio"));
    cg_json_key(j, "q");
    cg_json_str(j, cg_param_str(c, "q"));
    cg_json_key(j, "sort");
    cg_json_int(j, cg_param_enum(c, "sort"));
    cg_json_key(j, "full");
    cg_json_bool(j, cg_param_bool(c, "full"));
    cg_json_key(j, "tags");
    cg_json_arr_begin(j);
    for (size_t i = 0; i < cg_param_count(c, "tag"); i++)
        cg_json_str(j, cg_param_str_at(c, "tag", i));
    cg_json_arr_end(j);
    cg_json_key(j, "trace");
    cg_json_str(j, cg_param_str(c, "x_trace"));
    cg_json_key(j, "session");
    cg_json_int(j, cg_param_int(c, "session"));
    cg_json_obj_end(j);
    return 0;
}

static int create_order(struct cg_ctx *c)
{
    return cg_json_model(c, 201, &fuzz_order_model, cg_body(c));
}

static int status(struct cg_ctx *c)
{
    return cg_send_empty(c, (int)cg_param_int(c, "code"));
}

/* Query pairs become headers: names and values the core must refuse when
 * they would split the response. */
static int set_headers(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    cg_send_text(c, 200, CG_STR("ok"));
    for (size_t i = 0; i < r->nquery; i++)
        cg_response_add_header(cg_take_response(c), r->query[i].name, r->query[i].value);
    return 0;
}

static int write_lines(struct cg_stream *s, void *arg)
{
    int64_t n = *(const int64_t *)arg;
    for (int64_t i = 0; i < n; i++)
        if (cg_stream_printf(s, "{\"n\":%" PRId64 "}\n", i) != 0)
            return -1;
    return n == 13 ? cg_stream_fail(s, "failed after %" PRId64 " lines", n) : 0;
}

static int stream_lines(struct cg_ctx *c)
{
    int64_t *n = cg_arena_alloc(cg_arena(c), sizeof *n);
    *n = cg_param_int(c, "n");
    return cg_stream_response(c, 200, "application/x-ndjson", write_lines, n);
}

/* Deferred work runs after the response has left, on a request that must
 * still be whole: its arena and the transport's buffer both alive. */
static void check_request_intact(struct cg_request *req, void *arg)
{
    FUZZ_CHECK(cg_str_eq(req->body, *(const cg_str *)arg), "the request changed before its deferred work ran");
}

static int after(struct cg_ctx *c)
{
    cg_str *copy = cg_arena_alloc(cg_arena(c), sizeof *copy);
    *copy = cg_arena_strdup(cg_arena(c), cg_req(c)->body);
    cg_after_response(c, check_request_intact, copy);
    return cg_send_json_raw(c, 202, CG_STR("{\"queued\":true}"));
}

static int fail(struct cg_ctx *c)
{
    return cg_fail(c, "failed on purpose");
}

/* Bearer "good" passes, "reader" is forbidden. */
static enum cg_auth_result check_token(const struct cg_security *s, struct cg_ctx *c, cg_str token)
{
    (void)s;
    if (cg_str_eq_c(token, "good")) {
        cg_set_identity(c, CG_STR("{\"sub\":\"good\"}"));
        return CG_AUTH_OK;
    }
    return cg_str_eq_c(token, "reader") ? CG_AUTH_FORBIDDEN : CG_AUTH_INVALID;
}

static const struct cg_security bearer = { .name = "bearerAuth", .kind = CG_SEC_BEARER, .check = check_token };
static const struct cg_security api_key = {
    .name = "apiKey", .kind = CG_SEC_API_KEY, .header = "x-api-key", .check = check_token,
};

static int whoami(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, cg_identity(c));
}

#define ANY_METHOD (CG_M_GET | CG_M_HEAD | CG_M_POST | CG_M_PUT | CG_M_DELETE | CG_M_PATCH | CG_M_OPTIONS)

static const struct cg_route routes[] = {
    CG_GET("/items/{item_id}", read_item,
           .params = CG_PARAMS(CG_PATH_INT("item_id", CG_GE(1)), CG_QUERY_NUM("ratio", CG_GT(0), CG_LE(1), .def = "0.5"),
                               CG_QUERY_STR("q", CG_MAX_LEN(20), CG_PATTERN("^[a-z ]*$"), .def = ""),
                               CG_QUERY_ENUM("sort", CG_CHOICES("asc", "desc"), .def = "asc"),
                               CG_QUERY_BOOL("full", .def = "false"), CG_QUERY_LIST("tag", CG_STRING, CG_MAX_LEN(8)),
                               CG_HEADER_STR("x_trace", .def = "-"), CG_COOKIE_INT("session", CG_GE(0), .def = "0"))),
    CG_POST("/orders", create_order, .body = &fuzz_order_model, .response = &fuzz_order_model, .status = 201),
    CG_PUT("/orders/{order_id}", create_order, .security = &bearer, .body = &fuzz_order_model,
           .params = CG_PARAMS(CG_PATH_INT("order_id"))),
    CG_GET("/status/{code}", status, .params = CG_PARAMS(CG_PATH_INT("code", CG_GE(100), CG_LE(999)))),
    CG_GET("/headers", set_headers),
    CG_GET("/stream/{n}", stream_lines, .params = CG_PARAMS(CG_PATH_INT("n", CG_GE(0), CG_LE(20)))),
    CG_POST("/after", after),
    CG_DELETE("/fail", fail),
    CG_GET("/me", whoami, .security = &bearer),
    CG_GET("/key", whoami, .security = &api_key),
    CG_ROUTE(ANY_METHOD, "/echo/{rest:path}", echo, .params = CG_PARAMS(CG_PATH_STR("rest"))),
};

static const struct cg_cors_opts cors = {
    .allow_origins = (const char *const[]){ "https://app.example", NULL },
    .allow_origin_regex = "https://([a-z0-9-]+\\.)?example\\.org",
    .allow_methods = (const char *const[]){ "GET", "POST", "PUT", NULL },
    .allow_headers = (const char *const[]){ "x-api-key", "authorization", NULL },
    .allow_credentials = true,
    .expose_headers = (const char *const[]){ "x-request-id", NULL },
};

struct cg_app *fuzz_app_new(const char *base_path)
{
    struct cg_app *app =
        cg_app_new(&(struct cg_app_opts){ .title = "Fuzz", .version = "1.0.0", .base_path = base_path });
    /* Compression first: CORS, added last, runs outermost. A small minimum
     * so that the fuzzer reaches the encoders with short bodies. */
    const struct cg_compress_opts compress = { .min_size = 64, .gzip_level = 1, .brotli_quality = 1 };
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0 || cg_app_use_compression(app, &compress) != 0 ||
        cg_app_use_cors(app, &cors) != 0 || cg_app_start(app) != 0) {
        cg_error("the fuzz app cannot start: %s", cg_app_error(app));
        cg_app_free(app);
        return NULL;
    }
    return app;
}
