/* The OpenAPI 3.1 document, built once at start-up from the route tables
 * that also bind and validate, in FastAPI's shapes (fastapi/openapi/utils.py):
 * operationIds from generate_unique_id, summaries from the handler's name,
 * a 422 response on every operation that has parameters or a body, the
 * security schemes the routes use, the info and tag metadata of the options.
 *
 * The document is stored compact, without `servers`; behind a stage or base
 * path (req->root_path) the handler splices `"servers":[{"url":root}]` in
 * after `info`, which costs one copy and no JSON work per request. */
#include <ctype.h>
#include <stdio.h>

#include "cgate/cgate.h"
#include "core/openapi.h"
#include "core/schema.h"

/* Temporary state of one build. */
struct build {
    const struct cg_app *app;
    struct cg_arena *arena;
    cg_str *paths; /* per route: its path as OpenAPI writes it */
};

/* The order OpenAPI lists the operations of a path item in. */
static const unsigned method_order[] = { CG_M_GET, CG_M_PUT, CG_M_POST, CG_M_DELETE,
                                         CG_M_OPTIONS, CG_M_HEAD, CG_M_PATCH };

static const char *const param_sources[] = {
    [CG_IN_PATH] = "path", [CG_IN_QUERY] = "query", [CG_IN_HEADER] = "header", [CG_IN_COOKIE] = "cookie",
};

/* "/files/{rest:path}" -> "/files/{rest}" (Starlette's path_format). */
static cg_str path_format(struct cg_arena *a, const char *path)
{
    char *out = cg_arena_alloc(a, strlen(path) + 1);
    size_t n = 0;
    bool in_param = false, skipping = false;
    for (const char *p = path; *p; p++) {
        if (*p == '{')
            in_param = true;
        else if (*p == '}')
            in_param = skipping = false;
        else if (*p == ':' && in_param)
            skipping = true;
        if (!skipping)
            out[n++] = *p;
    }
    return (cg_str){ out, n };
}

static const char *method_lower(struct cg_arena *a, unsigned method)
{
    cg_str name = cg_arena_strdup(a, cg_str_c(cg_method_name(method)));
    char *p = (char *)name.ptr;
    for (size_t i = 0; i < name.len; i++)
        p[i] = (char)tolower((unsigned char)p[i]);
    return name.ptr;
}

/* FastAPI's generate_unique_id: re.sub(r"\W", "_", name + path) + "_" + method.
 * Bytes beyond ASCII are kept, as \w keeps letters in any script. */
static cg_str operation_id(struct cg_arena *a, const char *name, cg_str path, const char *method)
{
    cg_str id = cg_arena_printf(a, "%s%.*s_%s", name, (int)path.len, path.ptr, method);
    char *p = (char *)id.ptr;
    size_t end = id.len - strlen(method) - 1;
    for (size_t i = 0; i < end; i++)
        if (!(isalnum((unsigned char)p[i]) || p[i] == '_' || (unsigned char)p[i] >= 0x80))
            p[i] = '_';
    return id;
}

/* ---- security ---- */

/* The name a scheme goes by: its own, or FastAPI's class name. */
static const char *scheme_name(const struct cg_security *s)
{
    return s->name ? s->name : s->kind == CG_SEC_API_KEY ? "APIKeyHeader" : "HTTPBearer";
}

/* The scheme a visible route documents, or NULL. */
static const struct cg_security *documented_security(const struct cg_route *r)
{
    return !r->hidden && r->security && !r->security->disabled ? r->security : NULL;
}

/* Whether an earlier route documents a scheme of the same name (the first
 * one of a name is the one described, as in FastAPI's dict). */
static bool scheme_seen_before(const struct cg_app *app, size_t route)
{
    const char *name = scheme_name(app->routes[route].route->security);
    for (size_t i = 0; i < route; i++) {
        const struct cg_security *s = documented_security(app->routes[i].route);
        if (s && strcmp(scheme_name(s), name) == 0)
            return true;
    }
    return false;
}

/* FastAPI's models: HTTPBearer {type, description, scheme, bearerFormat};
 * APIKey {type, description, in, name}. */
