/* X-Ray subsegments sent to the daemon over UDP (xray.h).
 *
 * A traced request's subsegments hang from the segment its trace header
 * names (Lambda's function segment: "Root=1-...;Parent=<id>;Sampled=1").
 * Each is sent alone when it ends, as an "independent subsegment"
 * (type "subsegment", with trace_id and parent_id), after the daemon's
 * header line {"format":"json","version":1}. The socket is non-blocking:
 * a send never waits, and a lost datagram loses a subsegment, never time. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cgate/app.h"
#include "cgate/json.h"
#include "cgate/log.h"
#include "cgate/middleware.h"
#include "aws/xray_internal.h"

#define DEFAULT_DAEMON "127.0.0.1:2000"
#define DAEMON_HEADER  "{\"format\":\"json\",\"version\":1}\n"

/* The request being traced on this thread. */
struct xray_trace {
    char root[64];                /* "1-5759e988-bd862e3fe1be46a994272793" */
    char parent[17];              /* the segment the request's subsegments hang from */
    bool sampled;
    cg_str route;                 /* "POST /api/items" */
    struct cg_xray_span *current; /* the innermost open span */
};

struct xray {
    const struct cg_app *app;
    atomic_int fd; /* -1 until the first subsegment is sent (daemon_socket) */
    struct sockaddr_in daemon;
};

/* One daemon per process: the AWS clients, shared by apps and threads,
 * send through it. */
static struct xray *daemon_of_process;
static _Thread_local struct xray_trace *active;

/* ---- the trace header ---- */

/* Copy the value of "key=" from a "k=v;k=v" header; false when absent or
 * too long. */
static bool header_field(cg_str header, const char *key, char *out, size_t size)
{
    size_t klen = strlen(key);
    for (size_t i = 0; i < header.len;) {
        size_t end = i;
        while (end < header.len && header.ptr[end] != ';')
            end++;
        cg_str field = { header.ptr + i, end - i };
        while (field.len && field.ptr[0] == ' ')
            field.ptr++, field.len--;
        if (field.len > klen && memcmp(field.ptr, key, klen) == 0 && field.ptr[klen] == '=') {
            size_t vlen = field.len - klen - 1;
            if (vlen >= size)
                return false;
            memcpy(out, field.ptr + klen + 1, vlen);
            out[vlen] = '\0';
            return true;
        }
        i = end + 1;
    }
    return false;
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[n] == '\0';
}

/* Root "1-<8 hex>-<24 hex>" and Parent <16 hex>, as X-Ray writes them. */
static bool parse_trace_header(cg_str header, struct xray_trace *t)
{
    char sampled[4];
    *t = (struct xray_trace){ 0 };
    if (!header_field(header, "Root", t->root, sizeof t->root) ||
        !header_field(header, "Parent", t->parent, sizeof t->parent))
        return false;
    bool root_ok = strlen(t->root) == 35 && t->root[0] == '1' && t->root[1] == '-' && t->root[10] == '-';
    if (!root_ok || !is_hex(t->parent, 16))
        return false;
    t->sampled = header_field(header, "Sampled", sampled, sizeof sampled) && strcmp(sampled, "1") == 0;
    return true;
}

/* Whether "Sampled=1" is in the header: most invocations are not sampled,
 * and this search (memchr finds the rare 'S') spares them the parse. */
static bool says_sampled(cg_str header)
{
    const char *p = header.ptr, *end = header.ptr + header.len;
    while (p && end - p >= 9) {
        if (memcmp(p, "Sampled=1", 9) == 0)
            return true;
        p = memchr(p + 1, 'S', (size_t)(end - p - 1));
    }
    return false;
}

/* The request's trace header: Lambda's, else the one the client sent. */
static cg_str request_trace_header(const struct cg_request *req)
{
    return req->trace_id.len ? req->trace_id : cg_request_header(req, "x-amzn-trace-id");
}

/* ---- spans ---- */

static void new_id(char out[17])
{
    static _Thread_local uint64_t state;
    if (!state && getrandom(&state, sizeof state, 0) != sizeof state)
        state = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&state;
    /* splitmix64: ids need to be unique, not secret */
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    snprintf(out, 17, "%016llx", (unsigned long long)(z ^ (z >> 31)));
}

