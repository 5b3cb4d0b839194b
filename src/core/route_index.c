/* Finding a request's route without trying every route.
 *
 * Routing's rule is Starlette's: the first route in declaration order whose
 * path matches and whose methods include the request's wins (router.c's
 * cg__route_match decides what matches). Trying each route in turn costs a
 * request time in proportion to the table, so the table is indexed once, at
 * start-up, by a trie of template segments, and the index serves as a filter:
 * a lookup walks the path through the trie, collects the routes that may
 * match, and tries only those, in declaration order, with cg__route_match.
 * A route left out is one that cannot match, so the answer is the one the
 * full scan would give; the index can make routing faster, never different.
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

struct cg__route_index {
    struct node *nodes; /* nodes[ROOT] first */
    uint32_t nnodes;
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
static uint32_t new_node(struct cg__route_index *index)
{
    return index->nnodes++;
}

static uint32_t add_literal(struct cg__route_index *index, uint32_t node, cg_str text)
{
    struct node *at = &index->nodes[node];
    uint32_t i = literal_position(at, text);
    if (i < at->nliterals && text_order(at->literals[i].text, text) == 0)
        return at->literals[i].child;
    at->literals = grow(at->literals, at->nliterals, sizeof *at->literals);
    memmove(&at->literals[i + 1], &at->literals[i], (at->nliterals - i) * sizeof *at->literals);
    at->literals[i] = (struct edge){ text, new_node(index) };
    at->nliterals++;
    return at->literals[i].child;
}

static uint32_t add_param(struct cg__route_index *index, uint32_t node)
{
    struct node *at = &index->nodes[node];
    if (at->param == NONE)
        at->param = new_node(index);
    return at->param;
}

static void add_route(struct cg__route_index *index, const struct cg_route_rt *rt, uint32_t id)
{
    uint32_t node = ROOT;
    for (int i = 0; i < rt->nsegments; i++) {
        const struct cg_segment *seg = &rt->segments[i];
        if (seg->is_path) {
            append_id(&index->nodes[node].rests, id); /* a trailing '/' after it changes nothing */
            return;
        }
        node = seg->is_param ? add_param(index, node) : add_literal(index, node, seg->text);
    }
    if (rt->trailing_slash || rt->nsegments == 0)
        node = add_literal(index, node, CG_STR(""));
    append_id(&index->nodes[node].ends, id);
}

struct cg__route_index *cg__route_index_build(const struct cg_route_rt *routes, size_t nroutes)
{
    size_t most = 1; /* the root, and per route a node per segment and one for a trailing '/' */
    for (size_t i = 0; i < nroutes; i++)
        most += (size_t)routes[i].nsegments + 1;
    struct cg__route_index *index = cg_xmalloc(sizeof *index);
    index->nodes = calloc(most, sizeof *index->nodes);
    if (!index->nodes)
        cg_oom();
    index->nnodes = 1;
    for (size_t i = 0; i < nroutes; i++)
        add_route(index, &routes[i], (uint32_t)i);
    index->nodes = cg_xrealloc(index->nodes, index->nnodes * sizeof *index->nodes);
    return index;
}

void cg__route_index_free(struct cg__route_index *index)
{
    if (!index)
        return;
    for (uint32_t i = 0; i < index->nnodes; i++) {
        free(index->nodes[i].literals);
        free(index->nodes[i].ends.ids);
        free(index->nodes[i].rests.ids);
    }
    free(index->nodes);
    free(index);
}

/* ---- lookup ---- */

struct walk {
    const struct cg__route_index *index;
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
        add_candidates(w, &w->index->nodes[child].ends);
    else
        walk(w, child, end + 1);
}

/* `node` has taken the pieces before `pos`, where the next one starts. */
static void walk(struct walk *w, uint32_t node, size_t pos)
{
    if (w->n == CG__ROUTE_CANDIDATES_ALL)
        return;
    const struct node *at = &w->index->nodes[node];
    add_candidates(w, &at->rests);
    const char *slash = memchr(w->path.ptr + pos, '/', w->path.len - pos);
    size_t end = slash ? (size_t)(slash - w->path.ptr) : w->path.len;
    cg_str piece = { w->path.ptr + pos, end - pos };
    follow(w, literal_child(at, piece), end);
    if (piece.len)
        follow(w, at->param, end);
}

size_t cg__route_candidates(const struct cg__route_index *index, cg_str path,
                            uint32_t ids[CG__ROUTE_CANDIDATES_MAX])
{
    if (!index)
        return CG__ROUTE_CANDIDATES_ALL;
    struct walk w = { index, path, ids, 0 };
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

bool cg__route_find(const struct cg_app *app, cg_str path, unsigned method, struct cg__route_lookup *out)
{
    out->route = NULL;
    out->allowed = 0;
    uint32_t ids[CG__ROUTE_CANDIDATES_MAX];
    size_t n = cg__route_candidates(app->route_index, path, ids);
    bool all = n == CG__ROUTE_CANDIDATES_ALL;
    for (size_t k = 0, count = all ? app->nroutes : n; k < count; k++)
        if (try_route(&app->routes[all ? k : ids[k]], path, method, out))
            return true;
    return out->allowed != 0;
}
