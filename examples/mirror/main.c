/* Mirror: an httpbin-style app that shows exactly what a transport (the
 * local server, an API Gateway, a function URL, an ALB) delivered.
 *
 *   GET /status/{code}       an empty response with that status
 *   GET /bytes/{n}           n pseudo-random bytes (application/octet-stream),
 *                            the same for the same ?seed=
 *   GET /cookies/set?k=v&..  one Set-Cookie: k=v per pair, in order
 *   GET /delay/{ms}          waits ms (at most 10000), then answers
 *   GET /after/{ms}          answers at once, then (cg_after_response) waits
 *                            ms and logs "after-response work of <id> done"
 *   GET /stream/{n}          n JSON lines, one per chunk, ?delay_ms apart
 *                            (default 100); ?fail_at=k fails before line k
 *   GET /sse/{n}             n Server-Sent Events "tick", ?delay_ms apart
 *   anything else            200 with the request as JSON:
 *     {"method", "path" (decoded), "query" {name: [values]},
 *      "headers" {lowercase name: [values]}, "cookies" {name: last value},
 *      "body" (text, or base64 with "body_base64": true when not UTF-8),
 *      "source_ip", "source", "stage" (null when none), "root_path",
 *      "domain" (the host called, without its port; null when unknown)}
 *
 * Every answer carries the request id in x-request-id (on Lambda, the
 * invocation's id: the one in the START and REPORT log lines). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cgate/cgate.h>
#include <cgate/compress.h>

#define ANY_METHOD (CG_M_GET | CG_M_POST | CG_M_PUT | CG_M_DELETE | CG_M_PATCH | CG_M_OPTIONS)
#define MAX_BYTES (1024 * 1024)

static bool named_earlier(const struct cg_kv *kv, size_t i, bool ignore_case)
{
    for (size_t k = 0; k < i; k++)
        if (ignore_case ? cg_str_ieq(kv[k].name, kv[i].name) : cg_str_eq(kv[k].name, kv[i].name))
            return true;
    return false;
}

static cg_str lowercase(struct cg_arena *a, cg_str s)
{
    char *p = (char *)cg_arena_strdup(a, s).ptr;
    for (size_t i = 0; i < s.len; i++)
        p[i] = (char)tolower((unsigned char)p[i]);
    return (cg_str){ p, s.len };
}

/* {name: [value, ...]} with names in order of first appearance; header names
 * are grouped ignoring case and written in lowercase. */
static void write_multi_map(struct cg_json *j, struct cg_arena *a, const struct cg_kv *kv, size_t n,
                            bool ignore_case)
{
    cg_json_obj_begin(j);
    for (size_t i = 0; i < n; i++) {
        if (named_earlier(kv, i, ignore_case))
            continue;
        cg_json_key_str(j, ignore_case ? lowercase(a, kv[i].name) : kv[i].name);
        cg_json_arr_begin(j);
        for (size_t k = i; k < n; k++)
            if (ignore_case ? cg_str_ieq(kv[k].name, kv[i].name) : cg_str_eq(kv[k].name, kv[i].name))
                cg_json_str(j, kv[k].value);
        cg_json_arr_end(j);
    }
    cg_json_obj_end(j);
}

/* The index of the last pair named as kv[i]. */
static size_t last_named(const struct cg_kv *kv, size_t n, size_t i)
{
    size_t last = i;
    for (size_t k = i + 1; k < n; k++)
        if (cg_str_eq(kv[k].name, kv[i].name))
            last = k;
    return last;
}

/* {name: value}; a repeated cookie name keeps its last value, as
 * cg_request_cookie() does and Starlette's request.cookies (a dict built from
 * the pairs): the name where it first came, the value it last had. */
static void write_cookies(struct cg_json *j, const struct cg_request *r)
{
    cg_json_obj_begin(j);
    for (size_t i = 0; i < r->ncookies; i++) {
        if (named_earlier(r->cookies, i, false))
            continue;
        cg_json_key_str(j, r->cookies[i].name);
        cg_json_str(j, r->cookies[last_named(r->cookies, r->ncookies, i)].value);
    }
    cg_json_obj_end(j);
}

static void write_body(struct cg_json *j, cg_str body)
{
    bool text = cg_utf8_valid(body);
    cg_json_key(j, "body");
    if (text) {
        cg_json_str(j, body);
    } else { /* base64 needs no escaping: straight into the output */
        cg_json_raw(j, CG_STR("\""));
        cg_base64_encode(j->out, body);
        cg_buf_putc(j->out, '"');
    }
    cg_json_key(j, "body_base64");
    cg_json_bool(j, !text);
}

