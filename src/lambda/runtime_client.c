/* A small blocking HTTP/1.1 client for the Lambda Runtime API: plain TCP to
 * a numeric loopback address, one kept-alive connection per poller, and
 * net/http1_read.c to read the responses. No libcurl: the bootstrap must stay
 * self-contained (docs/design/bootstrap.md §4).
 *
 * GET /next has no time limit: it blocks until an event comes
 * (docs/design/runtime-api.md §2), which may be hours. Every other request
 * belongs to an invocation whose deadline Lambda gave (Lambda-Runtime-Deadline-Ms, "the date that
 * the function times out in Unix time milliseconds": AWS, "Using the
 * Lambda runtime API for custom runtimes"), and is given up a margin after
 * it: past the deadline Lambda has timed the invocation out, and a Runtime
 * API that still has not answered never will.
 *
 * The limit costs no system call per request: the socket's sends and
 * receives return every SLICE_MS with nothing done (SO_SNDTIMEO,
 * SO_RCVTIMEO), and the request then either calls again or gives up. So a
 * request is given up at most SLICE_MS after its time; an idle /next calls
 * recv again every SLICE_MS, which a frozen sandbox never notices. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "lambda/lambda_internal.h"

int cg__rapi_init(struct rapi_client *c, const char *endpoint, char *err, size_t errlen)
{
    memset(c, 0, offsetof(struct rapi_client, in.data)); /* not its 16 KB buffer, pages no cold start needs */
    c->fd = -1;
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint ? endpoint : "");
    const char *colon = endpoint ? strrchr(endpoint, ':') : NULL;
    char host[64];
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == endpoint || *end || port < 1 || port > 65535 || (size_t)(colon - endpoint) >= sizeof host)
        goto bad;
    snprintf(host, sizeof host, "%.*s", (int)(colon - endpoint), endpoint);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&c->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&c->addr;
    size_t hlen = strlen(host);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        c->addrlen = sizeof *v4;
        return 0;
    }
    if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
        host[hlen - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons((uint16_t)port);
            c->addrlen = sizeof *v6;
            return 0;
        }
    }
bad:
    snprintf(err, errlen, "AWS_LAMBDA_RUNTIME_API=\"%s\" is not a numeric address and port (127.0.0.1:9001)",
             c->endpoint);
    return -1;
}

void cg__rapi_close(struct rapi_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->next_sent = false;
    c->in.pos = c->in.end = 0;
}

int64_t cg__lambda_epoch_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* ---- time limits ---- */

#define SLICE_MS 250 /* how often a blocked send or receive returns */

/* A request is given up RAPI_MARGIN_MS after the invocation's deadline, or
 * after RAPI_MARGIN_MS when it is sent late (a handler that overran, or
 * /init/error, which passes the time it is sent); never with no deadline. */
static void begin_request(struct rapi_client *c, const char *path, int64_t deadline_ms)
{
    c->path = path;
    c->give_up_at = 0;
    if (deadline_ms != 0) {
        int64_t now = cg__lambda_epoch_ms();
        c->give_up_at = (deadline_ms > now ? deadline_ms : now) + RAPI_MARGIN_MS;
    }
}

static bool out_of_time(const struct rapi_client *c)
{
    return c->give_up_at != 0 && cg__lambda_epoch_ms() >= c->give_up_at;
}

/* After a send or receive failed with errno: whether to call again (a
 * slice passed, or a signal came, and the request still has time). Once
 * its time is up errno becomes ETIMEDOUT. */
static bool keep_waiting(const struct rapi_client *c)
{
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return false;
    if (!out_of_time(c))
        return true;
    errno = ETIMEDOUT;
    return false;
}

/* A request given up says so, whatever error its last read or write met. */
static void report_timeout(const struct rapi_client *c, const char *method, char *err, size_t errlen)
{
    snprintf(err, errlen, "no answer from the Runtime API to %s %s by %d ms past its deadline; given up", method,
             c->path, RAPI_MARGIN_MS);
}

/* ---- sending ---- */

