/* CORS as Starlette's CORSMiddleware (starlette/middleware/cors.py, 1.10):
 * tests/cors_cases.py records its answers and the tests replay them here.
 *
 * One difference on purpose: "*" with credentials is refused (check_opts).
 *
 * Everything that does not depend on the request is computed by cg_cors_new:
 * the headers of every response, the preflight's fixed headers in Starlette's
 * order, the sorted set of allowed request headers. A request then costs a
 * few comparisons and the headers it gets. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/app.h"
#include "cgate/buf.h"
#include "cgate/cors.h"
#include "cgate/middleware.h"

#define DEFAULT_MAX_AGE 600

static const char *const default_methods[] = { "GET", NULL };
/* What "*" in allow_methods stands for, in Starlette's order. */
static const char *const all_methods[] = { "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", NULL };
static const char *const safelisted_headers[] = { "Accept", "Accept-Language", "Content-Language", "Content-Type", NULL };

#define ALLOW_ORIGIN     CG_STR("access-control-allow-origin")
#define ALLOW_HEADERS    CG_STR("access-control-allow-headers")

struct cg_cors {
    struct cg_arena *arena; /* every string and array below */
    bool allow_all_origins;
    bool allow_all_headers;
    bool allow_credentials;
    bool allow_private_network;
    bool has_regex;
    regex_t regex;
    cg_str *origins;
    size_t norigins;
    cg_str *methods;
    size_t nmethods;
    cg_str *allowed_headers;      /* with the safelisted ones */
    size_t nallowed_headers;
    struct cg_kv simple[3];       /* added to every response to a request with Origin */
    size_t nsimple;
    struct cg_kv preflight[6];    /* the preflight answer's headers that never vary */
    size_t npreflight;
};

/* ---- options ---- */

static size_t list_len(const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    return n;
}

