/* The Idempotency-Key middleware (include/cgate/idempotency.h,
 * docs/idempotency.md): claim the key, run the route, store a 2xx response;
 * or answer from the record another request left.
 *
 * A request costs, on an idempotent route with a key: two SHA-256 passes
 * (the key's scope, then the fingerprint over the body) and two store calls
 * (claim, then complete or release); a repeat, one store call. Routes that
 * are not idempotent cost one route lookup. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "cgate/app.h"
#include "cgate/idempotency.h"
#include "cgate/json.h"
#include "cgate/log.h"
#include "cgate/middleware.h"
#include "core/transport.h" /* cg__response_detail: FastAPI's {"detail"} */
#include "middleware/sha256.h"

#define DEFAULT_LIFETIME_S    3600
#define DEFAULT_IN_PROGRESS_S 60
#define MAX_TIME_S            (30u * 24 * 3600)
#define TOKEN_BYTES           16

struct idempotency {
    const struct cg_app *app;
    struct cg_idem_store *store;
    int64_t lifetime_ms;
    int64_t in_progress_ms;
    bool key_required;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static cg_str hex_of(struct cg_arena *a, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *out = cg_arena_alloc(a, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * n] = '\0';
    return (cg_str){ out, 2 * n };
}

/* Each part is hashed after its length (8 bytes, little-endian, whatever
 * the machine), so that no two lists of parts hash the same bytes ("ab" +
 * "c" is not "a" + "bc"). */
static void hash_part(struct cg__sha256 *h, cg_str part)
{
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)part.len >> (8 * i));
    cg__sha256_update(h, len, sizeof len);
    cg__sha256_update(h, part.ptr ? part.ptr : "", part.len);
}

static cg_str hash_hex(struct cg_arena *a, const cg_str *parts, size_t n)
{
    struct cg__sha256 h;
    cg__sha256_init(&h);
    for (size_t i = 0; i < n; i++)
        hash_part(&h, parts[i]);
    unsigned char digest[CG__SHA256_LEN];
    cg__sha256_final(&h, digest);
    return hex_of(a, digest, sizeof digest);
}

/* ---- the key ---- */

/* The draft's Structured Field string ("..." with \" and \\ escapes,
 * printable ASCII), or, as many clients send it, the bare text: printable
 * ASCII without spaces, quotes or backslashes. 1 to CG_IDEM_KEY_MAX
 * characters either way. */
static bool parse_key(struct cg_arena *a, cg_str header, cg_str *key)
{
    cg_str v = cg_str_trim(header);
    bool quoted = v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"';
    if (quoted) {
        v.ptr++;
        v.len -= 2;
    }
    char *out = cg_arena_alloc(a, v.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c < 0x20 || c > 0x7e || (!quoted && (c == ' ' || c == '"' || c == '\\')))
            return false;
        if (quoted && c == '"')
            return false;
        if (quoted && c == '\\') {
            if (++i == v.len || (v.ptr[i] != '"' && v.ptr[i] != '\\'))
                return false;
            c = (unsigned char)v.ptr[i];
        }
        out[n++] = (char)c;
    }
    *key = (cg_str){ out, n };
    return n >= 1 && n <= CG_IDEM_KEY_MAX;
}

/* The credential the route's security reads, so that one caller cannot
 * replay another's key; empty on a route open to anyone. */
static cg_str credential_of(const struct cg_route *route, const struct cg_request *req)
{
    const struct cg_security *sec = route->security;
    if (!sec || sec->disabled)
        return (cg_str){ NULL, 0 };
    return sec->kind == CG_SEC_BEARER ? cg_bearer_token(req) : cg_request_header(req, sec->header);
}

static cg_str new_token(struct cg_arena *a)
{
    static atomic_uint_fast64_t counter;
    unsigned char bytes[TOKEN_BYTES];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        /* No entropy yet (early boot): unique within the host is enough,
         * for a token only tells this claim from a concurrent one. */
        int64_t parts[2] = { now_ms(), (int64_t)atomic_fetch_add(&counter, 1) };
        memcpy(bytes, parts, sizeof bytes);
    }
    return hex_of(a, bytes, sizeof bytes);
}

