/* runtime_bench: a Lambda Runtime API emulator built for measurement
 * (docs/design/runtime-api.md). One thread, blocking sockets on
 * 127.0.0.1, HTTP/1.1 keep-alive; poll() only picks whichever of the
 * listener, the connections and the bootstrap itself (a pidfd) is ready.
 *
 *   runtime_bench cold EVENT_FILE N -- BOOTSTRAP [ARGS...]
 *       N cold starts. Each: the clock is read (CLOCK_MONOTONIC) just before
 *       posix_spawn, which returns once the bootstrap has been exec'd; the
 *       bootstrap's first GET /next gets the event; the clock is read again
 *       when the body of its POST .../response has been fully received.
 *       Then SIGKILL and reap. Prints "cold_ms X" per run.
 *   runtime_bench warm EVENT_FILE COUNT SECONDS -- BOOTSTRAP [ARGS...]
 *       One bootstrap: WARMUP invocations, then COUNT more or SECONDS,
 *       whichever ends first, timed from the warm-up's last response to the
 *       last one. Prints invocations/s, the bootstrap's CPU time per measured
 *       invocation (user and system, all its threads, from the scheduler's
 *       nanosecond counts) and its peak resident memory (VmHWM, read just
 *       before SIGKILL).
 *
 * The bootstrap inherits this environment plus the variables Lambda sets
 * (runtime-api.md §11); its stdout and stderr go to this program's stderr.
 * Every answer must be a gateway response with statusCode 200: an /error
 * post, another status, a bad request or the bootstrap dying is a failure,
 * and any failure makes the exit status 1. Usage errors exit 2. A body may
 * come with Content-Length or chunked, as Lambda takes both (aws-lambda-go
 * posts every response chunked). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define API             "/2018-06-01/runtime"
#define MAX_CONNS       16
#define MAX_HEAD        16384
#define MAX_BODY        (6u * 1024 * 1024 + 100) /* Lambda's payload limit (runtime-api.md §10) */
#define WARMUP          500                      /* warm mode: invocations before the clock starts */
#define COLD_TIMEOUT_S  60                       /* one cold start, or a warm-up, interpreters included */
#define FUNCTION_ARN    "arn:aws:lambda:eu-west-1:210987654321:function:bench"

struct conn {
    int fd;
    char *buf;
    size_t len, cap;
};

/* One parsed request; the slices point into the connection's buffer. */
struct request {
    const char *method, *target, *body;
    size_t method_len, target_len, body_len;
    bool close; /* HTTP/1.0 or Connection: close */
};

struct emulator {
    int listener;
    char endpoint[32];              /* "127.0.0.1:PORT" */
    const char *event;
    size_t event_len;
    struct conn conns[MAX_CONNS];
    int nconns;
    uint64_t ids;                   /* request ids handed out */
    char pending[64];               /* the invocation awaiting its answer; "" for none */
    long answers, failures;         /* answers: /response and /error posts */
    int64_t last_answer_ns;         /* when the latest answer's body was complete */
};

struct bootstrap {
    pid_t pid;
    int pidfd;                      /* readable once the process has exited */
    bool exited;
};

/* ---- small helpers ---- */

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t epoch_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "runtime_bench: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p)
        die("out of memory");
    return p;
}

static void fail(struct emulator *em, const char *why, const char *detail, size_t detail_len)
{
    em->failures++;
    fprintf(stderr, "runtime_bench: failure: %s%s%.*s\n", why, detail_len ? ": " : "",
            (int)(detail_len > 300 ? 300 : detail_len), detail ? detail : "");
}

static bool slice_is(const char *p, size_t len, const char *text)
{
    return len == strlen(text) && memcmp(p, text, len) == 0;
}

