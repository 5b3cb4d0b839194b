/* cg_serve: one libuv loop per worker thread, each with its own listening
 * socket on the same address (SO_REUSEPORT: the kernel spreads connections
 * over them). The calling thread waits for SIGINT or SIGTERM, then asks every
 * worker to drain: stop accepting, finish the requests in flight, close. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server_internal.h"

static void resolve_options(struct cg_serve_opts *o, const struct cg_serve_opts *given)
{
    *o = given ? *given : (struct cg_serve_opts){ 0 };
    if (!o->host || !*o->host)
        o->host = "127.0.0.1";
    if (o->workers <= 0)
        o->workers = (int)uv_available_parallelism();
    if (!o->max_body)
        o->max_body = 6 * 1024 * 1024;
    if (!o->max_header)
        o->max_header = 16 * 1024;
    if (o->max_connections <= 0)
        o->max_connections = 10000;
    if (!o->header_timeout_ms)
        o->header_timeout_ms = 10000;
    if (!o->body_timeout_ms)
        o->body_timeout_ms = 30000;
    if (!o->idle_timeout_ms)
        o->idle_timeout_ms = 5000;
    if (!o->max_body_memory)
        o->max_body_memory = 256 * 1024 * 1024;
    if (!o->min_body_rate)
        o->min_body_rate = 1024;
    /* anyio's default for FastAPI's `def` endpoints: enough for a store's
     * waits to overlap, few enough that their connections (one SQLite
     * connection per thread) stay cheap. */
    if (o->blocking_threads <= 0)
        o->blocking_threads = 40;
    /* A burst of fast calls drains in milliseconds; when the store is
     * stuck, what waits behind the running calls is bounded: past 256
     * waiting, a request gets 503 at once rather than a wait of
     * queue / threads call times. */
    if (o->blocking_queue <= 0)
        o->blocking_queue = 256;
}

static void make_id_prefix(char out[13])
{
    unsigned char bytes[6] = { 0 };
    uint64_t fallback = uv_hrtime() ^ (uint64_t)getpid() << 32;
    if (uv_random(NULL, NULL, bytes, sizeof bytes, 0, NULL) != 0)
        memcpy(bytes, &fallback, sizeof bytes);
    for (size_t i = 0; i < sizeof bytes; i++) {
        out[2 * i] = "0123456789abcdef"[bytes[i] >> 4];
        out[2 * i + 1] = "0123456789abcdef"[bytes[i] & 15];
    }
    out[12] = '\0';
}

/* ---- addresses and sockets ---- */

static int address_port(const struct sockaddr_storage *a)
{
    return ntohs(a->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)a)->sin6_port
                                          : ((const struct sockaddr_in *)a)->sin_port);
}

uint16_t cg__server_address_text(const struct sockaddr_storage *a, char *out, size_t size)
{
    if (a->ss_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)a, out, size);
    else
        uv_ip4_name((const struct sockaddr_in *)a, out, size);
    return (uint16_t)address_port(a);
}

static void set_address_port(struct sockaddr_storage *a, int port)
{
    if (a->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)a)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)a)->sin_port = htons((uint16_t)port);
}

static socklen_t address_len(const struct sockaddr_storage *a)
{
    return a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static int resolve_address(const char *host, int port, struct sockaddr_storage *out)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *res;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0) {
        cg_error("cannot listen on %s: %s", host, gai_strerror(rc));
        return -1;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    set_address_port(out, port);
    return 0;
}

/* SO_REUSEPORT would let a second server share a port already in use (and
 * split the connections with it): try the port without it first. */
static int check_port_free(const struct sockaddr_storage *addr)
{
    int one = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
             bind(fd, (const struct sockaddr *)addr, address_len(addr)) != 0;
    if (rc)
        cg_error("cannot listen on port %d: %s", address_port(addr), strerror(errno));
    if (fd >= 0)
        close(fd);
    return rc ? -1 : 0;
}

/* A socket bound to `addr` that other workers can bind too. When the port
 * is 0, `addr` gets the port the kernel chose, for the next workers. */
static int bind_socket(struct sockaddr_storage *addr)
{
    int one = 1;
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)addr, address_len(addr)) != 0)
        goto fail;
    if (address_port(addr) == 0) {
        socklen_t len = sizeof *addr;
        if (getsockname(fd, (struct sockaddr *)addr, &len) != 0)
            goto fail;
    }
    return fd;
fail:
    cg_error("cannot listen on port %d: %s", address_port(addr), strerror(errno));
    if (fd >= 0)
        close(fd);
    return -1;
}

static void log_listening(const struct server *srv, const struct sockaddr_storage *addr)
{
    char name[64];
    uint16_t port = cg__server_address_text(addr, name, sizeof name);
    bool v6 = addr->ss_family == AF_INET6;
    cg_info("listening on http://%s%s%s:%u (%d worker%s)", v6 ? "[" : "", name, v6 ? "]" : "", port,
            srv->opts.workers, srv->opts.workers == 1 ? "" : "s");
}

/* ---- the open-file limit ---- */

/* Descriptors besides the connections, an estimate: per worker its loop's
 * epoll and wake-up descriptors, its listening socket and libuv's spare;
 * per blocking thread what a store opens per thread (SQLite's database,
 * WAL and shared-memory files; a pooled AWS connection); for the process
 * the standard streams, the log, the app's store and its clients. */
