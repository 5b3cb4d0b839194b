/* Private interfaces between the pieces of the core. */
#ifndef CGATE_CORE_INTERNAL_H
#define CGATE_CORE_INTERNAL_H

#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <yajl/yajl_parse.h>

#include "cgate/cgate.h"

/* A converted and validated parameter or default value. */
struct cg_value {
    bool present;
    int64_t i;  /* CG_INT; CG_ENUM: the index in choices */
    double n;   /* CG_NUMBER */
    bool b;     /* CG_BOOL */
    cg_str s;   /* the text as received (every type), decoded */
    struct cg_value *items; /* a list parameter's values, in the arena */
    size_t nitems;
};

/* One entry of a 422 body; each part is already-serialised JSON so that any
 * shape of loc, input and ctx can be recorded. */
struct cg_verror {
    const char *type; /* "missing", "int_parsing", ... */
    cg_str loc;       /* JSON array, e.g. ["query","limit"] */
    cg_str msg;       /* plain text, escaped when written */
    cg_str input;     /* JSON value */
    cg_str ctx;       /* JSON object, or empty for none */
};

struct cg_verrors {
    struct cg_arena *arena;
    struct cg_verror *items;
    size_t n;
    size_t cap;
};

void cg_verrors_init(struct cg_verrors *e, struct cg_arena *arena);
void cg_verrors_add(struct cg_verrors *e, const char *type, cg_str loc, cg_str msg, cg_str input,
                    cg_str ctx);
void cg_verrors_append(struct cg_verrors *to, const struct cg_verrors *from);
/* {"detail":[{"type":..,"loc":..,"msg":..,"input":..(,"ctx":..)}, ...]} */
void cg_verrors_write(const struct cg_verrors *e, struct cg_buf *out);

/* yajl reads the \u escape of a lone UTF-16 surrogate as "?", or pairs it
 * with whatever escape follows: text would change silently. The offset of
 * the first such escape in `json`, or SIZE_MAX when there is none. */
size_t cg_json_find_lone_surrogate(cg_str json);

/* yajl's message for the error that stopped h on `json`, without its
 * "parse error: " prefix and its newline, in the arena. */
cg_str cg_yajl_reason(struct cg_arena *a, yajl_handle h, cg_str json);

/* Patterns are compiled once at start-up (cg_pattern_compile, which reports
 * a bad expression in `err`) and looked up by their string's address while
 * serving; the registry is read-only once the app has started. */
int cg_pattern_compile(const char *pattern, char *err, size_t errlen);
const regex_t *cg_pattern_get(const char *pattern);
void cg_patterns_free(void);

/* Convert the text of a path/query/header/cookie value to `type` and check
 * the constraints. On failure adds FastAPI's error(s) at `loc` (a JSON
 * array) and returns -1. */
int cg_value_parse(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c,
                   cg_str text, cg_str loc, struct cg_value *out, struct cg_verrors *errs);

/* Bind a request body to a model struct `out` (zeroed by the caller),
 * FastAPI-style: JSON when the content type is absent, application/json or
 * +json; missing body -> "missing"; not JSON, or nested deeper than
 * CG_JSON_MAX_DEPTH -> "json_invalid"; not an object ->
 * "model_attributes_type"; then every field's errors, nested models and
 * lists included, at most CG_BODY_MAX_ERRORS of them. Strings and list
 * items in `out` point into the arena. Returns 0 or -1 with errors added. */
#define CG_BODY_MAX_ERRORS 1000
int cg_body_bind(struct cg_arena *a, const struct cg_model *m, cg_str content_type, cg_str body,
                 void *out, struct cg_verrors *errs);
/* Check a model's table and the models it nests, at start-up: types,
 * enum choices, patterns (compiled here), list and nested struct members.
 * Logs what is wrong and returns -1. NULL is fine. */
int cg_model_prepare(const struct cg_model *m);

/* ---- app internals shared by app.c, router.c and handler helpers ---- */

#define CG_MAX_SEGMENTS 32

struct cg_segment {
    cg_str text;        /* literal text, or the parameter name */
    bool is_param;
    bool is_path;       /* {name:path}: matches the rest, slashes included */
};

struct cg_route_rt {
    const struct cg_route *route;
    struct cg_segment segments[CG_MAX_SEGMENTS];
    int nsegments;
    bool trailing_slash;          /* the template ends with '/' */
    size_t nparams;
    struct cg_value *defaults;    /* per param; present when a default is declared */
    const char **wire_names;      /* per param: the name in the request ("user-agent") */
};

/* Match `path` against a route; on success fills values (one per path
 * parameter, in template order) and returns true. */
bool cg_route_match(const struct cg_route_rt *rt, cg_str path, cg_str *values, int *nvalues);
int cg_route_compile(struct cg_route_rt *rt, const struct cg_route *route, char *err, size_t errlen);

/* The built-in routes: the document, the two pages, Swagger UI's OAuth2
 * redirect page and the pages' assets (docs.c). */
enum { CG_BUILTIN_ROUTES = 5 };

struct cg_app {
    struct cg_app_opts opts;
    struct cg_middleware *middleware; /* in the order added: the last runs outermost */
    size_t nmiddleware;
    struct cg_route_rt *routes;
    size_t nroutes;
    bool prepared;                /* routes checked, document built */
    bool started;
    struct cg_route builtin[CG_BUILTIN_ROUTES];
    char *assets_path;            /* "{docs_url}/static/{file}" */
    cg_str base_path;             /* normalised base_path option, on the heap; empty for none */
    struct cg_buf openapi;        /* the document, on the heap, once built */
    size_t openapi_servers_at;    /* where `servers` goes: after "info" */
    pthread_mutex_t openapi_lock; /* held while the document is built */
    atomic_bool openapi_built;
};

/* The document, built from the route tables on its first use, as FastAPI's
 * app.openapi() is: a cold start that serves no docs does not pay for it.
 * Safe from any thread once the app is prepared. And the handler that
 * serves it (openapi.c). */
cg_str cg_openapi_document(const struct cg_app *app);
int cg_openapi_serve(struct cg_ctx *c);
/* Append the routes that serve the document and the docs pages to
 * app->builtin per the app's options; returns how many (docs.c). */
size_t cg_docs_routes(struct cg_app *app);

struct cg_ctx {
    const struct cg_app *app;
    const struct cg_route_rt *rt;
    struct cg_request *req;
    struct cg_response *res;
    struct cg_value *values;      /* one per route param */
    void *body;
    struct cg_json *json;         /* the writer cg_json_begin handed out */
    bool responded;               /* a response helper was called */
    cg_str failure;               /* why the handler failed, for the log */
    cg_str identity;              /* cg_set_identity's JSON; ptr NULL when none */
};

/* {"detail": "..."} with this status, replacing whatever the response held. */
void cg_response_detail(struct cg_response *res, int status, const char *detail);
/* An HTTP token (RFC 9110 §5.6.2): a header name, a method. */
bool cg_is_token(cg_str s);

/* Bind and validate the route's parameters and body, then run its handler;
 * 422 on invalid input, 500 when the handler fails. */
void cg_route_run(const struct cg_app *app, const struct cg_route_rt *rt, const cg_str *path_values,
                  struct cg_request *req, struct cg_response *res);
/* Whether the route's security lets this caller in (always, without one). */
bool cg_route_admits(const struct cg_app *app, const struct cg_route_rt *rt, struct cg_request *req);

#endif