static bool starts_with(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

/* The event file, whole; it must fit Lambda's payload limit. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    char *data = xrealloc(NULL, MAX_BODY + 1);
    *len = fread(data, 1, MAX_BODY + 1, f);
    if (ferror(f))
        die(path);
    fclose(f);
    if (*len == 0 || *len > MAX_BODY) {
        fprintf(stderr, "runtime_bench: %s: the event must hold 1 to %u bytes\n", path, MAX_BODY);
        exit(2);
    }
    return data;
}

/* ---- HTTP/1.1: just enough of it, but strictly ---- */

static const char *find_header_end(const char *buf, size_t len)
{
    const char *end = memmem(buf, len, "\r\n\r\n", 4);
    return end ? end + 4 : NULL;
}

/* The value of one header line "Name: value" when its name is `name`
 * (ignoring case), else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *value_len)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return NULL;
    const char *v = line + n + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *value_len = (size_t)(end - v);
    return v;
}

static bool parse_length(const char *v, size_t len, size_t *out)
{
    size_t n = 0;
    if (len == 0 || len > 9)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        n = n * 10 + (size_t)(v[i] - '0');
    }
    *out = n;
    return true;
}

/* The chunk-size line at p ("1a", or "1a;extension", then CRLF): its length
 * with the CRLF, 0 while incomplete, -1 when malformed. */
static long chunk_line(const char *p, size_t len, size_t *size)
{
    const char *eol = memmem(p, len, "\r\n", 2);
    if (!eol)
        return len > 256 ? -1 : 0;
    size_t n = 0, digits = 0;
    const char *q = p;
    for (; q < eol && isxdigit((unsigned char)*q); q++, digits++) {
        if (digits == 8)
            return -1;
        n = n * 16 + (size_t)(isdigit((unsigned char)*q) ? *q - '0' : (tolower((unsigned char)*q) - 'a' + 10));
    }
    if (digits == 0 || (q < eol && *q != ';'))
        return -1;
    *size = n;
    return eol + 2 - p;
}

/* The chunked body at p (runtime-api.md §8): its encoded length once whole
 * (the last chunk and any trailers included), 0 while more bytes are needed,
 * -1 when malformed or over Lambda's limit (*why says what). Once whole, the
 * chunks' data is moved together at p (in place: it only moves down) and
 * its length is in *data_len. */
static long dechunk(char *p, size_t len, size_t *data_len, const char **why)
{
    size_t pos = 0, total = 0, size;
    long n;
    *why = "malformed chunked body";
    while ((n = chunk_line(p + pos, len - pos, &size)) > 0 && size > 0) {
        if (total + size > MAX_BODY) {
            *why = "body over Lambda's 6 MB limit";
            return -1;
        }
        pos += (size_t)n;
        if (len - pos < size + 2)
            return 0;
        if (memcmp(p + pos + size, "\r\n", 2) != 0)
            return -1;
        pos += size + 2;
        total += size;
    }
    if (n <= 0)
        return n;
    pos += (size_t)n;
    for (;;) { /* trailers, up to the empty line */
        const char *eol = memmem(p + pos, len - pos, "\r\n", 2);
        if (!eol)
            return len - pos > MAX_HEAD ? -1 : 0;
        bool last = eol == p + pos;
        pos = (size_t)(eol + 2 - p);
        if (last)
            break;
    }
    size_t in = 0, out = 0;
    while ((n = chunk_line(p + in, len - in, &size)) > 0 && size > 0) {
        memmove(p + out, p + in + n, size);
        out += size;
        in += (size_t)n + size + 2;
    }
    *data_len = total;
    return (long)pos;
}

/* Parses the request at the start of buf. Returns its whole length once
 * head and body are in, 0 while more bytes are needed, -1 when it is not a
 * request this emulator accepts (*why says what). A chunked body is decoded
 * in place. */
static long parse_request(char *buf, size_t len, struct request *req, const char **why)
{
    const char *head_end = find_header_end(buf, len);
    if (!head_end) {
        *why = "request head over 16 kB";
        return len > MAX_HEAD ? -1 : 0;
    }
    *why = "malformed request line";
    const char *line_end = memmem(buf, (size_t)(head_end - buf), "\r\n", 2);
    const char *sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
    if (!sp2 || sp1 == buf || sp2 == sp1 + 1)
        return -1;
    const char *version = sp2 + 1;
    size_t version_len = (size_t)(line_end - version);
    bool http10 = slice_is(version, version_len, "HTTP/1.0");
    if (!http10 && !slice_is(version, version_len, "HTTP/1.1"))
        return -1;
    *req = (struct request){ .method = buf, .method_len = (size_t)(sp1 - buf), .target = sp1 + 1,
                             .target_len = (size_t)(sp2 - sp1 - 1), .close = http10 };

    size_t body_len = 0;
    bool has_length = false, chunked = false;
    for (const char *line = line_end + 2; line < head_end - 2;) {
        const char *eol = memmem(line, (size_t)(head_end - line), "\r\n", 2);
        size_t n = (size_t)(eol - line), vlen;
        const char *v;
        if ((v = header_value(line, n, "Content-Length", &vlen))) {
            if (!parse_length(v, vlen, &body_len)) {
                *why = "bad Content-Length";
                return -1;
            }
            has_length = true;
        }
        if ((v = header_value(line, n, "Transfer-Encoding", &vlen))) {
            if (vlen != 7 || strncasecmp(v, "chunked", 7) != 0) {
                *why = "a Transfer-Encoding other than chunked";
                return -1;
            }
            chunked = true;
        }
        if ((v = header_value(line, n, "Connection", &vlen)) && vlen == 5 && strncasecmp(v, "close", 5) == 0)
            req->close = true;
        line = eol + 2;
    }
    if (has_length && chunked) {
        *why = "both Content-Length and Transfer-Encoding";
        return -1;
    }
    if (body_len > MAX_BODY) {
        *why = "body over Lambda's 6 MB limit";
        return -1;
    }
    size_t head_len = (size_t)(head_end - buf);
    if (chunked) {
        long n = dechunk(buf + head_len, len - head_len, &body_len, why);
        if (n <= 0)
            return n;
        req->body = head_end;
        req->body_len = body_len;
        return (long)head_len + n;
    }
    if (len - head_len < body_len)
        return 0;
    req->body = head_end;
    req->body_len = body_len;
    return (long)(head_len + body_len);
}

static void send_all(int fd, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* the peer went away: its next read fails, and the session notices */
        while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++, iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
}

static void respond(int fd, int status, const char *reason, const char *extra_headers, const char *body,
                    size_t body_len)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n\r\n", status,
                     reason, extra_headers, body_len);
    struct iovec iov[2] = { { head, (size_t)n }, { (void *)body, body_len } };
    send_all(fd, iov, body_len ? 2 : 1);
}

