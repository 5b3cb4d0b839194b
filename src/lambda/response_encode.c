/* The core response -> the JSON object the gateway expects back
 * (docs/design/gateway-events.md §7, whose rules the bare § numbers cite).
 * The three shapes differ in how they carry repeated headers, above all
 * Set-Cookie, which must never be comma-joined (§7.4):
 *
 *   REST      "headers" for names sent once, "multiValueHeaders" for repeats
 *   HTTP API  "headers" with repeats joined by ",", Set-Cookie in "cookies"
 *   ALB       "multiValueHeaders" when the target group is in multi-value
 *             mode, else "headers", where each Set-Cookie gets a differently
 *             cased name (the only way to send several, §7.3)
 *   Lattice   as ALB in single-value mode, for both event versions (§7.7) */
#include <ctype.h>

#include "lambda/lambda_internal.h"

enum header_shape {
    SHAPE_SINGLES,  /* names sent once: "name": "value" */
    SHAPE_REPEATS,  /* names sent more than once: "name": ["v1", "v2"] */
    SHAPE_ARRAYS,   /* every name: "name": ["v1", ...] */
    SHAPE_JOINED,   /* every name but Set-Cookie: "name": "v1,v2" */
    SHAPE_PERMUTED, /* as SHAPE_JOINED, plus each Set-Cookie under its own casing */
};

static bool is_set_cookie(cg_str name)
{
    return cg_str_ieq(name, CG_STR("set-cookie"));
}

/* API Gateway does not take chunked responses (§7.6). */
static bool is_dropped(cg_str name)
{
    return cg_str_ieq(name, CG_STR("transfer-encoding"));
}

static bool named_earlier(const struct cg_response *res, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (cg_str_ieq(res->headers[k].name, res->headers[i].name))
            return true;
    return false;
}

static size_t count_named(const struct cg_response *res, size_t i)
{
    size_t n = 1; /* itself */
    for (size_t k = i + 1; k < res->nheaders; k++)
        n += cg_str_ieq(res->headers[k].name, res->headers[i].name);
    return n;
}

static void write_values_array(struct cg_json *j, const struct cg_response *res, size_t i)
{
    cg_json_arr_begin(j);
    for (size_t k = i; k < res->nheaders; k++)
        if (cg_str_ieq(res->headers[k].name, res->headers[i].name))
            cg_json_str(j, res->headers[k].value);
    cg_json_arr_end(j);
}

static void write_values_joined(struct cg_json *j, const struct cg_response *res, size_t i)
{
    struct cg_buf joined;
    cg_buf_init(&joined, res->arena);
    for (size_t k = i; k < res->nheaders; k++) {
        if (!cg_str_ieq(res->headers[k].name, res->headers[i].name))
            continue;
        if (joined.len)
            cg_buf_putc(&joined, ',');
        cg_buf_append_str(&joined, res->headers[k].value);
    }
    cg_json_str(j, joined.len ? cg_buf_str(&joined) : CG_STR(""));
}

/* "set-cookie", "Set-cookie", "sEt-cookie", ...: the n-th casing flips the
 * letters picked by the bits of n. */
