/* Running a route: bind parameters and body, call the handler, and the
 * helpers handlers use to read their input and write their response. */
#include <stdarg.h>
#include <stdio.h>

#include "cgate/cgate.h"
#include "core/body.h"
#include "core/handler.h"
#include "core/model.h"
#include "core/response_internal.h"
#include "core/validate.h"

static const char *const param_sources[] = {
    [CG_IN_PATH] = "path", [CG_IN_QUERY] = "query", [CG_IN_HEADER] = "header", [CG_IN_COOKIE] = "cookie",
};

/* The value of a parameter in the request, or ptr NULL when absent. Path
 * values come from the matched template, in template order. */
static cg_str param_text(const struct cg_route_rt *rt, size_t i, const cg_str *path_values,
                         const struct cg_request *req)
{
    const struct cg_param *p = &rt->route->params[i];
    switch (p->in) {
    case CG_IN_PATH: {
        int k = 0;
        for (int s = 0; s < rt->nsegments; s++) {
            if (!rt->segments[s].is_param)
                continue;
            if (cg_str_eq_c(rt->segments[s].text, p->name))
                return path_values[k];
            k++;
        }
        break;
    }
    case CG_IN_QUERY: return cg_request_query(req, p->name);
    case CG_IN_HEADER: return cg_request_header(req, rt->wire_names[i]);
    case CG_IN_COOKIE: return cg_request_cookie(req, p->name);
    }
    return (cg_str){ NULL, 0 };
}

/* ["query","tag"], or with a list item's index: ["query","tag",0]. */
static cg_str param_loc(struct cg_ctx *c, size_t i, long index)
{
    struct cg_buf loc;
    cg_buf_init(&loc, c->req->arena);
    struct cg_json j;
    cg_json_init(&j, &loc);
    cg_json_arr_begin(&j);
    cg_json_cstr(&j, param_sources[c->rt->route->params[i].in]);
    cg_json_cstr(&j, c->rt->wire_names[i]);
    if (index >= 0)
        cg_json_int(&j, index);
    cg_json_arr_end(&j);
    return cg_buf_str(&loc);
}

/* Whether request value k (a query pair or a header) belongs to list
 * parameter i: query names match exactly, header names ignoring case. */
static const struct cg_kv *list_source(struct cg_ctx *c, size_t i, size_t *n)
{
    bool header = c->rt->route->params[i].in == CG_IN_HEADER;
    *n = header ? c->req->nheaders : c->req->nquery;
    return header ? c->req->headers : c->req->query;
}

static bool list_member(struct cg_ctx *c, size_t i, cg_str name)
{
    if (c->rt->route->params[i].in == CG_IN_HEADER)
        return cg_str_ieq(name, cg_str_c(c->rt->wire_names[i]));
    return cg_str_eq_c(name, c->rt->wire_names[i]);
}

/* Every value of a repeated query key or header, in order, each one
 * checked (FastAPI's list[...] = Query() / Header()). */
static void bind_list(struct cg_ctx *c, size_t i, struct cg_verrors *errs)
{
    const struct cg_param *p = &c->rt->route->params[i];
    struct cg_value *v = &c->values[i];
    size_t total;
    const struct cg_kv *kv = list_source(c, i, &total);
    for (size_t k = 0; k < total; k++)
        v->nitems += list_member(c, i, kv[k].name);
    if (v->nitems == 0) {
        if (p->required)
            cg__verrors_add(errs, "missing", param_loc(c, i, -1), CG_STR("Field required"), CG_STR("null"),
                            CG_STR(""));
        return;
    }
    v->present = true;
    v->items = cg_arena_zalloc(c->req->arena, v->nitems * sizeof *v->items);
    size_t n = 0;
    for (size_t k = 0; k < total; k++)
        if (list_member(c, i, kv[k].name)) {
            cg__value_parse(c->req->arena, p->type, &p->c, kv[k].value, param_loc(c, i, (long)n), &v->items[n],
                            errs);
            n++;
        }
}

