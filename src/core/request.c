/* Request preparation: method, percent-decoding, query string and cookies;
 * the thread's current request. */
#include "cgate/codec.h"
#include "core/request_internal.h"

/* Thread-local: the local server handles requests on several threads at
 * once (workers, the blocking pool), each one request at a time. */
static _Thread_local const struct cg_request *current;

const struct cg_request *cg_request_current(void)
{
    return current;
}

const struct cg_request *cg__request_set_current(const struct cg_request *req)
{
    const struct cg_request *was = current;
    current = req;
    return was;
}

static const struct {
    cg_str token;
    enum cg_method id;
} methods[] = {
    { CG_STR("GET"), CG_M_GET },         { CG_STR("HEAD"), CG_M_HEAD },
    { CG_STR("POST"), CG_M_POST },       { CG_STR("PUT"), CG_M_PUT },
    { CG_STR("DELETE"), CG_M_DELETE },   { CG_STR("PATCH"), CG_M_PATCH },
    { CG_STR("OPTIONS"), CG_M_OPTIONS },
};

enum cg_method cg_method_parse(cg_str token)
{
    for (size_t i = 0; i < CG_LEN(methods); i++)
        if (cg_str_eq(token, methods[i].token))
            return methods[i].id;
    return CG_M_OTHER;
}

const char *cg_method_name(enum cg_method m)
{
    for (size_t i = 0; i < CG_LEN(methods); i++)
        if (methods[i].id == m)
            return methods[i].token.ptr;
    return "OTHER";
}

int cg_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

cg_str cg_percent_decode(struct cg_arena *a, cg_str s, bool plus_is_space)
{
    if (s.len == 0 || (!memchr(s.ptr, '%', s.len) && !(plus_is_space && memchr(s.ptr, '+', s.len))))
        return s; /* nothing to decode: keep pointing at the original bytes */
    char *out = cg_arena_alloc(a, s.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        int hi, lo;
        if (c == '%' && i + 2 < s.len && (hi = cg_hex_digit(s.ptr[i + 1])) >= 0 && (lo = cg_hex_digit(s.ptr[i + 2])) >= 0) {
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out[n++] = ' ';
        } else {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    return (cg_str){ out, n };
}

/* Number of non-empty '&'-separated chunks: an upper bound for the pairs. */
static size_t count_chunks(cg_str qs)
{
    size_t n = 1;
    for (size_t i = 0; i < qs.len; i++)
        n += qs.ptr[i] == '&';
    return n;
}

size_t cg_query_parse(struct cg_arena *a, cg_str qs, struct cg_kv **out)
{
    *out = NULL;
    if (qs.len == 0)
        return 0;
    struct cg_kv *kv = cg_arena_alloc(a, count_chunks(qs) * sizeof *kv);
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= qs.len; i++) {
        if (i < qs.len && qs.ptr[i] != '&')
            continue;
        cg_str chunk = { qs.ptr + start, i - start };
        start = i + 1;
        if (chunk.len == 0)
            continue;
        const char *eq = memchr(chunk.ptr, '=', chunk.len);
        cg_str name = eq ? (cg_str){ chunk.ptr, (size_t)(eq - chunk.ptr) } : chunk;
        cg_str value = eq ? (cg_str){ eq + 1, chunk.len - name.len - 1 } : CG_STR("");
        kv[n].name = cg_percent_decode(a, name, true);
        kv[n].value = cg_percent_decode(a, value, true);
        n++;
    }
    *out = kv;
    return n;
}

/* Python's http.cookies unquoting: strip surrounding quotes, then resolve
 * backslash escapes ("\\\"" and three-digit octal). */
static cg_str cookie_unquote(struct cg_arena *a, cg_str v)
{
    if (v.len < 2 || v.ptr[0] != '"' || v.ptr[v.len - 1] != '"')
        return v;
    v.ptr++, v.len -= 2;
    if (!memchr(v.ptr, '\\', v.len))
        return v;
    char *out = cg_arena_alloc(a, v.len);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] != '\\' || i + 1 == v.len) {
            out[n++] = v.ptr[i];
        } else if (i + 3 < v.len && v.ptr[i + 1] >= '0' && v.ptr[i + 1] <= '3' &&
                   v.ptr[i + 2] >= '0' && v.ptr[i + 2] <= '7' && v.ptr[i + 3] >= '0' && v.ptr[i + 3] <= '7') {
            out[n++] = (char)((v.ptr[i + 1] - '0') << 6 | (v.ptr[i + 2] - '0') << 3 | (v.ptr[i + 3] - '0'));
            i += 3;
        } else {
            out[n++] = v.ptr[++i];
        }
    }
    return (cg_str){ out, n };
}