static uint64_t epoch_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Epoch seconds to the microsecond, as X-Ray's times are written:
 * integer digits, which a double's shortest form would cost ten times. */
static void put_time(struct cg_json *j, uint64_t us)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%llu.%06llu", (unsigned long long)(us / 1000000),
                     (unsigned long long)(us % 1000000));
    cg_json_raw(j, (cg_str){ text, (size_t)n });
}
/* X-Ray's names: letters, digits, blanks and _.:/%&#=+\-@, up to 200. */
static void set_name(struct cg_xray_span *s, const char *name)
{
    size_t n = 0;
    for (; name[n] && n < sizeof s->name - 1; n++) {
        unsigned char ch = (unsigned char)name[n];
        bool ok = ch >= 0x80 || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  strchr(" _.:/%&#=+\\-@", ch);
        s->name[n] = ok ? (char)ch : '_';
    }
    s->name[n] = '\0';
}

static void open_span(struct cg_xray_span *s, struct xray_trace *t, const char *name)
{
    new_id(s->id);
    memcpy(s->parent_id, t->current ? t->current->id : t->parent, sizeof s->parent_id);
    set_name(s, name);
    s->start_us = epoch_us();
    s->outer = t->current;
    s->trace = t;
    t->current = s;
}

/* What a subsegment says besides its identity and times. */
struct span_details {
    int status;                   /* 0: none */
    bool answered;
    const char *operation;        /* AWS calls: "PutItem" */
    const char *region;
    int retries;
    const char *cold_start;       /* the handler: "true" or "false" */
};

static void write_http_status(struct cg_json *j, const struct span_details *d)
{
    if (!d->answered) {
        cg_json_key(j, "fault");
        cg_json_bool(j, true);
        return;
    }
    cg_json_key(j, "http");
    cg_json_obj_begin(j);
    cg_json_key(j, "response");
    cg_json_obj_begin(j);
    cg_json_key(j, "status");
    cg_json_int(j, d->status);
    cg_json_obj_end(j);
    cg_json_obj_end(j);
    if (d->status >= 400 && d->status < 500) {
        cg_json_key(j, "error");
        cg_json_bool(j, true);
    }
    if (d->status == 429) {
        cg_json_key(j, "throttle");
        cg_json_bool(j, true);
    }
    if (d->status >= 500) {
        cg_json_key(j, "fault");
        cg_json_bool(j, true);
    }
}

static void write_details(struct cg_json *j, const struct cg_xray_span *s, const struct span_details *d)
{
    if (d->operation) {
        cg_json_key(j, "namespace");
        cg_json_cstr(j, "aws");
        cg_json_key(j, "aws");
        cg_json_obj_begin(j);
        cg_json_key(j, "operation");
        cg_json_cstr(j, d->operation);
        cg_json_key(j, "region");
        cg_json_cstr(j, d->region);
        cg_json_key(j, "retries");
        cg_json_int(j, d->retries);
        cg_json_obj_end(j);
    }
    if (d->cold_start) {
        cg_json_key(j, "annotations");
        cg_json_obj_begin(j);
        cg_json_key(j, "route");
        cg_json_str(j, s->trace->route);
        cg_json_key(j, "ColdStart");
        cg_json_bool(j, strcmp(d->cold_start, "true") == 0);
        cg_json_obj_end(j);
    }
    if (d->status || !d->answered)
        write_http_status(j, d);
}

/* The UDP socket, opened when the first subsegment is sent rather than at
 * start-up: most invocations are not sampled, and a cold start that sends
 * nothing is spared the system call. Threads that race here each open one;
 * the first kept is everyone's, the others are closed. -1 on failure. */
static int daemon_socket(struct xray *x)
{
    int fd = atomic_load(&x->fd);
    if (fd >= 0)
        return fd;
    int mine = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (mine < 0) {
        cg_debug("x-ray: cannot open a UDP socket: %s", strerror(errno));
        return -1;
    }
    if (atomic_compare_exchange_strong(&x->fd, &fd, mine))
        return mine;
    close(mine);
    return fd;
}