static void write_string_or_null(struct cg_json *j, const char *key, cg_str value)
{
    cg_json_key(j, key);
    if (value.ptr)
        cg_json_str(j, value);
    else
        cg_json_null(j);
}

static int tag_request_id(struct cg_ctx *c)
{
    return cg_add_header(c, "x-request-id", cg_req(c)->request_id);
}

static int echo(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "method");
    cg_json_str(j, r->method);
    cg_json_key(j, "path");
    cg_json_str(j, r->path);
    cg_json_key(j, "query");
    write_multi_map(j, cg_arena(c), r->query, r->nquery, false);
    cg_json_key(j, "headers");
    write_multi_map(j, cg_arena(c), r->headers, r->nheaders, true);
    cg_json_key(j, "cookies");
    write_cookies(j, r);
    write_body(j, r->body);
    write_string_or_null(j, "source_ip", r->client_addr);
    write_string_or_null(j, "source", r->source);
    write_string_or_null(j, "stage", r->stage);
    cg_json_key(j, "root_path");
    cg_json_str(j, r->root_path);
    write_string_or_null(j, "domain", r->domain);
    cg_json_obj_end(j);
    return tag_request_id(c);
}

/* The routes' parameters, bound by the core (CG_PARAMS_OF below). */
struct status_path {
    int64_t code;
};

struct bytes_params {
    int64_t n, seed;
};

struct delay_path {
    int64_t ms;
};

/* What a streamed answer sends; in the request's arena, which lives as
 * long as the stream. /sse declares no fail_at. */
struct ticks {
    int64_t n, delay_ms;
    bool has_fail_at;
    int64_t fail_at;
};

/* /{rest:path}: declared for the template; echo reads the whole request. */
struct echo_path {
    cg_str rest;
};

static int status(struct cg_ctx *c)
{
    const struct status_path *p = cg_params(c);
    cg_send_empty(c, (int)p->code);
    return tag_request_id(c);
}

static void pause_ms(int64_t ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static int delay(struct cg_ctx *c)
{
    const struct delay_path *p = cg_params(c);
    pause_ms(p->ms);
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "delay_ms");
    cg_json_int(j, p->ms);
    cg_json_obj_end(j);
    return tag_request_id(c);
}

static void finish_later(struct cg_request *req, void *arg)
{
    pause_ms(((const struct delay_path *)arg)->ms);
    cg_info("after-response work of %.*s done", (int)req->request_id.len, req->request_id.ptr);
}

static int after(struct cg_ctx *c)
{
    /* The parameters live in the request's arena, which outlives the work. */
    cg_after_response(c, finish_later, (void *)cg_params(c));
    cg_send_json_raw(c, 200, CG_STR("{\"queued\":true}"));
    return tag_request_id(c);
}

/* xorshift64*: a fixed sequence per seed, so that one payload can be
 * compared byte for byte across transports. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1DULL;
}

static int bytes(struct cg_ctx *c)
{
    const struct bytes_params *q = cg_params(c);
    size_t n = (size_t)q->n;
    uint64_t state = (uint64_t)q->seed * 0x9E3779B97F4A7C15ULL + 1; /* never 0 */
    cg_send(c, 200, "application/octet-stream", NULL, 0);
    struct cg_buf *body = &cg_take_response(c)->body;
    unsigned char *p = (unsigned char *)cg_buf_reserve(body, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(next_random(&state) >> 56);
    body->len += n;
    return tag_request_id(c);
}

static int set_cookies(struct cg_ctx *c)
{
    const struct cg_request *r = cg_req(c);
    cg_send_json_raw(c, 200, CG_STR("{}"));
    for (size_t i = 0; i < r->nquery; i++) {
        struct cg_buf pair; /* not printf: a NUL must reach cg_add_header's check */
        cg_buf_init(&pair, cg_arena(c));
        cg_buf_append_str(&pair, r->query[i].name);
        cg_buf_putc(&pair, '=');
        cg_buf_append_str(&pair, r->query[i].value);
        if (cg_add_header(c, "set-cookie", cg_buf_str(&pair)) != 0)
            return cg_http_error(c, 400, "A cookie cannot hold a control character");
    }
    return tag_request_id(c);
}

static int write_lines(struct cg_stream *s, void *arg)
{
    const struct ticks *t = arg;
    for (int64_t i = 0; i < t->n; i++) {
        if (i > 0)
            pause_ms(t->delay_ms);
        if (t->has_fail_at && i == t->fail_at)
            return cg_stream_fail(s, "failed on purpose before line %" PRId64, i);
        if (cg_stream_printf(s, "{\"n\":%" PRId64 ",\"of\":%" PRId64 "}\n", i, t->n) != 0)
            return -1;
    }
    return 0;
}