static void bind_param(struct cg_ctx *c, size_t i, const cg_str *path_values, struct cg_verrors *errs)
{
    const struct cg_param *p = &c->rt->route->params[i];
    if (p->list) {
        bind_list(c, i, errs);
        return;
    }
    cg_str text = param_text(c->rt, i, path_values, c->req);
    if (!text.ptr) {
        if (p->required)
            cg__verrors_add(errs, "missing", param_loc(c, i, -1), CG_STR("Field required"), CG_STR("null"),
                            CG_STR(""));
        else
            c->values[i] = c->rt->defaults[i];
        return;
    }
    cg__value_parse(c->req->arena, p->type, &p->c, text, param_loc(c, i, -1), &c->values[i], errs);
}

/* FastAPI reports path, query, header and cookie errors in that order, then
 * the body's. */
static void bind_params(struct cg_ctx *c, const cg_str *path_values, struct cg_verrors *errs)
{
    for (enum cg_param_in in = CG_IN_PATH; in <= CG_IN_COOKIE; in++)
        for (size_t i = 0; i < c->rt->nparams; i++)
            if (c->rt->route->params[i].in == in)
                bind_param(c, i, path_values, errs);
}

/* A list parameter's values as a struct cg_list of its kind's C type;
 * items NULL when absent. */
static void store_list(struct cg_arena *a, enum cg_type type, struct cg_list *list, const struct cg_value *v)
{
    if (!v->present)
        return;
    size_t size = cg__type_size(type);
    char *items = cg_arena_alloc(a, v->nitems * size);
    for (size_t k = 0; k < v->nitems; k++)
        cg__value_store(a, type, items + k * size, &v->items[k]);
    *list = (struct cg_list){ items, v->nitems };
}

/* CG_PARAMS_OF: every value, given or defaulted, into its member. */
static void bind_struct(struct cg_ctx *c)
{
    if (!c->rt->params_size)
        return;
    char *out = c->params = cg_arena_zalloc(c->req->arena, c->rt->params_size);
    for (size_t i = 0; i < c->rt->nparams; i++) {
        const struct cg_param *p = &c->rt->route->params[i];
        const struct cg_value *v = &c->values[i];
        if (p->list)
            store_list(c->req->arena, p->type, (struct cg_list *)(out + p->offset), v);
        else
            cg__value_store(c->req->arena, p->type, out + p->offset, v->present ? v : NULL);
        if (p->present_offset)
            *(bool *)(out + p->present_offset - 1) = v->present;
    }
}

static void bind_body(struct cg_ctx *c, struct cg_verrors *errs)
{
    const struct cg_model *m = c->rt->route->body;
    if (!m)
        return;
    c->body = cg_arena_zalloc(c->req->arena, m->size);
    cg_str content_type = cg_request_header(c->req, "content-type");
    cg__body_bind(c->req->arena, m, content_type, c->req->body, c->body, errs);
}

static void send_validation_errors(struct cg_response *res, const struct cg_verrors *errs)
{
    res->status = 422;
    res->body.len = 0;
    cg_response_set_header(res, CG_STR("content-type"), CG_STR("application/json"));
    cg__verrors_write(errs, &res->body);
}

void cg__answer_failure(const struct cg_request *req, struct cg_response *res, const char *why)
{
    cg_error("%.*s %.*s failed (request %.*s): %s", (int)req->method.len, req->method.ptr, (int)req->path.len,
             req->path.ptr, (int)req->request_id.len, req->request_id.ptr, why);
    res->nheaders = 0; /* nothing of the failed response is sent */
    res->stream = (struct cg_stream_body){ 0 };
    cg__response_detail(res, 500, "Internal Server Error");
}

static void fail_internal(struct cg_ctx *c, const char *why)
{
    cg__answer_failure(c->req, c->res, why);
}

/* The first such call is remembered, and the request answers 500 whatever
 * the handler sends (cg__route_run). */
void cg__misuse(struct cg_ctx *c, const char *fmt, ...)
{
    if (c->misuse.len)
        return;
    const struct cg_route *route = c->rt->route;
    struct cg_buf msg;
    cg_buf_init(&msg, c->req->arena);
    cg_buf_printf(&msg, "route %s (%s): ", route->path, route->name ? route->name : "?");
    va_list ap;
    va_start(ap, fmt);
    cg_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    cg_buf_putc(&msg, '\0');
    c->misuse = (cg_str){ msg.data, msg.len - 1 };
}

