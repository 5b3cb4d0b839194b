/* A parsed event -> the core request. Each source has its own rules for the
 * path, the query, the headers and the client address
 * (docs/design/gateway-events.md, whose rules the bare § numbers cite); the
 * decoders below follow the payload shapes (API Gateway's 1.0 and 2.0, VPC
 * Lattice's) and share the helpers that implement those rules. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lambda/lambda_internal.h"

struct decoding {
    const struct lambda_event *ev;
    struct cg_request *req;
    struct lambda_reply *reply;
    struct cg_arena *arena;
};

static const cg_str source_names[] = {
    [SRC_APIGW_REST] = CG_STR("apigw-rest"),
    [SRC_APIGW_HTTP] = CG_STR("apigw-http"),
    [SRC_FUNCTION_URL] = CG_STR("function-url"),
    [SRC_ALB] = CG_STR("alb"),
    [SRC_LATTICE_V1] = CG_STR("vpc-lattice"),
    [SRC_LATTICE_V2] = CG_STR("vpc-lattice"),
};

static int refuse(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* needle (not empty) in s: memchr finds the places its first byte is. */
static bool contains(cg_str s, cg_str needle)
{
    if (s.len < needle.len)
        return false;
    const char *p = s.ptr, *last = s.ptr + s.len - needle.len; /* the last place it fits */
    for (; (p = memchr(p, needle.ptr[0], (size_t)(last - p) + 1)) != NULL; p++)
        if (memcmp(p, needle.ptr, needle.len) == 0)
            return true;
    return false;
}

/* Detection order of gateway-events.md §1.1, with the events that are not HTTP
 * requests first: authorizer and WebSocket events carry httpMethod or
 * version just as HTTP events do. */
static int detect_source(const struct lambda_event *ev, enum lambda_source *out, char *err, size_t errlen)
{
    cg_str type = ev->f[EV_TYPE];
    if ((cg_str_eq_c(type, "TOKEN") || cg_str_eq_c(type, "REQUEST")) &&
        (ev->f[EV_METHOD_ARN].ptr || ev->f[EV_ROUTE_ARN].ptr))
        return refuse(err, errlen, "an API Gateway authorizer event (type %.*s) is not an HTTP request",
                      (int)type.len, type.ptr);
    if (ev->f[EV_CTX_EVENT_TYPE].ptr || ev->f[EV_CTX_CONNECTION_ID].ptr)
        return refuse(err, errlen, "an API Gateway WebSocket event is not an HTTP request");
    if (ev->has_elb)
        *out = SRC_ALB;
    else if (cg_str_eq_c(ev->f[EV_VERSION], "2.0") && ev->f[EV_CTX_TARGET_GROUP_ARN].ptr)
        *out = SRC_LATTICE_V2;
    else if (cg_str_eq_c(ev->f[EV_VERSION], "2.0"))
        *out = contains(ev->f[EV_CTX_DOMAIN_NAME], CG_STR(".lambda-url.")) ? SRC_FUNCTION_URL : SRC_APIGW_HTTP;
    else if (ev->f[EV_HTTP_METHOD].ptr && ev->context_json.ptr)
        *out = SRC_APIGW_REST; /* also HTTP API payload 1.0: the same shape and rules */
    else if (ev->f[EV_LATTICE_RAW_PATH].ptr && !ev->context_json.ptr)
        *out = SRC_LATTICE_V1;
    else
        return refuse(err, errlen, "not an API Gateway, function URL, ALB or VPC Lattice HTTP event");
    return 0;
}

/* ---- path ---- */

static cg_str path_or_root(cg_str path)
{
    return path.len ? path : CG_STR("/"); /* "" and missing mean "/" (§2.4) */
}

/* REST, ALB and function URLs deliver the path percent-encoded, as sent. */
static void set_encoded_path(struct decoding *d, cg_str raw)
{
    d->req->raw_path = path_or_root(raw);
    d->req->path = cg_percent_decode(d->arena, d->req->raw_path, false);
}

