/* The application: routes declared in static const tables, start-up and
 * shutdown hooks, and the transport-free entry point cg_app_handle().
 *
 * An app is built in main(), frozen by cg_app_start() (which compiles the
 * route table, parses defaults and regexes, runs the start-up hook) and is
 * read-only afterwards: every worker thread can serve from it without locks. */
#ifndef CGATE_APP_H
#define CGATE_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "params.h"
#include "request.h"
#include "response.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;
struct cg_ctx; /* one request being handled; valid until the handler returns */

/* A handler returns 0 once it has produced a response, or a negative value
 * on failure: the core then answers 500 {"detail":"Internal Server Error"}
 * and logs the cause given with cg_fail(). */
typedef int (*cg_handler)(struct cg_ctx *c);

/* A response the docs list besides the success one, e.g. { 404, "Item not
 * found" }; a model gives its body's schema. */
struct cg_response_doc {
    int status;
    const char *description;
    const struct cg_model *model;
};
#define CG_RESPONSES(...) ((const struct cg_response_doc[]){ __VA_ARGS__, { 0 } })

/* A header of the success response, for the docs (its schema a string),
 * e.g. { "Link", "The next page (RFC 8288)" }. */
struct cg_header_doc {
    const char *name;
    const char *description;
};
#define CG_HEADERS(...) ((const struct cg_header_doc[]){ __VA_ARGS__, { 0 } })

/* Who may call a route: FastAPI's security dependencies (HTTPBearer,
 * APIKeyHeader). The core checks it after routing and before binding the
 * parameters, so a request without the right credentials gets 401 or 403,
 * never a 422; the document lists it under components.securitySchemes and
 * the operation's `security`, and Swagger UI's "Authorize" fills it in.
 *
 * Answers: no credential or CG_AUTH_INVALID -> 401 with
 * `WWW-Authenticate: Bearer` (API keys: `APIKey`), {"detail":"Not
 * authenticated"} or {"detail":"Invalid authentication credentials"};
 * CG_AUTH_FORBIDDEN -> 403 {"detail":"Not enough permissions"}. */
enum cg_auth_result { CG_AUTH_OK, CG_AUTH_INVALID, CG_AUTH_FORBIDDEN };

enum cg_security_kind {
    CG_SEC_BEARER,  /* Authorization: Bearer <token> (scheme matched ignoring case) */
    CG_SEC_API_KEY, /* a header carrying the key, e.g. x-api-key */
};

struct cg_security {
    const char *name;              /* its key under components.securitySchemes: "bearerAuth" */
    enum cg_security_kind kind;
    const char *header;            /* CG_SEC_API_KEY: the header's name */
    const char *bearer_format;     /* CG_SEC_BEARER, documentation only: "JWT" */
    const char *description;
    /* Judge a credential that is present (the token, or the key). It may
     * record who is calling with cg_set_identity. Called from every worker
     * thread at once: state must be read-only. */
    enum cg_auth_result (*check)(const struct cg_security *s, struct cg_ctx *c, cg_str credential);
    void *state;
    /* Set before cg_app_start to switch the requirement off everywhere:
     * neither checked nor documented (e.g. no token configured). */
    bool disabled;
};

