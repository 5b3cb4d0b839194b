/* An HTTP request -> the event the chosen gateway would send
 * (docs/design/gateway-events.md §1-6 and §9). The inverse of
 * src/lambda/event_decode.c, so the two meet in the middle only when both
 * follow AWS:
 *
 *   REST      path as sent (encoded); headers and query both as the last
 *             value per name and as multiValue* lists; query values decoded
 *   HTTP API  rawPath decoded, a named stage in front; rawQueryString
 *             verbatim; headers lowercased, repeats joined with ",";
 *             cookies[] instead of the Cookie header
 *   URL       as the HTTP API, but rawPath encoded, no stage, and the
 *             Cookie header kept next to cookies[]
 *   ALB       path encoded; query pairs undecoded; lowercased headers,
 *             either last values or lists (multi-value mode)
 *   Lattice   as ALB; version 1 in snake case, headers joined with ", ",
 *             the last value of a query key; version 2 lists every value
 *             and adds requestContext
 *
 * With --stage the client calls the API under its stage (/prod/items), as on
 * the gateway's own URL: a REST API's `path` leaves it out and
 * requestContext.path keeps it; an HTTP API's rawPath keeps it. Without,
 * the API is at the root, as behind a custom domain mapped to the stage
 * (requestContext.path is then the path). Bodies go base64 when their type is
 * not text or they are not UTF-8, as an API whose binaryMediaTypes lists the
 * binary types would send them. */
#include <ctype.h>
#include <stdio.h>
#include <time.h>

#include "local_internal.h"

#define ACCOUNT_ID "123456789012"
#define API_ID "cgatelocal"
#define URL_DOMAIN API_ID ".lambda-url.us-east-1.on.aws"
#define TARGET_GROUP "arn:aws:elasticloadbalancing:us-east-1:" ACCOUNT_ID ":targetgroup/cgate-local/6d0ecf831eec9f09"
#define LATTICE_ARN(kind, id) "arn:aws:vpc-lattice:us-east-1:" ACCOUNT_ID ":" kind "/" id

/* What every event is built from. */
struct view {
    const struct local_opts *o;
    const struct http_request *req;
    struct cg_arena *a;
    struct cg_json *j;
    cg_str url_path;       /* the path the client called */
    cg_str raw_path, raw_query; /* the path the event carries: a REST API's leaves out the stage */
    struct cg_kv *headers; /* the client's, plus the X-Forwarded-* the gateway adds */
    size_t nheaders;
    const char *request_id;
    int64_t now_ms;
};

/* ---- name/value groups ---- */

enum names { NAMES_EXACT, NAMES_ANY_CASE, NAMES_LOWER };
enum values { VALUES_LAST, VALUES_ALL, VALUES_JOINED, VALUES_LISTED /* "a, b" */ };

static bool same_name(cg_str a, cg_str b, enum names mode)
{
    return mode == NAMES_EXACT ? cg_str_eq(a, b) : cg_str_ieq(a, b);
}

static cg_str lowercase(struct cg_arena *a, cg_str s)
{
    char *p = (char *)cg_arena_strdup(a, s).ptr;
    for (size_t i = 0; i < s.len; i++)
        p[i] = (char)tolower((unsigned char)p[i]);
    return (cg_str){ p, s.len };
}

static void write_values(struct cg_json *j, struct cg_arena *a, const struct cg_kv *kv, size_t n, size_t first,
                         enum names names, enum values shape)
{
    struct cg_buf joined;
    cg_buf_init(&joined, a);
    size_t last = first;
    if (shape == VALUES_ALL)
        cg_json_arr_begin(j);
    for (size_t k = first; k < n; k++) {
        if (!same_name(kv[k].name, kv[first].name, names))
            continue;
        last = k;
        if (shape == VALUES_ALL)
            cg_json_str(j, kv[k].value);
        else if (shape != VALUES_LAST)
            cg_buf_printf(&joined, "%s%.*s", k == first ? "" : shape == VALUES_JOINED ? "," : ", ",
                          (int)kv[k].value.len, kv[k].value.ptr);
    }
    if (shape == VALUES_ALL)
        cg_json_arr_end(j);
    else
        cg_json_str(j, shape == VALUES_LAST ? kv[last].value : cg_buf_str(&joined));
}

/* {name: value(s)}, one key per name in order of first appearance; `skip`
 * (if set) is left out. */
