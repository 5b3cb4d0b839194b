/* A connection's request for a route declared blocking: its handler runs on
 * the blocking pool (pool.c), then, once its response is queued, its
 * deferred work does too; conn.c answers and goes on with the requests
 * behind it when each is back (cg__conn_job_answered, cg__conn_job_ended).
 *
 * The job lives in the connection's arena, which is not reset while it is
 * out, and its request points into the connection's read buffer, which
 * does not move: the connection reads nothing meanwhile. */
#include "server/server_internal.h"

struct conn_job {
    struct pool_job base;
    struct conn *c;
    struct cg_request req;
    struct cg_response res;
};

bool cg__conn_blocks(const struct conn *c, struct cg_request *req)
{
    if (c->msg.about_server)
        return false;
    const struct cg_route *route = cg_app_route_of(c->w->srv->app, req);
    return route && route->blocking;
}

/* On a pool thread. The log lines name the request, as on Lambda. */
static void run_handler(struct pool_job *pj)
{
    struct conn_job *job = (struct conn_job *)pj;
    cg_log_set_request_id(job->req.request_id);
    cg_app_handle(job->c->w->srv->app, &job->req, &job->res);
    cg_log_set_request_id(CG_STR(""));
}

static void run_deferred(struct pool_job *pj)
{
    struct conn_job *job = (struct conn_job *)pj;
    cg_log_set_request_id(job->req.request_id);
    cg_request_run_deferred(&job->req);
    cg_log_set_request_id(CG_STR(""));
}

/* Back on the loop. The job held the connection (as one of its handles):
 * a client that went away meanwhile closed it, and it is freed only now. */
static void handler_done(struct pool_job *pj)
{
    struct conn_job *job = (struct conn_job *)pj;
    struct conn *c = job->c;
    c->job = NULL;
    if (!c->closed)
        cg__conn_job_answered(c, &job->req, &job->res, job);
    else if (job->req.deferred)
        cg__conn_job_defer(c, job); /* it runs, as it would have after a failed write */
    cg__conn_release(c);
}

static void deferred_done(struct pool_job *pj)
{
    struct conn *c = ((struct conn_job *)pj)->c;
    c->job = NULL;
    if (!c->closed)
        cg__conn_job_ended(c);
    cg__conn_release(c);
}

static void job_out(struct conn *c, struct conn_job *job)
{
    c->job = job;
    c->open_handles++;
}

/* The pool is full: 503 at once, logged at most once a second per worker. */
static void refuse_pool_full(struct conn *c, const struct cg_request *req, struct cg_response *res)
{
    struct worker *w = c->w;
    uint64_t refused = log_throttle_due(&w->pool_full, uv_now(&w->loop));
    if (refused)
        cg_warn("worker %u: the blocking pool is full (--blocking-threads %d, --blocking-queue %d); "
                "%llu requests refused with 503",
                w->index, w->srv->opts.blocking_threads, w->srv->opts.blocking_queue, (unsigned long long)refused);
    cg__response_detail(res, 503, "Service Unavailable");
    cg_response_set_header(res, CG_STR("retry-after"), CG_STR("1"));
    cg__conn_queue_answer(c, req, res);
}

bool cg__conn_job_submit(struct conn *c, const struct cg_request *req)
{
    struct conn_job *job = cg_arena_zalloc(c->arena, sizeof *job);
    job->base = (struct pool_job){ .w = c->w, .run = run_handler, .done = handler_done };
    job->c = c;
    job->req = *req;
    cg__http_request_number(c, &job->req);
    cg_response_init(&job->res, c->arena);
    if (!cg__pool_submit(c->w->srv->pool, &job->base, false)) {
        refuse_pool_full(c, &job->req, &job->res);
        return false;
    }
    job_out(c, job);
    return true;
}

/* Admitted whatever the queue holds, as its request was; and the pool,
 * which ran the handler, has a thread. */
void cg__conn_job_defer(struct conn *c, struct conn_job *job)
{
    job->base.run = run_deferred;
    job->base.done = deferred_done;
    job_out(c, job);
    cg__pool_submit(c->w->srv->pool, &job->base, true);
}