/* HTTP APIs deliver it decoded: re-escape it for the raw form (§2.3). */
static void set_decoded_path(struct decoding *d, cg_str decoded)
{
    d->req->path = path_or_root(decoded);
    d->req->raw_path = cg__lambda_url_escape(d->arena, d->req->path, ESC_PATH);
}

static bool has_segment_prefix(cg_str path, cg_str prefix)
{
    return path.len >= prefix.len && memcmp(path.ptr, prefix.ptr, prefix.len) == 0 &&
           (path.len == prefix.len || path.ptr[prefix.len] == '/');
}

/* Where the raw path's first n segments end ("/a%20b/c/d", 2 -> 9). */
static size_t segments_end(cg_str raw, size_t n)
{
    size_t i = 0;
    while (n--)
        for (i++; i < raw.len && raw.ptr[i] != '/'; i++)
            ;
    return i < raw.len ? i : raw.len;
}

static cg_str after(cg_str s, size_t n)
{
    return n == s.len ? CG_STR("/") : (cg_str){ s.ptr + n, s.len - n };
}

/* Move `prefix` ("/prod", "/api/v1") from the front of the path to root_path,
 * on whole segments only: "/api" strips "/api/x" and "/api" (leaving "/"),
 * never "/apiary" (§3.1, §3.3). The raw path loses the same segments; when they
 * do not decode to the prefix (an escaped '/' inside), nothing is stripped. */
static void strip_mount(struct decoding *d, cg_str prefix)
{
    struct cg_request *req = d->req;
    if (prefix.len < 2 || !has_segment_prefix(req->path, prefix))
        return;
    size_t nsegments = 0;
    for (size_t i = 0; i < prefix.len; i++)
        nsegments += prefix.ptr[i] == '/';
    size_t raw_end = segments_end(req->raw_path, nsegments);
    if (!cg_str_eq(cg_percent_decode(d->arena, (cg_str){ req->raw_path.ptr, raw_end }, false), prefix))
        return;
    req->path = after(req->path, prefix.len);
    req->raw_path = after(req->raw_path, raw_end);
    req->root_path = req->root_path.len ? cg_arena_printf(d->arena, "%.*s%.*s", (int)req->root_path.len,
                                                          req->root_path.ptr, (int)prefix.len, prefix.ptr)
                                        : prefix;
}

/* HTTP APIs put a named stage in rawPath ("/dev/items"); $default is not
 * (§3.1). It is the app's mount point, never part of its routes. */
static void strip_stage(struct decoding *d)
{
    cg_str stage = d->ev->f[EV_CTX_STAGE];
    if (stage.len == 0 || cg_str_eq_c(stage, "$default"))
        return;
    strip_mount(d, cg_arena_printf(d->arena, "/%.*s", (int)stage.len, stage.ptr));
}

/* REST APIs call the stage part of the URL and leave it out of `path`;
 * requestContext.path has it: "/prod" + "/items". What precedes `path`
 * there is the app's mount point, so that the docs' links carry it. */
static void mount_from_context_path(struct decoding *d)
{
    cg_str full = d->ev->f[EV_CTX_PATH], path = d->ev->f[EV_PATH];
    if (path.len == 0 || path.ptr[0] != '/' || full.len <= path.len || full.ptr[0] != '/')
        return;
    size_t cut = full.len - path.len;
    if (memcmp(full.ptr + cut, path.ptr, path.len) == 0)
        d->req->root_path = (cg_str){ full.ptr, cut };
    else if (cg_str_eq_c(path, "/") && full.ptr[full.len - 1] != '/')
        d->req->root_path = full; /* "/prod" for the root of the stage */
}

/* ---- query ---- */

static const struct kv_list *multi_or_single(const struct kv_list *multi, const struct kv_list *single)
{
    return multi->n ? multi : single;
}