static bool list_has(const char *const *list, const char *s)
{
    for (size_t i = 0; list && list[i]; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

/* The first n strings of list, copied into the arena (NUL-terminated). */
static cg_str *list_copy(struct cg_arena *a, const char *const *list, size_t n)
{
    cg_str *copy = cg_arena_alloc(a, (n ? n : 1) * sizeof *copy);
    for (size_t i = 0; i < n; i++)
        copy[i] = cg_arena_strdup(a, cg_str_c(list[i]));
    return copy;
}

static cg_str join(struct cg_arena *a, const cg_str *items, size_t n)
{
    struct cg_buf b;
    cg_buf_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        if (i)
            cg_buf_puts(&b, ", ");
        cg_buf_append_str(&b, items[i]);
    }
    return cg_buf_str(&b);
}

/* Methods and header names go into header values, and request header names
 * are compared ignoring ASCII case only: both must be HTTP tokens. */
static int check_tokens(const char *option, const char *const *list, char *err, size_t errlen)
{
    static const char token_chars[] = "!#$%&'*+-.^_`|~0123456789"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    for (size_t i = 0; list && list[i]; i++) {
        if (list[i][0] == '\0' || list[i][strspn(list[i], token_chars)] != '\0') {
            snprintf(err, errlen, "CORS %s: \"%s\" is not an HTTP token", option, list[i]);
            return -1;
        }
    }
    return 0;
}

static int check_opts(const struct cg_cors_opts *o, char *err, size_t errlen)
{
    if (check_tokens("allow_methods", o->allow_methods, err, errlen) != 0 ||
        check_tokens("allow_headers", o->allow_headers, err, errlen) != 0 ||
        check_tokens("expose_headers", o->expose_headers, err, errlen) != 0)
        return -1;
    /* Starlette takes "*" with credentials and then echoes any origin beside
     * Access-Control-Allow-Credentials: true, so that every site may read
     * what the user's cookies unlock. The Fetch standard forbids "*" with
     * credentials; refusing it at start-up is the one safe answer. */
    if (o->allow_credentials && list_has(o->allow_origins, "*")) {
        snprintf(err, errlen, "CORS allow_origins \"*\" with allow_credentials would let any site read what the "
                              "user's cookies unlock; list the origins");
        return -1;
    }
    if (o->max_age < 0 && o->max_age != CG_CORS_MAX_AGE_ZERO) {
        snprintf(err, errlen, "CORS max_age: %d is negative (CG_CORS_MAX_AGE_ZERO sends 0)", o->max_age);
        return -1;
    }
    return 0;
}

/* As re.fullmatch: the expression must match the whole origin. */
static int compile_regex(struct cg_cors *cors, const char *source, char *err, size_t errlen)
{
    cg_str anchored = cg_arena_printf(cors->arena, "^(%s)$", source);
    int rc = regcomp(&cors->regex, anchored.ptr, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[128];
        regerror(rc, &cors->regex, why, sizeof why);
        snprintf(err, errlen, "CORS allow_origin_regex \"%s\": %s", source, why);
        return -1;
    }
    cors->has_regex = true;
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(((const cg_str *)a)->ptr, ((const cg_str *)b)->ptr);
}

/* Starlette's sorted(SAFELISTED_HEADERS | set(allow_headers)): each exact
 * spelling once, in byte order. */
static void set_allowed_headers(struct cg_cors *cors, const char *const *allow_headers)
{
    size_t nsafe = list_len(safelisted_headers), n = list_len(allow_headers);
    cg_str *all = cg_arena_alloc(cors->arena, (nsafe + n) * sizeof *all);
    for (size_t i = 0; i < nsafe; i++)
        all[i] = cg_str_c(safelisted_headers[i]);
    for (size_t i = 0; i < n; i++)
        all[nsafe + i] = cg_arena_strdup(cors->arena, cg_str_c(allow_headers[i]));
    qsort(all, nsafe + n, sizeof *all, compare_strings);
    size_t kept = 0;
    for (size_t i = 0; i < nsafe + n; i++)
        if (kept == 0 || !cg_str_eq(all[kept - 1], all[i]))
            all[kept++] = all[i];
    cors->allowed_headers = all;
    cors->nallowed_headers = kept;
}

static void add_fixed(struct cg_kv *headers, size_t *n, cg_str name, cg_str value)
{
    headers[(*n)++] = (struct cg_kv){ name, value };
}

static void set_simple_headers(struct cg_cors *cors, const char *const *expose_headers)
{
    if (cors->allow_all_origins)
        add_fixed(cors->simple, &cors->nsimple, ALLOW_ORIGIN, CG_STR("*"));
    if (cors->allow_credentials)
        add_fixed(cors->simple, &cors->nsimple, CG_STR("access-control-allow-credentials"), CG_STR("true"));
    size_t nexpose = list_len(expose_headers);
    if (nexpose)
        add_fixed(cors->simple, &cors->nsimple, CG_STR("access-control-expose-headers"),
                  join(cors->arena, list_copy(cors->arena, expose_headers, nexpose), nexpose));
}

static void set_preflight_headers(struct cg_cors *cors, int max_age)
{
    struct cg_kv *h = cors->preflight;
    size_t *n = &cors->npreflight;
    add_fixed(h, n, CG_STR("vary"), CG_STR("Origin, Access-Control-Request-Method, Access-Control-Request-Headers, "
                                           "Access-Control-Request-Private-Network"));
    if (cors->allow_all_origins)
        add_fixed(h, n, ALLOW_ORIGIN, CG_STR("*"));
    add_fixed(h, n, CG_STR("access-control-allow-methods"), join(cors->arena, cors->methods, cors->nmethods));
    int seconds = max_age == 0 ? DEFAULT_MAX_AGE : max_age == CG_CORS_MAX_AGE_ZERO ? 0 : max_age;
    add_fixed(h, n, CG_STR("access-control-max-age"), cg_arena_printf(cors->arena, "%d", seconds));
    if (!cors->allow_all_headers)
        add_fixed(h, n, ALLOW_HEADERS, join(cors->arena, cors->allowed_headers, cors->nallowed_headers));
    if (cors->allow_credentials)
        add_fixed(h, n, CG_STR("access-control-allow-credentials"), CG_STR("true"));
}

struct cg_cors *cg_cors_new(const struct cg_cors_opts *opts, char *err, size_t errlen)
{
    static const struct cg_cors_opts defaults;
    const struct cg_cors_opts *o = opts ? opts : &defaults;
    if (check_opts(o, err, errlen) != 0)
        return NULL;
    struct cg_cors *cors = cg_xmalloc(sizeof *cors);
    *cors = (struct cg_cors){ .arena = cg_arena_new() };
    if (o->allow_origin_regex && compile_regex(cors, o->allow_origin_regex, err, errlen) != 0) {
        cg_cors_free(cors);
        return NULL;
    }
    const char *const *methods = !o->allow_methods           ? default_methods
                                 : list_has(o->allow_methods, "*") ? all_methods
                                                                    : o->allow_methods;
    cors->allow_all_origins = list_has(o->allow_origins, "*");
    cors->allow_all_headers = list_has(o->allow_headers, "*");
    cors->allow_credentials = o->allow_credentials;
    cors->allow_private_network = o->allow_private_network;
    cors->norigins = list_len(o->allow_origins);
    cors->origins = list_copy(cors->arena, o->allow_origins, cors->norigins);
    cors->nmethods = list_len(methods);
    cors->methods = list_copy(cors->arena, methods, cors->nmethods);
    set_allowed_headers(cors, o->allow_headers);
    set_simple_headers(cors, o->expose_headers);
    set_preflight_headers(cors, o->max_age);
    return cors;
}

void cg_cors_free(struct cg_cors *cors)
{
    if (!cors)
        return;
    if (cors->has_regex)
        regfree(&cors->regex);
    cg_arena_free(cors->arena);
    free(cors);
}

/* ---- requests ---- */

static bool strs_have(const cg_str *list, size_t n, cg_str s)
{
    for (size_t i = 0; i < n; i++)
        if (cg_str_eq(s, list[i]))
            return true;
    return false;
}

/* The whole origin, NUL bytes included, must match. REG_STARTEND bounds
 * it; the copy is NUL-terminated all the same, because ASan's regexec
 * reads up to the first NUL whatever the flags. */
static bool regex_matches(const regex_t *re, struct cg_arena *a, cg_str origin)
{
    cg_str copy = cg_arena_strdup(a, origin);
    regmatch_t span = { .rm_so = 0, .rm_eo = (regoff_t)copy.len };
    return regexec(re, copy.ptr, 1, &span, REG_STARTEND) == 0;
}

static bool origin_allowed(const struct cg_cors *cors, struct cg_arena *a, cg_str origin)
{
    if (cors->allow_all_origins)
        return true;
    if (cors->has_regex && regex_matches(&cors->regex, a, origin))
        return true;
    return strs_have(cors->origins, cors->norigins, origin);
}

/* Python's str.strip() on a header decoded as Latin-1, as Starlette has it:
 * besides space and \t\n\v\f\r, the separators \x1c-\x1f, NEL and NBSP. */
static bool is_python_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f) || c == 0x85 || c == 0xa0;
}