struct cg_route {
    unsigned methods;              /* enum cg_method bits */
    const char *path;              /* "/api/items/{item_id}", "/files/{rest:path}" */
    cg_handler handler;
    const char *name;              /* operation name; CG_ROUTE uses the handler's name */
    const char *summary;
    const char *description;
    const char *tags;              /* comma-separated */
    const struct cg_param *params; /* CG_PARAMS(...), terminated by an entry with no name */
    const struct cg_model *body;   /* JSON body bound and validated before the handler runs */
    const struct cg_model *response; /* the success body's schema; cg_json_model sends only its fields */
    bool response_list;            /* the success body is an array of `response` */
    int status;                    /* success status for the docs; default 200 */
    const struct cg_response_doc *responses; /* CG_RESPONSES(...): other statuses, for the docs */
    const struct cg_header_doc *response_headers; /* CG_HEADERS(...): the success response's, for the docs */
    bool deprecated;
    bool hidden;                   /* not in the OpenAPI document (FastAPI's include_in_schema=False) */
    /* The handler may wait (a database, a network call): the local server
     * runs it on its blocking pool, off the event loop, as FastAPI runs a
     * `def` endpoint in a thread; Lambda and the test client run it inline. */
    bool blocking;
    const struct cg_security *security; /* who may call it; NULL: anyone */
    /* Takes an Idempotency-Key (idempotency.h): a repeat gets the first
     * response again; needs cg_app_use_idempotency. */
    bool idempotent;
    /* Seconds a gateway cache (the deploy kit's REST API) may serve this
     * route's response: the document's x-cgate-cache-ttl. 0: not cached. */
    int cache_ttl;
};

#define CG_ROUTE(m, p, h, ...) { .methods = (m), .path = (p), .handler = (h), .name = #h, __VA_ARGS__ }
#define CG_GET(p, h, ...)    CG_ROUTE(CG_M_GET, p, h, __VA_ARGS__)
#define CG_POST(p, h, ...)   CG_ROUTE(CG_M_POST, p, h, __VA_ARGS__)
#define CG_PUT(p, h, ...)    CG_ROUTE(CG_M_PUT, p, h, __VA_ARGS__)
#define CG_PATCH(p, h, ...)  CG_ROUTE(CG_M_PATCH, p, h, __VA_ARGS__)
#define CG_DELETE(p, h, ...) CG_ROUTE(CG_M_DELETE, p, h, __VA_ARGS__)

/* What the document says about a tag (FastAPI's openapi_tags). */
struct cg_tag_doc {
    const char *name;
    const char *description;       /* Markdown */
    const char *docs_url;          /* externalDocs.url */
    const char *docs_description;  /* externalDocs.description */
};
#define CG_TAGS(...) ((const struct cg_tag_doc[]){ __VA_ARGS__, { 0 } })

struct cg_app_opts {
    const char *title;
    const char *version;
    const char *description;       /* Markdown */
    /* The rest of the document's info, as FastAPI's arguments of the same
     * names; NULL leaves a field out. A license has a url or an SPDX
     * identifier ("MIT"), not both. */
    const char *summary;
    const char *terms_of_service;  /* a URL */
    struct { const char *name, *url, *email; } contact;
    struct { const char *name, *identifier, *url; } license;
    /* CG_TAGS({ "items", "Manage items.", .docs_url = "https://..." }, ...):
     * listed first in the document's `tags`, in this order; the routes'
     * other tags follow in order of first use. */
    const struct cg_tag_doc *tags;
    /* Runs once in cg_app_start, before any request; non-zero aborts start-up. */
    int (*on_startup)(struct cg_app *app);
    /* Runs once in cg_app_stop, after the last request. */
    void (*on_shutdown)(struct cg_app *app);
    void *data;                    /* the app's own state, see cg_app_data() */
    /* Where the OpenAPI document and the docs pages are served: NULL keeps
     * the default ("/openapi.json", "/docs", "/redoc"), "" switches one off
     * (without the document, both pages are off too). The pages' scripts are
     * served from {docs_url}/static/ (or {redoc_url}/static/). */
    const char *openapi_url;
    const char *docs_url;
    const char *redoc_url;
    /* Load Swagger UI and ReDoc from this npm CDN (e.g.
     * "https://cdn.jsdelivr.net/npm") instead of the copies embedded in the
     * binary. Builds with -DCG_EMBED_DOCS=OFF embed none and use jsDelivr. */
    const char *docs_cdn_url;
    /* Lambda behind a custom domain: the API mapping's path ("/api/v1"),
     * stripped on whole segments from every request path and made the
     * root path (docs links, `servers`). $CG_BASE_PATH overrides it. */
    const char *base_path;
};

