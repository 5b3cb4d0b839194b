/* One connection to an AWS endpoint: TCP with a connect timeout (a
 * non-blocking connect and poll) and a read timeout (SO_RCVTIMEO, which
 * SSL_read honours too), then TLS 1.2+ with the peer's certificate checked
 * against the CA bundle and its name against the endpoint's host.
 *
 * Names: an IP literal is used as is; anything else goes through
 * getaddrinfo. That needs glibc's resolver, which since glibc 2.34 lives in
 * libc.so.6 itself, so a bootstrap linked dynamically against libc alone
 * (docs/design/bootstrap.md) resolves names on Lambda. A fully static glibc
 * build cannot load it: such a build must use an IP-literal endpoint. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws_internal.h"

static void tls_error(char *err, size_t errlen, const char *what)
{
    char why[200] = "unknown reason";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, why, sizeof why);
    ERR_clear_error();
    snprintf(err, errlen, "%s: %s", what, why);
}

SSL_CTX *cg__aws_tls_context(const char *bundle, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        tls_error(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_load_verify_locations(ctx, bundle, NULL) != 1) {
        char what[300];
        snprintf(what, sizeof what, "cannot load the CA bundle %s", bundle);
        tls_error(err, errlen, what);
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Wait up to timeout_ms for a non-blocking connect to finish. */
static int finish_connect(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int rc;
    while ((rc = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    if (rc == 0)
        errno = ETIMEDOUT;
    if (rc <= 0)
        return -1;
    int soerr = 0;
    socklen_t len = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
    errno = soerr;
    return soerr ? -1 : 0;
}

static struct timeval timeval_of(int ms)
{
    return (struct timeval){ .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
}

static int connect_addr(const struct sockaddr *addr, socklen_t addrlen, int connect_timeout_ms,
                        int read_timeout_ms)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, addr, addrlen) != 0 && (errno != EINPROGRESS || finish_connect(fd, connect_timeout_ms) != 0)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = timeval_of(read_timeout_ms);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1; /* small requests answered at once: no Nagle delay */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* An IP literal directly; a name through getaddrinfo, trying each address. */
static int connect_tcp(const struct aws_endpoint *ep, int connect_timeout_ms, int read_timeout_ms, char *err,
                       size_t errlen)
{
    struct sockaddr_in v4 = { .sin_family = AF_INET, .sin_port = htons(ep->port) };
    struct sockaddr_in6 v6 = { .sin6_family = AF_INET6, .sin6_port = htons(ep->port) };
    int fd = -1;
    if (inet_pton(AF_INET, ep->host, &v4.sin_addr) == 1) {
        fd = connect_addr((struct sockaddr *)&v4, sizeof v4, connect_timeout_ms, read_timeout_ms);
    } else if (inet_pton(AF_INET6, ep->host, &v6.sin6_addr) == 1) {
        fd = connect_addr((struct sockaddr *)&v6, sizeof v6, connect_timeout_ms, read_timeout_ms);
    } else {
        char port[8];
        snprintf(port, sizeof port, "%u", ep->port);
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *found;
        int rc = getaddrinfo(ep->host, port, &hints, &found);
        if (rc != 0) {
            snprintf(err, errlen, "cannot resolve %s: %s", ep->host, gai_strerror(rc));
            return -1;
        }
        for (struct addrinfo *ai = found; ai && fd < 0; ai = ai->ai_next)
            fd = connect_addr(ai->ai_addr, ai->ai_addrlen, connect_timeout_ms, read_timeout_ms);
        freeaddrinfo(found);
    }
    if (fd < 0)
        snprintf(err, errlen, "cannot connect to %s: %s", ep->host_header, strerror(errno));
    return fd;
}

static int start_tls(struct aws_conn *c, const struct aws_endpoint *ep, SSL_CTX *tls, char *err, size_t errlen)
{
    c->ssl = SSL_new(tls);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) {
        tls_error(err, errlen, "cannot start TLS");
        return -1;
    }
    struct in6_addr ignored;
    bool is_ip = inet_pton(AF_INET, ep->host, &ignored) == 1 || inet_pton(AF_INET6, ep->host, &ignored) == 1;
    if (!is_ip)
        SSL_set_tlsext_host_name(c->ssl, ep->host); /* SNI is for names only */
    /* The certificate must name the host: a DNS name, or an IP address SAN. */
    X509_VERIFY_PARAM *param = SSL_get0_param(c->ssl);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, ep->host) : SSL_set1_host(c->ssl, ep->host);
    if (ok != 1) {
        tls_error(err, errlen, "cannot set the expected host name");
        return -1;
    }
    if (SSL_connect(c->ssl) != 1) {
        long verify = SSL_get_verify_result(c->ssl);
        if (verify != X509_V_OK) {
            ERR_clear_error();
            snprintf(err, errlen, "TLS to %s refused: certificate verify failed: %s", ep->host_header,
                     X509_verify_cert_error_string(verify));
        } else {
            char what[sizeof ep->host_header + 32];
            snprintf(what, sizeof what, "TLS handshake with %s failed", ep->host_header);
            tls_error(err, errlen, what);
        }
        return -1;
    }
    return 0;
}