#define FDS_PER_WORKER 8
#define FDS_PER_BLOCKING_THREAD 4
#define FDS_SHARED 32

/* Every connection takes a descriptor: raise the soft limit as far as the
 * hard one allows, and say so when max_connections on every worker would
 * still not fit. Past the limit accepting pauses (accept.c) rather than
 * fails, so this is a warning. */
static void fit_open_file_limit(const struct cg_serve_opts *o)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
        return;
    if (lim.rlim_cur < lim.rlim_max) {
        struct rlimit raised = { .rlim_cur = lim.rlim_max, .rlim_max = lim.rlim_max };
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            lim = raised;
    }
    uint64_t workers = (uint64_t)o->workers;
    uint64_t reserve =
        FDS_SHARED + workers * FDS_PER_WORKER + (uint64_t)o->blocking_threads * FDS_PER_BLOCKING_THREAD;
    uint64_t needed = reserve + workers * (uint64_t)o->max_connections;
    if (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= needed)
        return;
    uint64_t fit = lim.rlim_cur > reserve ? (lim.rlim_cur - reserve) / workers : 0;
    cg_warn("the open-file limit (%" PRIu64 ") is below the %" PRIu64 " descriptors that %" PRIu64
            " worker%s x %d connections need, with %" PRIu64 " for the server; past it, new clients wait: "
            "raise the hard limit (ulimit -Hn, LimitNOFILE=) or use --max-connections %" PRIu64 " or less",
            (uint64_t)lim.rlim_cur, needed, workers, workers == 1 ? "" : "s", o->max_connections, reserve, fit);
}

/* ---- workers ---- */

static void on_stop(uv_async_t *async)
{
    struct worker *w = async->data;
    cg__accept_close(w);
    uv_close((uv_handle_t *)&w->stop, NULL);
    cg__conn_drain_all(w);
}

static void worker_run(void *arg)
{
    struct worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
    cg__pool_worker_close(w);
}

/* Everything is set up on this thread; the worker thread only runs the loop. */
static int worker_start(struct worker *w, const struct server *srv, unsigned index,
                        struct sockaddr_storage *addr)
{
    w->srv = srv;
    w->index = index;
    int rc = uv_loop_init(&w->loop);
    if (rc != 0) {
        cg_error("worker %u: %s", index, uv_strerror(rc));
        return -1;
    }
    cg__pool_worker_init(w);
    int fd = bind_socket(addr);
    if (fd < 0 || cg__accept_start(w, fd) != 0)
        goto fail;
    uv_async_init(&w->loop, &w->stop, on_stop);
    w->stop.data = w;
    rc = uv_thread_create(&w->thread, worker_run, w);
    if (rc == 0)
        return 0;
    cg_error("worker %u: %s", index, uv_strerror(rc));
    cg__accept_close(w);
    uv_close((uv_handle_t *)&w->stop, NULL);
fail:
    cg__pool_worker_close(w); /* runs the loop: the closed handles go */
    uv_loop_close(&w->loop);
    return -1;
}

static void worker_join(struct worker *w)
{
    uv_thread_join(&w->thread);
    if (uv_loop_close(&w->loop) != 0)
        cg_warn("worker %u: handles left open at exit", w->index);
}

/* ---- cg_serve ---- */

/* Returns after the first SIGINT or SIGTERM; a second one ends the process
 * at once (the signals are unblocked, so their default action applies). */
static void wait_for_stop_signal(const sigset_t *signals)
{
    int sig = 0;
    while (sigwait(signals, &sig) != 0)
        ;
    cg_info("%s: finishing the requests in flight (again to quit at once)", sig == SIGINT ? "SIGINT" : "SIGTERM");
    pthread_sigmask(SIG_UNBLOCK, signals, NULL);
}

int cg_serve(struct cg_app *app, const struct cg_serve_opts *opts)
{
    atomic_size_t buffered = 0;
    struct server srv = { .app = app, .buffered = &buffered };
    resolve_options(&srv.opts, opts);
    fit_open_file_limit(&srv.opts);
    make_id_prefix(srv.id_prefix);
    struct sockaddr_storage addr;
    if (resolve_address(srv.opts.host, srv.opts.port, &addr) != 0 ||
        (srv.opts.port != 0 && check_port_free(&addr) != 0))
        return -1;

    /* Blocked before any worker starts, so that only this thread sees them. */
    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    signal(SIGPIPE, SIG_IGN);

    srv.pool = cg__pool_new((unsigned)srv.opts.blocking_threads, (unsigned)srv.opts.blocking_queue);
    unsigned n = (unsigned)srv.opts.workers, started = 0;
    struct worker *workers = cg_xmalloc(n * sizeof *workers);
    memset(workers, 0, n * sizeof *workers);
    while (started < n && worker_start(&workers[started], &srv, started, &addr) == 0)
        started++;
    if (started == n) {
        log_listening(&srv, &addr);
        wait_for_stop_signal(&stop_signals);
    }
    atomic_store(&srv.stopping, true);
    for (unsigned i = 0; i < started; i++)
        uv_async_send(&workers[i].stop);
    for (unsigned i = 0; i < started; i++)
        worker_join(&workers[i]);
    cg__pool_free(srv.pool); /* every job is back: the workers waited for theirs */
    free(workers);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return started == n ? 0 : -1;
}
