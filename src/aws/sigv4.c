/* AWS Signature Version 4, as botocore's SigV4Auth computes it (checked
 * against botocore in tests/integration/test_aws.py):
 *
 *   canonical request = method \n canonical URI \n canonical query \n
 *                       canonical headers \n \n signed headers \n hex(sha256(body))
 *   string to sign    = "AWS4-HMAC-SHA256" \n date \n scope \n hex(sha256(canonical request))
 *   signature         = hex(hmac(signing key, string to sign)), the key
 *                       derived from the secret through date, region, service */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws/aws_internal.h"

#define SHA256_LEN 32

/* Headers a proxy may change or drop, which botocore does not sign. */
static const char *const unsigned_headers[] = {
    "connection", "expect",   "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer",    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

void cg__sigv4_uri_encode(struct cg_buf *out, cg_str s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            cg_buf_putc(out, (char)c);
        } else {
            char esc[3] = { '%', hex[c >> 4], hex[c & 15] };
            cg_buf_append(out, esc, 3);
        }
    }
}

/* RFC 3986's dot-segment removal, dropping empty segments too. */
void cg__sigv4_canonical_uri(struct cg_buf *out, cg_str path)
{
    if (path.len == 0) {
        cg_buf_putc(out, '/');
        return;
    }
    cg_str *segs = cg_xmalloc((path.len / 2 + 1) * sizeof *segs);
    size_t n = 0;
    for (size_t i = 0; i < path.len;) {
        size_t end = i;
        while (end < path.len && path.ptr[end] != '/')
            end++;
        cg_str seg = { path.ptr + i, end - i };
        if (cg_str_eq(seg, CG_STR(".."))) {
            if (n > 0)
                n--;
        } else if (seg.len > 0 && !cg_str_eq(seg, CG_STR("."))) {
            segs[n++] = seg;
        }
        i = end + 1;
    }
    struct cg_buf joined;
    cg_buf_init(&joined, NULL);
    if (path.ptr[0] == '/')
        cg_buf_putc(&joined, '/');
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            cg_buf_putc(&joined, '/');
        cg_buf_append_str(&joined, segs[i]);
    }
    if (path.ptr[path.len - 1] == '/' && n > 0)
        cg_buf_putc(&joined, '/');
    cg__sigv4_uri_encode(out, cg_buf_str(&joined), true);
    cg_buf_free(&joined);
    free(segs);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void cg__sigv4_trim_value(struct cg_buf *out, cg_str value)
{
    bool pending_space = false, started = false;
    for (size_t i = 0; i < value.len; i++) {
        if (blank(value.ptr[i])) {
            pending_space = started;
            continue;
        }
        if (pending_space)
            cg_buf_putc(out, ' ');
        cg_buf_putc(out, value.ptr[i]);
        pending_space = false;
        started = true;
    }
}

/* ---- the canonical query ---- */

struct encoded_pair {
    cg_str name, value; /* offsets into one buffer, fixed up after it stops growing */
    size_t name_at, value_at;
};

static int compare_slices(cg_str a, cg_str b)
{
    int c = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

static int compare_pairs(const void *pa, const void *pb)
{
    const struct encoded_pair *a = pa, *b = pb;
    int c = compare_slices(a->name, b->name);
    return c ? c : compare_slices(a->value, b->value);
}

void cg_aws_query_string(struct cg_buf *out, const struct cg_kv *query, size_t n)
{
    if (n == 0)
        return;
    struct encoded_pair *pairs = cg_xmalloc(n * sizeof *pairs);
    struct cg_buf text;
    cg_buf_init(&text, NULL);
    cg_buf_reserve(&text, 1); /* pairs that encode to nothing still point into it, never at NULL + 0 */
    for (size_t i = 0; i < n; i++) {
        pairs[i].name_at = text.len;
        cg__sigv4_uri_encode(&text, query[i].name, false);
        pairs[i].value_at = text.len;
        cg__sigv4_uri_encode(&text, query[i].value, false);
    }
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? pairs[i + 1].name_at : text.len;
        pairs[i].name = (cg_str){ text.data + pairs[i].name_at, pairs[i].value_at - pairs[i].name_at };
        pairs[i].value = (cg_str){ text.data + pairs[i].value_at, end - pairs[i].value_at };
    }
    qsort(pairs, n, sizeof *pairs, compare_pairs);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            cg_buf_putc(out, '&');
        cg_buf_append_str(out, pairs[i].name);
        cg_buf_putc(out, '=');
        cg_buf_append_str(out, pairs[i].value);
    }
    cg_buf_free(&text);
    free(pairs);
}

/* ---- the canonical headers ---- */

struct signed_header {
    char *name;         /* lower case, on the heap */
    cg_str value;
    size_t order;       /* keeps repeated headers in the order sent */
};