static cg_str permuted_name(struct cg_arena *a, cg_str name, size_t n)
{
    char *s = (char *)cg_arena_strdup(a, name).ptr;
    for (size_t i = 0, letter = 0; i < name.len && (n >> letter); i++) {
        if (!isalpha((unsigned char)s[i]))
            continue;
        if ((n >> letter++) & 1)
            s[i] = (char)(islower((unsigned char)s[i]) ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
    }
    return (cg_str){ s, name.len };
}

static void write_permuted_cookies(struct cg_json *j, const struct cg_response *res, size_t i)
{
    size_t n = 0;
    for (size_t k = i; k < res->nheaders; k++) {
        if (!cg_str_ieq(res->headers[k].name, res->headers[i].name))
            continue;
        cg_json_key_str(j, n ? permuted_name(res->arena, res->headers[i].name, n) : res->headers[i].name);
        cg_json_str(j, res->headers[k].value);
        n++;
    }
}

static void write_headers(struct cg_json *j, const struct cg_response *res, enum header_shape shape)
{
    cg_json_obj_begin(j);
    for (size_t i = 0; i < res->nheaders; i++) {
        cg_str name = res->headers[i].name;
        if (is_dropped(name) || named_earlier(res, i))
            continue;
        size_t count = count_named(res, i);
        if ((shape == SHAPE_SINGLES && count > 1) || (shape == SHAPE_REPEATS && count == 1) ||
            (shape == SHAPE_JOINED && is_set_cookie(name)))
            continue;
        if (shape == SHAPE_PERMUTED && is_set_cookie(name)) {
            write_permuted_cookies(j, res, i);
            continue;
        }
        cg_json_key_str(j, name);
        if (shape == SHAPE_REPEATS || shape == SHAPE_ARRAYS)
            write_values_array(j, res, i);
        else if (count == 1) /* all of SHAPE_SINGLES: nothing to join */
            cg_json_str(j, res->headers[i].value);
        else
            write_values_joined(j, res, i);
    }
    cg_json_obj_end(j);
}

static void write_cookies(struct cg_json *j, const struct cg_response *res)
{
    cg_json_arr_begin(j);
    for (size_t i = 0; i < res->nheaders; i++)
        if (is_set_cookie(res->headers[i].name))
            cg_json_str(j, res->headers[i].value);
    cg_json_arr_end(j);
}

/* ---- body ---- */

static cg_str media_type(cg_str content_type)
{
    const char *semi = memchr(content_type.ptr, ';', content_type.len);
    cg_str t = semi ? (cg_str){ content_type.ptr, (size_t)(semi - content_type.ptr) } : content_type;
    while (t.len && t.ptr[t.len - 1] == ' ')
        t.len--;
    return t;
}

static bool ends_with(cg_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && cg_str_ieq((cg_str){ s.ptr + s.len - n, n }, (cg_str){ suffix, n });
}

bool cg__lambda_is_text_type(cg_str content_type)
{
    static const cg_str text_types[] = {
        CG_STR("application/json"),       CG_STR("application/xml"),
        CG_STR("application/javascript"), CG_STR("application/yaml"),
        CG_STR("application/x-www-form-urlencoded"), CG_STR("application/x-ndjson"),
        CG_STR("application/ndjson"),
    };
    cg_str t = media_type(content_type);
    for (size_t i = 0; i < CG_LEN(text_types); i++) /* first: most responses are application/json */
        if (cg_str_ieq(t, text_types[i]))
            return true;
    if (t.len >= 5 && cg_str_ieq((cg_str){ t.ptr, 5 }, CG_STR("text/")))
        return true;
    return ends_with(t, "+json") || ends_with(t, "+xml") || ends_with(t, "+yaml");
}

/* The first Content-Type and Content-Encoding, in one pass over the headers. */
static void find_body_headers(const struct cg_response *res, cg_str *type, cg_str *encoding)
{
    for (size_t i = 0; i < res->nheaders; i++) {
        const struct cg_kv *h = &res->headers[i];
        if (!type->ptr && cg_str_ieq(h->name, CG_STR("content-type")))
            *type = h->value;
        else if (!encoding->ptr && cg_str_ieq(h->name, CG_STR("content-encoding")))
            *encoding = h->value;
    }
}

static bool is_binary(const struct cg_response *res)
{
    if (res->body_encoding != CG_BODY_AUTO)
        return res->body_encoding == CG_BODY_BINARY;
    cg_str type = { NULL, 0 }, encoding = { NULL, 0 };
    find_body_headers(res, &type, &encoding);
    if (encoding.ptr && !cg_str_ieq(encoding, CG_STR("identity")))
        return true; /* gzip and friends are bytes, whatever the type */
    if (type.ptr && !cg__lambda_is_text_type(type))
        return true;
    return !cg_utf8_valid(cg_buf_str(&res->body));
}

static void write_body(struct cg_json *j, const struct lambda_reply *reply, const struct cg_response *res)
{
    cg_str body = cg_buf_str(&res->body);
    bool binary = false;
    if (reply->head || !cg_status_allows_body(res->status) || body.len == 0) {
        body = CG_STR("");
    } else if ((binary = is_binary(res))) {
        /* base64 needs no escaping: straight into the output */
        cg_json_key_raw(j, CG_STR("body"));
        cg_json_raw(j, CG_STR("\""));
        cg_base64_encode(j->out, body);
        cg_buf_putc(j->out, '"');
    }
    if (!binary) {
        cg_json_key_raw(j, CG_STR("body"));
        cg_json_str(j, body);
    }
    cg_json_key_raw(j, CG_STR("isBase64Encoded"));
    cg_json_bool(j, binary);
}

/* ---- the three shapes ---- */

/* Everything but the body: statusCode and the headers in the source's shape. */
static void write_head(struct cg_json *j, const struct lambda_reply *reply, const struct cg_response *res)
{
    cg_json_key_raw(j, CG_STR("statusCode"));
    cg_json_int(j, res->status);
    switch (reply->source) {
    case SRC_APIGW_REST:
        cg_json_key_raw(j, CG_STR("headers"));
        write_headers(j, res, SHAPE_SINGLES);
        cg_json_key_raw(j, CG_STR("multiValueHeaders"));
        write_headers(j, res, SHAPE_REPEATS);
        break;
    case SRC_APIGW_HTTP:
    case SRC_FUNCTION_URL:
        cg_json_key_raw(j, CG_STR("headers"));
        write_headers(j, res, SHAPE_JOINED);
        cg_json_key_raw(j, CG_STR("cookies"));
        write_cookies(j, res);
        break;
    case SRC_ALB:
    case SRC_LATTICE_V1:
    case SRC_LATTICE_V2:
        cg_json_key_raw(j, CG_STR("statusDescription"));
        cg_json_str(j, cg_arena_printf(res->arena, "%d %s", res->status, cg_status_phrase(res->status)));
        cg_json_key_raw(j, reply->multi_value ? CG_STR("multiValueHeaders") : CG_STR("headers"));
        write_headers(j, res, reply->multi_value ? SHAPE_ARRAYS : SHAPE_PERMUTED);
        break;
    }
}

static void encode(const struct lambda_reply *reply, const struct cg_response *res, struct cg_buf *out)
{
    struct cg_json j;
    cg_json_init(&j, out);
    cg_json_obj_begin(&j);
    write_head(&j, reply, res);
    write_body(&j, reply, res);
    cg_json_obj_end(&j);
}

void cg__lambda_prelude_encode(const struct lambda_reply *reply, const struct cg_response *res, struct cg_buf *out)
{
    struct cg_json j;
    cg_json_init(&j, out);
    cg_json_obj_begin(&j);
    write_head(&j, reply, res);
    cg_json_obj_end(&j);
    cg_buf_append(out, "\0\0\0\0\0\0\0\0", 8);
}

/* Past the limit the Runtime API would refuse the response and the client
 * would get a bare 502 (§8.2): answer a proper 500 instead. */
static void encode_too_large(const struct lambda_reply *reply, struct cg_arena *a, size_t size, struct cg_buf *out)
{
    cg_error("the response (%zu bytes as JSON) is over Lambda's %u-byte limit; answering 500", size,
             LAMBDA_MAX_RESPONSE);
    struct cg_response res;
    cg_response_init(&res, a);
    cg__response_detail(&res, 500, "Internal Server Error");
    encode(reply, &res, out);
}

void cg__lambda_response_encode(const struct lambda_reply *reply, const struct cg_response *res, struct cg_buf *out)
{
    size_t start = out->len;
    encode(reply, res, out);
    size_t size = out->len - start;
    if (size <= LAMBDA_MAX_RESPONSE)
        return;
    out->len = start;
    encode_too_large(reply, res->arena, size, out);
}