/* What a misused cg_body() or cg_params() hands out: zeros as large as
 * any struct the app binds (and never less than 1 KiB), so that reading it
 * as any of them cannot fault. */
static void *zeroed_stand_in(struct cg_ctx *c)
{
    size_t size = c->app->largest_input > 1024 ? c->app->largest_input : 1024;
    return cg_arena_zalloc(c->req->arena, size);
}

/* The credential a scheme reads; ptr NULL when the request has none. */
static cg_str credential_of(const struct cg_security *s, const struct cg_request *req)
{
    if (s->kind == CG_SEC_API_KEY) {
        cg_str key = cg_request_header(req, s->header);
        return key.len ? key : (cg_str){ NULL, 0 };
    }
    return cg_bearer_token(req);
}

static void refuse_caller(struct cg_response *res, const struct cg_security *s, int status, const char *detail)
{
    cg__response_detail(res, status, detail);
    if (status == 401)
        cg_response_set_header(res, CG_STR("www-authenticate"),
                               s->kind == CG_SEC_API_KEY ? CG_STR("APIKey") : CG_STR("Bearer"));
}

/* FastAPI runs security dependencies before validating the parameters: a
 * caller without the right credentials learns nothing about them. */
static bool admit_caller(struct cg_ctx *c)
{
    const struct cg_security *s = c->rt->route->security;
    if (!s || s->disabled)
        return true;
    cg_str credential = credential_of(s, c->req);
    if (!credential.ptr) {
        refuse_caller(c->res, s, 401, "Not authenticated");
        return false;
    }
    switch (s->check(s, c, credential)) {
    case CG_AUTH_OK: return true;
    case CG_AUTH_FORBIDDEN: refuse_caller(c->res, s, 403, "Not enough permissions"); return false;
    case CG_AUTH_INVALID: break;
    }
    refuse_caller(c->res, s, 401, "Invalid authentication credentials");
    return false;
}

bool cg__route_admits(const struct cg_app *app, const struct cg_route_rt *rt, struct cg_request *req)
{
    struct cg_response scratch;
    cg_response_init(&scratch, req->arena);
    struct cg_ctx c = { .app = app, .rt = rt, .req = req, .res = &scratch };
    return admit_caller(&c);
}

void cg__route_run(const struct cg_app *app, const struct cg_route_rt *rt, const cg_str *path_values,
                   struct cg_request *req, struct cg_response *res)
{
    struct cg_ctx c = { .app = app, .rt = rt, .req = req, .res = res };
    if (!admit_caller(&c))
        return;
    /* Only a middleware that reroutes the request between the transport's
     * cg_app_refuses_head and this run can get here: never hand a handler
     * an empty body in place of the one the client is still sending. */
    if (req->body_withheld) {
        fail_internal(&c, "routed to a handler after cg_app_refuses_head refused it (a middleware rerouted it)");
        return;
    }
    struct cg_verrors errs;
    cg__verrors_init(&errs, req->arena);
    if (rt->nparams) { /* many routes (health checks, listings) have none */
        c.values = cg_arena_zalloc(req->arena, rt->nparams * sizeof *c.values);
        bind_params(&c, path_values, &errs);
    }
    bind_body(&c, &errs);
    if (errs.n) {
        send_validation_errors(res, &errs);
        return;
    }
    bind_struct(&c);
    int rc = rt->route->handler(&c);
    if (c.raised && !c.misuse.len)
        rc = cg__answer_raised(&c);
    if (c.misuse.len)
        fail_internal(&c, c.misuse.ptr);
    else if (rc < 0)
        fail_internal(&c, c.failure.len ? c.failure.ptr : "the handler returned an error");
    else if (!c.responded)
        fail_internal(&c, "the handler returned without a response");
    else if (c.json && cg_json_failed(c.json))
        fail_internal(&c, "the response is not valid JSON (NaN or Infinity, or unbalanced nesting)");
}

/* ---- accessors ---- */

