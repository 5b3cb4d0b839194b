/* The test client's Lambda path: the request as an event of one front door
 * (shaped as docs/design/gateway-events.md describes each), run through
 * cg__lambda_handle_invocation as `APP invoke` runs it, and the gateway's
 * response read back into what the client would get. */
#include <string.h>

#include "lambda/lambda_internal.h"
#include "testing/testing_internal.h"

/* ---- building events ---- */

static void put(struct cg_json *j, const char *key, cg_str value)
{
    cg_json_key(j, key);
    cg_json_str(j, value);
}

/* Text that is UTF-8 goes as it is, anything else base64-encoded, as the
 * gateways pass binary bodies; `flag` names the key that says which. */
static void put_body(struct cg_json *j, struct cg_arena *a, cg_str body, const char *flag)
{
    bool binary = !cg_utf8_valid(body);
    cg_json_key(j, "body");
    if (binary) {
        struct cg_buf b;
        cg_buf_init(&b, a);
        cg_base64_encode(&b, body);
        cg_json_str(j, cg_buf_str(&b));
    } else {
        cg_json_str(j, body);
    }
    cg_json_key(j, flag);
    cg_json_bool(j, binary);
}

static cg_str lower(struct cg_arena *a, cg_str s)
{
    char *p = cg_arena_alloc(a, s.len + 1);
    for (size_t i = 0; i < s.len; i++)
        p[i] = s.ptr[i] >= 'A' && s.ptr[i] <= 'Z' ? (char)(s.ptr[i] - 'A' + 'a') : s.ptr[i];
    return (cg_str){ p, s.len };
}

/* How an event object carries the pairs that share a name. */
enum grouping {
    GROUP_LAST,   /* {"name": "last value"}: single-value fields */
    GROUP_JOINED, /* {"name": "a,b"}: payload 2.0 */
    GROUP_LISTED, /* {"name": "a, b"}: VPC Lattice 1.0 */
    GROUP_ARRAY,  /* {"name": ["a", "b"]}: multi-value fields */
};

/* Pairs seen as a gateway sees them: header names ignore case (`fold`),
 * query names do not. */
struct pairs {
    const struct cg_kv *kv;
    size_t n;
    bool fold;
    const char *skip; /* a name left out (payload 2.0 moves cookies out); NULL: none */
};

static bool same_name(const struct pairs *p, cg_str a, cg_str b)
{
    return p->fold ? cg_str_ieq(a, b) : cg_str_eq(a, b);
}

static bool counted(const struct pairs *p, size_t i)
{
    if (p->skip && cg_str_ieq(p->kv[i].name, cg_str_c(p->skip)))
        return false;
    for (size_t k = 0; k < i; k++)
        if (same_name(p, p->kv[k].name, p->kv[i].name))
            return false; /* written with the first of its name */
    return true;
}

static void put_group(struct cg_json *j, const struct pairs *p, size_t first, enum grouping how)
{
    if (how == GROUP_ARRAY)
        cg_json_arr_begin(j);
    struct cg_buf joined;
    cg_buf_init(&joined, NULL);
    cg_str last = p->kv[first].value;
    for (size_t k = first; k < p->n; k++) {
        if (!same_name(p, p->kv[k].name, p->kv[first].name))
            continue;
        last = p->kv[k].value;
        if (how == GROUP_ARRAY)
            cg_json_str(j, last);
        else if (how != GROUP_LAST)
            cg_buf_printf(&joined, "%s%.*s", k == first ? "" : how == GROUP_JOINED ? "," : ", ", (int)last.len,
                          last.ptr);
    }
    if (how == GROUP_ARRAY)
        cg_json_arr_end(j);
    else
        cg_json_str(j, how == GROUP_LAST ? last : cg_buf_str(&joined));
    cg_buf_free(&joined);
}

/* An object of the pairs; null when there are none and `null_if_empty`,
 * as API Gateway sends an absent query. Names lower-cased when `lowered`. */
static void put_pairs(struct cg_json *j, struct cg_arena *a, const char *key, const struct pairs *p,
                      enum grouping how, bool lowered, bool null_if_empty)
{
    cg_json_key(j, key);
    if (p->n == 0 && null_if_empty) {
        cg_json_null(j);
        return;
    }
    cg_json_obj_begin(j);
    for (size_t i = 0; i < p->n; i++) {
        if (!counted(p, i))
            continue;
        cg_json_key_str(j, lowered ? lower(a, p->kv[i].name) : p->kv[i].name);
        put_group(j, p, i, how);
    }
    cg_json_obj_end(j);
}

