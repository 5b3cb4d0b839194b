/* floor: the least a C Lambda bootstrap can do, the benchmark's floor.
 * libc only, one blocking kept-alive connection to the Runtime API at
 * $AWS_LAMBDA_RUNTIME_API (a numeric IPv4 address and port): GET /next,
 * read the event whole, POST a fixed HTTP API response, read the 202, and
 * again. No JSON is parsed: whatever the event, the answer is the same.
 * With --pipelined, each GET /next leaves in the same send as the POST
 * before it, as cgate's runtime sends them (runtime-api.md §15).
 * Exits 1 with a message on any error. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define API "/2018-06-01/runtime"

static const char next_request[] = "GET " API "/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n";
static const char answer[] = "{\"statusCode\":200,\"headers\":{\"content-type\":\"application/json\"},"
                             "\"body\":\"{\\\"status\\\":\\\"healthy\\\"}\"}";

struct response {
    int status;
    char request_id[128];
    char *body; /* in the connection's buffer, valid until the next call */
    size_t body_len;
};

static char buf[7 * 1024 * 1024]; /* an event is at most 6 MB */
static size_t buffered;           /* bytes in buf, from the start of the current response */

/* err: an errno value, or 0 for a protocol error. */
static _Noreturn void die(const char *what, int err)
{
    fprintf(stderr, "floor: %s: %s\n", what, err ? strerror(err) : "unexpected input");
    exit(1);
}

static int connect_runtime_api(void)
{
    const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
    const char *colon = endpoint ? strrchr(endpoint, ':') : NULL;
    char host[64];
    struct sockaddr_in addr = { .sin_family = AF_INET };
    if (!colon || (size_t)(colon - endpoint) >= sizeof host)
        die("AWS_LAMBDA_RUNTIME_API is not HOST:PORT", 0);
    snprintf(host, sizeof host, "%.*s", (int)(colon - endpoint), endpoint);
    addr.sin_port = htons((unsigned short)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
        die("AWS_LAMBDA_RUNTIME_API is not a numeric IPv4 address", 0);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0)
        die("cannot connect to the Runtime API", errno);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            die("send", errno);
        data += n;
        len -= (size_t)n;
    }
}

static void fill(int fd)
{
    if (buffered == sizeof buf)
        die("response larger than 7 MB", 0);
    ssize_t n;
    do
        n = recv(fd, buf + buffered, sizeof buf - buffered, 0);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        die("recv", n < 0 ? errno : ECONNRESET);
    buffered += (size_t)n;
}

/* Copies the value of header `name` from the line [line, eol) if it is that header. */
static bool header(const char *line, const char *eol, const char *name, char *value, size_t cap)
{
    size_t n = strlen(name);
    if ((size_t)(eol - line) <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    const char *v = line + n + 1;
    while (v < eol && *v == ' ')
        v++;
    snprintf(value, cap, "%.*s", (int)(eol - v), v);
    return true;
}

/* Reads one response: status line, headers (Content-Length required), body.
 * The bytes of a previous response are dropped first. */
static void read_response(int fd, struct response *res, size_t *consumed)
{
    memmove(buf, buf + *consumed, buffered - *consumed);
    buffered -= *consumed;
    char *end;
    while (!(end = memmem(buf, buffered, "\r\n\r\n", 4)))
        fill(fd);
    if (end - buf < 12 || memcmp(buf, "HTTP/1.1 ", 9) != 0)
        die("status line", 0);
    res->status = atoi(buf + 9); /* stops at the space after the code */
    char length[32] = "";
    res->request_id[0] = '\0';
    for (char *line = (char *)memchr(buf, '\n', (size_t)(end + 2 - buf)) + 1; line < end + 2;) {
        char *eol = memchr(line, '\r', (size_t)(end + 2 - line));
        header(line, eol, "Content-Length", length, sizeof length);
        header(line, eol, "Lambda-Runtime-Aws-Request-Id", res->request_id, sizeof res->request_id);
        line = eol + 2;
    }
    if (!length[0])
        die("no Content-Length", 0);
    size_t head = (size_t)(end + 4 - buf);
    res->body_len = strtoul(length, NULL, 10);
    while (buffered - head < res->body_len)
        fill(fd);
    res->body = buf + head;
    *consumed = head + res->body_len;
}

int main(int argc, char **argv)
{
    bool pipelined = argc > 1 && strcmp(argv[1], "--pipelined") == 0;
    int fd = connect_runtime_api();
    char request[512];
    struct response res;
    size_t consumed = 0;
    send_all(fd, next_request, sizeof next_request - 1);
    for (;;) {
        read_response(fd, &res, &consumed);
        if (res.status != 200 || !res.request_id[0])
            die("GET /next", 0);
        int n = snprintf(request, sizeof request,
                         "POST " API "/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\n"
                         "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s%s",
                         res.request_id, sizeof answer - 1, answer, pipelined ? next_request : "");
        send_all(fd, request, (size_t)n);
        read_response(fd, &res, &consumed);
        if (res.status != 202)
            die("POST /response", 0);
        if (!pipelined)
            send_all(fd, next_request, sizeof next_request - 1);
    }
}
