/* The application: route tables compiled at start-up, and cg_app_handle, the
 * transport-free path from a request to a response. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/docs.h"
#include "core/handler.h"
#include "core/log_internal.h"
#include "core/model.h"
#include "core/openapi.h"
#include "core/patterns.h"
#include "core/request_internal.h"
#include "core/response_internal.h"
#include "core/route_index.h"
#include "core/routers.h"

struct cg_app *cg_app_new(const struct cg_app_opts *opts)
{
    struct cg_app *app = calloc(1, sizeof *app);
    if (!app)
        cg_oom();
    pthread_mutex_init(&app->openapi_lock, NULL);
    if (opts)
        app->opts = *opts;
    if (!app->opts.title)
        app->opts.title = "cgate app";
    if (!app->opts.version)
        app->opts.version = "0.1.0";
    return app;
}

static void free_route_params(struct cg_app *app)
{
    for (size_t i = 0; i < app->nroutes; i++) {
        struct cg_route_rt *rt = &app->routes[i];
        for (size_t k = 0; rt->wire_names && k < rt->nparams; k++)
            if (rt->wire_names[k] != rt->route->params[k].name)
                free((char *)rt->wire_names[k]);
        free(rt->defaults);
        free(rt->wire_names);
    }
}

static void free_middleware(struct cg_app *app)
{
    for (size_t i = 0; i < app->nmiddleware; i++)
        if (app->middleware[i].free_state)
            app->middleware[i].free_state(app->middleware[i].state);
    free(app->middleware);
}

void cg_app_free(struct cg_app *app)
{
    if (!app)
        return;
    free_middleware(app);
    free_route_params(app);
    free(app->routes);
    cg__route_index_free(app->route_index);
    cg__app_free_mounted(app);
    free(app->error_handlers);
    free(app->assets_path);
    free((char *)app->base_path.ptr);
    cg_buf_free(&app->openapi);
    pthread_mutex_destroy(&app->openapi_lock);
    free(app);
}

int cg_app_fail(struct cg_app *app, const char *fmt, ...)
{
    char message[sizeof app->error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    cg_error("%s", message);
    if (app->error[0] == '\0')
        memcpy(app->error, message, sizeof message);
    return -1;
}

const char *cg_app_error(const struct cg_app *app)
{
    return app->error[0] ? app->error : NULL;
}

int cg_app_routes(struct cg_app *app, const struct cg_route *routes, size_t n)
{
    if (app->prepared)
        return cg_app_fail(app, "cg_app_routes: the app has started; add routes before cg_app_start");
    /* Room for the built-in routes as well, which prepare() puts in front:
     * the array is then not copied again (routes are large). */
    app->routes = cg_xrealloc(app->routes, (app->nroutes + n + CG_BUILTIN_ROUTES) * sizeof *app->routes);
    for (size_t i = 0; i < n; i++) {
        char err[256];
        if (cg__route_compile(&app->routes[app->nroutes], &routes[i], err, sizeof err) != 0)
            return cg_app_fail(app, "%s", err);
        app->nroutes++;
    }
    return 0;
}

static size_t count_params(const struct cg_param *p)
{
    size_t n = 0;
    while (p && p[n].name)
        n++;
    return n;
}

/* Every path parameter must name a segment of the template, and vice versa. */
static bool template_has_param(const struct cg_route_rt *rt, const char *name)
{
    for (int i = 0; i < rt->nsegments; i++)
        if (rt->segments[i].is_param && cg_str_eq_c(rt->segments[i].text, name))
            return true;
    return false;
}

static int check_pattern(const struct cg_route *route, const char *name, const char *pattern)
{
    char err[256];
    if (!pattern || cg__pattern_compile(pattern, err, sizeof err) == 0)
        return 0;
    cg_error("route %s: parameter %s: bad pattern %s: %s", route->path, name, pattern, err);
    return -1;
}

/* Parse a declared default through the same converter as request values,
 * so a default that breaks its own constraints fails start-up. */
