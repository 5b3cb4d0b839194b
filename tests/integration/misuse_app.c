/* Handlers that misuse the handler API, and statuses no response may have:
 * each request answers a logged 500 on every transport (tests/unit/
 * test_misuse.c in process, tests/integration/test_misuse.py through the
 * server and `misuse_app invoke`). Every handler sets x-handler and answers
 * 200, which the 500 must replace. */
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>

#include "misuse_app.h"

struct code_path {
    int64_t code;
};

static int answer_ok(struct cg_ctx *c)
{
    cg_add_header(c, "x-handler", CG_STR("ran"));
    return cg_send_text(c, 200, CG_STR("ok"));
}

static int body_without_model(struct cg_ctx *c)
{
    const struct code_path *body = cg_body(c);
    return body->code == 0 ? answer_ok(c) : -1;
}

static int params_without_table(struct cg_ctx *c)
{
    const struct code_path *p = cg_params(c);
    return p->code == 0 ? answer_ok(c) : -1;
}

static int getter_typo(struct cg_ctx *c)
{
    return cg_param_int(c, "nmae") == 0 ? answer_ok(c) : -1;
}

static int getter_of_another_kind(struct cg_ctx *c)
{
    return cg_param_bool(c, "n") ? -1 : answer_ok(c);
}

static int item_past_the_end(struct cg_ctx *c)
{
    return cg_param_str_at(c, "tag", cg_param_count(c, "tag")).len == 0 ? answer_ok(c) : -1;
}

static int write_nothing(struct cg_stream *s, void *arg)
{
    (void)arg;
    return cg_stream_puts(s, "streamed");
}

static int streamed_after_misuse(struct cg_ctx *c)
{
    cg_body(c);
    cg_add_header(c, "x-handler", CG_STR("ran"));
    return cg_stream_response(c, 200, "text/plain", write_nothing, NULL);
}

static int status(struct cg_ctx *c)
{
    const struct code_path *p = cg_params(c);
    cg_add_header(c, "x-handler", CG_STR("ran"));
    return cg_send_empty(c, (int)p->code);
}

/* A middleware may set a status too: /middleware/{code} answers it. */
static void override_status(void *state, struct cg_request *req, struct cg_response *res, struct cg_next *next)
{
    (void)state;
    cg_next(next, req, res);
    static const char prefix[] = "/middleware/";
    if (req->path.len > sizeof prefix - 1 && memcmp(req->path.ptr, prefix, sizeof prefix - 1) == 0)
        res->status = atoi(req->path.ptr + sizeof prefix - 1);
}

static const struct cg_route routes[] = {
    CG_GET("/body", body_without_model),
    CG_GET("/params", params_without_table, .params = CG_PARAMS(CG_QUERY_INT("n", .def = "1"))),
    CG_GET("/typo", getter_typo, .params = CG_PARAMS(CG_QUERY_INT("n", .def = "1"))),
    CG_GET("/kind", getter_of_another_kind, .params = CG_PARAMS(CG_QUERY_INT("n", .def = "1"))),
    CG_GET("/item", item_past_the_end, .params = CG_PARAMS(CG_QUERY_LIST("tag", CG_STRING))),
    CG_GET("/streamed", streamed_after_misuse),
    CG_GET("/status/{code}", status,
           .params = CG_PARAMS_OF(struct code_path, CG_PATH_PARAM(struct code_path, code, CG_INT))),
    CG_GET("/middleware/{code}", answer_ok, .params = CG_PARAMS(CG_PATH_STR("code"))),
};

struct cg_app *misuse_app_new(void)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "Misuse" });
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0 ||
        cg_app_use(app, &(struct cg_middleware){ "override-status", override_status, NULL, NULL }) != 0) {
        cg_app_free(app);
        return NULL;
    }
    return app;
}