static struct pairs headers_of(const struct test_input *in, const char *skip)
{
    return (struct pairs){ in->headers, in->nheaders, true, skip };
}

static cg_str stage_prefix(struct cg_arena *a, const struct test_input *in, cg_str path)
{
    if (!in->stage.ptr)
        return path;
    return cg_arena_printf(a, "/%.*s%.*s", (int)in->stage.len, in->stage.ptr, (int)path.len, path.ptr);
}

/* REST API, payload 1.0: the query decoded, in single- and multi-value
 * fields; the stage in requestContext.path only. */
static void rest_event(struct cg_json *j, struct cg_arena *a, const struct test_input *in)
{
    struct cg_kv *query;
    size_t nquery = cg_query_parse(a, in->query_string, &query);
    struct pairs headers = headers_of(in, NULL), params = { query, nquery, false, NULL };
    put(j, "resource", CG_STR("/{proxy+}"));
    put(j, "path", in->raw_path);
    put(j, "httpMethod", in->method);
    put_pairs(j, a, "headers", &headers, GROUP_LAST, false, false);
    put_pairs(j, a, "multiValueHeaders", &headers, GROUP_ARRAY, false, false);
    put_pairs(j, a, "queryStringParameters", &params, GROUP_LAST, false, true);
    put_pairs(j, a, "multiValueQueryStringParameters", &params, GROUP_ARRAY, false, true);
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    put(j, "resourcePath", CG_STR("/{proxy+}"));
    put(j, "httpMethod", in->method);
    put(j, "path", stage_prefix(a, in, in->raw_path));
    put(j, "stage", in->stage.ptr ? in->stage : CG_STR("test"));
    put(j, "requestId", in->request_id);
    cg_json_key(j, "identity");
    cg_json_obj_begin(j);
    put(j, "sourceIp", CG_STR("127.0.0.1"));
    cg_json_obj_end(j);
    cg_json_obj_end(j);
    put_body(j, a, in->body, "isBase64Encoded");
}

/* Payload 2.0 moves the Cookie headers' pairs to cookies[]. */
static void put_cookies(struct cg_json *j, const struct test_input *in)
{
    cg_json_key(j, "cookies");
    cg_json_arr_begin(j);
    for (size_t i = 0; i < in->nheaders; i++) {
        if (!cg_str_ieq(in->headers[i].name, CG_STR("cookie")))
            continue;
        cg_str rest = in->headers[i].value;
        while (rest.len) {
            const char *semi = memchr(rest.ptr, ';', rest.len);
            size_t len = semi ? (size_t)(semi - rest.ptr) : rest.len;
            cg_str cookie = cg_str_trim((cg_str){ rest.ptr, len });
            if (cookie.len)
                cg_json_str(j, cookie);
            rest = semi ? (cg_str){ semi + 1, rest.len - len - 1 } : CG_STR("");
        }
    }
    cg_json_arr_end(j);
}

/* HTTP API and function URLs, payload 2.0: the HTTP API decodes rawPath
 * and puts a named stage in it; a function URL passes the path as sent and
 * is told apart by its domain. */
static void v2_event(struct cg_json *j, struct cg_arena *a, const struct test_input *in, bool function_url)
{
    cg_str path = function_url ? in->raw_path
                               : stage_prefix(a, in, cg_percent_decode(a, in->raw_path, false));
    struct cg_kv *query;
    size_t nquery = cg_query_parse(a, in->query_string, &query);
    struct pairs headers = headers_of(in, "cookie"), params = { query, nquery, false, NULL };
    put(j, "version", CG_STR("2.0"));
    put(j, "routeKey", CG_STR("$default"));
    put(j, "rawPath", path);
    put(j, "rawQueryString", in->query_string);
    put_cookies(j, in);
    put_pairs(j, a, "headers", &headers, GROUP_JOINED, true, false);
    if (nquery)
        put_pairs(j, a, "queryStringParameters", &params, GROUP_JOINED, false, false);
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    if (function_url)
        put(j, "domainName", CG_STR("testserver.lambda-url.us-east-1.on.aws"));
    cg_json_key(j, "http");
    cg_json_obj_begin(j);
    put(j, "method", in->method);
    put(j, "path", path);
    put(j, "protocol", CG_STR("HTTP/1.1"));
    put(j, "sourceIp", CG_STR("127.0.0.1"));
    cg_json_obj_end(j);
    put(j, "requestId", in->request_id);
    put(j, "routeKey", CG_STR("$default"));
    put(j, "stage", in->stage.ptr && !function_url ? in->stage : CG_STR("$default"));
    cg_json_obj_end(j);
    put_body(j, a, in->body, "isBase64Encoded");
}

