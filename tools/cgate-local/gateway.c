/* The function's response JSON -> the HTTP response the gateway sends
 * (docs/design/gateway-events.md §7 and §9). What the gateways refuse with
 * a 502 is refused here too: a statusCode that is not an integer, a body that is
 * not a string, header values that are not strings, base64 that does not
 * decode, and for REST and ALB any key they do not know (a top-level
 * "cookies" is the classic one, §7.1). An HTTP API also takes JSON with
 * no statusCode at all, as a 200 application/json body (§7.2). VPC Lattice
 * reads an answer as ALB in single-value mode does (§7.7).
 *
 * Off the hot path: the response is read whole into a tree (cgate/json.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "local_internal.h"

struct answering {
    const struct local_opts *o;
    struct cg_arena *a;
    struct http_answer *out;
    size_t cap;
    char *why;
    size_t whylen;
};

static int refuse(struct answering *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int refuse(struct answering *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, s->whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static void add_header(struct answering *s, cg_str name, cg_str value)
{
    struct http_answer *out = s->out;
    if (out->nheaders == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        out->headers = cg_arena_realloc(s->a, out->headers, s->cap * sizeof *out->headers, cap * sizeof *out->headers);
        s->cap = cap;
    }
    out->headers[out->nheaders++] = (struct cg_kv){ cg_arena_strdup(s->a, name), cg_arena_strdup(s->a, value) };
}

static bool has_header(const struct http_answer *out, cg_str name)
{
    return cg_kv_ifind(out->headers, out->nheaders, name).ptr != NULL;
}

static bool is_absent(const struct cg_json_value *v)
{
    return v == NULL || v->type == CG_JSON_NULL;
}

static bool is_boolean(const struct cg_json_value *v)
{
    return v->type == CG_JSON_TRUE || v->type == CG_JSON_FALSE;
}

static bool is_true(const struct cg_json_value *v)
{
    return v && v->type == CG_JSON_TRUE;
}

/* REST and ALB refuse keys they do not know. */
static int check_keys(struct answering *s, const struct cg_json_value *root)
{
    static const char *const known[] = { "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded",
                                         "statusDescription" /* ALB only */ };
    size_t nknown = s->o->format == FMT_ALB ? CG_LEN(known) : CG_LEN(known) - 1;
    for (size_t i = 0; i < root->len; i++) {
        cg_str key = root->items[i].key;
        size_t k = 0;
        while (k < nknown && !cg_str_eq_c(key, known[k]))
            k++;
        if (k == nknown)
            return refuse(s, "the response has a key \"%.*s\" this gateway does not accept", (int)key.len, key.ptr);
    }
    return 0;
}

/* "headers": {"name": "value", ...}; names also in `except` are skipped
 * (REST: multiValueHeaders wins over headers, §7.1). */
static int add_single_headers(struct answering *s, const struct cg_json_value *headers,
                              const struct cg_json_value *except)
{
    if (is_absent(headers))
        return 0;
    if (headers->type != CG_JSON_OBJECT)
        return refuse(s, "\"headers\" is not an object");
    for (size_t i = 0; i < headers->len; i++) {
        const struct cg_json_value *value = &headers->items[i];
        if (value->type != CG_JSON_STRING)
            return refuse(s, "the value of header \"%.*s\" is not a string", (int)value->key.len, value->key.ptr);
        bool overridden = false;
        for (size_t k = 0; except && except->type == CG_JSON_OBJECT && k < except->len && !overridden; k++)
            overridden = cg_str_ieq(except->items[k].key, value->key);
        if (!overridden)
            add_header(s, value->key, value->text);
    }
    return 0;
}

/* A list of strings, each becoming one header line named `name`. */
static int add_repeated(struct answering *s, cg_str name, const struct cg_json_value *list, const char *what)
{
    if (list->type != CG_JSON_ARRAY)
        return refuse(s, "%s is not a list", what);
    for (size_t k = 0; k < list->len; k++) {
        if (list->items[k].type != CG_JSON_STRING)
            return refuse(s, "%s holds something other than strings", what);
        add_header(s, name, list->items[k].text);
    }
    return 0;
}