void cg_cookie_parse(struct cg_arena *a, cg_str header, struct cg_kv **kv, size_t *n)
{
    if (header.len == 0)
        return; /* nothing to add; its ptr may be NULL, where no arithmetic is defined */
    size_t cap = *n + 1;
    for (size_t i = 0; i < header.len; i++)
        cap += header.ptr[i] == ';';
    struct cg_kv *out = cg_arena_alloc(a, cap * sizeof *out);
    if (*n)
        memcpy(out, *kv, *n * sizeof *out);
    size_t start = 0;
    for (size_t i = 0; i <= header.len; i++) {
        if (i < header.len && header.ptr[i] != ';')
            continue;
        cg_str chunk = { header.ptr + start, i - start };
        start = i + 1;
        const char *eq = memchr(chunk.ptr, '=', chunk.len);
        cg_str name = eq ? cg_str_trim((cg_str){ chunk.ptr, (size_t)(eq - chunk.ptr) }) : CG_STR("");
        cg_str value = cg_str_trim(eq ? (cg_str){ eq + 1, (size_t)(chunk.ptr + chunk.len - eq - 1) } : chunk);
        if (name.len == 0 && value.len == 0)
            continue;
        out[*n].name = name;
        out[*n].value = cookie_unquote(a, value);
        (*n)++;
    }
    *kv = out;
}

/* Whether a header is Cookie: the first byte spares most names of that
 * length (Accept, Origin) the whole comparison. */
static bool is_cookie_header(cg_str name)
{
    return name.len == 6 && (name.ptr[0] | 0x20) == 'c' && cg_str_ieq(name, CG_STR("cookie"));
}

void cg_request_prepare(struct cg_request *r)
{
    r->method_id = cg_method_parse(r->method);
    if (!r->source.len)
        r->source = CG_STR("local");
    if (!r->path.ptr)
        r->path = cg_percent_decode(r->arena, r->raw_path, false);
    if (!r->query && r->query_string.len)
        r->nquery = cg_query_parse(r->arena, r->query_string, &r->query);
    if (!r->cookies) {
        /* Parsed once: an empty list is not NULL, so that preparing again
         * (each cg_app_route_of) does not scan the headers again. */
        static struct cg_kv none[1];
        r->cookies = none;
        for (size_t i = 0; i < r->nheaders; i++)
            if (is_cookie_header(r->headers[i].name))
                cg_cookie_parse(r->arena, r->headers[i].value, &r->cookies, &r->ncookies);
    }
}

cg_str cg_request_header(const struct cg_request *r, const char *name)
{
    return cg_kv_ifind(r->headers, r->nheaders, cg_str_c(name));
}

cg_str cg_bearer_token(const struct cg_request *r)
{
    cg_str auth = cg_request_header(r, "authorization");
    static const char scheme[] = "bearer";
    size_t n = sizeof scheme - 1;
    if (auth.len <= n || !cg_str_ieq((cg_str){ auth.ptr, n }, CG_STR(scheme)) || auth.ptr[n] != ' ')
        return (cg_str){ NULL, 0 };
    cg_str token = cg_str_trim((cg_str){ auth.ptr + n, auth.len - n });
    return token.len ? token : (cg_str){ NULL, 0 };
}

/* Starlette keeps the last value of a repeated query key or cookie for a
 * scalar lookup (a dict built from the pairs); so do we. */
static cg_str find_last(const struct cg_kv *kv, size_t n, cg_str name)
{
    while (n--)
        if (cg_str_eq(kv[n].name, name))
            return kv[n].value;
    return (cg_str){ NULL, 0 };
}

cg_str cg_request_query(const struct cg_request *r, const char *name)
{
    return find_last(r->query, r->nquery, cg_str_c(name));
}

cg_str cg_request_cookie(const struct cg_request *r, const char *name)
{
    return find_last(r->cookies, r->ncookies, cg_str_c(name));
}

struct cg_deferred {
    cg_deferred_fn fn;
    void *arg;
    struct cg_deferred *next;
};

void cg_request_defer(struct cg_request *r, cg_deferred_fn fn, void *arg)
{
    struct cg_deferred *d = cg_arena_alloc(r->arena, sizeof *d);
    *d = (struct cg_deferred){ fn, arg, NULL };
    struct cg_deferred **tail = &r->deferred;
    while (*tail)
        tail = &(*tail)->next;
    *tail = d;
}

/* The list is detached first, so work deferred while running is run too
 * (after the rest), and a second call runs nothing twice. */
void cg_request_run_deferred(struct cg_request *r)
{
    if (!r->deferred)
        return;
    const struct cg_request *outer = cg__request_set_current(r);
    while (r->deferred) {
        struct cg_deferred *d = r->deferred;
        r->deferred = d->next;
        d->fn(r, d->arg);
    }
    cg__request_set_current(outer);
}