static void write_scheme(struct cg_json *j, const struct cg_security *s)
{
    bool api_key = s->kind == CG_SEC_API_KEY;
    cg_json_key(j, scheme_name(s));
    cg_json_obj_begin(j);
    cg__openapi_write_optional(j, "type", api_key ? "apiKey" : "http");
    cg__openapi_write_optional(j, "description", s->description);
    if (api_key) {
        cg__openapi_write_optional(j, "in", "header");
        cg__openapi_write_optional(j, "name", s->header);
    } else {
        cg__openapi_write_optional(j, "scheme", "bearer");
        cg__openapi_write_optional(j, "bearerFormat", s->bearer_format);
    }
    cg_json_obj_end(j);
}

/* {"NAME":{...},...} in order of first use; false (and nothing written)
 * when no visible route has a scheme. */
static bool write_schemes(struct cg_json *j, const struct cg_app *app)
{
    bool any = false;
    for (size_t i = 0; i < app->nroutes; i++) {
        const struct cg_security *s = documented_security(app->routes[i].route);
        if (!s || scheme_seen_before(app, i))
            continue;
        if (!any)
            cg_json_obj_begin(j);
        any = true;
        write_scheme(j, s);
    }
    if (any)
        cg_json_obj_end(j);
    return any;
}

/* "components": the schemas (schema.c), then "securitySchemes". schema.c
 * writes the whole "components" member, so the schemes join it by reopening
 * its closing brace. */
static void write_components(struct cg_json *j, const struct cg_app *app)
{
    struct cg_buf *out = j->out;
    size_t before = out->len;
    cg__schema_components(j, app);
    struct cg_buf schemes;
    cg_buf_init(&schemes, NULL);
    struct cg_json sj;
    cg_json_init(&sj, &schemes);
    bool any = write_schemes(&sj, app);
    if (any && out->len == before) { /* no schemas */
        cg_json_key(j, "components");
        cg_json_obj_begin(j);
        cg_json_key(j, "securitySchemes");
        cg_json_raw(j, cg_buf_str(&schemes));
        cg_json_obj_end(j);
    } else if (any) {
        out->len--; /* reopen "components" */
        cg_buf_puts(out, ",\"securitySchemes\":");
        cg_buf_append_str(out, cg_buf_str(&schemes));
        cg_buf_putc(out, '}');
    }
    cg_buf_free(&schemes);
}

/* ---- parameters, body, responses ---- */

static void write_param(struct cg_json *j, const struct cg_route_rt *rt, size_t i)
{
    const struct cg_param *p = &rt->route->params[i];
    bool required = p->required || p->in == CG_IN_PATH;
    cg_json_obj_begin(j);
    cg_json_key(j, "name");
    cg_json_cstr(j, rt->wire_names[i]);
    cg_json_key(j, "in");
    cg_json_cstr(j, param_sources[p->in]);
    cg_json_key(j, "required");
    cg_json_bool(j, required);
    cg_json_key(j, "schema");
    cg__schema_write(j, &(struct cg_schema_of){
                            .type = p->type, .c = &p->c, .name = p->name, .description = p->description,
                            .nullable = !required && !p->def && !p->list, .list = p->list,
                            .def = p->def ? &rt->defaults[i] : NULL });
    cg__openapi_write_optional(j, "description", p->description);
    if (p->deprecated) {
        cg_json_key(j, "deprecated");
        cg_json_bool(j, true);
    }
    cg_json_obj_end(j);
}

/* An idempotent route's header (idempotency.h). Optional here: whether
 * the middleware requires it is its option, which the core does not see. */
static void write_idempotency_key_param(struct cg_json *j)
{
    cg_json_raw(j, CG_STR("{\"name\":\"Idempotency-Key\",\"in\":\"header\",\"required\":false,"
                          "\"schema\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":257,"
                          "\"title\":\"Idempotency-Key\"},\"description\":\"A unique key (a UUID) that makes a "
                          "retry safe: a repeat of the request with the same key gets the first response again, "
                          "with Idempotent-Replayed: true. Sent as a quoted string, \\\"...\\\", or bare.\"}"));
}

