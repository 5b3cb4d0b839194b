/* Finding a request's route (route_index.c): an index of the route table,
 * built once, that narrows the routes a path may match to a few candidates,
 * and the lookup that tries those in declaration order. */
#ifndef CGATE_CORE_ROUTE_INDEX_H
#define CGATE_CORE_ROUTE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/router.h"

struct cg_app;
struct cg__route_index;

/* What routing found for a method and a path. */
struct cg__route_lookup {
    const struct cg_route_rt *route; /* path and method match */
    unsigned allowed;                /* methods of the routes tried whose path matched */
    cg_str values[CG_MAX_SEGMENTS];  /* the route's path parameters, in template order */
    int nvalues;
};

/* More candidates than this and a lookup tries every route instead. */
enum { CG__ROUTE_CANDIDATES_MAX = 64 };
#define CG__ROUTE_CANDIDATES_ALL SIZE_MAX

/* The index of a checked table, which must stay where it is: nothing is
 * built yet (see cg__route_find). */
struct cg__route_index *cg__route_index_new(const struct cg_route_rt *routes, size_t nroutes);
void cg__route_index_free(struct cg__route_index *index);

/* The indexes of the routes that may match `path`, ascending, into ids;
 * their number, or CG__ROUTE_CANDIDATES_ALL when any route may (too many,
 * or no index). Every route that matches is among them. The first call
 * builds the index's trie; thread-safe. */
size_t cg__route_candidates(struct cg__route_index *index, cg_str path, uint32_t ids[CG__ROUTE_CANDIDATES_MAX]);

/* The first route in declaration order whose path matches and whose
 * methods include `method`; false when no route's path matches. The app's
 * first lookup tries every route: it costs less than building the trie,
 * which the lookups after it build and use. */
bool cg__route_find(const struct cg_app *app, cg_str path, unsigned method, struct cg__route_lookup *out);

#endif