static struct cg_idem_record new_claim(const struct idempotency *cfg, const struct cg_route *route,
                                       const struct cg_request *req, cg_str key, int64_t now)
{
    cg_str scope[] = { req->method, cg_str_c(route->path), credential_of(route, req), key };
    cg_str request[] = { req->method, req->path, req->query_string, req->body };
    return (struct cg_idem_record){
        .key = hash_hex(req->arena, scope, CG_LEN(scope)),
        .fingerprint = hash_hex(req->arena, request, CG_LEN(request)),
        .token = new_token(req->arena),
        .status = CG_IDEM_IN_PROGRESS,
        .expires_ms = now + cfg->lifetime_ms,
        .in_progress_until_ms = now + cfg->in_progress_ms,
    };
}

/* ---- answers of its own ---- */

static void set_retry_after(struct cg_response *res, int64_t ms)
{
    int64_t seconds = ms <= 1000 ? 1 : (ms + 999) / 1000;
    cg_response_set_header(res, CG_STR("retry-after"), cg_arena_printf(res->arena, "%lld", (long long)seconds));
}

static void replay(const struct cg_idem_record *rec, struct cg_response *res)
{
    res->status = rec->response_status;
    res->body.len = 0;
    cg_str lines = rec->response_headers;
    while (lines.len) {
        const char *end = memchr(lines.ptr, '\n', lines.len);
        size_t len = end ? (size_t)(end - lines.ptr) + 1 : lines.len;
        cg_str line = { lines.ptr, len };
        lines.ptr += len;
        lines.len -= len;
        while (line.len && (line.ptr[line.len - 1] == '\n' || line.ptr[line.len - 1] == '\r'))
            line.len--;
        const char *colon = memchr(line.ptr, ':', line.len);
        if (colon)
            cg_response_add_header(res, (cg_str){ line.ptr, (size_t)(colon - line.ptr) },
                                   cg_str_trim((cg_str){ colon + 1, (size_t)(line.ptr + line.len - colon - 1) }));
    }
    cg_buf_append_str(&res->body, rec->response_body);
    cg_response_set_header(res, CG_STR("idempotent-replayed"), CG_STR("true"));
}

static void answer_existing(const struct cg_idem_record *claim, const struct cg_idem_record *existing,
                            int64_t now, struct cg_response *res)
{
    if (!cg_str_eq(claim->fingerprint, existing->fingerprint)) {
        cg__response_detail(res, 422, "This Idempotency-Key was used with a different request");
    } else if (existing->status == CG_IDEM_IN_PROGRESS) {
        cg__response_detail(res, 409, "A request with this Idempotency-Key is in progress");
        set_retry_after(res, existing->in_progress_until_ms - now);
    } else {
        replay(existing, res);
    }
}

/* ---- storing the response ---- */

/* Connection-level headers (RFC 9110 §7.6.1) and those the transport
 * writes for each response are not part of the stored representation. */
static bool stored_header(cg_str name)
{
    static const char *const skipped[] = {
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
        "upgrade", "date", "content-length", "idempotent-replayed", NULL,
    };
    for (size_t i = 0; skipped[i]; i++)
        if (cg_str_ieq(name, cg_str_c(skipped[i])))
            return false;
    return true;
}

static cg_str header_lines(const struct cg_response *res)
{
    struct cg_buf out;
    cg_buf_init(&out, res->arena);
    for (size_t i = 0; i < res->nheaders; i++) {
        if (!stored_header(res->headers[i].name))
            continue;
        cg_buf_append_str(&out, res->headers[i].name);
        cg_buf_puts(&out, ": ");
        cg_buf_append_str(&out, res->headers[i].value);
        cg_buf_puts(&out, "\r\n");
    }
    return cg_buf_str(&out);
}

/* Only a 2xx is kept: it is the effect a retry must not repeat. Any other
 * status (a 4xx judged on this request, a 5xx, a failed handler) frees the
 * key, so that the retry runs again, as Powertools does. A streamed body is
 * never read whole, so it cannot be kept either: its key is freed too. */
static bool worth_storing(const struct cg_response *res)
{
    return res->status >= 200 && res->status < 300 && !res->stream.fn;
}