#define RESPOND_JSON(fd, status, reason, json) respond(fd, status, reason, "", json, sizeof(json) - 1)

/* ---- the Runtime API ---- */

/* A cheap check that the answer is a gateway response with statusCode 200:
 * `"statusCode"`, optional spaces, `:`, optional spaces, `200`. */
static bool is_status_200(const char *body, size_t len)
{
    const char *p = memmem(body, len, "\"statusCode\"", 12);
    if (!p)
        return false;
    const char *end = body + len;
    p += 12;
    while (p < end && *p == ' ')
        p++;
    if (p == end || *p++ != ':')
        return false;
    while (p < end && *p == ' ')
        p++;
    return end - p >= 3 && memcmp(p, "200", 3) == 0 && (end - p == 3 || p[3] < '0' || p[3] > '9');
}

static void next_invocation(struct emulator *em, int fd)
{
    if (em->pending[0])
        fail(em, "GET /next before the previous invocation was answered", em->pending, strlen(em->pending));
    em->ids++;
    snprintf(em->pending, sizeof em->pending, "8476a536-e9f4-11e8-9739-%012" PRIx64, em->ids);
    char headers[512];
    snprintf(headers, sizeof headers,
             "Lambda-Runtime-Aws-Request-Id: %s\r\n"
             "Lambda-Runtime-Deadline-Ms: %" PRId64 "\r\n"
             "Lambda-Runtime-Invoked-Function-Arn: " FUNCTION_ARN "\r\n"
             "Lambda-Runtime-Trace-Id: Root=1-6741e2a9-%024" PRIx64 ";Parent=9a9197af755a6419;Sampled=0\r\n",
             em->pending, epoch_ms() + 3000, em->ids);
    respond(fd, 200, "OK", headers, em->event, em->event_len);
}