static void send_span(const struct cg_xray_span *s, const struct span_details *d)
{
    struct xray *x = daemon_of_process;
    int fd = x ? daemon_socket(x) : -1;
    if (fd < 0)
        return;
    struct cg_buf doc;
    cg_buf_init(&doc, NULL);
    cg_buf_puts(&doc, DAEMON_HEADER);
    struct cg_json j;
    cg_json_init(&j, &doc);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "type");
    cg_json_cstr(&j, "subsegment");
    cg_json_key(&j, "name");
    cg_json_cstr(&j, s->name);
    cg_json_key(&j, "id");
    cg_json_cstr(&j, s->id);
    cg_json_key(&j, "trace_id");
    cg_json_cstr(&j, s->trace->root);
    cg_json_key(&j, "parent_id");
    cg_json_cstr(&j, s->parent_id);
    cg_json_key(&j, "start_time");
    put_time(&j, s->start_us);
    cg_json_key(&j, "end_time");
    put_time(&j, epoch_us());
    write_details(&j, s, d);
    cg_json_obj_end(&j);
    ssize_t n = sendto(fd, doc.data, doc.len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)&x->daemon,
                       sizeof x->daemon);
    if (n < 0 && errno != EAGAIN && errno != ECONNREFUSED)
        cg_debug("x-ray: the subsegment %s was not sent: %s", s->name, strerror(errno));
    cg_buf_free(&doc);
}

static void close_span(struct cg_xray_span *s, const struct span_details *d)
{
    if (s->trace->current != s)
        cg_warn("x-ray: subsegment %s closed while an inner one is open", s->name);
    s->trace->current = s->outer;
    send_span(s, d);
}

struct cg_xray_span *cg_xray_begin(struct cg_ctx *c, const char *name)
{
    struct xray_trace *t = active;
    if (!t || !t->sampled || !name || !*name)
        return NULL;
    struct cg_xray_span *s = cg_arena_alloc(cg_arena(c), sizeof *s);
    open_span(s, t, name);
    return s;
}

void cg_xray_end(struct cg_xray_span *span)
{
    if (span)
        close_span(span, &(struct span_details){ .answered = true });
}

/* ---- AWS calls ---- */

/* X-Ray's names of the services: the SDKs' service ids. */
static const char *service_name(const char *signing_name)
{
    static const char *const names[][2] = {
        { "dynamodb", "DynamoDB" }, { "ssm", "SSM" }, { "secretsmanager", "SecretsManager" },
        { "sqs", "SQS" },           { "sns", "SNS" }, { "lambda", "Lambda" },
    };
    for (size_t i = 0; i < CG_LEN(names); i++)
        if (strcmp(names[i][0], signing_name) == 0)
            return names[i][1];
    return signing_name;
}

void cg__xray_call_begin(struct cg_xray_span *call, const char *service)
{
    struct xray_trace *t = active;
    call->trace = NULL;
    if (t && t->sampled && daemon_of_process)
        open_span(call, t, service_name(service));
}

void cg__xray_trace_header(const struct cg_xray_span *call, struct cg_buf *out)
{
    if (call->trace) {
        cg_buf_printf(out, "X-Amzn-Trace-Id: Root=%s;Parent=%s;Sampled=1\r\n", call->trace->root, call->id);
        return;
    }
    const struct cg_request *req = cg_request_current();
    cg_str header = req ? request_trace_header(req) : (cg_str){ NULL, 0 };
    if (header.len && !memchr(header.ptr, '\r', header.len) && !memchr(header.ptr, '\n', header.len))
        cg_buf_printf(out, "X-Amzn-Trace-Id: %.*s\r\n", (int)header.len, header.ptr);
}

/* "DynamoDB_20120810.PutItem" -> "PutItem"; "" without X-Amz-Target. */
static void operation_of(const struct cg_aws_request *req, char *out, size_t size)
{
    *out = '\0';
    for (size_t i = 0; i < req->nheaders; i++) {
        if (!cg_str_ieq(req->headers[i].name, CG_STR("x-amz-target")))
            continue;
        cg_str v = req->headers[i].value;
        const char *dot = memchr(v.ptr, '.', v.len);
        cg_str op = dot ? (cg_str){ dot + 1, v.len - (size_t)(dot + 1 - v.ptr) } : v;
        snprintf(out, size, "%.*s", (int)op.len, op.ptr);
    }
}

