/* Finding a request's route without trying every route.
 *
 * Routing's rule is Starlette's: the first route in declaration order whose
 * path matches and whose methods include the request's wins (router.c's
 * cg__route_match decides what matches). Trying each route in turn costs a
 * request time in proportion to the table, so the table is indexed once by
 * a trie of template segments, and the index serves as a filter: a lookup
 * walks the path through the trie, collects the routes that may match, and
 * tries only those, in declaration order, with cg__route_match. A route
 * left out is one that cannot match, so the answer is the one the full scan
 * would give; the index can make routing faster, never different.
 *
 * The trie is built by the second lookup, not at start-up: the first scans
 * the table instead, which costs less than building the trie, and on Lambda
 * the first lookup is part of the cold start.
 *
 * The trie, in the terms of cg__route_match: a path "/a/b" is the pieces
 * "a" and "b" (every '/' ends one; "/" is one empty piece, "/a/" is "a" and
 * ""). A template's literal segment matches an equal piece; {name} any
 * non-empty piece; a trailing '/' (and the template "/") an empty last
 * piece, so it is stored as a literal "" segment; {name:path} whatever is
 * left, provided a piece is left, however many. Each node has its literal
 * children sorted (binary search), one child for {name}, the routes whose
 * template ends there and those whose {name:path} starts there.
 *
 * A walk may follow both a literal and the {name} child of a node, but each
 * node is reached from its parent only, so a lookup visits each node at
 * most once: never more work than the trie's size, the sum of the routes'
 * segments, however the templates overlap. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/route_index.h"

enum { ROOT = 0, NONE = 0 }; /* no node has the root as a child */

struct id_list {
    uint32_t *ids; /* route indexes, ascending: routes are added in order */
    uint32_t n;
};

struct edge {
    cg_str text;
    uint32_t child;
};

struct node {
    struct edge *literals; /* sorted by text_order */
    uint32_t nliterals;
    uint32_t param;        /* the child for a {name} segment, or NONE */
    struct id_list ends;   /* routes whose template ends at this node */
    struct id_list rests;  /* routes whose {name:path} takes what follows it */
};

struct trie {
    struct node *nodes; /* nodes[ROOT] first */
    uint32_t nnodes;
};

struct cg__route_index {
    const struct cg_route_rt *routes;
    size_t nroutes;
    atomic_bool looked_up;       /* by a first lookup, which scans the table */
    _Atomic(struct trie *) trie; /* built by a lookup after it */
};

/* Capacity doubles at each power of two, so an array needs no count of
 * its own: n is the number of elements in use. */
static void *grow(void *array, size_t n, size_t size)
{
    if (n & (n - 1))
        return array;
    return cg_xrealloc(array, (n ? 2 * n : 1) * size);
}

static void append_id(struct id_list *list, uint32_t id)
{
    list->ids = grow(list->ids, list->n, sizeof *list->ids);
    list->ids[list->n++] = id;
}

/* Any total order will do: length first is quick to tell apart. */
static int text_order(cg_str a, cg_str b)
{
    if (a.len != b.len)
        return a.len < b.len ? -1 : 1;
    return memcmp(a.ptr, b.ptr, a.len);
}