/* Ownership: the app keeps pointers to opts' strings and to the route
 * tables; both must outlive it (they are normally static). */
struct cg_app *cg_app_new(const struct cg_app_opts *opts);
void cg_app_free(struct cg_app *app);

/* Setting an app up. Every registration (cg_app_routes, cg_app_use,
 * cg_app_use_cors, cg_app_use_compression) and cg_app_start report errors
 * one way: they return -1 after logging one ERROR line that names what is
 * wrong (the route, the field, the setting), and the app keeps the first
 * such message. An app that holds one never starts: cg_app_start returns -1
 * and cg_main exits 1 with the message, even when main() ignored the value
 * a registration returned. */

/* Add a table of routes; call before cg_app_start. A route whose path
 * template is invalid is an error naming it. */
int cg_app_routes(struct cg_app *app, const struct cg_route *routes, size_t n);

/* A group of routes declared in its own file and mounted by the app, as
 * FastAPI's APIRouter and include_router:
 *
 *   // users.c
 *   static const struct cg_route routes[] = { CG_GET("/{user_id}", read_user), ... };
 *   const struct cg_router users_router = CG_ROUTER(routes, .prefix = "/users", .tags = "users");
 *   // main.c
 *   extern const struct cg_router users_router;
 *   cg_app_include(app, &users_router);
 *
 * Every path gets the prefix (a route path "" is the prefix itself); every
 * route gets the router's tags before its own, and the router's security
 * when it declares none; a deprecated or hidden router makes all its routes
 * so. Routers nest through .routers: prefixes and tags add up, the nearest
 * security wins. */
struct cg_router {
    const struct cg_route *routes;
    size_t nroutes;
    const char *prefix;            /* "/users": starts with '/', no trailing '/'; NULL: none */
    const char *tags;              /* comma-separated */
    const struct cg_security *security; /* for the routes that declare none */
    bool deprecated;
    bool hidden;
    const struct cg_router *const *routers; /* CG_ROUTERS(&a, &b): mounted under this one */
};
#define CG_ROUTER(table, ...) { .routes = (table), .nroutes = CG_LEN(table), __VA_ARGS__ }
#define CG_ROUTERS(...)       ((const struct cg_router *const[]){ __VA_ARGS__, NULL })
/* Add a router's routes (and its routers'); call before cg_app_start. The
 * app keeps its own copies of the combined routes; the tables must live as
 * long as the app (their handlers, params and models are shared). */
int cg_app_include(struct cg_app *app, const struct cg_router *router);

/* An app's own errors, answered in one place, as FastAPI's exception
 * handlers: a handler, or a function it calls with its context, returns
 * cg_raise() with one of the app's error codes, and the function the app
 * registered for that code writes the response.
 *
 *   enum { ERR_NOT_FOUND = 1, ERR_CONFLICT };
 *   static int not_found(struct cg_ctx *c, int code, const char *detail)
 *   {
 *       return cg_http_error(c, 404, detail);
 *   }
 *   cg_app_on_error(app, ERR_NOT_FOUND, not_found);
 *   ... return cg_raise(c, ERR_NOT_FOUND, "no item %lld", (long long)id);
 *
 * The function runs in the handler's place, with the same context and the
 * same rules (it must answer). A code with no function, a second raise, or
 * a raise after the response was begun is a misuse: a logged 500 naming
 * the route and the code. */