static void write_grouped(struct cg_json *j, struct cg_arena *a, const struct cg_kv *kv, size_t n,
                          enum names names, enum values shape, const char *skip)
{
    cg_json_obj_begin(j);
    for (size_t i = 0; i < n; i++) {
        bool seen = skip && cg_str_ieq(kv[i].name, cg_str_c(skip));
        for (size_t k = 0; k < i && !seen; k++)
            seen = same_name(kv[k].name, kv[i].name, names);
        if (seen)
            continue;
        cg_json_key_str(j, names == NAMES_LOWER ? lowercase(a, kv[i].name) : kv[i].name);
        write_values(j, a, kv, n, i, names, shape);
    }
    cg_json_obj_end(j);
}

/* "a=1&b" -> (a, 1), (b, ""), undecoded: ALB passes the query as sent. */
static size_t split_query_raw(struct cg_arena *a, cg_str qs, struct cg_kv **out)
{
    size_t n = 0;
    *out = cg_arena_alloc(a, (qs.len / 2 + 1) * sizeof **out);
    for (size_t start = 0; start < qs.len;) {
        const char *amp = memchr(qs.ptr + start, '&', qs.len - start);
        size_t end = amp ? (size_t)(amp - qs.ptr) : qs.len;
        cg_str pair = { qs.ptr + start, end - start };
        const char *eq = memchr(pair.ptr, '=', pair.len);
        if (pair.len)
            (*out)[n++] = eq ? (struct cg_kv){ { pair.ptr, (size_t)(eq - pair.ptr) },
                                               { eq + 1, (size_t)(pair.ptr + pair.len - eq - 1) } }
                             : (struct cg_kv){ pair, CG_STR("") };
        start = end + 1;
    }
    return n;
}

/* ---- the parts every format has ---- */

static cg_str target_path(const struct http_request *req)
{
    cg_str t = req->target;
    const char *qm = t.len ? memchr(t.ptr, '?', t.len) : NULL;
    return (cg_str){ t.ptr, qm ? (size_t)(qm - t.ptr) : t.len };
}

bool event_in_stage(const struct local_opts *o, const struct http_request *req)
{
    cg_str path = target_path(req);
    size_t n = strlen(o->mount);
    return path.len >= n && memcmp(path.ptr, o->mount, n) == 0 && (path.len == n || path.ptr[n] == '/');
}

/* The path and the query; a REST API's path without the stage. */
static void split_target(struct view *v)
{
    cg_str t = v->req->target, path = target_path(v->req);
    v->raw_query = path.len < t.len ? (cg_str){ path.ptr + path.len + 1, t.len - path.len - 1 } : CG_STR("");
    v->url_path = path.len ? path : CG_STR("/");
    if (v->o->format == FMT_REST) {
        size_t n = strlen(v->o->mount);
        path = (cg_str){ path.ptr + n, path.len - n };
    }
    v->raw_path = path.len ? path : CG_STR("/");
}

static bool is_forwarded_header(cg_str name)
{
    return cg_str_ieq(name, CG_STR("x-forwarded-for")) || cg_str_ieq(name, CG_STR("x-forwarded-proto")) ||
           cg_str_ieq(name, CG_STR("x-forwarded-port"));
}

/* The gateway appends the client to X-Forwarded-For and says how the client
 * came in: here, plain HTTP on the emulator's port (so that the redirects
 * an app builds from them lead back to the emulator). */
static void add_forwarded_headers(struct view *v)
{
    const struct http_request *req = v->req;
    struct cg_buf xff;
    cg_buf_init(&xff, v->a);
    v->headers = cg_arena_alloc(v->a, (req->nheaders + 3) * sizeof *v->headers);
    for (size_t i = 0; i < req->nheaders; i++) {
        if (!is_forwarded_header(req->headers[i].name))
            v->headers[v->nheaders++] = req->headers[i];
        else if (cg_str_ieq(req->headers[i].name, CG_STR("x-forwarded-for")))
            cg_buf_printf(&xff, "%.*s, ", (int)req->headers[i].value.len, req->headers[i].value.ptr);
    }
    cg_buf_append_str(&xff, req->peer);
    v->headers[v->nheaders++] = (struct cg_kv){ CG_STR("X-Forwarded-For"), cg_buf_str(&xff) };
    cg_str port = cg_arena_printf(v->a, "%u", req->local_port);
    v->headers[v->nheaders++] = (struct cg_kv){ CG_STR("X-Forwarded-Port"), port };
    v->headers[v->nheaders++] = (struct cg_kv){ CG_STR("X-Forwarded-Proto"), CG_STR("http") };
}