static int prepare_default(const struct cg_route *route, const struct cg_param *p, struct cg_value *out)
{
    if (!p->def)
        return 0;
    struct cg_arena *arena = cg_arena_new();
    struct cg_verrors errs;
    cg__verrors_init(&errs, arena);
    int rc = cg__value_parse(arena, p->type, &p->c, cg_str_c(p->def), CG_STR("[\"default\"]"), out, &errs);
    if (rc != 0)
        cg_error("route %s: parameter %s: default \"%s\" is invalid: %.*s", route->path, p->name, p->def,
                 (int)errs.items[0].msg.len, errs.items[0].msg.ptr);
    out->s = cg_str_c(p->def); /* the arena goes away; the text is static */
    cg_arena_free(arena);
    return rc;
}

/* FastAPI's Header(): "user_agent" is the header "user-agent". The copy is
 * owned by the app (never freed while it runs: rt->wire_names keeps it). */
static const char *wire_name(const struct cg_param *p)
{
    if (p->in != CG_IN_HEADER || p->keep_underscores || !strchr(p->name, '_'))
        return p->name;
    size_t len = strlen(p->name);
    char *name = cg_xmalloc(len + 1);
    for (size_t i = 0; i <= len; i++)
        name[i] = p->name[i] == '_' ? '-' : p->name[i];
    return name;
}

static int check_list(const struct cg_route *route, const struct cg_param *p)
{
    if (!p->list)
        return 0;
    if ((p->in != CG_IN_QUERY && p->in != CG_IN_HEADER) || p->def) {
        cg_error("route %s: list parameter %s: lists are query or header parameters without a default",
                 route->path, p->name);
        return -1;
    }
    return 0;
}

/* What the compiler cannot see of a typed parameter: whether the table it
 * is in binds the struct it names, and whether an absent value can be told
 * from a zero one. */
static int check_typed(const struct cg_route_rt *rt, const struct cg_param *p)
{
    const char *path = rt->route->path;
    if (!rt->params_size != !p->member_size) {
        cg_error("route %s: parameter %s: %s", path, p->name,
                 rt->params_size ? "a CG_PARAMS_OF table holds typed parameters only (CG_QUERY_PARAM...)"
                                 : "a typed parameter belongs in a CG_PARAMS_OF table");
        return -1;
    }
    if (p->member_size && p->struct_size != rt->params_size) {
        cg_error("route %s: parameter %s: its struct has %zu bytes, the CG_PARAMS_OF struct %zu", path,
                 p->name, p->struct_size, rt->params_size);
        return -1;
    }
    bool may_be_absent = !p->required && !p->def && !p->list;
    if (p->member_size && may_be_absent && p->type != CG_STRING && !p->present_offset) {
        cg_error("route %s: parameter %s may be absent: give it a default, .required = true, or a presence "
                 "bool (CG_*_PARAM_OPT)", path, p->name);
        return -1;
    }
    return 0;
}

static int prepare_params(struct cg_route_rt *rt)
{
    const struct cg_route *route = rt->route;
    rt->nparams = count_params(route->params);
    rt->params_size = route->params ? route->params[rt->nparams].struct_size : 0;
    if (rt->nparams) { /* most routes have none: two allocations fewer per route at each start */
        rt->defaults = calloc(rt->nparams, sizeof *rt->defaults);
        rt->wire_names = calloc(rt->nparams, sizeof *rt->wire_names);
        if (!rt->defaults || !rt->wire_names)
            cg_oom();
    }
    int npath = 0;
    for (size_t i = 0; i < rt->nparams; i++) {
        const struct cg_param *p = &route->params[i];
        rt->wire_names[i] = wire_name(p);
        if (check_list(route, p) != 0 || check_typed(rt, p) != 0)
            return -1;
        if (p->in == CG_IN_PATH) {
            npath++;
            if (!template_has_param(rt, p->name)) {
                cg_error("route %s: path parameter %s is not in the path", route->path, p->name);
                return -1;
            }
        }
        if (p->type == CG_ENUM && !p->c.choices) {
            cg_error("route %s: enum parameter %s has no choices", route->path, p->name);
            return -1;
        }
        if (check_pattern(route, p->name, p->c.pattern) != 0 || prepare_default(route, p, &rt->defaults[i]) != 0)
            return -1;
    }
    for (int i = 0; i < rt->nsegments; i++)
        npath -= rt->segments[i].is_param;
    if (npath != 0) {
        cg_error("route %s: every {parameter} in the path needs a CG_PATH_* declaration", route->path);
        return -1;
    }
    return 0;
}