/* In FastAPI's order: path, query, header, then cookie parameters. */
static void write_params(struct cg_json *j, const struct cg_route_rt *rt)
{
    if (rt->nparams == 0 && !rt->route->idempotent)
        return;
    cg_json_key(j, "parameters");
    cg_json_arr_begin(j);
    for (enum cg_param_in in = CG_IN_PATH; in <= CG_IN_COOKIE; in++) {
        for (size_t i = 0; i < rt->nparams; i++)
            if (rt->route->params[i].in == in)
                write_param(j, rt, i);
        if (in == CG_IN_HEADER && rt->route->idempotent)
            write_idempotency_key_param(j);
    }
    cg_json_arr_end(j);
}

/* "content":{"application/json":{"schema":...}} for a model, a list of it,
 * or any JSON when there is no model. */
static void write_json_content(struct cg_json *j, const struct cg_model *m, bool list)
{
    cg_json_key(j, "content");
    cg_json_obj_begin(j);
    cg_json_key(j, "application/json");
    cg_json_obj_begin(j);
    cg_json_key(j, "schema");
    if (!m) {
        cg_json_raw(j, CG_STR("{}"));
    } else if (list) {
        cg_json_obj_begin(j);
        cg_json_key(j, "type");
        cg_json_cstr(j, "array");
        cg_json_key(j, "items");
        cg__schema_ref(j, m);
        cg_json_obj_end(j);
    } else {
        cg__schema_ref(j, m);
    }
    cg_json_obj_end(j);
    cg_json_obj_end(j);
}

static void write_body(struct cg_json *j, const struct cg_model *m)
{
    if (!m)
        return;
    cg_json_key(j, "requestBody");
    cg_json_obj_begin(j);
    write_json_content(j, m, false);
    cg_json_key(j, "required");
    cg_json_bool(j, true);
    cg_json_obj_end(j);
}

static void response_key(struct cg_json *j, int status)
{
    char key[16];
    snprintf(key, sizeof key, "%d", status);
    cg_json_key(j, key);
}

/* "headers":{"Link":{"description":...,"schema":{"type":"string"}}} */
static void write_header_docs(struct cg_json *j, const struct cg_header_doc *h)
{
    if (!h || !h->name)
        return;
    cg_json_key(j, "headers");
    cg_json_obj_begin(j);
    for (; h->name; h++) {
        cg_json_key(j, h->name);
        cg_json_obj_begin(j);
        cg__openapi_write_optional(j, "description", h->description);
        cg_json_key(j, "schema");
        cg_json_raw(j, CG_STR("{\"type\":\"string\"}"));
        cg_json_obj_end(j);
    }
    cg_json_obj_end(j);
}

static void write_response(struct cg_json *j, int status, const char *description, const struct cg_model *m,
                           bool list, bool any_json, const struct cg_header_doc *headers)
{
    response_key(j, status);
    cg_json_obj_begin(j);
    cg_json_key(j, "description");
    cg_json_cstr(j, description ? description : cg_status_phrase(status));
    write_header_docs(j, headers);
    if (cg_status_allows_body(status) && (m || any_json))
        write_json_content(j, m, list);
    cg_json_obj_end(j);
}

static bool declares(const struct cg_route *r, int status)
{
    for (const struct cg_response_doc *d = r->responses; d && d->status; d++)
        if (d->status == status)
            return true;
    return false;
}

static void write_validation_error(struct cg_json *j, bool idempotent)
{
    response_key(j, 422);
    cg_json_obj_begin(j);
    cg_json_key(j, "description");
    cg_json_cstr(j, idempotent ? "Validation Error, or the Idempotency-Key was used with a different request"
                               : "Validation Error");
    cg_json_key(j, "content");
    cg_json_raw(j, CG_STR("{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/HTTPValidationError\"}}}"));
    cg_json_obj_end(j);
}

