/* SigV4 (src/aws/sigv4.c): the canonical request a signature covers, and
 * the header lines cg_aws_sign adds, for a request made of fuzzed parts.
 *
 * Input: lines (LF-separated): the method, the path ('/' put in front
 * when missing: callers sign a request target), the query string
 * (decoded with cg_query_parse into the pairs a caller would pass), an
 * optional session token, then "name:value" header lines up to an empty
 * line, then the body. Header names that are not HTTP tokens are dropped:
 * callers sign names they chose, never a client's.
 *
 * Checked: the canonical URI holds only unreserved characters, '/' and
 * %XX escapes, and no empty, "." or ".." segment; the signed header names
 * are lowercase, sorted and distinct, each the name of a header signed;
 * the canonical request ends with the body's SHA-256 in hex; cg_aws_sign
 * adds whole "Name: value" lines and nothing else. */
#include <stdlib.h>

#include "aws/aws_internal.h"
#include "fuzz.h"

#define MAX_HEADERS 64

static struct cg_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    arena = cg_arena_new();
    return 0;
}

static bool is_token(cg_str s)
{
    static const char specials[] = "!#$%&'*+-.^_`|~";
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && (c == '\0' || !strchr(specials, c)))
            return false;
    }
    return true;
}

static size_t read_headers(struct fuzz_input *in, struct cg_kv *headers)
{
    size_t n = 0;
    for (;;) {
        cg_str line = fuzz_field(in, '\n');
        if (line.len == 0)
            return n;
        const char *colon = memchr(line.ptr, ':', line.len);
        cg_str name = { line.ptr, colon ? (size_t)(colon - line.ptr) : line.len };
        if (n < MAX_HEADERS && is_token(name))
            headers[n++] = (struct cg_kv){ name, colon ? (cg_str){ colon + 1, line.len - name.len - 1 } : CG_STR("") };
    }
}

static bool is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

static void check_uri(cg_str uri)
{
    FUZZ_CHECK(uri.len > 0 && uri.ptr[0] == '/', "the URI does not start with '/': %.*s", (int)uri.len, uri.ptr);
    for (size_t i = 0; i < uri.len; i++) {
        char c = uri.ptr[i];
        if (c == '%')
            FUZZ_CHECK(i + 2 < uri.len && is_hex_upper(uri.ptr[i + 1]) && is_hex_upper(uri.ptr[i + 2]),
                       "a bad escape in %.*s", (int)uri.len, uri.ptr);
        else
            FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/", c) && c,
                       "an unescaped byte in %.*s", (int)uri.len, uri.ptr);
    }
    for (size_t start = 1; start < uri.len;) {
        const char *slash = memchr(uri.ptr + start, '/', uri.len - start);
        cg_str seg = { uri.ptr + start, slash ? (size_t)(slash - uri.ptr) - start : uri.len - start };
        FUZZ_CHECK(!cg_str_eq(seg, CG_STR(".")) && !cg_str_eq(seg, CG_STR("..")) && (seg.len > 0 || !slash),
                   "a segment left in %.*s", (int)uri.len, uri.ptr);
        start += seg.len + 1;
    }
}

static bool is_signed_name(cg_str name, const struct cg_kv *headers, size_t n, bool has_token)
{
    if (cg_str_eq(name, CG_STR("host")) || cg_str_eq(name, CG_STR("x-amz-date")) ||
        (has_token && cg_str_eq(name, CG_STR("x-amz-security-token"))))
        return true;
    for (size_t i = 0; i < n; i++)
        if (cg_str_ieq(name, headers[i].name))
            return true;
    return false;
}

