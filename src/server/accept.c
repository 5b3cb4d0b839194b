/* Accepting connections on a worker's listening socket.
 *
 * libuv's own accept path (uv_listen) is not used. Out of descriptors, it
 * closes a spare one kept per loop, accepts and drops the waiting clients,
 * and opens the spare again; but with a loop per thread, another worker can
 * take the freed descriptor first. The spare is then lost, and from there on
 * libuv answers every EMFILE by calling back and retrying at once, without
 * returning to the loop: the worker spins, logs each attempt, closes none of
 * its connections and never hears SIGTERM.
 *
 * So the listening socket is watched with a uv_poll_t and accept4() called
 * here, a bounded number of times per wake-up so that the loop's other
 * events keep their turn. When accept fails for want of descriptors (or any
 * other reason but a client gone), accepting pauses for ACCEPT_PAUSE_MS, or
 * until one of the worker's connections closes: the clients wait in the
 * backlog meanwhile, and the failures are logged at most once a second. */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/server_internal.h"

#define ACCEPTS_PER_WAKEUP 64
#define ACCEPT_PAUSE_MS 50

static void on_listener_readable(uv_poll_t *listener, int status, int events);

static void watch_listener(struct worker *w)
{
    uv_poll_start(&w->listener, UV_READABLE, on_listener_readable);
}

static void on_pause_over(uv_timer_t *t)
{
    watch_listener(t->data);
}

static void pause_accepting(struct worker *w, int err)
{
    uv_poll_stop(&w->listener);
    uv_timer_start(&w->accept_pause, on_pause_over, ACCEPT_PAUSE_MS, 0);
    uint64_t pauses = log_throttle_due(&w->accept_failures, uv_now(&w->loop));
    if (pauses)
        cg_warn("worker %u: accept: %s (%d connections open here); accepting paused %" PRIu64
                " time%s since the last such line, clients wait meanwhile",
                w->index, uv_strerror(err), w->nconns, pauses, pauses == 1 ? "" : "s");
}

void cg__accept_fd_freed(struct worker *w)
{
    if (!uv_is_active((uv_handle_t *)&w->accept_pause))
        return;
    uv_timer_stop(&w->accept_pause);
    watch_listener(w);
}

/* Over max_connections: answer 503 at once and close. */
static void refuse_connection(struct worker *w, int fd)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                               "content-type: application/json\r\n"
                               "content-length: 32\r\n"
                               "connection: close\r\n\r\n"
                               "{\"detail\":\"Service Unavailable\"}";
    (void)send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL); /* the socket's buffer is empty: it fits */
    close(fd);
    if (!w->full_reported)
        cg_warn("worker %u: %d connections open, the limit; refusing more with 503 (logged once)", w->index,
                w->nconns);
    w->full_reported = true;
}

static void on_listener_readable(uv_poll_t *listener, int status, int events)
{
    struct worker *w = listener->data;
    (void)events;
    if (status < 0) {
        pause_accepting(w, status);
        return;
    }
    for (int i = 0; i < ACCEPTS_PER_WAKEUP; i++) {
        int fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue; /* a client that left while it waited */
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                pause_accepting(w, uv_translate_sys_error(errno));
            return;
        }
        if (w->nconns < w->srv->opts.max_connections)
            cg__conn_open(w, fd);
        else
            refuse_connection(w, fd);
    }
}

int cg__accept_start(struct worker *w, int fd)
{
    int rc = listen(fd, SOMAXCONN) == 0 ? 0 : uv_translate_sys_error(errno);
    if (rc == 0)
        rc = uv_poll_init(&w->loop, &w->listener, fd);
    if (rc != 0) {
        cg_error("cannot listen: %s", uv_strerror(rc));
        close(fd);
        return -1;
    }
    w->listen_fd = fd;
    w->listener.data = w;
    uv_timer_init(&w->loop, &w->accept_pause);
    w->accept_pause.data = w;
    watch_listener(w);
    return 0;
}

void cg__accept_close(struct worker *w)
{
    uv_close((uv_handle_t *)&w->listener, NULL);
    uv_close((uv_handle_t *)&w->accept_pause, NULL);
    close(w->listen_fd);
}