/* "multiValueHeaders": {"name": ["v1", "v2"], ...} */
static int add_multi_headers(struct answering *s, const struct cg_json_value *headers)
{
    if (is_absent(headers))
        return 0;
    if (headers->type != CG_JSON_OBJECT)
        return refuse(s, "\"multiValueHeaders\" is not an object");
    for (size_t i = 0; i < headers->len; i++)
        if (add_repeated(s, headers->items[i].key, &headers->items[i], "a multiValueHeaders entry") != 0)
            return -1;
    return 0;
}

static int add_headers(struct answering *s, const struct cg_json_value *root)
{
    const struct cg_json_value *single = cg_json_member(root, "headers");
    const struct cg_json_value *multi = cg_json_member(root, "multiValueHeaders");
    switch (s->o->format) {
    case FMT_REST:
        return add_multi_headers(s, multi) || add_single_headers(s, single, multi) ? -1 : 0;
    case FMT_HTTP:
    case FMT_FUNCTION_URL: {
        /* No multiValueHeaders in payload 2.0; each cookie is a Set-Cookie. */
        const struct cg_json_value *cookies = cg_json_member(root, "cookies");
        if (add_single_headers(s, single, NULL) != 0)
            return -1;
        return is_absent(cookies) ? 0 : add_repeated(s, CG_STR("set-cookie"), cookies, "\"cookies\"");
    }
    case FMT_ALB:
        /* The target group's mode decides which field the ALB reads (§7.3). */
        return s->o->multi_value ? add_multi_headers(s, multi) : add_single_headers(s, single, NULL);
    case FMT_LATTICE_V1:
    case FMT_LATTICE_V2: return add_single_headers(s, single, NULL);
    }
    return 0;
}

static int read_status(struct answering *s, const struct cg_json_value *root)
{
    int64_t status;
    if (!cg_json_as_int(cg_json_member(root, "statusCode"), &status))
        return refuse(s, "\"statusCode\" is missing or not an integer");
    if (status < 100 || status > 599)
        return refuse(s, "\"statusCode\" %lld is not an HTTP status", (long long)status);
    s->out->status = (int)status;
    return 0;
}

static int read_body(struct answering *s, const struct cg_json_value *root)
{
    const struct cg_json_value *body = cg_json_member(root, "body");
    const struct cg_json_value *base64 = cg_json_member(root, "isBase64Encoded");
    s->out->body = CG_STR("");
    if (is_absent(body))
        return 0;
    if (body->type != CG_JSON_STRING)
        return refuse(s, "\"body\" is not a string");
    cg_str text = cg_arena_strdup(s->a, body->text);
    if (!is_absent(base64) && !is_boolean(base64))
        return refuse(s, "\"isBase64Encoded\" is not a boolean");
    if (!is_true(base64)) {
        s->out->body = text;
        return 0;
    }
    if (!cg_base64_decode(s->a, text, &s->out->body))
        return refuse(s, "the body is marked isBase64Encoded but is not base64");
    return 0;
}

/* Payload 2.0 without a statusCode: the whole JSON is a 200 body. */
static bool is_inferred(const struct local_opts *o, const struct cg_json_value *root)
{
    return (o->format == FMT_HTTP || o->format == FMT_FUNCTION_URL) && !cg_json_member(root, "statusCode");
}

static int answer_from(struct answering *s, const struct cg_json_value *root, cg_str response)
{
    if (is_inferred(s->o, root)) {
        s->out->status = 200;
        s->out->body = cg_arena_strdup(s->a, response);
        add_header(s, CG_STR("content-type"), CG_STR("application/json"));
        return 0;
    }
    if (root->type != CG_JSON_OBJECT)
        return refuse(s, "the response is not a JSON object");
    if (s->o->format == FMT_REST || s->o->format == FMT_ALB)
        if (check_keys(s, root) != 0)
            return -1;
    if (read_status(s, root) != 0 || add_headers(s, root) != 0 || read_body(s, root) != 0)
        return -1;
    /* API Gateway types an untyped answer as JSON; ALB and Lattice leave it be. */
    bool api_gateway = s->o->format == FMT_REST || s->o->format == FMT_HTTP || s->o->format == FMT_FUNCTION_URL;
    if (api_gateway && !has_header(s->out, CG_STR("content-type")))
        add_header(s, CG_STR("content-type"), CG_STR("application/json"));
    return 0;
}