/* "a=1&b" as ALB passes it: undecoded pairs. */
static size_t raw_query_pairs(struct cg_arena *a, cg_str qs, struct cg_kv **out)
{
    size_t n = 1;
    for (size_t i = 0; i < qs.len; i++)
        n += qs.ptr[i] == '&';
    struct cg_kv *kv = cg_arena_alloc(a, n * sizeof *kv);
    size_t count = 0;
    while (qs.len) {
        const char *amp = memchr(qs.ptr, '&', qs.len);
        cg_str part = { qs.ptr, amp ? (size_t)(amp - qs.ptr) : qs.len };
        const char *eq = memchr(part.ptr, '=', part.len);
        if (part.len)
            kv[count++] = eq ? (struct cg_kv){ { part.ptr, (size_t)(eq - part.ptr) },
                                               { eq + 1, part.len - (size_t)(eq - part.ptr) - 1 } }
                             : (struct cg_kv){ part, CG_STR("") };
        qs = amp ? (cg_str){ amp + 1, qs.len - part.len - 1 } : CG_STR("");
    }
    *out = kv;
    return count;
}

/* ALB in single-value mode: the last of each header, lower-cased; the
 * query as sent. */
static void alb_event(struct cg_json *j, struct cg_arena *a, const struct test_input *in)
{
    struct cg_kv *query;
    size_t nquery = raw_query_pairs(a, in->query_string, &query);
    struct pairs headers = headers_of(in, NULL), params = { query, nquery, false, NULL };
    cg_json_key(j, "requestContext");
    cg_json_obj_begin(j);
    cg_json_key(j, "elb");
    cg_json_obj_begin(j);
    put(j, "targetGroupArn", CG_STR("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/test/0"));
    cg_json_obj_end(j);
    cg_json_obj_end(j);
    put(j, "httpMethod", in->method);
    put(j, "path", in->raw_path);
    put_pairs(j, a, "queryStringParameters", &params, GROUP_LAST, false, false);
    put_pairs(j, a, "headers", &headers, GROUP_LAST, true, false);
    put_body(j, a, in->body, "isBase64Encoded");
}

/* VPC Lattice: the path and the query as sent, lowercased headers. Version
 * 1 names its keys in snake case, joins a header's values with ", " and
 * keeps the last of a repeated query key; version 2 lists every value and
 * says where the request came from in requestContext. */
static void lattice_event(struct cg_json *j, struct cg_arena *a, const struct test_input *in, bool v2)
{
    struct cg_kv *query;
    size_t nquery = raw_query_pairs(a, in->query_string, &query);
    struct pairs headers = headers_of(in, NULL), params = { query, nquery, false, NULL };
    if (v2)
        put(j, "version", CG_STR("2.0"));
    put(j, v2 ? "path" : "raw_path", in->raw_path);
    put(j, "method", in->method);
    put_pairs(j, a, "headers", &headers, v2 ? GROUP_ARRAY : GROUP_LISTED, true, false);
    put_pairs(j, a, v2 ? "queryStringParameters" : "query_string_parameters", &params,
              v2 ? GROUP_ARRAY : GROUP_LAST, false, false);
    put_body(j, a, in->body, v2 ? "isBase64Encoded" : "is_base64_encoded");
    if (v2) {
        cg_json_key(j, "requestContext");
        cg_json_obj_begin(j);
        put(j, "serviceNetworkArn", CG_STR("arn:aws:vpc-lattice:us-east-1:123456789012:servicenetwork/sn-0"));
        put(j, "serviceArn", CG_STR("arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0"));
        put(j, "targetGroupArn", CG_STR("arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0"));
        put(j, "region", CG_STR("us-east-1"));
        cg_json_obj_end(j);
    }
}

