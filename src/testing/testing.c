/* The test client (include/cgate/testing.h): requests split as a client
 * sends them, the HTTP path through the core, and reading responses. */
#include <stdlib.h>
#include <string.h>

#include "testing/testing_internal.h"

struct cg_test {
    struct cg_app *app;
    struct cg_arena *arena;
};

struct cg_test *cg_test_new(struct cg_app *app)
{
    struct cg_test *t = cg_xmalloc(sizeof *t);
    *t = (struct cg_test){ .app = app, .arena = cg_arena_new() };
    return t;
}

void cg_test_free(struct cg_test *t)
{
    if (!t)
        return;
    cg_arena_free(t->arena);
    free(t);
}

struct cg_arena *cg_test_arena(struct cg_test *t)
{
    return t->arena;
}

/* ---- the request ---- */

/* "name: value" -> { name, value } with the value's blanks trimmed, as a
 * server reads a header line. A line without ':' is a name with no value. */
static struct cg_kv header_of_line(const char *line)
{
    const char *colon = strchr(line, ':');
    if (!colon)
        return (struct cg_kv){ cg_str_c(line), CG_STR("") };
    return (struct cg_kv){ { line, (size_t)(colon - line) }, cg_str_trim(cg_str_c(colon + 1)) };
}

static void split_headers(struct cg_arena *a, const char *const *lines, struct test_input *in)
{
    size_t n = 0;
    while (lines && lines[n])
        n++;
    in->headers = cg_arena_alloc(a, (n ? n : 1) * sizeof *in->headers);
    for (in->nheaders = 0; in->nheaders < n; in->nheaders++)
        in->headers[in->nheaders] = header_of_line(lines[in->nheaders]);
}

static struct test_input input_of(struct cg_arena *a, const struct cg_test_req *req)
{
    struct test_input in = {
        .method = cg_str_c(req->method ? req->method : "GET"),
        .request_id = cg_str_c(req->request_id ? req->request_id : ""),
        .stage = cg_str_c(req->stage),
    };
    const char *target = req->path && *req->path ? req->path : "/";
    const char *q = strchr(target, '?');
    in.raw_path = q ? (cg_str){ target, (size_t)(q - target) } : cg_str_c(target);
    in.query_string = cg_str_c(q ? q + 1 : "");
    split_headers(a, req->headers, &in);
    if (req->body)
        in.body = (cg_str){ req->body, req->body_len ? req->body_len : strlen(req->body) };
    else
        in.body = CG_STR("");
    return in;
}

/* ---- the HTTP path ---- */

/* The request as the local server fills it from the wire (the peer is
 * Starlette's TestClient's "testclient"). */
static struct cg_request *http_request(struct cg_arena *a, const struct test_input *in)
{
    struct cg_request *req = cg_arena_zalloc(a, sizeof *req);
    *req = (struct cg_request){
        .method = in->method,
        .raw_path = in->raw_path,
        .query_string = in->query_string,
        .headers = in->headers,
        .nheaders = in->nheaders,
        .body = in->body,
        .client_addr = CG_STR("testclient"),
        .client_port = 50000,
        .scheme = CG_STR("http"),
        .root_path = CG_STR(""),
        .request_id = in->request_id,
        .arena = a,
    };
    req->domain = cg_kv_ifind(in->headers, in->nheaders, CG_STR("host"));
    return req;
}

/* What the client reads of a body: none for HEAD and statuses without
 * content, as a server frames it. */
static bool body_is_sent(const struct cg_request *req, int status)
{
    return cg_status_allows_body(status) && !cg_str_eq_c(req->method, "HEAD");
}

static void run_http(const struct cg_app *app, struct cg_arena *a, const struct test_input *in,
                     struct cg_test_response *r)
{
    struct cg_request *req = http_request(a, in);
    struct cg_response *res = cg_arena_zalloc(a, sizeof *res);
    cg_response_init(res, a);
    cg_app_handle(app, req, res);
    cg__stream_buffer(res, req);
    r->status = res->status;
    r->headers = res->headers;
    r->nheaders = res->nheaders;
    r->body = body_is_sent(req, res->status) ? cg_buf_str(&res->body) : CG_STR("");
    r->core = res;
    cg_request_run_deferred(req);
}

/* ---- running ---- */

static void refuse(struct cg_test_response *r, cg_str why)
{
    r->status = 0;
    r->body = why;
}

struct cg_test_response *cg_test_request(struct cg_test *t, const struct cg_test_req *req)
{
    struct cg_test_response *r = cg_arena_zalloc(t->arena, sizeof *r);
    r->arena_ = t->arena;
    r->gateway = CG_STR("");
    if (cg_app_start(t->app) != 0) {
        const char *why = cg_app_error(t->app);
        refuse(r, cg_str_c(why ? why : "the app did not start"));
        return r;
    }
    struct test_input in = input_of(t->arena, req);
    if (req->via == CG_VIA_HTTP)
        run_http(t->app, t->arena, &in, r);
    else
        cg__testing_run_lambda(t->app, t->arena, &in, req->via, r);
    /* A C string for the tests: the body ends where the arena's copy ends. */
    r->body = cg_arena_strdup(t->arena, r->body);
    return r;
}

struct cg_test_response *cg_test_get(struct cg_test *t, const char *path, const char *const *headers)
{
    return cg_test_request(t, &(struct cg_test_req){ .path = path, .headers = headers });
}

/* ---- reading ---- */

cg_str cg_test_header_at(const struct cg_test_response *r, const char *name, size_t i)
{
    for (size_t k = 0; k < r->nheaders; k++)
        if (cg_str_ieq(r->headers[k].name, cg_str_c(name)) && i-- == 0)
            return r->headers[k].value;
    return (cg_str){ NULL, 0 };
}

cg_str cg_test_header(const struct cg_test_response *r, const char *name)
{
    return cg_test_header_at(r, name, 0);
}

size_t cg_test_header_count(const struct cg_test_response *r, const char *name)
{
    size_t n = 0;
    for (size_t k = 0; k < r->nheaders; k++)
        n += cg_str_ieq(r->headers[k].name, cg_str_c(name));
    return n;
}

/* One step of a path: a member of an object, or an index of an array. */
static const struct cg_json_value *step(const struct cg_json_value *v, cg_str name)
{
    if (v->type == CG_JSON_OBJECT) {
        for (size_t i = 0; i < v->len; i++)
            if (cg_str_eq(v->items[i].key, name))
                return &v->items[i];
        return NULL;
    }
    if (v->type != CG_JSON_ARRAY || name.len == 0 || name.len > 9)
        return NULL;
    size_t index = 0;
    for (size_t i = 0; i < name.len; i++) {
        if (name.ptr[i] < '0' || name.ptr[i] > '9')
            return NULL;
        index = index * 10 + (size_t)(name.ptr[i] - '0');
    }
    return index < v->len ? &v->items[index] : NULL;
}

const struct cg_json_value *cg_test_json(struct cg_test_response *r, const char *path)
{
    if (!r->json_parsed_) {
        r->json_ = cg_json_parse(r->arena_, r->body, CG_JSON_MAX_DEPTH, NULL);
        r->json_parsed_ = true;
    }
    const struct cg_json_value *v = r->json_;
    for (const char *p = path; v && *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        v = step(v, (cg_str){ p, len });
        p += len + (dot != NULL);
    }
    return v;
}
