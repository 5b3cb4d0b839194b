/* cg_aws_call: sign, send on a pooled kept-alive connection, read with the
 * shared HTTP/1.1 reader (net/http1_read.c), and retry as the SDKs' "standard" mode does
 * (botocore's retries/standard.py):
 *
 *   - at most 3 attempts in all (AWS_MAX_ATTEMPTS or the option change it);
 *   - retried: throttling error codes and 429, the transient codes, 500,
 *     502, 503, 504, and requests that got no response at all;
 *   - before attempt n+1 a delay of rand(0, 1) * min(base * 2^(n-1), 20 s),
 *     "full jitter", with base 1 s after throttling and 50 ms otherwise.
 *
 * botocore's retry quota (a token bucket that stops retries while a
 * service keeps failing) is not kept: three attempts bound the cost.
 *
 * A whole call, retries included, ends within CG_AWS_CALL_TIMEOUT_MS, and
 * never after the deadline of the request being handled (on Lambda the
 * invocation's) less CG_AWS_DEADLINE_MARGIN_MS: Lambda kills an invocation
 * at its deadline, and the handler must still have time to answer. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws_internal.h"
#include "aws/xray_internal.h"
#include "cgate/json.h"
#include "cgate/request.h"
#include "net/http1_internal.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 3000
#define DEFAULT_READ_TIMEOUT_MS    10000
#define DEFAULT_MAX_ATTEMPTS       3
#define DEFAULT_CALL_TIMEOUT_MS    30000
#define THROTTLED_BASE_MS          1000
#define TRANSIENT_BASE_MS          50
#define MAX_BACKOFF_MS             20000
/* Left to the handler after a call cut short by the request's deadline: to
 * log, build its 5xx and post it to the Runtime API (a loopback round trip,
 * well under 10 ms), with room for a CPU-starved small function (128 MB
 * gets a fraction of a core) and the Runtime API's coarse timer. */
#define DEFAULT_DEADLINE_MARGIN_MS 200

struct cg_aws {
    char service[64];
    char region[64];
    char url[512];
    struct aws_endpoint ep;
    char *key_id, *secret, *token; /* heap copies; token NULL when none */
    char *ca_bundle;               /* heap copy; NULL for a plain-HTTP endpoint */
    SSL_CTX *tls;                  /* made at the first TLS connection (tls_context) */
    int connect_timeout_ms, read_timeout_ms, max_attempts, call_timeout_ms, deadline_margin_ms;
    pthread_mutex_t lock;          /* guards idle and tls */
    struct aws_conn *idle;         /* kept-alive connections nobody uses now */
};

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
    "PriorRequestNotComplete", "EC2ThrottledException",
};
static const char *const transient_codes[] = { "RequestTimeout", "RequestTimeoutException",
                                               "PriorRequestNotComplete" };