/* POST {API}/invocation/{id}/response or /error. */
static void invocation_answer(struct emulator *em, int fd, const struct request *req)
{
    const char *id = req->target + strlen(API "/invocation/");
    const char *slash = memrchr(id, '/', (size_t)(req->target + req->target_len - id));
    size_t id_len = slash ? (size_t)(slash - id) : 0;
    const char *kind = slash ? slash + 1 : "";
    size_t kind_len = slash ? (size_t)(req->target + req->target_len - kind) : 0;
    bool is_response = slice_is(kind, kind_len, "response");
    if (!is_response && !slice_is(kind, kind_len, "error")) {
        fail(em, "unknown path", req->target, req->target_len);
        RESPOND_JSON(fd, 404, "Not Found", "{\"errorMessage\":\"unknown path\"}");
        return;
    }
    if (!em->pending[0] || !slice_is(id, id_len, em->pending)) {
        fail(em, "answer for an unknown request id", id, id_len);
        RESPOND_JSON(fd, 400, "Bad Request", "{\"errorMessage\":\"unknown request id\"}");
        return;
    }
    em->pending[0] = '\0';
    em->answers++;
    em->last_answer_ns = now_ns();
    if (!is_response)
        fail(em, "the bootstrap posted an invocation error", req->body, req->body_len);
    else if (!is_status_200(req->body, req->body_len))
        fail(em, "the response is not a gateway response with statusCode 200", req->body, req->body_len);
    RESPOND_JSON(fd, 202, "Accepted", "{\"status\":\"OK\"}");
}

static void handle_request(struct emulator *em, int fd, const struct request *req)
{
    bool get = slice_is(req->method, req->method_len, "GET");
    bool post = slice_is(req->method, req->method_len, "POST");
    if (get && slice_is(req->target, req->target_len, API "/invocation/next")) {
        next_invocation(em, fd);
    } else if (post && starts_with(req->target, req->target_len, API "/invocation/")) {
        invocation_answer(em, fd, req);
    } else if (post && slice_is(req->target, req->target_len, API "/init/error")) {
        fail(em, "the bootstrap failed to start (POST /init/error)", req->body, req->body_len);
        RESPOND_JSON(fd, 202, "Accepted", "{\"status\":\"OK\"}");
    } else {
        fail(em, "unknown request", req->target, req->target_len);
        RESPOND_JSON(fd, 404, "Not Found", "{\"errorMessage\":\"unknown path\"}");
    }
}

/* ---- connections ---- */

static void conn_close(struct emulator *em, int i)
{
    close(em->conns[i].fd);
    free(em->conns[i].buf);
    em->conns[i] = em->conns[--em->nconns];
}