static void check_signed_names(cg_str names, const struct cg_kv *headers, size_t n, bool has_token)
{
    cg_str previous = { NULL, 0 };
    for (size_t start = 0; start <= names.len;) {
        const char *semi = memchr(names.ptr + start, ';', names.len - start);
        cg_str name = { names.ptr + start, semi ? (size_t)(semi - names.ptr) - start : names.len - start };
        for (size_t i = 0; i < name.len; i++)
            FUZZ_CHECK(!(name.ptr[i] >= 'A' && name.ptr[i] <= 'Z'), "an uppercase name: %.*s", (int)name.len,
                       name.ptr);
        FUZZ_CHECK(is_signed_name(name, headers, n, has_token), "signed a header nobody sent: %.*s", (int)name.len,
                   name.ptr);
        if (previous.ptr) {
            size_t common = previous.len < name.len ? previous.len : name.len;
            int c = memcmp(previous.ptr, name.ptr, common);
            FUZZ_CHECK(c < 0 || (c == 0 && previous.len < name.len), "not sorted and distinct: %.*s",
                       (int)names.len, names.ptr);
        }
        previous = name;
        start += name.len + 1;
    }
}

/* "Name: value\r\n" lines only. */
static void check_added_lines(cg_str lines)
{
    for (size_t start = 0; start < lines.len;) {
        const char *end = memchr(lines.ptr + start, '\n', lines.len - start);
        FUZZ_CHECK(end && end > lines.ptr + start && end[-1] == '\r', "not CRLF lines: %.*s", (int)lines.len,
                   lines.ptr);
        cg_str line = { lines.ptr + start, (size_t)(end - lines.ptr) - start - 1 };
        const char *colon = memchr(line.ptr, ':', line.len);
        FUZZ_CHECK(colon && is_token((cg_str){ line.ptr, (size_t)(colon - line.ptr) }) &&
                       !memchr(line.ptr, '\r', line.len),
                   "not a header line: %.*s", (int)line.len, line.ptr);
        start += line.len + 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    cg_str method = cg_arena_strdup(arena, fuzz_field(&in, '\n'));
    cg_str path = fuzz_field(&in, '\n');
    if (path.len && path.ptr[0] != '/')
        path = cg_arena_printf(arena, "/%.*s", (int)path.len, path.ptr);
    struct cg_aws_request req = { .method = method.ptr, .path = path };
    struct cg_kv *query;
    req.nquery = cg_query_parse(arena, fuzz_field(&in, '\n'), &query);
    req.query = query;
    cg_str token = fuzz_field(&in, '\n');
    struct cg_aws_credentials creds = { CG_STR("AKIDEXAMPLE"), CG_STR("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
                                        token.len ? token : (cg_str){ NULL, 0 } };
    struct cg_kv headers[MAX_HEADERS];
    req.nheaders = read_headers(&in, headers);
    req.headers = headers;
    req.body = fuzz_rest(&in);

    struct cg_buf canonical, names, added;
    cg_buf_init(&canonical, arena);
    cg_buf_init(&names, arena);
    cg_buf_init(&added, arena);
    cg__sigv4_canonical_request(&req, CG_STR("dynamodb.us-east-1.amazonaws.com"), "20150830T123600Z",
                                creds.session_token, &canonical, &names);
    cg_str text = cg_buf_str(&canonical);
    const char *uri = memchr(text.ptr, '\n', text.len) + 1; /* the method holds no LF */
    check_uri((cg_str){ uri, (size_t)((const char *)memchr(uri, '\n', text.len - (size_t)(uri - text.ptr)) - uri) });
    check_signed_names(cg_buf_str(&names), headers, req.nheaders, creds.session_token.ptr != NULL);
    FUZZ_CHECK(text.len > 65 && text.ptr[text.len - 65] == '\n', "no body hash at the end");

    /* The session token is sent as a header value: one with a line break
     * would split the request, which is the caller's to refuse. */
    if (!creds.session_token.ptr || !memchr(token.ptr, '\r', token.len)) {
        cg_aws_sign(&creds, "us-east-1", "dynamodb", CG_STR("localhost:8000"), 1440938160, &req, &added);
        check_added_lines(cg_buf_str(&added));
    }
    cg_arena_reset(arena);
    return 0;
}
