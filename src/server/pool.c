/* The blocking pool: the threads that run the handlers of routes declared
 * `blocking` (and their deferred work), so that a handler waiting on a
 * database or a network call holds a pool thread, not a worker's event loop.
 *
 * One pool for the process, shared by every worker: --blocking-threads
 * threads at most, started as work first needs them (an app without
 * blocking routes starts none), and a FIFO queue of at most
 * --blocking-queue jobs waiting for one. Past that, a job is refused and
 * the connection answers 503 at once: a queue without bound would only turn
 * a slow store into unbounded latency and memory.
 *
 * libuv's own threadpool (uv_queue_work) is not used: it is shared with the
 * loops' file system and getaddrinfo work, sized once for the process by
 * UV_THREADPOOL_SIZE (4 by default), and its queue has no bound to answer
 * 503 from.
 *
 * A finished job goes back to the loop of the worker that submitted it: it
 * joins the worker's list of finished jobs and the worker's async handle
 * wakes the loop, which calls job->done. That handle keeps the loop running
 * (uv_ref) only while a job of the worker is out: a stopping worker's loop
 * ends once its connections are closed and its jobs are back. */
#include <stdlib.h>
#include <string.h>

#include "server/server_internal.h"

struct blocking_pool {
    uv_mutex_t lock;        /* guards everything below */
    uv_cond_t work;         /* signalled when a job is queued, or on stop */
    struct pool_job *head, *tail; /* waiting for a thread */
    unsigned queued;        /* jobs in that list */
    unsigned admitted;      /* jobs queued or running */
    unsigned max_threads, max_waiting;
    unsigned nthreads, idle;
    bool stopping;
    uv_thread_t *threads;
};

/* ---- the pool's threads ---- */

/* Hand a finished job to its worker's loop. The send happens under the
 * worker's lock: the loop cannot end (and close the async handle) before it
 * has taken every job under that lock, so the handle is still open. */
static void post_done(struct pool_job *job)
{
    struct worker *w = job->w;
    uv_mutex_lock(&w->jobs_lock);
    job->next = w->jobs_finished;
    w->jobs_finished = job;
    uv_async_send(&w->jobs_done);
    uv_mutex_unlock(&w->jobs_lock);
}

static void pool_thread(void *arg)
{
    struct blocking_pool *p = arg;
    uv_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping) {
            p->idle++;
            uv_cond_wait(&p->work, &p->lock);
            p->idle--;
        }
        struct pool_job *job = p->head;
        if (!job)
            break; /* stopping, and nothing left to run */
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        uv_mutex_unlock(&p->lock);
        job->run(job);
        uv_mutex_lock(&p->lock);
        p->admitted--;
        post_done(job);
    }
    uv_mutex_unlock(&p->lock);
}

/* ---- submitting ---- */

struct blocking_pool *cg__pool_new(unsigned max_threads, unsigned max_waiting)
{
    struct blocking_pool *p = cg_xmalloc(sizeof *p);
    memset(p, 0, sizeof *p);
    uv_mutex_init(&p->lock);
    uv_cond_init(&p->work);
    p->max_threads = max_threads;
    p->max_waiting = max_waiting;
    p->threads = cg_xmalloc(max_threads * sizeof *p->threads);
    return p;
}

/* A thread for the job about to be queued when no idle thread is left for
 * it; under p->lock. An idle thread that was signalled counts as idle until
 * it has taken its job: hence the queued jobs count against the idle ones.
 * A pool that cannot start a thread goes on with those it has. */
static bool ensure_thread(struct blocking_pool *p)
{
    if (p->queued < p->idle || p->nthreads == p->max_threads)
        return true;
    int rc = uv_thread_create(&p->threads[p->nthreads], pool_thread, p);
    if (rc == 0) {
        p->nthreads++;
        return true;
    }
    cg_error("blocking pool: cannot start a thread (%s); %u running", uv_strerror(rc), p->nthreads);
    return p->nthreads > 0;
}

bool cg__pool_submit(struct blocking_pool *p, struct pool_job *job, bool always)
{
    uv_mutex_lock(&p->lock);
    bool taken = (always || p->admitted < p->max_threads + p->max_waiting) && ensure_thread(p);
    if (taken) {
        job->next = NULL;
        if (p->tail)
            p->tail->next = job;
        else
            p->head = job;
        p->tail = job;
        p->queued++;
        p->admitted++;
        if (job->w->jobs_out++ == 0)
            uv_ref((uv_handle_t *)&job->w->jobs_done);
        uv_cond_signal(&p->work);
    }
    uv_mutex_unlock(&p->lock);
    return taken;
}

/* After the workers have stopped, so no job is queued or running. */
void cg__pool_free(struct blocking_pool *p)
{
    uv_mutex_lock(&p->lock);
    p->stopping = true;
    uv_cond_broadcast(&p->work);
    uv_mutex_unlock(&p->lock);
    for (unsigned i = 0; i < p->nthreads; i++)
        uv_thread_join(&p->threads[i]);
    uv_cond_destroy(&p->work);
    uv_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}

/* ---- a worker's side ---- */

static void on_jobs_done(uv_async_t *h)
{
    struct worker *w = h->data;
    uv_mutex_lock(&w->jobs_lock);
    struct pool_job *job = w->jobs_finished;
    w->jobs_finished = NULL;
    uv_mutex_unlock(&w->jobs_lock);
    while (job) {
        struct pool_job *next = job->next; /* done may free or resubmit it */
        w->jobs_out--;
        job->done(job);
        job = next;
    }
    if (w->jobs_out == 0)
        uv_unref((uv_handle_t *)h);
}

void cg__pool_worker_init(struct worker *w)
{
    uv_mutex_init(&w->jobs_lock);
    uv_async_init(&w->loop, &w->jobs_done, on_jobs_done);
    w->jobs_done.data = w;
    uv_unref((uv_handle_t *)&w->jobs_done);
}

void cg__pool_worker_close(struct worker *w)
{
    uv_close((uv_handle_t *)&w->jobs_done, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT); /* lets the handle go */
    uv_mutex_destroy(&w->jobs_lock);
}
