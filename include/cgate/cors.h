/* CORS with the semantics of Starlette's CORSMiddleware (1.10), checked
 * case by case against it (tests/cors_cases.py). docs/middleware.md has the
 * rules in full.
 *
 *   static const char *const origins[] = { "https://app.example.com", NULL };
 *   if (cg_app_use_cors(app, &(struct cg_cors_opts){ .allow_origins = origins,
 *                                                    .allow_credentials = true }) != 0)
 *       ... logged, and cg_app_error(app) says what is wrong ...
 *
 * Every list is NULL-terminated; a NULL list takes Starlette's default. */
#ifndef CGATE_CORS_H
#define CGATE_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"
#include "response.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;

/* max_age: send `Access-Control-Max-Age: 0` (0 itself means the default). */
#define CG_CORS_MAX_AGE_ZERO (-1)

struct cg_cors_opts {
    /* Origins allowed, compared exactly ("https://a.example", no trailing
     * slash); "*" allows any, without credentials. Default: none. */
    const char *const *allow_origins;
    /* Also allowed: origins the whole of which match this POSIX extended
     * regular expression (Starlette: re.fullmatch), e.g.
     * "https://([a-z0-9-]+\\.)?example\\.org". NULL: none. */
    const char *allow_origin_regex;
    /* Methods a preflight may ask for, compared exactly; "*" means DELETE,
     * GET, HEAD, OPTIONS, PATCH, POST, PUT and QUERY. Default: { "GET" }. */
    const char *const *allow_methods;
    /* Request headers a preflight may ask for, besides the CORS-safelisted
     * Accept, Accept-Language, Content-Language and Content-Type (any case);
     * "*" allows any. Default: only those four. */
    const char *const *allow_headers;
    /* Access-Control-Allow-Credentials: true, with the allowed origins
     * listed or matched by the regex: "*" with credentials is refused, since
     * it would let any site read what the user's cookies unlock. */
    bool allow_credentials;
    /* Answer Private Network Access preflights
     * (Access-Control-Request-Private-Network); refused (400) otherwise. */
    bool allow_private_network;
    /* Response headers scripts may read (Access-Control-Expose-Headers). */
    const char *const *expose_headers;
    /* Seconds a browser may cache a preflight answer: 0 = Starlette's 600,
     * CG_CORS_MAX_AGE_ZERO = no caching. */
    int max_age;
};

/* A CORS policy: the options checked and their headers computed once. */
struct cg_cors;

/* NULL with a message in err when an option is invalid: a regular
 * expression that does not compile, a method or header name that is not an
 * HTTP token, "*" in allow_origins with allow_credentials, a negative
 * max_age. The options are copied. */
struct cg_cors *cg_cors_new(const struct cg_cors_opts *opts, char *err, size_t errlen);
void cg_cors_free(struct cg_cors *cors);

/* The middleware: answers preflights itself, adds the CORS headers to every
 * other response (the core's 404, 405 and 422 included). Last added runs
 * outermost (include/cgate/middleware.h); add CORS last so that it also
 * sees what other middleware answers. Before cg_app_start. Returns 0, or
 * -1 for an invalid option (as cg_cors_new) or an app that has started:
 * a set-up error of the app (app.h: logged, kept, and the app never
 * starts). */
int cg_app_use_cors(struct cg_app *app, const struct cg_cors_opts *opts);

/* The same, by hand, for a handler that manages CORS itself (no
 * middleware): from a route that accepts OPTIONS,
 *
 *   if (cg_cors_answer_preflight(cors, cg_req(c), cg_take_response(c)))
 *       return 0;
 *   ... write the response ...
 *   cg_cors_add_headers(cors, cg_req(c), cg_take_response(c));
 *
 * cg_cors_answer_preflight returns false, leaving res alone, unless req is
 * a preflight (OPTIONS with Origin and Access-Control-Request-Method); then
 * res holds the whole answer, 200 "OK" or 400 "Disallowed CORS ...".
 * cg_cors_add_headers adds the headers to a response already written. */
bool cg_cors_answer_preflight(const struct cg_cors *cors, const struct cg_request *req, struct cg_response *res);
void cg_cors_add_headers(const struct cg_cors *cors, const struct cg_request *req, struct cg_response *res);

#ifdef __cplusplus
}
#endif

#endif