/* "k=v&k=v" from pairs, each part escaped or joined as it is. */
static cg_str join_query(struct decoding *d, const struct kv_list *pairs, bool escape)
{
    struct cg_buf qs;
    cg_buf_init(&qs, d->arena);
    for (size_t i = 0; i < pairs->n; i++) {
        cg_str name = pairs->items[i].name, value = pairs->items[i].value;
        if (escape) {
            name = cg__lambda_url_escape(d->arena, name, ESC_COMPONENT);
            value = cg__lambda_url_escape(d->arena, value, ESC_COMPONENT);
        }
        cg_buf_printf(&qs, "%s%.*s=%.*s", i ? "&" : "", (int)name.len, name.ptr, (int)value.len, value.ptr);
    }
    return qs.len ? cg_buf_str(&qs) : CG_STR("");
}

/* ---- headers ---- */

/* The event's headers plus room for the two the decoders may add. Cookie
 * headers are dropped when cookies[] replaces them. */
static void copy_headers(struct decoding *d, const struct kv_list *list, bool drop_cookie)
{
    struct cg_kv *headers = cg_arena_alloc(d->arena, (list->n + 2) * sizeof *headers);
    size_t n = 0;
    if (!drop_cookie) { /* the usual case: the list in one copy */
        if (list->n)
            memcpy(headers, list->items, list->n * sizeof *headers);
        n = list->n;
    } else {
        for (size_t i = 0; i < list->n; i++)
            if (!cg_str_ieq(list->items[i].name, CG_STR("cookie")))
                headers[n++] = list->items[i];
    }
    d->req->headers = headers;
    d->req->nheaders = n;
}

static void add_header(struct cg_request *req, cg_str name, cg_str value)
{
    req->headers[req->nheaders++] = (struct cg_kv){ name, value };
}

/* Payload 2.0 moves the cookies to cookies[]; they become one Cookie header
 * joined with "; " (§5.3). Function URLs also leave a cookie header in
 * place: it is replaced, not appended to. */
static void add_cookie_header(struct decoding *d)
{
    const struct kv_list *cookies = &d->ev->cookies;
    struct cg_buf value;
    cg_buf_init(&value, d->arena);
    for (size_t i = 0; i < cookies->n; i++) {
        if (i)
            cg_buf_puts(&value, "; ");
        cg_buf_append_str(&value, cookies->items[i].value);
    }
    add_header(d->req, CG_STR("cookie"), cg_buf_str(&value));
}

static cg_str last_header(const struct cg_request *req, const char *name)
{
    cg_str wanted = cg_str_c(name);
    for (size_t i = req->nheaders; i-- > 0;)
        if (cg_str_ieq(req->headers[i].name, wanted))
            return req->headers[i].value;
    return (cg_str){ NULL, 0 };
}

/* ALB and VPC Lattice have no source-address field: the peer they saw is
 * the last entry of X-Forwarded-For, the only one a client cannot forge
 * (§5.6). */
static cg_str forwarded_client(const struct cg_request *req)
{
    cg_str xff = last_header(req, "x-forwarded-for");
    if (xff.len == 0)
        return xff;
    size_t start = xff.len;
    while (start > 0 && xff.ptr[start - 1] != ',')
        start--;
    return cg_str_trim((cg_str){ xff.ptr + start, xff.len - start });
}

/* SAM's HTTP API events say "192.168.0.1/32" (§5.6). */
static cg_str without_prefix_length(cg_str ip)
{
    const char *slash = ip.len ? memchr(ip.ptr, '/', ip.len) : NULL;
    return slash ? (cg_str){ ip.ptr, (size_t)(slash - ip.ptr) } : ip;
}

/* ---- the two payload shapes ---- */

