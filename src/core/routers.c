/* Routers: route tables declared in their own files and mounted by the app
 * under a prefix, with tags and security (cg_app_include). Each mounted
 * route is a copy owned by the app, with the combined path and tags; its
 * handler, parameters and models stay the table's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/routers.h"

/* Routers include routers; a table that includes itself would never end. */
enum { MAX_ROUTER_DEPTH = 16 };

struct cg_mounted_route {
    struct cg_mounted_route *next;
    struct cg_route route;
    char text[]; /* the path, then the tags */
};

/* What the enclosing routers add to a route. */
struct mount {
    char prefix[512];
    char tags[512];
    const struct cg_security *security;
    bool deprecated, hidden;
};

static bool prefix_valid(const char *prefix)
{
    size_t n = strlen(prefix);
    return n == 0 || (prefix[0] == '/' && prefix[n - 1] != '/');
}

/* outer's tags, then inner's, as one comma-separated list ("" for none);
 * false when they do not fit. */
static bool join_tags(char *out, size_t size, const char *outer, const char *inner)
{
    inner = inner ? inner : "";
    return (size_t)snprintf(out, size, "%s%s%s", outer, *outer && *inner ? "," : "", inner) < size;
}

static int mount_route(struct cg_app *app, const struct mount *m, const struct cg_route *route)
{
    const char *path = route->path ? route->path : "";
    char tags[sizeof m->tags];
    if (!join_tags(tags, sizeof tags, m->tags, route->tags))
        return cg_app_fail(app, "cg_app_include: route %s: the tags are too long", path);
    size_t path_len = strlen(m->prefix) + strlen(path);
    if (path_len == 0)
        return cg_app_fail(app, "cg_app_include: route %s has an empty path and no prefix",
                           route->name ? route->name : "?");
    struct cg_mounted_route *mr = malloc(sizeof *mr + path_len + 1 + strlen(tags) + 1);
    if (!mr)
        cg_oom();
    char *text = mr->text;
    snprintf(text, path_len + 1, "%s%s", m->prefix, path);
    char *tag_text = text + path_len + 1;
    strcpy(tag_text, tags);
    mr->route = *route;
    mr->route.path = text;
    mr->route.tags = *tag_text ? tag_text : NULL;
    if (!mr->route.security)
        mr->route.security = m->security;
    mr->route.deprecated |= m->deprecated;
    mr->route.hidden |= m->hidden;
    mr->next = app->mounted;
    app->mounted = mr;
    return cg_app_routes(app, &mr->route, 1);
}

static int mount_router(struct cg_app *app, const struct mount *outer, const struct cg_router *r, int depth)
{
    const char *prefix = r->prefix ? r->prefix : "";
    if (depth > MAX_ROUTER_DEPTH)
        return cg_app_fail(app, "cg_app_include: routers nested deeper than %d (does one include itself?)",
                           MAX_ROUTER_DEPTH);
    if (!prefix_valid(prefix))
        return cg_app_fail(app, "cg_app_include: prefix \"%s\" must start with '/' and not end with '/'", prefix);
    struct mount m = { .security = r->security ? r->security : outer->security,
                       .deprecated = outer->deprecated || r->deprecated,
                       .hidden = outer->hidden || r->hidden };
    if ((size_t)snprintf(m.prefix, sizeof m.prefix, "%s%s", outer->prefix, prefix) >= sizeof m.prefix)
        return cg_app_fail(app, "cg_app_include: prefix %s%s is too long", outer->prefix, prefix);
    if (!join_tags(m.tags, sizeof m.tags, outer->tags, r->tags))
        return cg_app_fail(app, "cg_app_include: router %s: the tags are too long", m.prefix);
    for (size_t i = 0; i < r->nroutes; i++)
        if (mount_route(app, &m, &r->routes[i]) != 0)
            return -1;
    for (const struct cg_router *const *sub = r->routers; sub && *sub; sub++)
        if (mount_router(app, &m, *sub, depth + 1) != 0)
            return -1;
    return 0;
}

int cg_app_include(struct cg_app *app, const struct cg_router *router)
{
    if (app->prepared)
        return cg_app_fail(app, "cg_app_include: the app has started; add routes before cg_app_start");
    static const struct mount top;
    return mount_router(app, &top, router, 0);
}

void cg__app_free_mounted(struct cg_app *app)
{
    while (app->mounted) {
        struct cg_mounted_route *next = app->mounted->next;
        free(app->mounted);
        app->mounted = next;
    }
}
