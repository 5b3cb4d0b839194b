/* Mirror: an httpbin-style app that shows exactly what a transport delivered.
 *
 *   ANY /anything, /anything/{rest:path}  the request as JSON: method, paths,
 *                                         query, headers and cookies as
 *                                         [name, value] pairs in order, body
 *   GET /status/{code}                    an empty response with that status
 *   GET /delay/{ms}                       waits ms (at most 10000), then answers
 *   GET /bytes/{n}                        n bytes of application/octet-stream
 *   GET /headers/set-cookie               two Set-Cookie headers
 */
#include <errno.h>
#include <time.h>

#include <cgate/cgate.h>

#define ANY_METHOD (CG_M_GET | CG_M_POST | CG_M_PUT | CG_M_DELETE | CG_M_PATCH | CG_M_OPTIONS)

static void write_pairs(struct cg_json *j, const char *key, const struct cg_kv *kv, size_t n)
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

static void write_field(struct cg_json *j, const char *key, cg_str value)
{
    cg_json_key(j, key);
    cg_json_str(j, value);
}

static int anything(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    write_field(j, "method", r->method);
    write_field(j, "path", r->path);
    write_field(j, "raw_path", r->raw_path);
    write_field(j, "query_string", r->query_string);
    write_pairs(j, "query", r->query, r->nquery);
    write_pairs(j, "headers", r->headers, r->nheaders);
    write_pairs(j, "cookies", r->cookies, r->ncookies);
    write_field(j, "body", r->body);
    cg_json_key(j, "client");
    cg_json_obj_begin(j);
    write_field(j, "host", r->client_addr);
    cg_json_key(j, "port");
    cg_json_int(j, r->client_port);
    cg_json_obj_end(j);
    write_field(j, "scheme", r->scheme);
    write_field(j, "root_path", r->root_path);
    write_field(j, "request_id", r->request_id);
    cg_json_obj_end(j);
    return 0;
}

static int status(struct cg_ctx *c)
{
    return cg_send_empty(c, (int)cg_param_int(c, "code"));
}

static int delay(struct cg_ctx *c)
{
    int64_t ms = cg_param_int(c, "ms");
    struct timespec left = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "delay_ms");
    cg_json_int(j, ms);
    cg_json_obj_end(j);
    return 0;
}

static int bytes(struct cg_ctx *c)
{
    size_t n = (size_t)cg_param_int(c, "n");
    cg_send(c, 200, "application/octet-stream", NULL, 0);
    if (n == 0)
        return 0;
    struct cg_buf *body = &cg_res(c)->body;
    char *p = cg_buf_reserve(body, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + i % 26);
    body->len += n;
    return 0;
}

static int set_cookie(struct cg_ctx *c)
{
    cg_send_json_raw(c, 200, CG_STR("{\"set\":[\"a\",\"b\"]}"));
    cg_add_header(c, "set-cookie", CG_STR("a=1; Path=/"));
    return cg_add_header(c, "set-cookie", CG_STR("b=2; Path=/; HttpOnly"));
}

static const struct cg_route routes[] = {
    CG_ROUTE(ANY_METHOD, "/anything", anything, .summary = "Echo the request"),
    CG_ROUTE(ANY_METHOD, "/anything/{rest:path}", anything, .summary = "Echo the request",
             .params = CG_PARAMS(CG_PATH_STR("rest"))),
    CG_GET("/status/{code}", status, .summary = "Answer with this status",
           .params = CG_PARAMS(CG_PATH_INT("code", CG_GE(200), CG_LE(599)))),
    CG_GET("/delay/{ms}", delay, .summary = "Answer after a delay",
           .params = CG_PARAMS(CG_PATH_INT("ms", CG_GE(0), CG_LE(10000)))),
    CG_GET("/bytes/{n}", bytes, .summary = "Answer n bytes",
           .params = CG_PARAMS(CG_PATH_INT("n", CG_GE(0), CG_LE(10 * 1024 * 1024)))),
    CG_GET("/headers/set-cookie", set_cookie, .summary = "Set two cookies"),
};

int main(int argc, char **argv)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){
        .title = "Mirror",
        .version = "1.0.0",
        .description = "Answers with exactly what it received.",
    });
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0) {
        cg_app_free(app);
        return 1;
    }
    int rc = cg_main(app, argc, argv);
    cg_app_free(app);
    return rc;
}