static int write_events(struct cg_stream *s, void *arg)
{
    const struct ticks *t = arg;
    for (int64_t i = 0; i < t->n; i++) {
        if (i > 0)
            pause_ms(t->delay_ms);
        char data[64], id[24];
        snprintf(data, sizeof data, "{\"n\":%" PRId64 "}", i);
        snprintf(id, sizeof id, "%" PRId64, i);
        if (cg_sse_send(s, "tick", cg_str_c(data), id) != 0)
            return -1;
    }
    return 0;
}

static int stream_lines(struct cg_ctx *c)
{
    tag_request_id(c);
    return cg_stream_response(c, 200, "application/x-ndjson", write_lines, (void *)cg_params(c));
}

static int stream_events(struct cg_ctx *c)
{
    tag_request_id(c);
    cg_add_header(c, "cache-control", CG_STR("no-cache"));
    return cg_stream_response(c, 200, "text/event-stream", write_events, (void *)cg_params(c));
}

#define DELAY_MS CG_PARAMS_OF(struct delay_path, CG_PATH_PARAM(struct delay_path, ms, CG_INT, CG_GE(0), CG_LE(10000)))
#define TICK_COUNT CG_PATH_PARAM(struct ticks, n, CG_INT, CG_GE(0), CG_LE(10000))
#define TICK_DELAY CG_QUERY_PARAM(struct ticks, delay_ms, CG_INT, CG_GE(0), CG_LE(10000), .def = "100")
#define LINE_TICKS                                                                                 \
    CG_PARAMS_OF(struct ticks, TICK_COUNT, TICK_DELAY,                                             \
                 CG_QUERY_PARAM_OPT(struct ticks, fail_at, has_fail_at, CG_INT, CG_GE(0)))

static const struct cg_route routes[] = {
    CG_GET("/status/{code}", status, .summary = "Answer with this status",
           .params = CG_PARAMS_OF(struct status_path,
                                  CG_PATH_PARAM(struct status_path, code, CG_INT, CG_GE(200), CG_LE(599)))),
    CG_GET("/bytes/{n}", bytes, .summary = "Answer n deterministic pseudo-random bytes",
           .params = CG_PARAMS_OF(struct bytes_params,
                                  CG_PATH_PARAM(struct bytes_params, n, CG_INT, CG_GE(0), CG_LE(MAX_BYTES)),
                                  CG_QUERY_PARAM(struct bytes_params, seed, CG_INT, .def = "0", CG_GE(0)))),
    CG_GET("/cookies/set", set_cookies, .summary = "Set one cookie per query pair"),
    CG_GET("/delay/{ms}", delay, .summary = "Answer after a delay", .params = DELAY_MS),
    CG_GET("/after/{ms}", after, .summary = "Answer, then work for a while", .params = DELAY_MS),
    CG_GET("/stream/{n}", stream_lines, .summary = "Stream n JSON lines", .params = LINE_TICKS),
    CG_GET("/sse/{n}", stream_events, .summary = "Stream n Server-Sent Events",
           .params = CG_PARAMS_OF(struct ticks, TICK_COUNT, TICK_DELAY)),
    /* The same on the local server's blocking pool (docs/server.md). */
    { .methods = CG_M_GET, .path = "/blocking/delay/{ms}", .handler = delay, .name = "delay_blocking",
      .summary = "Answer after a delay, off the event loop", .params = DELAY_MS, .blocking = true },
    { .methods = CG_M_GET, .path = "/blocking/after/{ms}", .handler = after, .name = "after_blocking",
      .summary = "Answer, then work for a while, off the event loop", .params = DELAY_MS, .blocking = true },
    { .methods = CG_M_GET, .path = "/blocking/stream/{n}", .handler = stream_lines, .name = "stream_blocking",
      .summary = "Stream n JSON lines, from a blocking route", .params = LINE_TICKS, .blocking = true },
    CG_ROUTE(ANY_METHOD, "/{rest:path}", echo, .summary = "Echo the request",
             .params = CG_PARAMS_OF(struct echo_path, CG_PATH_PARAM(struct echo_path, rest, CG_STRING))),
};

int main(int argc, char **argv)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){
        .title = "Mirror",
        .version = "1.0.0",
        .description = "Answers with exactly what it received.",
    });
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0 || cg_app_use_compression(app, NULL) != 0) {
        cg_app_free(app);
        return 1;
    }
    int rc = cg_main(app, argc, argv);
    cg_app_free(app);
    return rc;
}