typedef int (*cg_error_fn)(struct cg_ctx *c, int code, const char *detail);
/* One function per code; before cg_app_start. */
int cg_app_on_error(struct cg_app *app, int code, cg_error_fn fn);
/* Record the error for the app's function; returns -1, for `return cg_raise(...)`. */
int cg_raise(struct cg_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Compile the tables (parameters, models, patterns, security), then run the
 * start-up hook. Returns 0, or -1 as above. Once started, the app is
 * read-only; starting it again does nothing. */
int cg_app_start(struct cg_app *app);
/* The first set-up or start-up error (the message of its ERROR line), or
 * NULL when there is none. Owned by the app. */
const char *cg_app_error(const struct cg_app *app);
/* For code that registers on an app, as middleware set-up does: log fmt as
 * an ERROR line and keep it as the app's error when it is the first.
 * Returns -1. */
int cg_app_fail(struct cg_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_app_stop(struct cg_app *app);
void *cg_app_get_data(const struct cg_app *app);
void cg_app_set_data(struct cg_app *app, void *data);
const struct cg_app_opts *cg_app_options(const struct cg_app *app);
/* The base path in force once started: "" or "/api/v1" (no trailing '/'). */
cg_str cg_app_base_path(const struct cg_app *app);
/* The OpenAPI 3.1 document (compact JSON, without `servers`), built from the
 * route tables once, on first use (this call or a request for it). Owned by
 * the app. ptr NULL when the tables are invalid (the cause is logged). */
cg_str cg_app_openapi(struct cg_app *app);

/* The core: route, bind, validate, run the handler, map failures. The
 * response lives in req->arena. Safe to call from several threads at once. */
void cg_app_handle(const struct cg_app *app, struct cg_request *req, struct cg_response *res);
/* For a transport that has a request's head before its body (the local
 * server): whether the app turns the request away whatever its body says:
 * no route (404, or a trailing-slash redirect), a method the path does not
 * take (405), or a caller the route's security refuses (401, 403). req
 * holds the head and an empty body. When true, the transport sets
 * req->body_withheld, answers with cg_app_handle without reading the body,
 * and closes the connection. */
bool cg_app_refuses_head(const struct cg_app *app, struct cg_request *req);
/* The route the request's method and path select, as the app will run it
 * (GET routes take HEAD; the docs pages are hidden routes), or NULL when no
 * route takes the method and path. For a middleware or a transport that
 * acts on what a route declares. */
const struct cg_route *cg_app_route_of(const struct cg_app *app, struct cg_request *req);

/* ---- inside a handler ---- */
struct cg_request *cg_req(struct cg_ctx *c);
/* Take the response over, to write what no helper covers: from then on it
 * is the handler's, sent as it stands (200 unless set) when the handler
 * returns 0 — taking it is answering, as the name says. */
struct cg_response *cg_take_response(struct cg_ctx *c);
struct cg_arena *cg_arena(struct cg_ctx *c);
void *cg_app_data(struct cg_ctx *c);
const struct cg_route *cg_route_of(struct cg_ctx *c);

/* The route's typed parameters (CG_PARAMS_OF), bound and validated:
 *   const struct list_query *q = cg_params(c);
 * On a route without them the request answers a logged 500 naming the
 * route, whatever the handler sends; the pointer is then to zeros, as large
 * as any parameter or body struct of the app, so reading it cannot fault. */
const void *cg_params(struct cg_ctx *c);
/* Validated parameter values, by declared name. A name the route does not
 * declare, or a getter of another kind than the declaration's (cg_param_bool
 * on a CG_INT, cg_param_count on a single value, an item past a list's end)
 * makes the request answer a logged 500 naming the route and the parameter,
 * whatever the handler sends; the getter returns 0/empty. cg_param_str also
 * reads an enum's text. */
bool cg_param_has(struct cg_ctx *c, const char *name);
int64_t cg_param_int(struct cg_ctx *c, const char *name);
double cg_param_num(struct cg_ctx *c, const char *name);
cg_str cg_param_str(struct cg_ctx *c, const char *name);  /* also an enum's text */
bool cg_param_bool(struct cg_ctx *c, const char *name);
int cg_param_enum(struct cg_ctx *c, const char *name);    /* index in choices */
/* A list parameter (.list): how many values, and each one (i < count). */
size_t cg_param_count(struct cg_ctx *c, const char *name);
int64_t cg_param_int_at(struct cg_ctx *c, const char *name, size_t i);
double cg_param_num_at(struct cg_ctx *c, const char *name, size_t i);
cg_str cg_param_str_at(struct cg_ctx *c, const char *name, size_t i);
/* The bound body (a struct of route->body->size bytes). On a route without
 * .body: a logged 500 naming the route, and zeros as cg_params() gives. */
const void *cg_body(struct cg_ctx *c);
/* Whether the request's body sent `field` (pydantic's model_fields_set, for
 * a PATCH): "price", or "owner.city" through nested models, each declared
 * with CG_MODEL_SENT. A name the model lacks, or a model that records
 * nothing, is a logged 500, as a misused cg_param_*. */
bool cg_body_has(struct cg_ctx *c, const char *field);

/* Responses. Each returns 0 so a handler can `return cg_json_model(...)`. */
int cg_send(struct cg_ctx *c, int status, const char *content_type, const void *body, size_t len);
int cg_send_text(struct cg_ctx *c, int status, cg_str text);
int cg_send_json_raw(struct cg_ctx *c, int status, cg_str json);
int cg_send_empty(struct cg_ctx *c, int status);
/* Start a JSON response and return the writer into its body. */
struct cg_json *cg_json_begin(struct cg_ctx *c, int status);
/* Serialise a model struct; only the model's fields are sent. */
int cg_json_model(struct cg_ctx *c, int status, const struct cg_model *m, const void *obj);
void cg_json_write_model(struct cg_json *j, const struct cg_model *m, const void *obj);
/* {"detail": "..."} with this status, as FastAPI's HTTPException: the
 * framework's error shape. cg_send_error (gateway.h) is the other one, the
 * app's structured {"error":{"code",..},"requestId"}: pick one per API. */
int cg_http_error(struct cg_ctx *c, int status, const char *detail);
int cg_add_header(struct cg_ctx *c, const char *name, cg_str value);
/* The caller's identity as a security check recorded it (JSON text, e.g.
 * a JWT's claims; copied into the request arena); ptr NULL when none. */
void cg_set_identity(struct cg_ctx *c, cg_str json);
cg_str cg_identity(struct cg_ctx *c);
/* Run fn once the response has left (cg_request_defer). */
void cg_after_response(struct cg_ctx *c, cg_deferred_fn fn, void *arg);
/* Record why the handler fails (logged, never sent); returns -1. */
int cg_fail(struct cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- running ---- */
struct cg_serve_opts {
    const char *host;              /* default "127.0.0.1" (cg_main: --host or $HOST) */
    int port;                      /* 0 picks a free port (cg_main defaults to 8000 or $PORT) */
    int workers;                   /* 0: one per core */
    size_t max_body;               /* default 6 MB, as Lambda */
    size_t max_header;             /* request line + headers; default 16 KB */
    int max_connections;           /* per worker; default 10000 */
    unsigned header_timeout_ms;    /* default 10 s */
    unsigned body_timeout_ms;      /* between body reads, and for writes; default 30 s */
    size_t max_body_memory;        /* request input buffered by all connections together,
                                      past which a body gets 503; default 256 MB */
    unsigned min_body_rate;        /* bytes/s a body must average after its first
                                      body_timeout_ms, or 408; default 1024 */
    unsigned idle_timeout_ms;      /* keep-alive; default 5 s (as uvicorn) */
    int blocking_threads;          /* the pool running blocking routes, for all workers; default 40 */
    int blocking_queue;            /* requests waiting for a pool thread, past which 503; default 256 */
    bool quiet;                    /* no access log */
};

/* Serve until SIGINT/SIGTERM; returns 0 after a clean drain. */
int cg_serve(struct cg_app *app, const struct cg_serve_opts *opts);

/* The program: `serve` (default), `invoke`, `openapi` (print the document)
 * and `--help`, and the Lambda loop when AWS_LAMBDA_RUNTIME_API is set.
 * Starts and stops the app; returns the exit status. */
int cg_main(struct cg_app *app, int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