void cg__xray_call_end(struct cg_xray_span *call, const struct cg_aws_request *req, const char *region,
                       const struct cg_aws_response *res, bool answered)
{
    if (!call->trace)
        return;
    char operation[128];
    operation_of(req, operation, sizeof operation);
    close_span(call, &(struct span_details){ .status = answered ? res->status : 0,
                                             .answered = answered,
                                             .operation = operation,
                                             .region = region,
                                             .retries = res->attempts > 0 ? res->attempts - 1 : 0 });
}

/* ---- the middleware: a traced request and its handler's subsegment ---- */

static void handle(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    const struct xray *x = state;
    struct xray_trace t; /* filled by parse_trace_header, on the rare sampled request */
    cg_str header = request_trace_header(req);
    if (!says_sampled(header) || !parse_trace_header(header, &t) || !t.sampled) {
        cg_next(next, req, res);
        return;
    }
    const struct cg_route *route = cg_app_route_of(x->app, req);
    t.route = cg_arena_printf(req->arena, "%.*s %s", (int)req->method.len, req->method.ptr,
                              route ? route->path : "(no route)");
    struct xray_trace *outer = active;
    active = &t;
    struct cg_xray_span handler;
    char name[200];
    snprintf(name, sizeof name, "## %s", route && route->name ? route->name : "handler");
    open_span(&handler, &t, name);
    cg_next(next, req, res);
    close_span(&handler, &(struct span_details){ .status = res->status, .answered = true,
                                                 .cold_start = req->cold_start ? "true" : "false" });
    active = outer;
}

static void free_xray(void *state)
{
    struct xray *x = state;
    if (daemon_of_process == x)
        daemon_of_process = NULL;
    if (x->fd >= 0)
        close(x->fd);
    free(x);
}

/* The length of the run of characters at s that are in `set`. (strspn's
 * lazy binding and sscanf's parse would cost a cold start more than the
 * loops do: the address is read at every start-up.) */
static size_t run_of(const char *s, const char *set)
{
    size_t n = 0;
    while (s[n] && strchr(set, s[n]))
        n++;
    return n;
}

/* "127.0.0.1:2000", or "udp:127.0.0.1:2000 tcp:..." (the SDKs' form): up
 * to 63 digits and dots, ':', a port of 1 to 5 digits, then the end or a
 * blank. */
static bool parse_daemon_address(const char *text, struct sockaddr_in *out)
{
    const char *udp = strstr(text, "udp:");
    const char *addr = udp ? udp + 4 : text;
    char host[64];
    size_t host_len = run_of(addr, "0123456789."), port_len = 0;
    if (host_len == 0 || host_len >= sizeof host || addr[host_len] != ':')
        return false;
    const char *digits = addr + host_len + 1;
    unsigned port = 0;
    for (; port_len < 5 && digits[port_len] >= '0' && digits[port_len] <= '9'; port_len++)
        port = port * 10 + (unsigned)(digits[port_len] - '0');
    char after = digits[port_len];
    if (port_len == 0 || port == 0 || port > 65535 || (after != '\0' && after != ' '))
        return false;
    memcpy(host, addr, host_len);
    host[host_len] = '\0';
    *out = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    return inet_pton(AF_INET, host, &out->sin_addr) == 1;
}

int cg_app_use_xray(struct cg_app *app, const struct cg_xray_opts *opts)
{
    const char *address = opts && opts->daemon_address ? opts->daemon_address : getenv("AWS_XRAY_DAEMON_ADDRESS");
    address = address && *address ? address : DEFAULT_DAEMON;
    struct xray *x = calloc(1, sizeof *x);
    if (!x)
        cg_oom();
    x->app = app;
    x->fd = -1;
    if (!parse_daemon_address(address, &x->daemon)) {
        free(x);
        return cg_app_fail(app, "x-ray: AWS_XRAY_DAEMON_ADDRESS=%s is not an IPv4 address and port "
                                "(\"127.0.0.1:2000\" or \"udp:127.0.0.1:2000 tcp:127.0.0.1:2000\")", address);
    }
    if (cg_app_use(app, &(struct cg_middleware){ "x-ray", handle, x, free_xray }) != 0) {
        free_xray(x);
        return -1;
    }
    daemon_of_process = x;
    return 0;
}