struct aws_conn *cg__aws_conn_open(const struct aws_endpoint *ep, SSL_CTX *tls, int connect_timeout_ms,
                                   int read_timeout_ms, char *err, size_t errlen)
{
    struct aws_conn *c = cg_xmalloc(sizeof *c);
    *c = (struct aws_conn){ .fd = connect_tcp(ep, connect_timeout_ms, read_timeout_ms, err, errlen),
                            .read_timeout_ms = read_timeout_ms, .rcv_timeout_ms = read_timeout_ms };
    if (c->fd < 0 || (ep->tls && start_tls(c, ep, tls, err, errlen) != 0)) {
        cg__aws_conn_close(c);
        return NULL;
    }
    return c;
}

void cg__aws_conn_close(struct aws_conn *c)
{
    if (c->ssl)
        SSL_free(c->ssl); /* no close_notify: the peer learns from the TCP close */
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}

int cg__aws_conn_write(struct aws_conn *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n;
        if (c->ssl) {
            int w = SSL_write(c->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);
            n = w > 0 ? w : -1;
            if (w <= 0)
                ERR_clear_error();
        } else {
            n = send(c->fd, data, len, MSG_NOSIGNAL); /* a closed peer is an error, not SIGPIPE */
            if (n < 0 && errno == EINTR)
                continue;
        }
        if (n < 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

uint64_t cg__aws_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Before a read: false (errno ETIMEDOUT) past the call's deadline; else the
 * socket's read timeout shortened, near the deadline, to the time left. */
static bool time_left(struct aws_conn *c)
{
    if (!c->deadline_ms)
        return true;
    uint64_t now = cg__aws_now_ms();
    if (now >= c->deadline_ms) {
        errno = ETIMEDOUT;
        return false;
    }
    uint64_t left = c->deadline_ms - now;
    int ms = left < (uint64_t)c->read_timeout_ms ? (int)left : c->read_timeout_ms;
    if (ms != c->rcv_timeout_ms) {
        struct timeval tv = timeval_of(ms);
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        c->rcv_timeout_ms = ms;
    }
    return true;
}

ssize_t cg__aws_conn_read(void *conn, char *buf, size_t cap)
{
    struct aws_conn *c = conn;
    if (!time_left(c))
        return -1;
    if (!c->ssl)
        return recv(c->fd, buf, cap, 0);
    int n = SSL_read(c->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    ERR_clear_error();
    if (e == SSL_ERROR_ZERO_RETURN)
        return 0;
    if (e == SSL_ERROR_SYSCALL && errno == 0)
        return 0; /* closed without close_notify */
    if (e != SSL_ERROR_SYSCALL)
        errno = EPROTO;
    return -1;
}