static cg_str event_of(struct cg_arena *a, const struct test_input *in, enum cg_test_via via)
{
    struct cg_buf out;
    cg_buf_init(&out, a);
    struct cg_json j;
    cg_json_init(&j, &out);
    cg_json_obj_begin(&j);
    if (via == CG_VIA_REST)
        rest_event(&j, a, in);
    else if (via == CG_VIA_ALB)
        alb_event(&j, a, in);
    else if (via == CG_VIA_LATTICE_V1 || via == CG_VIA_LATTICE_V2)
        lattice_event(&j, a, in, via == CG_VIA_LATTICE_V2);
    else
        v2_event(&j, a, in, via == CG_VIA_FUNCTION_URL);
    cg_json_obj_end(&j);
    return cg_buf_str(&out);
}

/* ---- reading the gateway's response ---- */

static void add_header(struct cg_arena *a, struct cg_test_response *r, size_t *cap, cg_str name, cg_str value)
{
    if (r->nheaders == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        struct cg_kv *grown = cg_arena_alloc(a, *cap * sizeof *grown);
        if (r->nheaders)
            memcpy(grown, r->headers, r->nheaders * sizeof *grown);
        r->headers = grown;
    }
    ((struct cg_kv *)r->headers)[r->nheaders++] = (struct cg_kv){ name, value };
}

/* "headers" (names sent once, or every name), then "multiValueHeaders",
 * then "cookies" as Set-Cookie: what the gateway turns into header lines. */
static void read_headers(struct cg_arena *a, const struct cg_json_value *doc, struct cg_test_response *r)
{
    size_t cap = 0;
    const struct cg_json_value *single = cg_json_member(doc, "headers");
    const struct cg_json_value *multi = cg_json_member(doc, "multiValueHeaders");
    const struct cg_json_value *cookies = cg_json_member(doc, "cookies");
    for (size_t i = 0; single && i < single->len; i++)
        add_header(a, r, &cap, single->items[i].key, cg_json_as_str(&single->items[i]));
    for (size_t i = 0; multi && i < multi->len; i++)
        for (size_t k = 0; k < multi->items[i].len; k++)
            add_header(a, r, &cap, multi->items[i].key, cg_json_as_str(&multi->items[i].items[k]));
    for (size_t i = 0; cookies && i < cookies->len; i++)
        add_header(a, r, &cap, CG_STR("set-cookie"), cg_json_as_str(&cookies->items[i]));
}

static void read_gateway_response(struct cg_arena *a, cg_str json, struct cg_test_response *r)
{
    struct cg_json_error err;
    const struct cg_json_value *doc = cg_json_parse(a, json, CG_JSON_MAX_DEPTH, &err);
    int64_t status = 0;
    if (!doc || !cg_json_as_int(cg_json_member(doc, "statusCode"), &status)) {
        r->status = 0;
        r->body = cg_arena_printf(a, "the function's response is not a gateway response: %s",
                                  doc ? "no statusCode" : err.reason);
        return;
    }
    r->status = (int)status;
    read_headers(a, doc, r);
    cg_str body = cg_json_as_str(cg_json_member(doc, "body"));
    const struct cg_json_value *base64 = cg_json_member(doc, "isBase64Encoded");
    if (base64 && base64->type == CG_JSON_TRUE && !cg_base64_decode(a, body, &body))
        body = CG_STR("(a body marked isBase64Encoded that is not base64)");
    r->body = body.ptr ? body : CG_STR("");
}

void cg__testing_run_lambda(const struct cg_app *app, struct cg_arena *a, const struct test_input *in,
                            enum cg_test_via via, struct cg_test_response *r)
{
    struct lambda_invocation inv = { .event = event_of(a, in, via), .request_id = in->request_id };
    struct lambda_exchange *x = cg_arena_zalloc(a, sizeof *x);
    struct cg_buf out;
    cg_buf_init(&out, a);
    char err[256];
    if (cg__lambda_handle_invocation(app, &inv, a, x, &out, err, sizeof err) != 0) {
        r->status = 0;
        r->body = cg_arena_strdup(a, cg_str_c(err));
        return;
    }
    r->gateway = cg_arena_strdup(a, cg_buf_str(&out));
    r->core = &x->res;
    read_gateway_response(a, r->gateway, r);
    cg_request_run_deferred(&x->req);
}