/* Every model a route names: its body, its response, its documented
 * responses. */
static int prepare_models(const struct cg_route *route)
{
    if (cg__model_prepare(route->body) != 0 || cg__model_prepare(route->response) != 0)
        return -1;
    for (const struct cg_response_doc *r = route->responses; r && r->status; r++)
        if (cg__model_prepare(r->model) != 0)
            return -1;
    return 0;
}

/* A security requirement the core can apply and the document can name. */
static int check_security(const struct cg_route *route)
{
    const struct cg_security *s = route->security;
    const char *why = !s || s->disabled ? NULL
                      : !s->check ? "has no check function"
                      : s->kind == CG_SEC_API_KEY && (!s->header || !*s->header) ? "is an API key without a header"
                      : NULL;
    if (why)
        cg_error("route %s: security %s %s", route->path, s->name ? s->name : "(unnamed)", why);
    return why ? -1 : 0;
}

/* The built-in routes go first, as in FastAPI, so that an app's catch-all
 * route cannot hide the docs. */
static int add_builtin_routes(struct cg_app *app)
{
    size_t n = cg__docs_routes(app), old = app->nroutes;
    app->routes = cg_xrealloc(app->routes, (old + n) * sizeof *app->routes);
    memmove(app->routes + n, app->routes, old * sizeof *app->routes);
    for (size_t i = 0; i < n; i++) {
        char err[256];
        if (cg__route_compile(&app->routes[i], &app->builtin[i], err, sizeof err) != 0) {
            cg_error("docs: %s (see openapi_url, docs_url, redoc_url)", err);
            memmove(app->routes, app->routes + n, old * sizeof *app->routes);
            return -1;
        }
    }
    app->nroutes += n;
    return 0;
}

/* Check the tables and build the document: everything but the start-up hook. */
/* "api", "/api" and "/api/" all mean "/api"; "" and "/" mean none. */
static void prepare_base_path(struct cg_app *app)
{
    const char *env = getenv("CG_BASE_PATH");
    cg_str text = cg_str_c(env ? env : app->opts.base_path ? app->opts.base_path : "");
    while (text.len && text.ptr[0] == '/')
        text = (cg_str){ text.ptr + 1, text.len - 1 };
    while (text.len && text.ptr[text.len - 1] == '/')
        text.len--;
    if (text.len == 0)
        return;
    char *path = cg_xmalloc(text.len + 2);
    path[0] = '/';
    memcpy(path + 1, text.ptr, text.len);
    path[text.len + 1] = '\0';
    app->base_path = (cg_str){ path, text.len + 1 };
}

cg_str cg_app_base_path(const struct cg_app *app)
{
    return app->base_path.len ? app->base_path : CG_STR("");
}

/* A handler that calls cg_body() or cg_params() on a route that binds none
 * gets a zeroed block this large: whichever of the app's structs it reads,
 * it reads zeros, not past the block (handler.c). */
static void note_input_size(struct cg_app *app, size_t size)
{
    if (size > app->largest_input)
        app->largest_input = size;
}

static int prepare(struct cg_app *app)
{
    if (app->prepared)
        return 0;
    prepare_base_path(app);
    if (add_builtin_routes(app) != 0)
        return -1;
    for (size_t i = 0; i < app->nroutes; i++) {
        struct cg_route_rt *rt = &app->routes[i];
        if (prepare_params(rt) != 0 || prepare_models(rt->route) != 0 || check_security(rt->route) != 0)
            return -1;
        note_input_size(app, rt->route->body ? rt->route->body->size : 0);
        note_input_size(app, rt->params_size);
    }
    app->route_index = cg__route_index_new(app->routes, app->nroutes);
    app->prepared = true;
    return 0;
}