struct cg_request *cg_req(struct cg_ctx *c)
{
    return c->req;
}

struct cg_response *cg_take_response(struct cg_ctx *c)
{
    c->responded = true; /* the handler writes the response itself */
    return c->res;
}

struct cg_arena *cg_arena(struct cg_ctx *c)
{
    return c->req->arena;
}

void *cg_app_data(struct cg_ctx *c)
{
    return cg_app_get_data(c->app);
}

const struct cg_route *cg_route_of(struct cg_ctx *c)
{
    return c->rt->route;
}

/* The string getters, and the declarations each may read. */
enum getter { GET_HAS, GET_INT, GET_NUM, GET_STR, GET_BOOL, GET_ENUM, GET_COUNT, GET_INT_AT, GET_NUM_AT, GET_STR_AT };

static const char *const getter_names[] = {
    [GET_HAS] = "cg_param_has",       [GET_INT] = "cg_param_int",       [GET_NUM] = "cg_param_num",
    [GET_STR] = "cg_param_str",       [GET_BOOL] = "cg_param_bool",     [GET_ENUM] = "cg_param_enum",
    [GET_COUNT] = "cg_param_count",   [GET_INT_AT] = "cg_param_int_at", [GET_NUM_AT] = "cg_param_num_at",
    [GET_STR_AT] = "cg_param_str_at",
};

static bool getter_fits(enum getter g, const struct cg_param *p)
{
    bool text = p->type == CG_STRING || p->type == CG_ENUM; /* an enum's text reads as a string */
    switch (g) {
    case GET_HAS: return true;
    case GET_INT: return !p->list && p->type == CG_INT;
    case GET_NUM: return !p->list && p->type == CG_NUMBER;
    case GET_STR: return !p->list && text;
    case GET_BOOL: return !p->list && p->type == CG_BOOL;
    case GET_ENUM: return !p->list && p->type == CG_ENUM;
    case GET_COUNT: return p->list;
    case GET_INT_AT: return p->list && p->type == CG_INT;
    case GET_NUM_AT: return p->list && p->type == CG_NUMBER;
    case GET_STR_AT: return p->list && text;
    }
    return false;
}

static const char *const kind_names[] = {
    [CG_STRING] = "CG_STRING", [CG_INT] = "CG_INT", [CG_NUMBER] = "CG_NUMBER",
    [CG_BOOL] = "CG_BOOL",     [CG_ENUM] = "CG_ENUM",
};

/* The value of the declared parameter `name`, read by getter g; a zero
 * value and a misuse (a 500) when the route declares no such parameter or
 * declares it of another kind. */
static const struct cg_value *param_value(struct cg_ctx *c, const char *name, enum getter g)
{
    static const struct cg_value absent;
    for (size_t i = 0; i < c->rt->nparams; i++) {
        const struct cg_param *p = &c->rt->route->params[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (getter_fits(g, p))
            return &c->values[i];
        cg__misuse(c, "%s(\"%s\"): the parameter is declared %s%s", getter_names[g], name,
               p->list ? "a list of " : "", kind_names[p->type]);
        return &absent;
    }
    cg__misuse(c, "%s(\"%s\"): the route declares no such parameter", getter_names[g], name);
    return &absent;
}

bool cg_param_has(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_HAS)->present;
}

int64_t cg_param_int(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_INT)->i;
}

double cg_param_num(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_NUM)->n;
}

cg_str cg_param_str(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_STR)->s;
}

bool cg_param_bool(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_BOOL)->b;
}

int cg_param_enum(struct cg_ctx *c, const char *name)
{
    return (int)param_value(c, name, GET_ENUM)->i;
}

size_t cg_param_count(struct cg_ctx *c, const char *name)
{
    return param_value(c, name, GET_COUNT)->nitems;
}

/* Item i of a list parameter; a zero value and a misuse past its end. */
static const struct cg_value *param_item(struct cg_ctx *c, const char *name, size_t i, enum getter g)
{
    static const struct cg_value absent;
    const struct cg_value *v = param_value(c, name, g);
    if (i < v->nitems)
        return &v->items[i];
    cg__misuse(c, "%s(\"%s\", %zu): the list has %zu items", getter_names[g], name, i, v->nitems);
    return &absent;
}