static int compare_headers(const void *pa, const void *pb)
{
    const struct signed_header *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static bool is_unsigned(const char *lname)
{
    for (size_t i = 0; i < CG_LEN(unsigned_headers); i++)
        if (strcmp(lname, unsigned_headers[i]) == 0)
            return true;
    return false;
}

static void add_header(struct signed_header *h, size_t *n, cg_str name, cg_str value)
{
    struct signed_header *sh = &h[*n];
    sh->name = cg_xmalloc(name.len + 1);
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        sh->name[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    sh->name[name.len] = '\0';
    if (is_unsigned(sh->name)) {
        free(sh->name);
        return;
    }
    sh->value = value;
    sh->order = *n;
    (*n)++;
}

/* "name:value\n" per distinct name (repeated ones joined by ','), and the
 * names joined by ';'. */
static void write_headers(struct signed_header *h, size_t n, struct cg_buf *out, struct cg_buf *names)
{
    qsort(h, n, sizeof *h, compare_headers);
    for (size_t i = 0; i < n; i++) {
        bool same_as_previous = i > 0 && strcmp(h[i].name, h[i - 1].name) == 0;
        if (same_as_previous) {
            cg_buf_putc(out, ',');
        } else {
            if (i > 0) {
                cg_buf_putc(out, '\n');
                cg_buf_putc(names, ';');
            }
            cg_buf_puts(out, h[i].name);
            cg_buf_putc(out, ':');
            cg_buf_puts(names, h[i].name);
        }
        cg__sigv4_trim_value(out, h[i].value);
    }
    cg_buf_putc(out, '\n');
}

static void hex_encode(char *out, const unsigned char *bytes, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

static void sha256_hex(cg_str data, char out[2 * SHA256_LEN + 1])
{
    unsigned char md[SHA256_LEN];
    if (!EVP_Digest(data.ptr, data.len, md, NULL, EVP_sha256(), NULL))
        cg_oom(); /* fails only when OpenSSL cannot allocate */
    hex_encode(out, md, SHA256_LEN);
}

void cg__sigv4_canonical_request(const struct cg_aws_request *req, cg_str host, const char *amz_date,
                                 cg_str session_token, struct cg_buf *out, struct cg_buf *signed_headers)
{
    cg_buf_puts(out, req->method);
    cg_buf_putc(out, '\n');
    cg__sigv4_canonical_uri(out, req->path);
    cg_buf_putc(out, '\n');
    cg_aws_query_string(out, req->query, req->nquery);
    cg_buf_putc(out, '\n');

    struct signed_header *h = cg_xmalloc((req->nheaders + 3) * sizeof *h);
    size_t n = 0;
    add_header(h, &n, CG_STR("host"), host);
    add_header(h, &n, CG_STR("x-amz-date"), cg_str_c(amz_date));
    if (session_token.ptr)
        add_header(h, &n, CG_STR("x-amz-security-token"), session_token);
    for (size_t i = 0; i < req->nheaders; i++)
        add_header(h, &n, req->headers[i].name, req->headers[i].value);
    write_headers(h, n, out, signed_headers);
    for (size_t i = 0; i < n; i++)
        free(h[i].name);
    free(h);

    cg_buf_putc(out, '\n');
    cg_buf_append_str(out, cg_buf_str(signed_headers));
    cg_buf_putc(out, '\n');
    char body_hash[2 * SHA256_LEN + 1];
    sha256_hex(req->body, body_hash);
    cg_buf_puts(out, body_hash);
}

static void hmac(const void *key, size_t keylen, cg_str data, unsigned char out[SHA256_LEN])
{
    unsigned int len = SHA256_LEN;
    if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)data.ptr, data.len, out, &len))
        cg_oom();
}

static void signature(cg_str secret, const char *date, const char *region, const char *service, cg_str to_sign,
                      char out[2 * SHA256_LEN + 1])
{
    struct cg_buf key;
    cg_buf_init(&key, NULL);
    cg_buf_puts(&key, "AWS4");
    cg_buf_append_str(&key, secret);
    unsigned char k[SHA256_LEN];
    hmac(key.data, key.len, cg_str_c(date), k);
    hmac(k, sizeof k, cg_str_c(region), k);
    hmac(k, sizeof k, cg_str_c(service), k);
    hmac(k, sizeof k, CG_STR("aws4_request"), k);
    unsigned char sig[SHA256_LEN];
    hmac(k, sizeof k, to_sign, sig);
    hex_encode(out, sig, SHA256_LEN);
    OPENSSL_cleanse(key.data, key.len);
    OPENSSL_cleanse(k, sizeof k);
    cg_buf_free(&key);
}

void cg_aws_sign(const struct cg_aws_credentials *creds, const char *region, const char *service, cg_str host,
                 time_t now, const struct cg_aws_request *req, struct cg_buf *out)
{
    struct tm tm;
    gmtime_r(&now, &tm);
    char amz_date[17], date[9];
    strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(date, sizeof date, "%.8s", amz_date);

    struct cg_buf canonical, names, to_sign;
    cg_buf_init(&canonical, NULL);
    cg_buf_init(&names, NULL);
    cg_buf_init(&to_sign, NULL);
    cg__sigv4_canonical_request(req, host, amz_date, creds->session_token, &canonical, &names);
    char canonical_hash[2 * SHA256_LEN + 1];
    sha256_hex(cg_buf_str(&canonical), canonical_hash);
    cg_buf_printf(&to_sign, "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s", amz_date, date, region, service,
                  canonical_hash);
    char sig[2 * SHA256_LEN + 1];
    signature(creds->secret_access_key, date, region, service, cg_buf_str(&to_sign), sig);

    cg_buf_printf(out, "X-Amz-Date: %s\r\n", amz_date);
    if (creds->session_token.ptr)
        cg_buf_printf(out, "X-Amz-Security-Token: %.*s\r\n", (int)creds->session_token.len,
                      creds->session_token.ptr);
    cg_buf_printf(out,
                  "Authorization: AWS4-HMAC-SHA256 Credential=%.*s/%s/%s/%s/aws4_request, SignedHeaders=%.*s, "
                  "Signature=%s\r\n",
                  (int)creds->access_key_id.len, creds->access_key_id.ptr, date, region, service, (int)names.len,
                  names.data, sig);
    cg_buf_free(&canonical);
    cg_buf_free(&names);
    cg_buf_free(&to_sign);
}