/* A prelude is the head alone: the body follows it. Without a type the
 * bytes are taken as bytes. */
static int head_from(struct answering *s, const struct cg_json_value *root)
{
    if (root->type != CG_JSON_OBJECT)
        return refuse(s, "the prelude is not a JSON object");
    s->out->status = 200;
    if (cg_json_member(root, "statusCode") && read_status(s, root) != 0)
        return -1;
    if (add_headers(s, root) != 0)
        return -1;
    if (!has_header(s->out, CG_STR("content-type")))
        add_header(s, CG_STR("content-type"), CG_STR("application/octet-stream"));
    return 0;
}

/* The JSON as a tree, in the arena; NULL, with the reason, when it is not
 * JSON. The function may nest as deep as it likes: the tree is built
 * without recursion. */
static const struct cg_json_value *parse_json(struct answering *s, cg_str json)
{
    struct cg_json_error err;
    const struct cg_json_value *root = cg_json_parse(s->a, json, SIZE_MAX, &err);
    if (!root)
        refuse(s, "the response is not JSON: %s at byte %zu", err.reason, err.pos);
    return root;
}

int gateway_answer(const struct local_opts *o, struct cg_arena *a, cg_str response, struct http_answer *out,
                   char *why, size_t whylen)
{
    struct answering s = { .o = o, .a = a, .out = out, .why = why, .whylen = whylen };
    *out = (struct http_answer){ 0 };
    const struct cg_json_value *root = parse_json(&s, response);
    return root ? answer_from(&s, root, response) : -1;
}

int gateway_head(const struct local_opts *o, struct cg_arena *a, cg_str prelude, struct http_answer *out, char *why,
                 size_t whylen)
{
    struct answering s = { .o = o, .a = a, .out = out, .why = why, .whylen = whylen };
    *out = (struct http_answer){ .body = CG_STR("") };
    const struct cg_json_value *root = parse_json(&s, prelude);
    return root ? head_from(&s, root) : -1;
}

/* ---- the gateway: HTTP request -> invocation -> HTTP response ---- */

struct gateway {
    const struct local_opts *o;
    struct function *fn;
    struct httpd front;
};

static struct gateway gw; /* one per process */

static void reply_message(struct http_request *req, int status, const char *message)
{
    static const struct cg_kv json[] = { { CG_STR("content-type"), CG_STR("application/json") } };
    http_reply(req, status, json, 1, cg_arena_printf(req->arena, "{\"message\":\"%s\"}", message));
}

/* One request's way through the function, in the request's arena: the
 * client, and a streamed answer as it comes. */
struct exchange {
    struct http_request *req;
    struct prelude_reader prelude;
    struct http_answer head; /* from the prelude */
    struct cg_buf body;      /* buffered invoke mode: the streamed body so far */
    bool started;            /* response_stream: the head is out, chunks follow */
};

/* The client is being answered: nothing more of the function's reaches it. */
static struct exchange *take_exchange(struct invocation *inv)
{
    struct exchange *x = inv->data;
    inv->data = NULL;
    x->req->on_gone = NULL;
    return x;
}

static void log_malformed(const char *why)
{
    fprintf(stderr, "Execution failed due to configuration error: Malformed Lambda proxy response (%s)\n", why);
}

static void malformed(struct invocation *inv, const char *why)
{
    log_malformed(why);
    reply_message(take_exchange(inv)->req, 502, "Internal server error");
}

/* Until the prelude is whole: then the head is known, and sent when the
 * answer streams. -1 when *bytes hold no body (yet, or ever). */
static int read_prelude(struct invocation *inv, struct exchange *x, cg_str *bytes)
{
    cg_str prelude;
    char why[256];
    switch (prelude_feed(&x->prelude, *bytes, &prelude, bytes)) {
    case PRELUDE_MORE: return -1;
    case PRELUDE_TOO_LONG: malformed(inv, "no prelude and its eight NULs within the first 16 KB"); return -1;
    case PRELUDE_DONE: break;
    }
    if (gateway_head(gw.o, x->req->arena, prelude, &x->head, why, sizeof why) != 0) {
        malformed(inv, why);
        return -1;
    }
    if (gw.o->response_stream) {
        http_reply_start(x->req, x->head.status, x->head.headers, x->head.nheaders);
        x->started = true;
    }
    return 0;
}