int64_t cg_param_int_at(struct cg_ctx *c, const char *name, size_t i)
{
    return param_item(c, name, i, GET_INT_AT)->i;
}

double cg_param_num_at(struct cg_ctx *c, const char *name, size_t i)
{
    return param_item(c, name, i, GET_NUM_AT)->n;
}

cg_str cg_param_str_at(struct cg_ctx *c, const char *name, size_t i)
{
    return param_item(c, name, i, GET_STR_AT)->s;
}

const void *cg_params(struct cg_ctx *c)
{
    if (c->params)
        return c->params;
    cg__misuse(c, "cg_params() on a route without typed parameters (CG_PARAMS_OF)");
    return zeroed_stand_in(c);
}

const void *cg_body(struct cg_ctx *c)
{
    if (c->body)
        return c->body;
    cg__misuse(c, "cg_body() on a route without a body (.body)");
    return zeroed_stand_in(c);
}

bool cg_body_has(struct cg_ctx *c, const char *field)
{
    char why[256];
    bool sent = false;
    if (!c->body)
        cg__misuse(c, "cg_body_has(\"%s\") on a route without a body (.body)", field);
    else if (cg__model_sent(c->rt->route->body, c->body, field, &sent, why, sizeof why) != 0)
        cg__misuse(c, "cg_body_has(\"%s\"): %s", field, why);
    return sent;
}

/* ---- responses ---- */

static void begin_response(struct cg_ctx *c, int status, cg_str content_type)
{
    c->responded = true;
    c->json = NULL;
    c->res->status = status;
    c->res->body.len = 0;
    if (content_type.len)
        cg_response_set_header(c->res, CG_STR("content-type"), content_type);
}

int cg_send(struct cg_ctx *c, int status, const char *content_type, const void *body, size_t len)
{
    begin_response(c, status, cg_str_c(content_type));
    if (cg_status_allows_body(status))
        cg_buf_append(&c->res->body, body, len);
    return 0;
}

int cg_send_text(struct cg_ctx *c, int status, cg_str text)
{
    return cg_send(c, status, "text/plain; charset=utf-8", text.ptr, text.len);
}

int cg_send_json_raw(struct cg_ctx *c, int status, cg_str json)
{
    return cg_send(c, status, "application/json", json.ptr, json.len);
}

int cg_send_empty(struct cg_ctx *c, int status)
{
    begin_response(c, status, CG_STR(""));
    return 0;
}

struct cg_json *cg_json_begin(struct cg_ctx *c, int status)
{
    begin_response(c, status, CG_STR("application/json"));
    c->json = cg_arena_alloc(c->req->arena, sizeof *c->json);
    cg_json_init(c->json, &c->res->body);
    return c->json;
}

int cg_json_model(struct cg_ctx *c, int status, const struct cg_model *m, const void *obj)
{
    cg_json_write_model(cg_json_begin(c, status), m, obj);
    return 0;
}

int cg_http_error(struct cg_ctx *c, int status, const char *detail)
{
    c->responded = true;
    c->json = NULL;
    cg__response_detail(c->res, status, detail);
    return 0;
}

int cg_add_header(struct cg_ctx *c, const char *name, cg_str value)
{
    return cg_response_add_header(c->res, cg_str_c(name), value);
}

void cg_set_identity(struct cg_ctx *c, cg_str json)
{
    c->identity = cg_arena_strdup(c->req->arena, json);
}

cg_str cg_identity(struct cg_ctx *c)
{
    return c->identity;
}

void cg_after_response(struct cg_ctx *c, cg_deferred_fn fn, void *arg)
{
    cg_request_defer(c->req, fn, arg);
}

int cg_fail(struct cg_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct cg_buf msg;
    cg_buf_init(&msg, c->req->arena);
    cg_buf_vprintf(&msg, fmt, ap);
    cg_buf_putc(&msg, '\0');
    va_end(ap);
    c->failure = (cg_str){ msg.data, msg.len - 1 };
    return -1;
}