static void accept_conn(struct emulator *em)
{
    int fd = accept4(em->listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return;
    if (em->nconns == MAX_CONNS) {
        fail(em, "too many connections from the bootstrap", NULL, 0);
        close(fd);
        return;
    }
    int one = 1; /* head and body go out in one writev, but never wait on Nagle */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    em->conns[em->nconns++] = (struct conn){ .fd = fd };
}

/* Reads what the connection has and serves every complete request in it.
 * Returns false when the connection is done (closed by either side). */
static bool serve_conn(struct emulator *em, struct conn *c)
{
    if (c->cap - c->len < 65536) {
        c->cap = c->cap ? c->cap * 2 : 131072;
        c->buf = xrealloc(c->buf, c->cap);
    }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    if (n < 0 && errno == EINTR)
        return true;
    if (n <= 0)
        return false;
    c->len += (size_t)n;
    for (;;) {
        struct request req;
        const char *why;
        long used = parse_request(c->buf, c->len, &req, &why);
        if (used == 0)
            return true;
        if (used < 0) {
            fail(em, why, NULL, 0);
            RESPOND_JSON(c->fd, 400, "Bad Request", "{\"errorMessage\":\"bad request\"}");
            return false;
        }
        handle_request(em, c->fd, &req);
        memmove(c->buf, c->buf + used, c->len - (size_t)used);
        c->len -= (size_t)used;
        if (req.close)
            return false;
    }
}

static void emulator_open(struct emulator *em, const char *event, size_t event_len)
{
    *em = (struct emulator){ .event = event, .event_len = event_len };
    em->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t addrlen = sizeof addr;
    if (em->listener < 0 || bind(em->listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(em->listener, 64) != 0 || getsockname(em->listener, (struct sockaddr *)&addr, &addrlen) != 0)
        die("cannot listen on 127.0.0.1");
    snprintf(em->endpoint, sizeof em->endpoint, "127.0.0.1:%u", ntohs(addr.sin_port));
}

/* Between two bootstraps: no connection or invocation survives. */
static void emulator_reset(struct emulator *em)
{
    while (em->nconns)
        conn_close(em, 0);
    em->pending[0] = '\0';
}

/* ---- the bootstrap ---- */

/* What Lambda sets for a custom runtime (runtime-api.md §11). */
static void set_lambda_environment(const struct emulator *em)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        die("getcwd");
    setenv("AWS_LAMBDA_RUNTIME_API", em->endpoint, 1);
    setenv("AWS_LAMBDA_FUNCTION_NAME", "bench", 1);
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128", 1);
    setenv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST", 1);
    setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand", 1);
    setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench", 1);
    setenv("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/24/[$LATEST]0123456789abcdef0123456789abcdef", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    /* The execution role's temporary credentials (AWS's documentation
     * example keys: nothing here signs a real request). */
    setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_SESSION_TOKEN", "bench-session-token", 1);
    setenv("_HANDLER", "bootstrap", 1);
    setenv("LAMBDA_TASK_ROOT", cwd, 1);
    setenv("LAMBDA_RUNTIME_DIR", cwd, 1);
}

/* Starts the bootstrap (looked up on PATH when the name has no slash);
 * posix_spawnp returns once it has been exec'd. */
static struct bootstrap spawn_bootstrap(char **argv)
{
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO); /* our stdout is the report */
    struct bootstrap b = { .pidfd = -1 };
    int rc = posix_spawnp(&b.pid, argv[0], &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        errno = rc;
        die(argv[0]);
    }
    b.pidfd = (int)syscall(SYS_pidfd_open, b.pid, 0);
    if (b.pidfd < 0)
        die("pidfd_open");
    return b;
}

/* The nanoseconds the process's threads have run so far, user and system
 * (the first field of each /proc/PID/task/TID/schedstat), -1 when they
 * cannot be read. */
static int64_t cpu_ns(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *tasks = opendir(path);
    if (!tasks)
        return -1;
    int64_t total = 0;
    for (struct dirent *t; (t = readdir(tasks));) {
        if (t->d_name[0] == '.')
            continue;
        char stat[320];
        snprintf(stat, sizeof stat, "/proc/%d/task/%s/schedstat", (int)pid, t->d_name);
        FILE *f = fopen(stat, "r");
        long long ns = 0;
        if (f && fscanf(f, "%lld", &ns) == 1)
            total += ns;
        if (f)
            fclose(f);
    }
    closedir(tasks);
    return total;
}

/* Peak resident memory so far, in kB (0 when it cannot be read). */
static long vm_hwm_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb;
}

static void stop_bootstrap(struct bootstrap *b)
{
    if (!b->exited) {
        kill(b->pid, SIGKILL);
        waitpid(b->pid, NULL, 0);
    }
    close(b->pidfd);
}

/* Serves until `answers` invocations have been answered, the deadline
 * passes or the bootstrap exits. Returns true when the answers came. */
static bool serve_until(struct emulator *em, struct bootstrap *b, long answers, int64_t deadline_ns)
{
    while (em->answers < answers) {
        int64_t left_ms = (deadline_ns - now_ns()) / 1000000;
        if (left_ms <= 0)
            return false;
        struct pollfd fds[2 + MAX_CONNS] = { { .fd = em->listener, .events = POLLIN },
                                             { .fd = b->pidfd, .events = POLLIN } };
        for (int i = 0; i < em->nconns; i++)
            fds[2 + i] = (struct pollfd){ .fd = em->conns[i].fd, .events = POLLIN };
        int nconns = em->nconns; /* serving may close connections: walk the snapshot backwards */
        if (poll(fds, (nfds_t)(2 + nconns), (int)left_ms) < 0 && errno != EINTR)
            die("poll");
        for (int i = nconns - 1; i >= 0; i--)
            if (fds[2 + i].revents && !serve_conn(em, &em->conns[i]))
                conn_close(em, i);
        if (fds[0].revents)
            accept_conn(em);
        if (fds[1].revents && em->answers < answers) {
            int status;
            waitpid(b->pid, &status, 0);
            b->exited = true;
            char detail[64];
            int n = snprintf(detail, sizeof detail, "status %d, after %ld answers",
                             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), em->answers);
            fail(em, "the bootstrap exited", detail, (size_t)n);
            return false;
        }
    }
    return true;
}