/* REST APIs (and HTTP API payload 1.0) and ALB. */
static void decode_payload_v1(struct decoding *d)
{
    const struct lambda_event *ev = d->ev;
    struct cg_request *req = d->req;
    req->method = ev->f[EV_HTTP_METHOD];
    set_encoded_path(d, ev->f[EV_PATH]);
    if (d->reply->source != SRC_ALB)
        mount_from_context_path(d);
    /* multiValueHeaders has every value; headers only the last (§5.1). */
    copy_headers(d, multi_or_single(&ev->mv_headers, &ev->headers), false);
    const struct kv_list *query = multi_or_single(&ev->mv_query, &ev->query);
    if (d->reply->source == SRC_ALB) {
        /* ALB passes the query as sent, undecoded (§4.3). */
        req->query_string = join_query(d, query, false);
        req->client_addr = forwarded_client(req);
        d->reply->multi_value = ev->mv_headers.present || ev->mv_query.present;
    } else {
        /* REST has decoded the values already (§4.1): keep them as the
         * query, and re-encode them for the query string. */
        req->query = query->items;
        req->nquery = query->n;
        req->query_string = join_query(d, query, true);
        req->client_addr = ev->f[EV_CTX_IDENTITY_SOURCE_IP];
    }
}

/* HTTP APIs (payload 2.0) and function URLs. */
static void decode_payload_v2(struct decoding *d)
{
    const struct lambda_event *ev = d->ev;
    struct cg_request *req = d->req;
    req->method = ev->f[EV_CTX_HTTP_METHOD];
    if (d->reply->source == SRC_FUNCTION_URL) {
        set_encoded_path(d, ev->f[EV_RAW_PATH]);
    } else {
        set_decoded_path(d, ev->f[EV_RAW_PATH]);
        strip_stage(d);
    }
    /* Verbatim: queryStringParameters comma-joins repeats (§4.2). */
    req->query_string = ev->f[EV_RAW_QUERY];
    copy_headers(d, &ev->headers, ev->cookies.n > 0);
    if (ev->cookies.n)
        add_cookie_header(d);
    req->client_addr = without_prefix_length(ev->f[EV_CTX_HTTP_SOURCE_IP]);
}

/* A Lattice 1.0 event joins a header's values with ", " (§5.8), Cookie's
 * too. No cookie holds a comma (RFC 6265 §4.1.1): there it can only be the
 * join, which becomes the "; " that separates cookies. */
static void split_joined_cookies(struct decoding *d)
{
    struct cg_request *req = d->req;
    for (size_t i = 0; i < req->nheaders; i++) {
        cg_str value = req->headers[i].value;
        if (!cg_str_ieq(req->headers[i].name, CG_STR("cookie")) || !value.len || !memchr(value.ptr, ',', value.len))
            continue;
        char *p = (char *)cg_arena_strdup(d->arena, value).ptr;
        for (size_t k = 0; k < value.len; k++)
            if (p[k] == ',')
                p[k] = ';';
        req->headers[i].value = (cg_str){ p, value.len };
    }
}

/* VPC Lattice, both versions: the path and the query as sent, like ALB's
 * (§2.2, §4.5); headers as they come, a 1.0 event's repeats already joined
 * into one value, a 2.0 event's one header per value (§5.8); the client
 * from X-Forwarded-For, for Lattice has no source address field (§5.6). */
static void decode_lattice(struct decoding *d)
{
    const struct lambda_event *ev = d->ev;
    struct cg_request *req = d->req;
    req->method = ev->f[EV_METHOD];
    set_encoded_path(d, ev->f[d->reply->source == SRC_LATTICE_V1 ? EV_LATTICE_RAW_PATH : EV_PATH]);
    copy_headers(d, &ev->headers, false);
    if (d->reply->source == SRC_LATTICE_V1)
        split_joined_cookies(d);
    req->query_string = join_query(d, &ev->query, false);
    req->client_addr = forwarded_client(req);
}

/* ---- what every source shares ---- */