static void record_outcome(const struct idempotency *cfg, struct cg_idem_record *rec, const struct cg_response *res)
{
    char err[256] = "";
    if (worth_storing(res)) {
        rec->status = CG_IDEM_COMPLETED;
        rec->expires_ms = now_ms() + cfg->lifetime_ms;
        rec->response_status = res->status;
        rec->response_headers = header_lines(res);
        rec->response_body = cg_buf_str(&res->body);
        if (cfg->store->ops->complete(cfg->store, rec, err, sizeof err) == 0)
            return;
        cg_error("idempotency: the response was not stored, the key is freed: %s", err);
    }
    if (cfg->store->ops->release(cfg->store, rec, err, sizeof err) != 0)
        cg_warn("idempotency: the key was not freed (it frees itself when its claim times out): %s", err);
}

/* ---- the middleware ---- */

static void idempotency_middleware(void *state, struct cg_request *req, struct cg_response *res,
                                   struct cg_next *next)
{
    const struct idempotency *cfg = state;
    const struct cg_route *route = cg_app_route_of(cfg->app, req);
    cg_str header = route && route->idempotent ? cg_request_header(req, "idempotency-key") : (cg_str){ NULL, 0 };
    if (!header.ptr && route && route->idempotent && cfg->key_required) {
        cg__response_detail(res, 400, "The Idempotency-Key header is required");
        return;
    }
    /* Without a key the request runs as on any route. A caller the route's
     * security refuses gets its 401 or 403 from the core with no record
     * written, so that strangers cannot make the store work; the check
     * then runs twice for the callers it admits. */
    if (!header.ptr || (route->security && cg_app_refuses_head(cfg->app, req))) {
        cg_next(next, req, res);
        return;
    }
    cg_str key;
    if (!parse_key(req->arena, header, &key)) {
        cg__response_detail(res, 400, "Idempotency-Key must be a string of 1 to 255 printable ASCII characters");
        return;
    }
    int64_t now = now_ms();
    struct cg_idem_record rec = new_claim(cfg, route, req, key, now);
    struct cg_idem_record existing = { 0 };
    char err[256] = "";
    int rc = cfg->store->ops->claim(cfg->store, &rec, now, req->arena, &existing, err, sizeof err);
    if (rc == CG_IDEM_CLAIMED) {
        cg_next(next, req, res);
        record_outcome(cfg, &rec, res);
    } else if (rc == CG_IDEM_EXISTS) {
        answer_existing(&rec, &existing, now, res);
    } else {
        cg_error("idempotency: the store failed: %s", err);
        cg__response_detail(res, 503, "Service Unavailable");
        set_retry_after(res, 1000);
    }
}

static void idempotency_free(void *state)
{
    struct idempotency *cfg = state;
    cfg->store->ops->free(cfg->store);
    free(cfg);
}

static int64_t seconds_or(unsigned seconds, unsigned fallback)
{
    return (int64_t)(seconds ? seconds : fallback) * 1000;
}

int cg_app_use_idempotency(struct cg_app *app, const struct cg_idempotency_opts *opts)
{
    if (!opts || !opts->store)
        return cg_app_fail(app, "cg_app_use_idempotency: a store is required");
    if (opts->lifetime_s > MAX_TIME_S || opts->in_progress_s > MAX_TIME_S) {
        opts->store->ops->free(opts->store);
        return cg_app_fail(app, "cg_app_use_idempotency: lifetime_s and in_progress_s are at most %u (30 days)",
                           MAX_TIME_S);
    }
    struct idempotency *cfg = cg_xmalloc(sizeof *cfg);
    *cfg = (struct idempotency){
        .app = app,
        .store = opts->store,
        .lifetime_ms = seconds_or(opts->lifetime_s, DEFAULT_LIFETIME_S),
        .in_progress_ms = seconds_or(opts->in_progress_s, DEFAULT_IN_PROGRESS_S),
        .key_required = opts->key_required,
    };
    if (cg_app_use(app, &(struct cg_middleware){ "idempotency", idempotency_middleware, cfg, idempotency_free }) != 0) {
        idempotency_free(cfg);
        return -1;
    }
    return 0;
}