static bool listed(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

static char *env_dup(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strdup(v) : NULL;
}

static int read_environment(struct cg_aws *aws, char *err, size_t errlen)
{
    const char *region = getenv("AWS_REGION");
    if (!region || !*region)
        region = getenv("AWS_DEFAULT_REGION");
    if (!region || !*region) {
        snprintf(err, errlen, "AWS_REGION (or AWS_DEFAULT_REGION) is not set");
        return -1;
    }
    snprintf(aws->region, sizeof aws->region, "%s", region);
    aws->key_id = env_dup("AWS_ACCESS_KEY_ID");
    aws->secret = env_dup("AWS_SECRET_ACCESS_KEY");
    aws->token = env_dup("AWS_SESSION_TOKEN");
    if (!aws->key_id || !aws->secret) {
        snprintf(err, errlen, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)");
        return -1;
    }
    return 0;
}

/* The option when set, else the environment variable, else the default. */
static int setting(int option, const char *variable, int fallback)
{
    if (option > 0)
        return option;
    const char *env = getenv(variable);
    int n = env ? atoi(env) : 0;
    return n > 0 ? n : fallback;
}

/* Only found here: loading it takes OpenSSL 3 about 20 ms (some 140
 * certificates), which tls_context spends at the first TLS connection
 * rather than at every cold start, whether AWS is called or not. */
static int find_ca_bundle(struct cg_aws *aws, char *err, size_t errlen)
{
    const char *bundle = cg__aws_ca_bundle();
    if (!bundle) {
        snprintf(err, errlen, "no CA bundle: set SSL_CERT_FILE, or install ca-certificates");
        return -1;
    }
    if (access(bundle, R_OK) != 0) {
        snprintf(err, errlen, "cannot read the CA bundle %s: %s", bundle, strerror(errno));
        return -1;
    }
    size_t size = strlen(bundle) + 1;
    aws->ca_bundle = memcpy(cg_xmalloc(size), bundle, size);
    return 0;
}

struct cg_aws *cg_aws_new(const struct cg_aws_opts *opts, char *err, size_t errlen)
{
    struct cg_aws *aws = cg_xmalloc(sizeof *aws);
    memset(aws, 0, sizeof *aws);
    pthread_mutex_init(&aws->lock, NULL);
    snprintf(aws->service, sizeof aws->service, "%s", opts->service ? opts->service : "");
    aws->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    aws->read_timeout_ms = opts->read_timeout_ms > 0 ? opts->read_timeout_ms : DEFAULT_READ_TIMEOUT_MS;
    aws->max_attempts = setting(opts->max_attempts, "AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS);
    aws->call_timeout_ms = setting(opts->call_timeout_ms, "CG_AWS_CALL_TIMEOUT_MS", DEFAULT_CALL_TIMEOUT_MS);
    aws->deadline_margin_ms = setting(0, "CG_AWS_DEADLINE_MARGIN_MS", DEFAULT_DEADLINE_MARGIN_MS);
    if (read_environment(aws, err, errlen) != 0 ||
        cg__aws_endpoint_resolve(opts->endpoint, aws->service, aws->region, &aws->ep, aws->url, sizeof aws->url, err,
                                 errlen) != 0)
        goto fail;
    if (aws->ep.tls && find_ca_bundle(aws, err, errlen) != 0)
        goto fail;
    /* SSL_write cannot be told MSG_NOSIGNAL: a peer that closed must give an
     * error, not kill the process (the local server ignores it too). */
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    return aws;
fail:
    cg_aws_free(aws);
    return NULL;
}

static void free_secret(char *s)
{
    if (s)
        OPENSSL_cleanse(s, strlen(s));
    free(s);
}

void cg_aws_free(struct cg_aws *aws)
{
    if (!aws)
        return;
    while (aws->idle) {
        struct aws_conn *next = aws->idle->next;
        cg__aws_conn_close(aws->idle);
        aws->idle = next;
    }
    SSL_CTX_free(aws->tls);
    free(aws->ca_bundle);
    free(aws->key_id);
    free_secret(aws->secret);
    free_secret(aws->token);
    pthread_mutex_destroy(&aws->lock);
    free(aws);
}

const char *cg_aws_region(const struct cg_aws *aws)
{
    return aws->region;
}

const char *cg_aws_endpoint(const struct cg_aws *aws)
{
    return aws->url;
}

/* ---- the connection pool ---- */

static struct aws_conn *take_idle(struct cg_aws *aws)
{
    pthread_mutex_lock(&aws->lock);
    struct aws_conn *c = aws->idle;
    if (c)
        aws->idle = c->next;
    pthread_mutex_unlock(&aws->lock);
    return c;
}

static void give_back(struct cg_aws *aws, struct aws_conn *c)
{
    pthread_mutex_lock(&aws->lock);
    c->next = aws->idle;
    aws->idle = c;
    pthread_mutex_unlock(&aws->lock);
}

/* The TLS context, made once by whichever thread connects first. */
static SSL_CTX *tls_context(struct cg_aws *aws, char *err, size_t errlen)
{
    pthread_mutex_lock(&aws->lock);
    if (!aws->tls)
        aws->tls = cg__aws_tls_context(aws->ca_bundle, err, errlen);
    SSL_CTX *tls = aws->tls;
    pthread_mutex_unlock(&aws->lock);
    return tls;
}

/* ---- one exchange ---- */

static void build_request(struct cg_aws *aws, const struct cg_aws_request *req, const struct cg_xray_span *call,
                          struct cg_buf *out)
{
    cg_buf_printf(out, "%s ", req->method);
    cg_buf_append_str(out, req->path.len ? req->path : CG_STR("/"));
    if (req->nquery) {
        cg_buf_putc(out, '?');
        cg_aws_query_string(out, req->query, req->nquery);
    }
    cg_buf_printf(out, " HTTP/1.1\r\nHost: %s\r\nUser-Agent: cgate\r\nContent-Length: %zu\r\n",
                  aws->ep.host_header, req->body.len);
    for (size_t i = 0; i < req->nheaders; i++)
        cg_buf_printf(out, "%.*s: %.*s\r\n", (int)req->headers[i].name.len, req->headers[i].name.ptr,
                      (int)req->headers[i].value.len, req->headers[i].value.ptr);
    cg__xray_trace_header(call, out); /* not signed, as the SDKs do */
    struct cg_aws_credentials creds = { cg_str_c(aws->key_id), cg_str_c(aws->secret),
                                        aws->token ? cg_str_c(aws->token) : (cg_str){ NULL, 0 } };
    cg_aws_sign(&creds, aws->region, aws->service, cg_str_c(aws->ep.host_header), time(NULL), req, out);
    cg_buf_puts(out, "\r\n");
    cg_buf_append_str(out, req->body);
}

/* "x-amzn-ErrorType: ThrottlingException:http://internal..." (the code
 * comes first: a cut value still has it) */
static void on_header(void *ud, cg_str name, cg_str value, bool cut)
{
    (void)cut;
    struct cg_aws_response *res = ud;
    if (!cg_str_ieq(name, CG_STR("x-amzn-ErrorType")))
        return;
    const char *colon = memchr(value.ptr, ':', value.len);
    size_t len = colon ? (size_t)(colon - value.ptr) : value.len;
    snprintf(res->error_code, sizeof res->error_code, "%.*s", (int)len, value.ptr);
}

/* The JSON protocols put the code in "__type", after a namespace and '#'. */
static void error_code_from_body(struct cg_aws_response *res)
{
    if (res->error_code[0] || res->body.len == 0)
        return;
    struct cg_arena *a = cg_arena_new();
    const struct cg_json_value *doc = cg_json_parse(a, cg_buf_str(&res->body), CG_JSON_MAX_DEPTH, NULL);
    cg_str type = cg_json_as_str(cg_json_member(doc, "__type"));
    size_t code = type.len;
    while (code > 0 && type.ptr[code - 1] != '#')
        code--;
    if (type.ptr)
        snprintf(res->error_code, sizeof res->error_code, "%.*s", (int)(type.len - code), type.ptr + code);
    cg_arena_free(a);
}

enum outcome { GOT_RESPONSE, NO_RESPONSE, NO_RESPONSE_FROM_IDLE };

static const char *limit_reached(const struct aws_call_limit *limit)
{
    return limit->by_request ? "no whole answer before the request's deadline (Lambda: the invocation's, "
                               "less CG_AWS_DEADLINE_MARGIN_MS)"
                             : "no whole answer within the call's time (CG_AWS_CALL_TIMEOUT_MS)";
}

/* One request on one connection; the connection is kept or closed. */
static enum outcome exchange(struct cg_aws *aws, struct aws_conn *c, bool reused, cg_str wire,
                             const struct aws_call_limit *limit, struct cg_aws_response *res, char *err, size_t errlen)
{
    res->error_code[0] = '\0';
    c->deadline_ms = limit->deadline_ms;
    struct http1_response r = { .body = &res->body, .on_header = on_header, .ud = res };
    const char *why = "";
    enum http1_status st = HTTP1_READ_ERROR;
    bool sent = cg__aws_conn_write(c, wire.ptr, wire.len) == 0;
    if (sent)
        st = cg__http1_read_response(cg__aws_conn_read, c, &r, &why);
    if (st != HTTP1_OK) {
        bool past_deadline = st == HTTP1_READ_ERROR && cg__aws_now_ms() >= limit->deadline_ms;
        bool timed_out = st == HTTP1_READ_ERROR && (errno == EAGAIN || errno == EWOULDBLOCK || past_deadline);
        snprintf(err, errlen, "%s %s: %s", aws->service, aws->ep.host_header,
                 past_deadline ? limit_reached(limit)
                 : timed_out   ? "no answer within the read timeout"
                 : st == HTTP1_CLOSED ? "connection closed before a whole response came"
                 : st == HTTP1_BAD_RESPONSE ? why : strerror(errno));
        cg__aws_conn_close(c);
        /* Sent and unanswered, the request may have been applied: even on a
         * kept-alive connection closed with no byte back, which is most
         * often the server's idle close (then a new connection is tried at
         * once), but can be a reply lost after the work was done. */
        res->unanswered |= sent;
        return reused && r.received == 0 && !timed_out ? NO_RESPONSE_FROM_IDLE : NO_RESPONSE;
    }
    res->status = r.status;
    /* A 5xx says that the service failed somewhere in the request, not that
     * it did nothing: as unknown an outcome as no answer at all. */
    res->unanswered |= res->status >= 500;
    if (r.keep_alive)
        give_back(aws, c);
    else
        cg__aws_conn_close(c);
    if (res->status >= 400)
        error_code_from_body(res);
    return GOT_RESPONSE;
}

/* The connect timeout, shortened to the time the call has left. */
static int connect_time(const struct cg_aws *aws, const struct aws_call_limit *limit)
{
    uint64_t now = cg__aws_now_ms();
    uint64_t left = limit->deadline_ms > now ? limit->deadline_ms - now : 1;
    return left < (uint64_t)aws->connect_timeout_ms ? (int)left : aws->connect_timeout_ms;
}

static enum outcome send_once(struct cg_aws *aws, cg_str wire, const struct aws_call_limit *limit,
                              struct cg_aws_response *res, char *err, size_t errlen)
{
    struct aws_conn *c;
    while ((c = take_idle(aws))) {
        enum outcome o = exchange(aws, c, true, wire, limit, res, err, errlen);
        if (o != NO_RESPONSE_FROM_IDLE)
            return o;
    }
    SSL_CTX *tls = NULL;
    if (aws->ep.tls && !(tls = tls_context(aws, err, errlen)))
        return NO_RESPONSE;
    c = cg__aws_conn_open(&aws->ep, tls, connect_time(aws, limit), aws->read_timeout_ms, err, errlen);
    return c ? exchange(aws, c, false, wire, limit, res, err, errlen) : NO_RESPONSE;
}

/* ---- retries ---- */

static bool is_throttled(const struct cg_aws_response *res)
{
    return res->status == 429 || listed(res->error_code, throttling_codes, CG_LEN(throttling_codes));
}

static bool is_retryable(const struct cg_aws_response *res)
{
    int s = res->status;
    return is_throttled(res) || s == 500 || s == 502 || s == 503 || s == 504 ||
           listed(res->error_code, transient_codes, CG_LEN(transient_codes));
}

/* Uniform in [0, 1): jitter needs no cryptographic quality. */
static double jitter(void)
{
    static _Thread_local uint64_t state;
    if (!state) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&state ^ 1;
    }
    state ^= state << 13; /* xorshift64 */
    state ^= state >> 7;
    state ^= state << 17;
    return (double)(state >> 11) / (double)(1ull << 53);
}

/* The pause before attempt + 1; false, without pausing, when the call's
 * time would be spent before the next attempt could start. */
static bool back_off(int attempt, bool throttled, const struct aws_call_limit *limit)
{
    double cap = (throttled ? THROTTLED_BASE_MS : TRANSIENT_BASE_MS) * (double)(1u << (attempt - 1));
    long long ns = (long long)(jitter() * (cap < MAX_BACKOFF_MS ? cap : MAX_BACKOFF_MS) * 1e6);
    if (cg__aws_now_ms() + (uint64_t)(ns / 1000000) >= limit->deadline_ms)
        return false;
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return true;
}

struct aws_call_limit cg__aws_call_limit(uint64_t now_ms, int call_timeout_ms, int64_t left_ms, int margin_ms)
{
    int64_t usable = left_ms - margin_ms;
    if (usable >= call_timeout_ms)
        return (struct aws_call_limit){ now_ms + (uint64_t)call_timeout_ms, false };
    return (struct aws_call_limit){ now_ms + (uint64_t)(usable > 0 ? usable : 0), true };
}

/* Until the deadline of the request this thread handles (req->deadline_ms
 * is Unix epoch time; the call's clock is monotonic, so only the difference
 * crosses over), INT64_MAX when there is none. */
static int64_t request_time_left_ms(void)
{
    const struct cg_request *req = cg_request_current();
    if (!req || req->deadline_ms <= 0)
        return INT64_MAX;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return req->deadline_ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int cg_aws_call(struct cg_aws *aws, const struct cg_aws_request *req, struct cg_aws_response *res, char *err,
                size_t errlen)
{
    res->status = 0;
    res->unanswered = false;
    res->attempts = 0;
    uint64_t now = cg__aws_now_ms();
    struct aws_call_limit limit =
        cg__aws_call_limit(now, aws->call_timeout_ms, request_time_left_ms(), aws->deadline_margin_ms);
    if (limit.deadline_ms <= now) {
        snprintf(err, errlen, "%s %s: not attempted: the request's deadline (Lambda: the invocation's) is less "
                 "than CG_AWS_DEADLINE_MARGIN_MS (%d ms) away", aws->service, aws->ep.host_header,
                 aws->deadline_margin_ms);
        return -1;
    }
    struct cg_xray_span call;
    cg__xray_call_begin(&call, aws->service);
    struct cg_buf wire;
    cg_buf_init(&wire, NULL);
    int rc = -1;
    for (res->attempts = 1;; res->attempts++) {
        wire.len = 0;
        build_request(aws, req, &call, &wire); /* signed again: the date moves on */
        enum outcome o = send_once(aws, cg_buf_str(&wire), &limit, res, err, errlen);
        bool retry = o != GOT_RESPONSE || is_retryable(res);
        if (!retry || res->attempts >= aws->max_attempts ||
            !back_off(res->attempts, o == GOT_RESPONSE && is_throttled(res), &limit)) {
            rc = o == GOT_RESPONSE ? 0 : -1;
            break;
        }
    }
    cg_buf_free(&wire);
    cg__xray_call_end(&call, req, aws->region, res, rc == 0);
    return rc;
}