/* ---- the two modes ---- */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_cold(struct emulator *em, long runs, char **argv)
{
    double *ms = xrealloc(NULL, (size_t)runs * sizeof *ms);
    long done = 0;
    for (long i = 0; i < runs; i++) {
        emulator_reset(em);
        long answers = em->answers, failures = em->failures;
        int64_t start = now_ns();
        struct bootstrap b = spawn_bootstrap(argv);
        bool answered = serve_until(em, &b, answers + 1, start + (int64_t)COLD_TIMEOUT_S * 1000000000);
        stop_bootstrap(&b);
        if (!answered && !b.exited)
            fail(em, "no answer to the first event before the deadline", NULL, 0);
        if (em->failures > failures)
            continue; /* a failed start is not a sample */
        ms[done] = (double)(em->last_answer_ns - start) / 1e6;
        printf("cold_ms %.3f\n", ms[done++]);
        fflush(stdout);
    }
    if (done > 0) {
        qsort(ms, (size_t)done, sizeof *ms, compare_double);
        printf("cold runs %ld median_ms %.3f failures %ld\n", done, ms[(done - 1) / 2], em->failures);
    }
    free(ms);
    return em->failures ? 1 : 0;
}

static int run_warm(struct emulator *em, long count, double seconds, char **argv)
{
    struct bootstrap b = spawn_bootstrap(argv);
    int64_t start = now_ns();
    bool warmed = serve_until(em, &b, WARMUP, start + (int64_t)COLD_TIMEOUT_S * 1000000000);
    int64_t t0 = em->last_answer_ns;
    int64_t cpu0 = cpu_ns(b.pid), cpu1 = -1;
    if (warmed)
        serve_until(em, &b, WARMUP + count, t0 + (int64_t)(seconds * 1e9));
    long hwm = 0;
    if (!b.exited) {
        hwm = vm_hwm_kb(b.pid);
        cpu1 = cpu_ns(b.pid);
    }
    stop_bootstrap(&b);
    if (!warmed) {
        if (!b.exited)
            fail(em, "the warm-up did not complete before the deadline", NULL, 0);
        return 1;
    }
    long measured = em->answers - WARMUP;
    double span = (double)(em->last_answer_ns - t0) / 1e9;
    double cpu_us = cpu0 >= 0 && cpu1 >= 0 && measured > 0 ? (double)(cpu1 - cpu0) / 1e3 / (double)measured : 0;
    printf("warm invocations %ld seconds %.3f per_second %.0f vmhwm_kb %ld failures %ld cpu_us %.2f\n", measured,
           span, span > 0 ? (double)measured / span : 0.0, hwm, em->failures, cpu_us);
    return em->failures || measured <= 0 ? 1 : 0;
}

static _Noreturn void usage(void)
{
    fprintf(stderr, "usage: runtime_bench cold EVENT_FILE N -- BOOTSTRAP [ARGS...]\n"
                    "       runtime_bench warm EVENT_FILE COUNT SECONDS -- BOOTSTRAP [ARGS...]\n");
    exit(2);
}

static long positive(const char *text, long max)
{
    char *end;
    long n = strtol(text, &end, 10);
    if (*end || n < 1 || n > max)
        usage();
    return n;
}

int main(int argc, char **argv)
{
    int dashes = 1;
    while (dashes < argc && strcmp(argv[dashes], "--") != 0)
        dashes++;
    if (argc < 4 || dashes + 1 >= argc)
        usage();
    bool cold = strcmp(argv[1], "cold") == 0;
    if (!(cold && dashes == 4) && !(strcmp(argv[1], "warm") == 0 && dashes == 5))
        usage();

    size_t event_len;
    char *event = read_file(argv[2], &event_len);
    struct emulator em;
    emulator_open(&em, event, event_len);
    set_lambda_environment(&em);
    signal(SIGPIPE, SIG_IGN);
    char **bootstrap = argv + dashes + 1;
    int rc = cold ? run_cold(&em, positive(argv[3], 100000), bootstrap)
                  : run_warm(&em, positive(argv[3], 100000000), (double)positive(argv[4], 3600), bootstrap);
    emulator_reset(&em);
    close(em.listener);
    free(event);
    return rc;
}