/* A streamed response's bytes: relayed to the client as they come, or,
 * when the invoke mode is buffered, kept for one answer at the end. */
static void relay_stream(struct invocation *inv, cg_str bytes)
{
    struct exchange *x = inv->data;
    if (!x || (!x->prelude.done && read_prelude(inv, x, &bytes) != 0))
        return; /* the client has gone, or has its answer */
    if (x->started) {
        http_reply_chunk(x->req, bytes);
    } else if (x->body.len + bytes.len > LAMBDA_MAX_RESPONSE) {
        fprintf(stderr, "RequestId: %s Error: a streamed body over 6291456 bytes for a BUFFERED invoke\n"
                        "Function.ResponseSizeTooLarge\n", inv->id);
        reply_message(take_exchange(inv)->req, 502, "Internal server error");
    } else {
        cg_buf_append_str(&x->body, bytes);
    }
}

static void answer_client(struct invocation *inv, enum outcome outcome, cg_str body)
{
    if (!inv->data)
        return; /* the client went away, or was answered */
    struct exchange *x = take_exchange(inv);
    struct http_request *req = x->req;
    if (x->started) { /* too late for a status: a failure cuts the body short */
        if (outcome == OUT_STREAMED)
            http_reply_end(req);
        else
            http_reply_cut(req);
        return;
    }
    struct http_answer answer;
    char why[256];
    switch (outcome) {
    case OUT_RESPONSE:
        if (gateway_answer(gw.o, req->arena, body, &answer, why, sizeof why) == 0) {
            http_reply(req, answer.status, answer.headers, answer.nheaders, answer.body);
            return;
        }
        log_malformed(why);
        break;
    case OUT_STREAMED: /* buffered invoke mode */
        if (x->prelude.done) {
            http_reply(req, x->head.status, x->head.headers, x->head.nheaders, cg_buf_str(&x->body));
            return;
        }
        log_malformed("the stream ended before its prelude did");
        break;
    case OUT_TIMEOUT: reply_message(req, 504, "Endpoint request timed out"); return;
    case OUT_STREAM_FAILED:
    case OUT_ERROR:
    case OUT_TOO_LARGE:
    case OUT_CRASH: break;
    }
    reply_message(req, 502, "Internal server error");
}

static void client_gone(struct http_request *req)
{
    ((struct invocation *)req->owner)->data = NULL;
}

static void on_gateway_request(struct http_request *req, void *data)
{
    (void)data;
    /* Outside the stage there is no API: a REST API's URL answers 403, an
     * HTTP API's 404, and the function never hears of it. */
    if (!event_in_stage(gw.o, req)) {
        bool rest = gw.o->format == FMT_REST;
        reply_message(req, rest ? 403 : 404, rest ? "Forbidden" : "Not Found");
        return;
    }
    char gateway_id[37];
    local_uuid(gateway_id);
    struct exchange *x = cg_arena_zalloc(req->arena, sizeof *x);
    x->req = req;
    prelude_init(&x->prelude, req->arena);
    cg_buf_init(&x->body, req->arena);
    struct invocation *inv = cg_xmalloc(sizeof *inv);
    *inv = (struct invocation){ .on_stream = relay_stream, .done = answer_client, .data = x };
    local_uuid(inv->id);
    cg_buf_init(&inv->event, NULL);
    event_build(gw.o, req, gateway_id, &inv->event);
    req->owner = inv;
    req->on_gone = client_gone;
    function_invoke(gw.fn, inv);
}

int gateway_start(uv_loop_t *loop, const struct local_opts *o, struct function *fn)
{
    gw.o = o;
    gw.fn = fn;
    /* API Gateway's own payload limit is 10 MB; Lambda's 6 MB comes first. */
    if (httpd_listen(&gw.front, loop, o->port, LAMBDA_MAX_RESPONSE, on_gateway_request, NULL) != 0)
        return -1;
    return gw.front.port;
}

void gateway_stop(void)
{
    httpd_close(&gw.front);
}
