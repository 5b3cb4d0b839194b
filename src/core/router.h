/* Routes (router.c): path templates compiled once, and matched against a
 * request's path. */
#ifndef CGATE_CORE_ROUTER_H
#define CGATE_CORE_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "cgate/app.h"
#include "core/validate.h"

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
    size_t params_size;           /* CG_PARAMS_OF: sizeof the struct bound for cg_params; else 0 */
};

/* Match `path` against a route; on success fills values (one per path
 * parameter, in template order) and returns true. */
bool cg__route_match(const struct cg_route_rt *rt, cg_str path, cg_str *values, int *nvalues);
int cg__route_compile(struct cg_route_rt *rt, const struct cg_route *route, char *err, size_t errlen);

#endif