/* prepare(), refused for an app whose set-up failed, and with the first
 * error it logs kept as the app's. */
static int prepare_checked(struct cg_app *app)
{
    if (app->error[0])
        return -1;
    cg__log_capture(app->error, sizeof app->error);
    int rc = prepare(app);
    cg__log_capture(NULL, 0);
    return rc;
}

cg_str cg_app_openapi(struct cg_app *app)
{
    if (prepare_checked(app) != 0)
        return (cg_str){ NULL, 0 };
    return cg__openapi_document(app);
}

static int run_startup_hook(struct cg_app *app)
{
    if (!app->opts.on_startup)
        return 0;
    cg__log_capture(app->error, sizeof app->error); /* the hook's own error, if it logs one */
    int rc = app->opts.on_startup(app);
    cg__log_capture(NULL, 0);
    if (rc != 0)
        return cg_app_fail(app, "start-up hook failed");
    app->error[0] = '\0'; /* it logged an error, yet went on */
    return 0;
}

int cg_app_start(struct cg_app *app)
{
    if (app->started)
        return 0;
    if (prepare_checked(app) != 0 || run_startup_hook(app) != 0)
        return -1;
    app->started = true;
    return 0;
}

void cg_app_stop(struct cg_app *app)
{
    if (!app->started)
        return;
    if (app->opts.on_shutdown)
        app->opts.on_shutdown(app);
    app->started = false;
}

void *cg_app_get_data(const struct cg_app *app)
{
    return app->opts.data;
}

void cg_app_set_data(struct cg_app *app, void *data)
{
    app->opts.data = data;
}

const struct cg_app_opts *cg_app_options(const struct cg_app *app)
{
    return &app->opts;
}

/* ---- dispatch ---- */

/* A request's routing, done once however many ask (the server before the
 * body, a middleware, dispatch), and kept in its arena for as long as the
 * method and path are those it was made for: a middleware that rewrites
 * the path gets a new one. */
struct cg__routing {
    const struct cg_app *app;
    cg_str path;
    unsigned method;
    bool found;                   /* some route's path matched */
    struct cg__route_lookup lookup;
};

static const struct cg__routing *route_request(const struct cg_app *app, struct cg_request *req)
{
    struct cg__routing *r = req->routing;
    if (r && r->app == app && r->method == req->method_id && cg_str_eq(r->path, req->path))
        return r;
    if (!r)
        r = req->routing = cg_arena_alloc(req->arena, sizeof *r);
    r->app = app;
    r->path = req->path;
    r->method = req->method_id;
    r->found = cg__route_find(app, req->path, req->method_id, &r->lookup);
    return r;
}

static void send_method_not_allowed(struct cg_response *res, unsigned allowed)
{
    struct cg_buf allow;
    cg_buf_init(&allow, res->arena);
    for (unsigned bit = CG_M_GET; bit < CG_M_OTHER; bit <<= 1) {
        if (!(allowed & bit))
            continue;
        if (allow.len)
            cg_buf_puts(&allow, ", ");
        cg_buf_puts(&allow, cg_method_name(bit));
    }
    cg__response_detail(res, 405, "Method Not Allowed");
    cg_response_add_header(res, CG_STR("allow"), cg_buf_str(&allow));
}

/* Starlette's redirect_slashes: when nothing matched, try the path with its
 * trailing slash toggled; if a route takes that form, redirect there (307,
 * so the method and body are kept). */