static bool body_is_binary(const struct view *v)
{
    cg_str type = http_header(v->req, "content-type");
    return (type.ptr && !cg__lambda_is_text_type(type)) || !cg_utf8_valid(v->req->body);
}

/* How each format says "no body". */
enum empty_body { EMPTY_OMITTED, EMPTY_NULL, EMPTY_STRING };

/* The body and the key (`flag`) that says whether it is base64. */
static void write_body(const struct view *v, enum empty_body empty, const char *flag)
{
    struct cg_json *j = v->j;
    cg_str body = v->req->body;
    bool binary = body.len && body_is_binary(v);
    if (body.len || empty != EMPTY_OMITTED)
        cg_json_key(j, "body");
    if (binary) {
        cg_json_raw(j, CG_STR("\"")); /* base64 needs no escaping: straight into the output */
        cg_base64_encode(j->out, body);
        cg_buf_putc(j->out, '"');
    } else if (body.len || empty == EMPTY_STRING) {
        cg_json_str(j, body);
    } else if (empty == EMPTY_NULL) {
        cg_json_null(j);
    }
    cg_json_key(j, flag);
    cg_json_bool(j, binary);
}

static void write_field(struct cg_json *j, const char *key, cg_str value)
{
    cg_json_key(j, key);
    cg_json_str(j, value);
}