static int connect_to(struct rapi_client *c, char *err, size_t errlen)
{
    int fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : 0;
    while (rc == 0 && connect(fd, (struct sockaddr *)&c->addr, c->addrlen) != 0)
        if (errno != EINTR)
            rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "cannot connect to the Lambda Runtime API at %s: %s", c->endpoint, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1; /* small requests, answered at once: no Nagle delay */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval slice = { .tv_sec = 0, .tv_usec = SLICE_MS * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &slice, sizeof slice);
    c->fd = fd;
    return 0;
}

/* A closed peer is an error, not SIGPIPE. One buffer goes through send(2),
 * which spares the kernel sendmsg's copying in of a message header and an
 * iovec array: measurable on a loop of tiny requests. */
static ssize_t send_some(int fd, const struct iovec *iov, int iovcnt)
{
    if (iovcnt == 1)
        return send(fd, iov->iov_base, iov->iov_len, MSG_NOSIGNAL);
    struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
    return sendmsg(fd, &msg, MSG_NOSIGNAL);
}

static int send_all(struct rapi_client *c, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        ssize_t n = send_some(c->fd, iov, iovcnt);
        if (n < 0 && keep_waiting(c))
            continue;
        if (n < 0)
            return -1;
        while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++, iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* A request head, built by hand: with snprintf, formatting took a tenth of
 * the runtime's own instructions per invocation. A small body joins it, so
 * that the request leaves in one buffer. */
struct head {
    char data[4096];
    size_t len;
    bool overflow;
};

static void head_put(struct head *h, const char *s, size_t n)
{
    if (h->overflow || n > sizeof h->data - h->len) {
        h->overflow = true;
        return;
    }
    memcpy(h->data + h->len, s, n);
    h->len += n;
}

static void head_puts(struct head *h, const char *s)
{
    head_put(h, s, strlen(s));
}

static void head_put_size(struct head *h, size_t v)
{
    char digits[20];
    size_t n = 0;
    do
        digits[sizeof digits - ++n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    head_put(h, digits + sizeof digits - n, n);
}

static void put_head(struct head *h, const struct rapi_client *c, const char *method, const char *path,
                     const char *headers, size_t body_len)
{
    head_puts(h, method);
    head_put(h, " ", 1);
    head_puts(h, path);
    head_puts(h, " HTTP/1.1\r\nHost: ");
    head_puts(h, c->endpoint);
    head_puts(h, "\r\nUser-Agent: cgate\r\n");
    head_puts(h, headers ? headers : "");
    head_puts(h, "Content-Length: ");
    head_put_size(h, body_len);
    head_puts(h, "\r\n\r\n");
}

#define NEXT_PATH "/2018-06-01/runtime/invocation/next"

/* The request, then with then_next a GET /next: in one send when both fit
 * the head's buffer, the usual case. */
static int send_request(struct rapi_client *c, const char *method, const char *path, const char *headers,
                        cg_str body, bool then_next, char *err, size_t errlen)
{
    struct head h, next;
    h.len = next.len = 0; /* not their 4 KB, which an initializer would zero at every request */
    h.overflow = next.overflow = false;
    put_head(&h, c, method, path, headers, body.len);
    if (h.overflow) {
        snprintf(err, errlen, "request head for %s too long", path);
        return -1;
    }
    if (body.len && body.len <= sizeof h.data - h.len) {
        head_put(&h, body.ptr, body.len);
        body.len = 0;
    }
    size_t alone = h.len;
    if (then_next && !body.len)
        put_head(&h, c, "GET", NEXT_PATH, NULL, 0);
    if (then_next && (body.len || h.overflow)) { /* it goes apart */
        h.len = alone;
        h.overflow = false;
        put_head(&next, c, "GET", NEXT_PATH, NULL, 0);
    }
    struct iovec iov[3] = { { h.data, h.len } };
    int n = 1;
    if (body.len)
        iov[n++] = (struct iovec){ (void *)body.ptr, body.len };
    if (next.len)
        iov[n++] = (struct iovec){ next.data, next.len };
    if (send_all(c, iov, n) != 0) {
        snprintf(err, errlen, "cannot send %s %s to the Runtime API: %s", method, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- reading the response ---- */

static ssize_t read_socket(void *stream, char *buf, size_t cap)
{
    struct rapi_client *c = stream;
    ssize_t n;
    while ((n = recv(c->fd, buf, cap, 0)) < 0 && keep_waiting(c))
        ;
    return n;
}

/* value: at most HTTP1_MAX_VALUE bytes, so it fits whole (see rapi_response). */
static void copy_header(char dst[HTTP1_MAX_VALUE + 1], cg_str value)
{
    memcpy(dst, value.ptr, value.len);
    dst[value.len] = '\0';
}

/* Lambda-Runtime-Deadline-Ms, Unix time in milliseconds: its leading
 * digits, at most 18 (today's have 13), without strtoll's locale work. */
static int64_t leading_digits(cg_str value)
{
    int64_t v = 0;
    for (size_t i = 0; i < value.len && i < 18 && (unsigned)(value.ptr[i] - '0') < 10; i++)
        v = v * 10 + (value.ptr[i] - '0');
    return v;
}

/* The invocation's headers (runtime-api.md §2); names compared ignoring
 * case, each only with the one name of its length. */
static void on_header(void *ud, cg_str name, cg_str value, bool cut)
{
    struct rapi_response *res = ud;
    switch (name.len) {
    case sizeof "Lambda-Runtime-Aws-Request-Id" - 1:
        if (cg_str_ieq(name, CG_STR("Lambda-Runtime-Aws-Request-Id"))) {
            copy_header(res->request_id, cut ? CG_STR("") : value);
            res->request_id_too_long = cut;
        }
        break;
    case sizeof "Lambda-Runtime-Trace-Id" - 1:
        if (cg_str_ieq(name, CG_STR("Lambda-Runtime-Trace-Id")))
            copy_header(res->trace_id, cut ? CG_STR("") : value);
        break;
    case sizeof "Lambda-Runtime-Deadline-Ms" - 1:
        if (cg_str_ieq(name, CG_STR("Lambda-Runtime-Deadline-Ms")))
            res->deadline_ms = leading_digits(value);
        break;
    }
}

/* Returns 0 with the response read, or -1; *received counts the bytes seen. */
static int read_response(struct rapi_client *c, struct rapi_response *res, bool *keep_alive, size_t *received,
                         char *err, size_t errlen)
{
    res->request_id[0] = res->trace_id[0] = '\0';
    res->request_id_too_long = false;
    res->deadline_ms = 0;
    struct http1_response r = { .body = &res->body, .on_header = on_header, .ud = res, .buffer = &c->in };
    const char *why = "";
    enum http1_status st = cg__http1_read_response(read_socket, c, &r, &why);
    *received = r.received;
    res->status = r.status;
    *keep_alive = r.keep_alive;
    if (st == HTTP1_READ_ERROR)
        snprintf(err, errlen, "cannot read from the Runtime API: %s", strerror(errno));
    else if (st != HTTP1_OK)
        snprintf(err, errlen, "%s from the Runtime API at %s",
                 st == HTTP1_CLOSED ? "connection closed before a whole response came" : why, c->endpoint);
    return st == HTTP1_OK ? 0 : -1;
}

/* One request and its answer, unless `sent` says that the request already
 * went (pipelined after the last one): then only its answer is read. */
static int exchange(struct rapi_client *c, const char *method, const char *path, const char *headers, cg_str body,
                    int64_t deadline_ms, bool sent, bool then_next, struct rapi_response *res, char *err,
                    size_t errlen)
{
    begin_request(c, path, deadline_ms);
    c->next_sent = false;
    for (int attempt = 0; attempt < 2; attempt++, sent = false) {
        bool reused = c->fd >= 0;
        if (!reused && connect_to(c, err, errlen) != 0)
            return -1;
        size_t received = 0;
        bool keep_alive = false;
        if ((sent || send_request(c, method, path, headers, body, then_next, err, errlen) == 0) &&
            read_response(c, res, &keep_alive, &received, err, errlen) == 0) {
            if (!keep_alive)
                cg__rapi_close(c); /* a pipelined GET on it is lost: the next call sends it again */
            else
                c->next_sent = then_next;
            return 0;
        }
        cg__rapi_close(c); /* a late answer may still come on it: never reused */
        if (out_of_time(c)) {
            report_timeout(c, method, err, errlen);
            return -1;
        }
        /* The server may close a kept-alive connection while it is idle:
         * that fails before any answer, and a new connection is safe. So
         * it is for a pipelined GET /next whose answer never began. */
        if (!reused || received > 0)
            return -1;
    }
    return -1;
}

int cg__rapi_call(struct rapi_client *c, const char *method, const char *path, const char *headers, cg_str body,
                  int64_t deadline_ms, bool then_next, struct rapi_response *res, char *err, size_t errlen)
{
    if (c->next_sent) { /* its answer would be taken for this request's */
        snprintf(err, errlen, "%s %s while the answer to a pipelined GET /next is due", method, path);
        return -1;
    }
    return exchange(c, method, path, headers, body, deadline_ms, false, then_next, res, err, errlen);
}

int cg__rapi_next(struct rapi_client *c, struct rapi_response *res, char *err, size_t errlen)
{
    return exchange(c, "GET", NEXT_PATH, NULL, CG_STR(""), 0, c->next_sent, false, res, err, errlen);
}

/* ---- streamed responses (runtime-api.md §8) ---- */

int cg__rapi_stream_begin(struct rapi_client *c, const char *path, const char *headers, int64_t deadline_ms, char *err,
                          size_t errlen)
{
    begin_request(c, path, deadline_ms);
    if (c->fd < 0 && connect_to(c, err, errlen) != 0)
        return -1;
    char head[2048];
    int n = snprintf(head, sizeof head,
                     "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: cgate\r\n%sTransfer-Encoding: chunked\r\n\r\n", path,
                     c->endpoint, headers ? headers : "");
    if (n < 0 || (size_t)n >= sizeof head) {
        snprintf(err, errlen, "request head for %s too long", path);
        return -1;
    }
    struct iovec iov = { head, (size_t)n };
    if (send_all(c, &iov, 1) != 0) {
        snprintf(err, errlen, "cannot stream to the Runtime API: %s", strerror(errno));
        cg__rapi_close(c);
        return -1;
    }
    return 0;
}

int cg__rapi_stream_write(struct rapi_client *c, const void *data, size_t len)
{
    char size[20];
    int n = snprintf(size, sizeof size, "%zx\r\n", len);
    struct iovec iov[3] = { { size, (size_t)n }, { (void *)data, len }, { "\r\n", 2 } };
    return c->fd >= 0 && len > 0 ? send_all(c, iov, 3) : -1;
}

int cg__rapi_stream_end(struct rapi_client *c, const char *trailers, struct rapi_response *res, char *err,
                        size_t errlen)
{
    char tail[1024];
    int n = snprintf(tail, sizeof tail, "0\r\n%s\r\n", trailers ? trailers : "");
    if (n < 0 || (size_t)n >= sizeof tail) {
        snprintf(err, errlen, "the stream's trailers are over %zu bytes", sizeof tail);
        cg__rapi_close(c);
        return -1;
    }
    struct iovec iov = { tail, (size_t)n };
    size_t received = 0;
    bool keep_alive = false;
    int rc = -1;
    if (c->fd < 0 || send_all(c, &iov, 1) != 0)
        snprintf(err, errlen, "cannot finish the stream to the Runtime API: %s", strerror(errno));
    else
        rc = read_response(c, res, &keep_alive, &received, err, errlen);
    if (rc != 0 && out_of_time(c))
        report_timeout(c, "POST", err, errlen);
    /* The Runtime API wants a fresh connection after a streamed response. */
    cg__rapi_close(c);
    return rc;
}