static bool redirect_slash(const struct cg_app *app, struct cg_request *req, struct cg_response *res)
{
    cg_str path = req->path;
    if (path.len <= 1)
        return false;
    cg_str other;
    if (path.ptr[path.len - 1] == '/')
        other = (cg_str){ path.ptr, path.len - 1 };
    else
        other = cg_arena_printf(req->arena, "%.*s/", (int)path.len, path.ptr);
    struct cg__route_lookup lookup;
    if (!cg__route_find(app, other, req->method_id, &lookup))
        return false;
    cg_str raw = req->raw_path.len ? req->raw_path : path;
    cg_str target = raw.ptr[raw.len - 1] == '/' ? (cg_str){ raw.ptr, raw.len - 1 }
                                                 : cg_arena_printf(req->arena, "%.*s/", (int)raw.len, raw.ptr);
    cg_str host = cg_request_header(req, "host");
    struct cg_buf location;
    cg_buf_init(&location, req->arena);
    if (host.len)
        cg_buf_printf(&location, "%.*s://%.*s", (int)req->scheme.len, req->scheme.len ? req->scheme.ptr : "http",
                      (int)host.len, host.ptr);
    cg_buf_append_str(&location, req->root_path);
    cg_buf_append_str(&location, target);
    if (req->query_string.len) {
        cg_buf_putc(&location, '?');
        cg_buf_append_str(&location, req->query_string);
    }
    res->status = 307;
    res->body.len = 0;
    if (cg_response_add_header(res, CG_STR("location"), cg_buf_str(&location)) != 0)
        cg__response_detail(res, 400, "Bad Request");
    return true;
}

int cg_app_use(struct cg_app *app, const struct cg_middleware *mw)
{
    if (app->prepared)
        return cg_app_fail(app, "cg_app_use(%s): the app has started; add middleware before cg_app_start",
                           mw->name ? mw->name : "?");
    app->middleware = cg_xrealloc(app->middleware, (app->nmiddleware + 1) * sizeof *app->middleware);
    app->middleware[app->nmiddleware++] = *mw;
    return 0;
}

/* The routing at the centre of the chain. */
static void dispatch(const struct cg_app *app, struct cg_request *req, struct cg_response *res)
{
    const struct cg__routing *r = route_request(app, req);
    if (r->found) {
        if (r->lookup.route)
            cg__route_run(app, r->lookup.route, r->lookup.values, req, res);
        else
            send_method_not_allowed(res, r->lookup.allowed);
        return;
    }
    if (!redirect_slash(app, req, res))
        cg__response_detail(res, 404, "Not Found");
}

/* The rest of the chain: middleware[depth - 1] down to 0, then dispatch. */
struct cg_next {
    const struct cg_app *app;
    size_t depth;
    bool called;
};

void cg_next(struct cg_next *next, struct cg_request *req, struct cg_response *res)
{
    if (next->called) {
        cg_error("middleware called cg_next twice; the second call is ignored");
        return;
    }
    next->called = true;
    if (next->depth == 0) {
        dispatch(next->app, req, res);
        return;
    }
    const struct cg_middleware *mw = &next->app->middleware[next->depth - 1];
    struct cg_next inner = { next->app, next->depth - 1, false };
    mw->handle(mw->state, req, res, &inner);
}

bool cg_app_refuses_head(const struct cg_app *app, struct cg_request *req)
{
    cg_request_prepare(req);
    const struct cg__route_lookup *lookup = &route_request(app, req)->lookup;
    return !lookup->route || !cg__route_admits(app, lookup->route, req);
}

const struct cg_route *cg_app_route_of(const struct cg_app *app, struct cg_request *req)
{
    cg_request_prepare(req);
    const struct cg__route_lookup *lookup = &route_request(app, req)->lookup;
    return lookup->route ? lookup->route->route : NULL;
}

/* One status rule for every transport, whoever set the status (a handler
 * or a middleware): a final response is 200 to 599. RFC 9110 §15 has no
 * status outside 100..599, and a 1xx is interim, never the answer. */
static void check_status(const struct cg_request *req, struct cg_response *res)
{
    if (res->status >= 200 && res->status <= 599)
        return;
    char why[80];
    snprintf(why, sizeof why, "status %d is not a final HTTP status (200 to 599)", res->status);
    cg__answer_failure(req, res, why);
}

void cg_app_handle(const struct cg_app *app, struct cg_request *req, struct cg_response *res)
{
    cg_request_prepare(req);
    const struct cg_request *outer = cg__request_set_current(req);
    struct cg_next chain = { app, app->nmiddleware, false };
    cg_next(&chain, req, res);
    cg__request_set_current(outer);
    check_status(req, res);
}