/* "12/Mar/2020:19:03:58 +0000", the form of requestTime and time. */
static cg_str request_time(const struct view *v)
{
    time_t secs = (time_t)(v->now_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char text[40];
    strftime(text, sizeof text, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    return cg_arena_strdup(v->a, cg_str_c(text));
}

static cg_str host_or_localhost(const struct view *v)
{
    cg_str host = http_header(v->req, "host");
    return host.len ? host : CG_STR("localhost");
}

static cg_str user_agent(const struct view *v)
{
    cg_str ua = http_header(v->req, "user-agent");
    return ua.ptr ? ua : CG_STR("");
}

/* ---- REST API, payload 1.0 ---- */

static void write_rest_context(const struct view *v)
{
    struct cg_json *j = v->j;
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    write_field(j, "accountId", CG_STR(ACCOUNT_ID));
    write_field(j, "apiId", CG_STR(API_ID));
    write_field(j, "domainName", host_or_localhost(v));
    write_field(j, "extendedRequestId", cg_str_c(v->request_id));
    write_field(j, "httpMethod", v->req->method);
    cg_json_key(j, "identity");
    cg_json_obj_begin(j);
    write_field(j, "sourceIp", v->req->peer);
    write_field(j, "userAgent", user_agent(v));
    cg_json_obj_end(j);
    /* requestContext.path is the URL's, stage included; the event's path is not (§3.2). */
    write_field(j, "path", v->url_path);
    write_field(j, "protocol", CG_STR("HTTP/1.1"));
    write_field(j, "requestId", cg_str_c(v->request_id));
    write_field(j, "requestTime", request_time(v));
    cg_json_key(j, "requestTimeEpoch");
    cg_json_int(j, v->now_ms);
    write_field(j, "resourceId", CG_STR("proxy0"));
    write_field(j, "resourcePath", CG_STR("/{proxy+}"));
    write_field(j, "stage", cg_str_c(v->o->stage));
    cg_json_obj_end(j);
}

static void write_rest_event(const struct view *v)
{
    struct cg_json *j = v->j;
    struct cg_kv *query;
    size_t nquery = cg_query_parse(v->a, v->raw_query, &query); /* decoded, '+' as space (§4.1) */
    bool proxy = v->raw_path.len > 1;
    write_field(j, "resource", proxy ? CG_STR("/{proxy+}") : CG_STR("/"));
    write_field(j, "path", v->raw_path);
    write_field(j, "httpMethod", v->req->method);
    cg_json_key(j, "headers");
    write_grouped(j, v->a, v->headers, v->nheaders, NAMES_ANY_CASE, VALUES_LAST, NULL);
    cg_json_key(j, "multiValueHeaders");
    write_grouped(j, v->a, v->headers, v->nheaders, NAMES_ANY_CASE, VALUES_ALL, NULL);
    cg_json_key(j, "queryStringParameters");
    if (nquery)
        write_grouped(j, v->a, query, nquery, NAMES_EXACT, VALUES_LAST, NULL);
    else
        cg_json_null(j);
    cg_json_key(j, "multiValueQueryStringParameters");
    if (nquery)
        write_grouped(j, v->a, query, nquery, NAMES_EXACT, VALUES_ALL, NULL);
    else
        cg_json_null(j);
    cg_json_key(j, "pathParameters");
    if (proxy) {
        cg_json_obj_begin(j);
        write_field(j, "proxy", (cg_str){ v->raw_path.ptr + 1, v->raw_path.len - 1 });
        cg_json_obj_end(j);
    } else {
        cg_json_null(j);
    }
    cg_json_key(j, "stageVariables");
    cg_json_null(j);
    write_rest_context(v);
    write_body(v, EMPTY_NULL, "isBase64Encoded");
}

/* ---- HTTP API and function URLs, payload 2.0 ---- */

/* Every cookie of every Cookie header, "k=v" as sent (§5.3). */
static void write_cookies(const struct view *v)
{
    struct cg_json *j = v->j;
    cg_json_key(j, "cookies");
    cg_json_arr_begin(j);
    for (size_t i = 0; i < v->req->nheaders; i++) {
        if (!cg_str_ieq(v->req->headers[i].name, CG_STR("cookie")))
            continue;
        cg_str s = v->req->headers[i].value;
        for (size_t start = 0; start < s.len;) {
            const char *semi = memchr(s.ptr + start, ';', s.len - start);
            size_t end = semi ? (size_t)(semi - s.ptr) : s.len;
            while (start < end && s.ptr[start] == ' ')
                start++;
            if (end > start)
                cg_json_str(j, (cg_str){ s.ptr + start, end - start });
            start = end + 1;
        }
    }
    cg_json_arr_end(j);
}

static void write_v2_context(const struct view *v, cg_str decoded_path)
{
    struct cg_json *j = v->j;
    bool url = v->o->format == FMT_FUNCTION_URL;
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    write_field(j, "accountId", url ? CG_STR("anonymous") : CG_STR(ACCOUNT_ID));
    write_field(j, "apiId", CG_STR(API_ID));
    write_field(j, "domainName", url ? CG_STR(URL_DOMAIN) : host_or_localhost(v));
    write_field(j, "domainPrefix", CG_STR(API_ID));
    cg_json_key(j, "http");
    cg_json_obj_begin(j);
    write_field(j, "method", v->req->method);
    write_field(j, "path", decoded_path);
    write_field(j, "protocol", CG_STR("HTTP/1.1"));
    write_field(j, "sourceIp", v->req->peer);
    write_field(j, "userAgent", user_agent(v));
    cg_json_obj_end(j);
    write_field(j, "requestId", cg_str_c(v->request_id));
    write_field(j, "routeKey", CG_STR("$default"));
    write_field(j, "stage", cg_str_c(v->o->stage));
    write_field(j, "time", request_time(v));
    cg_json_key(j, "timeEpoch");
    cg_json_int(j, v->now_ms);
    cg_json_obj_end(j);
}

static void write_v2_event(const struct view *v)
{
    struct cg_json *j = v->j;
    bool url = v->o->format == FMT_FUNCTION_URL;
    /* A named HTTP API stage is part of rawPath (§3.1), as it is of the URL. */
    cg_str decoded = cg_percent_decode(v->a, v->raw_path, false);
    write_field(j, "version", CG_STR("2.0"));
    write_field(j, "routeKey", CG_STR("$default"));
    write_field(j, "rawPath", url ? v->raw_path : decoded);
    write_field(j, "rawQueryString", v->raw_query);
    if (http_header(v->req, "cookie").ptr)
        write_cookies(v);
    cg_json_key(j, "headers");
    write_grouped(j, v->a, v->headers, v->nheaders, NAMES_LOWER, VALUES_JOINED, url ? NULL : "cookie");
    struct cg_kv *query;
    size_t nquery = cg_query_parse(v->a, v->raw_query, &query);
    if (nquery) {
        cg_json_key(j, "queryStringParameters");
        write_grouped(j, v->a, query, nquery, NAMES_EXACT, VALUES_JOINED, NULL);
    }
    write_v2_context(v, decoded);
    write_body(v, EMPTY_OMITTED, "isBase64Encoded");
}

/* ---- ALB ---- */

static void write_alb_event(const struct view *v)
{
    struct cg_json *j = v->j;
    bool multi = v->o->multi_value;
    enum values shape = multi ? VALUES_ALL : VALUES_LAST; /* single mode keeps the last (§4.4) */
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    cg_json_key(j, "elb");
    cg_json_obj_begin(j);
    write_field(j, "targetGroupArn", CG_STR(TARGET_GROUP));
    cg_json_obj_end(j);
    cg_json_obj_end(j);
    write_field(j, "httpMethod", v->req->method);
    write_field(j, "path", v->raw_path);
    struct cg_kv *query;
    size_t nquery = split_query_raw(v->a, v->raw_query, &query);
    cg_json_key(j, multi ? "multiValueQueryStringParameters" : "queryStringParameters");
    write_grouped(j, v->a, query, nquery, NAMES_EXACT, shape, NULL);
    cg_json_key(j, multi ? "multiValueHeaders" : "headers");
    write_grouped(j, v->a, v->headers, v->nheaders, NAMES_LOWER, shape, NULL);
    write_body(v, EMPTY_STRING, "isBase64Encoded");
}

/* ---- VPC Lattice ---- */

static void write_lattice_context(const struct view *v)
{
    struct cg_json *j = v->j;
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    write_field(j, "serviceNetworkArn", CG_STR(LATTICE_ARN("servicenetwork", "sn-0bf3f2882e9cc805a")));
    write_field(j, "serviceArn", CG_STR(LATTICE_ARN("service", "svc-0a40eebed65f8d69c")));
    write_field(j, "targetGroupArn", CG_STR(LATTICE_ARN("targetgroup", "tg-6d0ecf831eec9f09")));
    cg_json_key(j, "identity");
    cg_json_obj_begin(j);
    write_field(j, "sourceVpcArn", CG_STR("arn:aws:ec2:us-east-1:" ACCOUNT_ID ":vpc/vpc-0b8276c84697e7339"));
    write_field(j, "type", CG_STR("NONE")); /* a service without an auth policy */
    cg_json_obj_end(j);
    write_field(j, "region", CG_STR("us-east-1"));
    write_field(j, "timeEpoch", cg_arena_printf(v->a, "%lld", (long long)v->now_ms * 1000)); /* microseconds */
    cg_json_obj_end(j);
}

/* Version 1 keeps the last value of a query key and joins a header's
 * values; version 2 lists them (§4.5, §5.8). */
static void write_lattice_event(const struct view *v)
{
    struct cg_json *j = v->j;
    bool v2 = v->o->format == FMT_LATTICE_V2;
    if (v2)
        write_field(j, "version", CG_STR("2.0"));
    write_field(j, v2 ? "path" : "raw_path", v->raw_path);
    write_field(j, "method", v->req->method);
    cg_json_key(j, "headers");
    write_grouped(j, v->a, v->headers, v->nheaders, NAMES_LOWER, v2 ? VALUES_ALL : VALUES_LISTED, NULL);
    struct cg_kv *query;
    size_t nquery = split_query_raw(v->a, v->raw_query, &query);
    cg_json_key(j, v2 ? "queryStringParameters" : "query_string_parameters");
    write_grouped(j, v->a, query, nquery, NAMES_EXACT, v2 ? VALUES_ALL : VALUES_LAST, NULL);
    write_body(v, EMPTY_STRING, v2 ? "isBase64Encoded" : "is_base64_encoded");
    if (v2)
        write_lattice_context(v);
}

void event_build(const struct local_opts *o, const struct http_request *req, const char *request_id,
                 struct cg_buf *out)
{
    struct cg_json j;
    cg_json_init(&j, out);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct view v = { .o = o, .req = req, .a = req->arena, .j = &j, .request_id = request_id,
                      .now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 };
    split_target(&v);
    add_forwarded_headers(&v);
    cg_json_obj_begin(&j);
    switch (o->format) {
    case FMT_REST: write_rest_event(&v); break;
    case FMT_HTTP:
    case FMT_FUNCTION_URL: write_v2_event(&v); break;
    case FMT_ALB: write_alb_event(&v); break;
    case FMT_LATTICE_V1:
    case FMT_LATTICE_V2: write_lattice_event(&v); break;
    }
    cg_json_obj_end(&j);
}