static void write_responses(struct cg_json *j, const struct cg_route_rt *rt)
{
    const struct cg_route *r = rt->route;
    cg_json_key(j, "responses");
    cg_json_obj_begin(j);
    write_response(j, r->status ? r->status : 200, "Successful Response", r->response, r->response_list, true,
                   r->response_headers);
    for (const struct cg_response_doc *d = r->responses; d && d->status; d++)
        write_response(j, d->status, d->description, d->model, false, false, NULL);
    if (r->idempotent && !declares(r, 409))
        write_response(j, 409, "A request with this Idempotency-Key is in progress", NULL, false, false, NULL);
    if (cg__route_validates(rt) && !declares(r, 422))
        write_validation_error(j, r->idempotent);
    else if (r->idempotent && !declares(r, 422))
        write_response(j, 422, "The Idempotency-Key was used with a different request", NULL, false, false, NULL);
    cg_json_obj_end(j);
}

/* ---- operations and paths ---- */

static void write_summary(struct cg_json *j, const struct cg_route *r)
{
    cg_json_key(j, "summary");
    if (r->summary) {
        cg_json_cstr(j, r->summary);
        return;
    }
    struct cg_buf title;
    cg_buf_init(&title, NULL);
    cg__title_case(&title, r->name ? r->name : "");
    cg_json_str(j, cg_buf_str(&title));
    cg_buf_free(&title);
}

/* "security":[{"NAME":[]}]: after the responses, as FastAPI's Operation
 * model orders it. */
static void write_security(struct cg_json *j, const struct cg_route *r)
{
    const struct cg_security *s = documented_security(r);
    if (!s)
        return;
    cg_json_key(j, "security");
    cg_json_arr_begin(j);
    cg_json_obj_begin(j);
    cg_json_key(j, scheme_name(s));
    cg_json_raw(j, CG_STR("[]"));
    cg_json_obj_end(j);
    cg_json_arr_end(j);
}

static void write_operation(struct cg_json *j, struct build *b, size_t route, unsigned method)
{
    const struct cg_route_rt *rt = &b->app->routes[route];
    const struct cg_route *r = rt->route;
    const char *name = method_lower(b->arena, method);
    cg_json_key(j, name);
    cg_json_obj_begin(j);
    if (r->tags)
        cg__openapi_write_route_tags(j, r->tags);
    write_summary(j, r);
    cg__openapi_write_optional(j, "description", r->description);
    cg_json_key(j, "operationId");
    cg_json_str(j, operation_id(b->arena, r->name ? r->name : "", b->paths[route], name));
    if (r->deprecated) {
        cg_json_key(j, "deprecated");
        cg_json_bool(j, true);
    }
    write_params(j, rt);
    write_body(j, r->body);
    write_responses(j, rt);
    write_security(j, r);
    /* For the deploy kit's tools/gateway-routes.py (docs/deploy.md). */
    if (r->cache_ttl > 0) {
        cg_json_key(j, "x-cgate-cache-ttl");
        cg_json_int(j, r->cache_ttl);
    }
    cg_json_obj_end(j);
}

/* Whether an earlier visible route already wrote this path's item. */
static bool path_written(const struct build *b, size_t route)
{
    for (size_t i = 0; i < route; i++)
        if (!b->app->routes[i].route->hidden && cg_str_eq(b->paths[i], b->paths[route]))
            return true;
    return false;
}

/* One path item per distinct path, holding the operations of every route
 * with that path, method by method. */
static void write_path_item(struct cg_json *j, struct build *b, size_t first)
{
    cg_json_key_str(j, b->paths[first]);
    cg_json_obj_begin(j);
    for (size_t m = 0; m < CG_LEN(method_order); m++)
        for (size_t i = first; i < b->app->nroutes; i++) {
            const struct cg_route *r = b->app->routes[i].route;
            if (!r->hidden && cg_str_eq(b->paths[i], b->paths[first]) && (r->methods & method_order[m])) {
                write_operation(j, b, i, method_order[m]);
                break; /* the first route of a method wins, as in dispatch */
            }
        }
    cg_json_obj_end(j);
}