/* The position of the first literal edge of `at` not before `text`. */
static uint32_t literal_position(const struct node *at, cg_str text)
{
    uint32_t lo = 0, hi = at->nliterals;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (text_order(at->literals[mid].text, text) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t literal_child(const struct node *at, cg_str text)
{
    uint32_t i = literal_position(at, text);
    return i < at->nliterals && text_order(at->literals[i].text, text) == 0 ? at->literals[i].child : NONE;
}

/* ---- building ---- */

/* The nodes are allocated at once for the most a table can need, so that
 * a pointer to one stays valid while others are added. */
static uint32_t new_node(struct trie *trie)
{
    return trie->nnodes++;
}

static uint32_t add_literal(struct trie *trie, uint32_t node, cg_str text)
{
    struct node *at = &trie->nodes[node];
    uint32_t i = literal_position(at, text);
    if (i < at->nliterals && text_order(at->literals[i].text, text) == 0)
        return at->literals[i].child;
    at->literals = grow(at->literals, at->nliterals, sizeof *at->literals);
    memmove(&at->literals[i + 1], &at->literals[i], (at->nliterals - i) * sizeof *at->literals);
    at->literals[i] = (struct edge){ text, new_node(trie) };
    at->nliterals++;
    return at->literals[i].child;
}

static uint32_t add_param(struct trie *trie, uint32_t node)
{
    struct node *at = &trie->nodes[node];
    if (at->param == NONE)
        at->param = new_node(trie);
    return at->param;
}

static void add_route(struct trie *trie, const struct cg_route_rt *rt, uint32_t id)
{
    uint32_t node = ROOT;
    for (int i = 0; i < rt->nsegments; i++) {
        const struct cg_segment *seg = &rt->segments[i];
        if (seg->is_path) {
            append_id(&trie->nodes[node].rests, id); /* a trailing '/' after it changes nothing */
            return;
        }
        node = seg->is_param ? add_param(trie, node) : add_literal(trie, node, seg->text);
    }
    if (rt->trailing_slash || rt->nsegments == 0)
        node = add_literal(trie, node, CG_STR(""));
    append_id(&trie->nodes[node].ends, id);
}

static struct trie *build_trie(const struct cg_route_rt *routes, size_t nroutes)
{
    size_t most = 1; /* the root, and per route a node per segment and one for a trailing '/' */
    for (size_t i = 0; i < nroutes; i++)
        most += (size_t)routes[i].nsegments + 1;
    struct trie *trie = cg_xmalloc(sizeof *trie);
    trie->nodes = calloc(most, sizeof *trie->nodes);
    if (!trie->nodes)
        cg_oom();
    trie->nnodes = 1;
    for (size_t i = 0; i < nroutes; i++)
        add_route(trie, &routes[i], (uint32_t)i);
    trie->nodes = cg_xrealloc(trie->nodes, trie->nnodes * sizeof *trie->nodes);
    return trie;
}

static void free_trie(struct trie *trie)
{
    for (uint32_t i = 0; i < trie->nnodes; i++) {
        free(trie->nodes[i].literals);
        free(trie->nodes[i].ends.ids);
        free(trie->nodes[i].rests.ids);
    }
    free(trie->nodes);
    free(trie);
}

struct cg__route_index *cg__route_index_new(const struct cg_route_rt *routes, size_t nroutes)
{
    struct cg__route_index *index = cg_xmalloc(sizeof *index);
    index->routes = routes;
    index->nroutes = nroutes;
    atomic_init(&index->looked_up, false);
    atomic_init(&index->trie, NULL);
    return index;
}

void cg__route_index_free(struct cg__route_index *index)
{
    if (!index)
        return;
    struct trie *trie = atomic_load(&index->trie);
    if (trie)
        free_trie(trie);
    free(index);
}

/* The trie, built by the first caller to need it. Threads that race here
 * each build one; the first stored is everyone's, the others are freed. */
static const struct trie *trie_of(struct cg__route_index *index)
{
    struct trie *trie = atomic_load(&index->trie);
    if (trie)
        return trie;
    struct trie *built = build_trie(index->routes, index->nroutes);
    if (atomic_compare_exchange_strong(&index->trie, &trie, built))
        return built;
    free_trie(built);
    return trie;
}

/* ---- lookup ---- */

struct walk {
    const struct trie *trie;
    cg_str path;
    uint32_t *ids; /* the candidates so far, ascending */
    size_t n;      /* CG__ROUTE_CANDIDATES_ALL once there are too many */
};

static void add_candidates(struct walk *w, const struct id_list *list)
{
    for (uint32_t k = 0; k < list->n; k++) {
        if (w->n >= CG__ROUTE_CANDIDATES_MAX) { /* full, or already ALL */
            w->n = CG__ROUTE_CANDIDATES_ALL;
            return;
        }
        size_t at = w->n++; /* a node's list, and so each id, is reached once */
        for (; at > 0 && w->ids[at - 1] > list->ids[k]; at--)
            w->ids[at] = w->ids[at - 1];
        w->ids[at] = list->ids[k];
    }
}

static void walk(struct walk *w, uint32_t node, size_t pos);

/* The child that took the piece ending at `end`: its routes end there when
 * the piece was the path's last; otherwise the walk goes on past the '/'. */
static void follow(struct walk *w, uint32_t child, size_t end)
{
    if (child == NONE)
        return;
    if (end == w->path.len)
        add_candidates(w, &w->trie->nodes[child].ends);
    else
        walk(w, child, end + 1);
}

/* `node` has taken the pieces before `pos`, where the next one starts. */
static void walk(struct walk *w, uint32_t node, size_t pos)
{
    if (w->n == CG__ROUTE_CANDIDATES_ALL)
        return;
    const struct node *at = &w->trie->nodes[node];
    add_candidates(w, &at->rests);
    const char *slash = memchr(w->path.ptr + pos, '/', w->path.len - pos);
    size_t end = slash ? (size_t)(slash - w->path.ptr) : w->path.len;
    cg_str piece = { w->path.ptr + pos, end - pos };
    follow(w, literal_child(at, piece), end);
    if (piece.len)
        follow(w, at->param, end);
}

size_t cg__route_candidates(struct cg__route_index *index, cg_str path, uint32_t ids[CG__ROUTE_CANDIDATES_MAX])
{
    if (!index)
        return CG__ROUTE_CANDIDATES_ALL;
    struct walk w = { trie_of(index), path, ids, 0 };
    if (path.len && path.ptr[0] == '/')
        walk(&w, ROOT, 1);
    return w.n;
}

/* GET routes answer HEAD too, as in Starlette. */
static unsigned route_methods(const struct cg_route *route)
{
    return route->methods & CG_M_GET ? route->methods | CG_M_HEAD : route->methods;
}

/* One step of the declaration-order scan: true when rt wins. */
static bool try_route(const struct cg_route_rt *rt, cg_str path, unsigned method, struct cg__route_lookup *out)
{
    cg_str values[CG_MAX_SEGMENTS];
    int nvalues;
    if (!cg__route_match(rt, path, values, &nvalues))
        return false;
    unsigned methods = route_methods(rt->route);
    out->allowed |= methods;
    if (!(methods & method))
        return false;
    out->route = rt;
    memcpy(out->values, values, (size_t)nvalues * sizeof *values);
    out->nvalues = nvalues;
    return true;
}

/* True for the index's first lookup only; the test before the exchange
 * keeps later lookups from writing to a line every thread reads. */
static bool first_lookup(struct cg__route_index *index)
{
    return !atomic_load_explicit(&index->looked_up, memory_order_relaxed) && !atomic_exchange(&index->looked_up, true);
}

bool cg__route_find(const struct cg_app *app, cg_str path, unsigned method, struct cg__route_lookup *out)
{
    out->route = NULL;
    out->allowed = 0;
    uint32_t ids[CG__ROUTE_CANDIDATES_MAX];
    struct cg__route_index *index = app->route_index;
    size_t n = index && first_lookup(index) ? CG__ROUTE_CANDIDATES_ALL : cg__route_candidates(index, path, ids);
    bool all = n == CG__ROUTE_CANDIDATES_ALL;
    for (size_t k = 0, count = all ? app->nroutes : n; k < count; k++)
        if (try_route(&app->routes[all ? k : ids[k]], path, method, out))
            return true;
    return out->allowed != 0;
}
