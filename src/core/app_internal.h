/* The inside of an app (app.c) and of a handler's context (handler.c), as
 * the pieces of the core that serve them see it. Types only: the functions
 * each piece offers are in its own header (router.h, handler.h, openapi.h,
 * docs.h). */
#ifndef CGATE_CORE_APP_INTERNAL_H
#define CGATE_CORE_APP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "cgate/cgate.h"
#include "core/router.h"

/* The built-in routes: the document, the two pages, Swagger UI's OAuth2
 * redirect page and the pages' assets (docs.c). */
enum { CG_BUILTIN_ROUTES = 5 };

struct cg_app {
    struct cg_app_opts opts;
    struct cg_middleware *middleware; /* in the order added: the last runs outermost */
    size_t nmiddleware;
    struct cg_route_rt *routes;
    size_t nroutes;
    struct cg__route_index *route_index; /* built once the routes are checked (route_index.c) */
    char error[512];              /* the first set-up or start-up error; "" when none */
    bool prepared;                /* routes checked, document built */
    bool started;
    struct cg_route builtin[CG_BUILTIN_ROUTES];
    char *assets_path;            /* "{docs_url}/static/{file}" */
    cg_str base_path;             /* normalised base_path option, on the heap; empty for none */
    struct cg_buf openapi;        /* the document, on the heap, once built */
    size_t openapi_servers_at;    /* where `servers` goes: after "info" */
    pthread_mutex_t openapi_lock; /* held while the document is built */
    atomic_bool openapi_built;
    size_t largest_input;         /* the largest body or parameter struct a route binds */
    struct cg_error_handler *error_handlers; /* cg_app_on_error, in the order registered */
    size_t nerror_handlers;
    struct cg_mounted_route *mounted; /* routes copied by cg_app_include, newest first */
};

struct cg_error_handler {
    int code;
    cg_error_fn fn;
};

struct cg_ctx {
    const struct cg_app *app;
    const struct cg_route_rt *rt;
    struct cg_request *req;
    struct cg_response *res;
    struct cg_value *values;      /* one per route param */
    void *params;                 /* CG_PARAMS_OF's struct, bound */
    void *body;
    struct cg_json *json;         /* the writer cg_json_begin handed out */
    bool responded;               /* a response helper was called */
    cg_str failure;               /* why the handler failed, for the log */
    cg_str misuse;                /* the first misuse of the handler API: the answer is a 500 */
    cg_str identity;              /* cg_set_identity's JSON; ptr NULL when none */
    bool raised;                  /* cg_raise was called: */
    int raised_code;              /* ...with this code */
    const char *raised_detail;    /* ...and this detail, in the request arena */
};

#endif