static void write_paths(struct cg_json *j, struct build *b)
{
    cg_json_key(j, "paths");
    cg_json_obj_begin(j);
    for (size_t i = 0; i < b->app->nroutes; i++)
        if (!b->app->routes[i].route->hidden && !path_written(b, i))
            write_path_item(j, b, i);
    cg_json_obj_end(j);
}

static void write_contact(struct cg_json *j, const struct cg_app_opts *o)
{
    if (!o->contact.name && !o->contact.url && !o->contact.email)
        return;
    cg_json_key(j, "contact");
    cg_json_obj_begin(j);
    cg__openapi_write_optional(j, "name", o->contact.name);
    cg__openapi_write_optional(j, "url", o->contact.url);
    cg__openapi_write_optional(j, "email", o->contact.email);
    cg_json_obj_end(j);
}

/* OpenAPI 3.1: a name, and a url or an SPDX identifier, not both. */
static void write_license(struct cg_json *j, const struct cg_app_opts *o)
{
    const char *name = o->license.name, *id = o->license.identifier, *url = o->license.url;
    if (!name && !id && !url)
        return;
    if (!name || (id && url)) {
        cg_error("openapi: the license needs a name and at most one of identifier and url; left out");
        return;
    }
    cg_json_key(j, "license");
    cg_json_obj_begin(j);
    cg__openapi_write_optional(j, "name", name);
    cg__openapi_write_optional(j, "identifier", id);
    cg__openapi_write_optional(j, "url", url);
    cg_json_obj_end(j);
}

/* In the order of FastAPI's Info model. */
static void write_info(struct cg_json *j, const struct cg_app_opts *o)
{
    cg_json_key(j, "info");
    cg_json_obj_begin(j);
    cg__openapi_write_optional(j, "title", o->title);
    cg__openapi_write_optional(j, "summary", o->summary);
    cg__openapi_write_optional(j, "description", o->description);
    cg__openapi_write_optional(j, "termsOfService", o->terms_of_service);
    write_contact(j, o);
    write_license(j, o);
    cg__openapi_write_optional(j, "version", o->version);
    cg_json_obj_end(j);
}

static void build_document(struct cg_app *app)
{
    struct build b = { .app = app, .arena = cg_arena_new() };
    b.paths = cg_arena_alloc(b.arena, (app->nroutes ? app->nroutes : 1) * sizeof *b.paths);
    for (size_t i = 0; i < app->nroutes; i++)
        b.paths[i] = path_format(b.arena, app->routes[i].route->path);
    cg_buf_init(&app->openapi, NULL);
    struct cg_json j;
    cg_json_init(&j, &app->openapi);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "openapi");
    cg_json_cstr(&j, "3.1.0");
    write_info(&j, &app->opts);
    app->openapi_servers_at = app->openapi.len;
    write_paths(&j, &b);
    write_components(&j, app);
    cg__openapi_write_tags(&j, app);
    cg_json_obj_end(&j);
    cg_arena_free(b.arena);
}

cg_str cg__openapi_document(const struct cg_app *app)
{
    struct cg_app *a = (struct cg_app *)app; /* built once, then only read */
    if (!atomic_load_explicit(&a->openapi_built, memory_order_acquire)) {
        pthread_mutex_lock(&a->openapi_lock);
        if (!atomic_load_explicit(&a->openapi_built, memory_order_relaxed)) {
            build_document(a);
            atomic_store_explicit(&a->openapi_built, true, memory_order_release);
        }
        pthread_mutex_unlock(&a->openapi_lock);
    }
    return cg_buf_str(&a->openapi);
}

int cg__openapi_serve(struct cg_ctx *c)
{
    cg_str doc = cg__openapi_document(c->app);
    cg_str root = c->req->root_path;
    if (root.len == 0)
        return cg_send_json_raw(c, 200, doc);
    size_t at = c->app->openapi_servers_at;
    cg_send_json_raw(c, 200, (cg_str){ doc.ptr, at });
    struct cg_buf *body = &c->res->body;
    cg_buf_puts(body, ",\"servers\":[{\"url\":");
    cg_json_escape(body, root);
    cg_buf_puts(body, "}]");
    cg_buf_append(body, doc.ptr + at, doc.len - at);
    return 0;
}