static int decode_body(struct decoding *d, char *err, size_t errlen)
{
    cg_str body = d->ev->f[EV_BODY];
    if (!d->ev->is_base64 || body.len == 0) {
        d->req->body = body.ptr ? body : CG_STR("");
        return 0;
    }
    if (!cg_base64_decode(d->arena, body, &d->req->body))
        return refuse(err, errlen, "the body is marked isBase64Encoded but is not base64");
    return 0;
}

/* A port as strtol would read it (blanks, a '+', digits), with no copy to
 * terminate the value; 0 when it is none. */
static uint16_t port_number(cg_str v)
{
    size_t i = 0;
    while (i < v.len && isspace((unsigned char)v.ptr[i]))
        i++;
    if (i < v.len && v.ptr[i] == '+')
        i++;
    unsigned n = 0;
    for (; i < v.len && (unsigned)(v.ptr[i] - '0') < 10; i++)
        if ((n = n * 10 + (unsigned)(v.ptr[i] - '0')) > 65535)
            return 0;
    return (uint16_t)n;
}

/* The last value of each header set_origin reads (ptr NULL when absent):
 * one pass over the headers of every event, not one search per name. */
struct origin_headers {
    cg_str proto, port, host;
};

static struct origin_headers origin_headers(const struct cg_request *req)
{
    struct origin_headers h = { 0 };
    for (size_t i = 0; i < req->nheaders; i++) {
        cg_str name = req->headers[i].name, value = req->headers[i].value;
        if (name.len == 4 && cg_str_ieq(name, CG_STR("host")))
            h.host = value;
        else if (name.len == 16 && cg_str_ieq(name, CG_STR("x-forwarded-port")))
            h.port = value;
        else if (name.len == 17 && cg_str_ieq(name, CG_STR("x-forwarded-proto")))
            h.proto = value;
    }
    return h;
}

/* Scheme and port from X-Forwarded-Proto/-Port (§5.7); a Host header
 * from requestContext.domainName when the event has none (§5.5). */
static void set_origin(struct decoding *d)
{
    struct cg_request *req = d->req;
    struct origin_headers h = origin_headers(req);
    req->scheme = h.proto.len ? h.proto : d->reply->source == SRC_ALB ? CG_STR("http") : CG_STR("https");
    uint16_t port = port_number(h.port);
    req->server_port = port ? port : cg_str_eq_c(req->scheme, "http") ? 80 : 443;
    cg_str domain = d->ev->f[EV_CTX_DOMAIN_NAME];
    if (!h.host.ptr && domain.len)
        add_header(req, CG_STR("host"), domain);
    req->domain = domain.len ? domain : h.host;
}

int cg__lambda_event_decode(const struct lambda_event *ev, cg_str base_path, struct cg_request *req,
                            struct lambda_reply *reply, char *err, size_t errlen)
{
    struct decoding d = { ev, req, reply, req->arena };
    *reply = (struct lambda_reply){ 0 };
    if (detect_source(ev, &reply->source, err, errlen) != 0)
        return -1;
    if (reply->source == SRC_APIGW_REST || reply->source == SRC_ALB)
        decode_payload_v1(&d);
    else if (reply->source == SRC_LATTICE_V1 || reply->source == SRC_LATTICE_V2)
        decode_lattice(&d);
    else
        decode_payload_v2(&d);
    if (req->method.len == 0)
        return refuse(err, errlen, "the %s event has no HTTP method", source_names[reply->source].ptr);
    if (decode_body(&d, err, errlen) != 0)
        return -1;
    strip_mount(&d, base_path);
    set_origin(&d);
    req->source = source_names[reply->source];
    req->stage = ev->f[EV_CTX_STAGE];
    req->event = ev->json;
    req->event_context = ev->context_json;
    req->authorizer = ev->authorizer_json;
    reply->head = cg_str_eq_c(req->method, "HEAD");
    cg_request_prepare(req);
    return 0;
}