static cg_str python_strip(cg_str s)
{
    while (s.len && is_python_space((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_python_space((unsigned char)s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static bool header_allowed(const struct cg_cors *cors, cg_str name)
{
    for (size_t i = 0; i < cors->nallowed_headers; i++)
        if (cg_str_ieq(name, cors->allowed_headers[i]))
            return true;
    return false;
}

/* Each comma-separated name of Access-Control-Request-Headers, an empty one
 * included (a trailing comma fails, as in Starlette). */
static bool requested_headers_allowed(const struct cg_cors *cors, cg_str requested)
{
    for (;;) {
        const char *comma = memchr(requested.ptr, ',', requested.len);
        size_t len = comma ? (size_t)(comma - requested.ptr) : requested.len;
        if (!header_allowed(cors, python_strip((cg_str){ requested.ptr, len })))
            return false;
        if (!comma)
            return true;
        requested.ptr += len + 1;
        requested.len -= len + 1;
    }
}

static void write_preflight_body(struct cg_response *res, const cg_str *failures, size_t n)
{
    res->status = n ? 400 : 200;
    for (size_t i = 0; i < n; i++) {
        cg_buf_puts(&res->body, i ? ", " : "Disallowed CORS ");
        cg_buf_append_str(&res->body, failures[i]);
    }
    if (!n)
        cg_buf_puts(&res->body, "OK");
    cg_response_add_header(res, CG_STR("content-type"), CG_STR("text/plain; charset=utf-8"));
}

bool cg_cors_answer_preflight(const struct cg_cors *cors, const struct cg_request *req, struct cg_response *res)
{
    cg_str origin = cg_request_header(req, "origin");
    cg_str method = cg_request_header(req, "access-control-request-method");
    if (!origin.ptr || !method.ptr || !cg_str_eq(req->method, CG_STR("OPTIONS")))
        return false;

    cg_response_init(res, res->arena);
    for (size_t i = 0; i < cors->npreflight; i++)
        cg_response_add_header(res, cors->preflight[i].name, cors->preflight[i].value);
    cg_str failures[4];
    size_t nfailures = 0;
    if (!origin_allowed(cors, res->arena, origin))
        failures[nfailures++] = CG_STR("origin");
    else if (!cors->allow_all_origins)
        cg_response_add_header(res, ALLOW_ORIGIN, origin);
    if (!strs_have(cors->methods, cors->nmethods, method))
        failures[nfailures++] = CG_STR("method");
    cg_str requested = cg_request_header(req, "access-control-request-headers");
    if (requested.ptr && cors->allow_all_headers)
        cg_response_add_header(res, ALLOW_HEADERS, requested); /* mirrored: "*" means whatever is asked */
    else if (requested.ptr && !requested_headers_allowed(cors, requested))
        failures[nfailures++] = CG_STR("headers");
    if (cg_request_header(req, "access-control-request-private-network").ptr) {
        if (cors->allow_private_network)
            cg_response_add_header(res, CG_STR("access-control-allow-private-network"), CG_STR("true"));
        else
            failures[nfailures++] = CG_STR("private-network");
    }
    write_preflight_body(res, failures, nfailures);
    return true;
}

/* Starlette merges every Vary header into one and appends Origin, whether
 * or not the request had an Origin: the answer depends on it either way. */
static void append_vary_origin(struct cg_response *res)
{
    struct cg_buf vary;
    cg_buf_init(&vary, res->arena);
    for (size_t i = 0; i < res->nheaders; i++) {
        if (cg_str_ieq(res->headers[i].name, CG_STR("vary"))) {
            cg_buf_append_str(&vary, res->headers[i].value);
            cg_buf_puts(&vary, ", ");
        }
    }
    cg_buf_puts(&vary, "Origin");
    cg_response_set_header(res, CG_STR("vary"), cg_buf_str(&vary));
}

void cg_cors_add_headers(const struct cg_cors *cors, const struct cg_request *req, struct cg_response *res)
{
    cg_str origin = cg_request_header(req, "origin");
    if (origin.ptr) {
        for (size_t i = 0; i < cors->nsimple; i++)
            cg_response_set_header(res, cors->simple[i].name, cors->simple[i].value);
        /* Any origin is answered "*" by the headers above; an allowed one, by name. */
        if (!cors->allow_all_origins && origin_allowed(cors, res->arena, origin))
            cg_response_set_header(res, ALLOW_ORIGIN, origin);
    }
    append_vary_origin(res);
}

/* ---- the middleware ---- */

static void cors_middleware(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    const struct cg_cors *cors = state;
    if (cg_cors_answer_preflight(cors, req, res))
        return;
    cg_next(next, req, res);
    cg_cors_add_headers(cors, req, res);
}

static void free_cors(void *state)
{
    cg_cors_free(state);
}

int cg_app_use_cors(struct cg_app *app, const struct cg_cors_opts *opts)
{
    char err[256];
    struct cg_cors *cors = cg_cors_new(opts, err, sizeof err);
    if (!cors)
        return cg_app_fail(app, "%s", err);
    if (cg_app_use(app, &(struct cg_middleware){ "cors", cors_middleware, cors, free_cors }) != 0) {
        cg_cors_free(cors);
        return -1;
    }
    return 0;
}
