/* Path templates: "/api/items/{item_id}", "/files/{rest:path}".
 *
 * A template is split into segments once, at start-up. Matching walks the
 * decoded request path segment by segment, with no allocation: parameter
 * values are slices of the path. Routes are tried in declaration order, as
 * Starlette does, so the first route that matches wins (route_index.c
 * leaves out those that cannot match). */
#include <stdio.h>

#include "cgate/cgate.h"
#include "core/router.h"

static int compile_error(char *err, size_t errlen, const struct cg_route *route, const char *why)
{
    snprintf(err, errlen, "route %s: %s", route->path ? route->path : "(null)", why);
    return -1;
}

static bool valid_param_name(cg_str name)
{
    if (name.len == 0)
        return false;
    for (size_t i = 0; i < name.len; i++) {
        char c = name.ptr[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

/* "{name}" or "{name:path}" into a parameter segment; -1 if malformed. */
static int parse_param_segment(cg_str text, struct cg_segment *seg)
{
    cg_str inner = { text.ptr + 1, text.len - 2 };
    const char *colon = memchr(inner.ptr, ':', inner.len);
    seg->is_param = true;
    seg->text = inner;
    if (colon) {
        cg_str convertor = { colon + 1, (size_t)(inner.ptr + inner.len - colon - 1) };
        if (!cg_str_eq(convertor, CG_STR("path")))
            return -1;
        seg->text.len = (size_t)(colon - inner.ptr);
        seg->is_path = true;
    }
    return valid_param_name(seg->text) ? 0 : -1;
}

int cg__route_compile(struct cg_route_rt *rt, const struct cg_route *route, char *err, size_t errlen)
{
    memset(rt, 0, sizeof *rt);
    rt->route = route;
    if (!route->path || route->path[0] != '/')
        return compile_error(err, errlen, route, "the path must start with '/'");
    if (!route->handler)
        return compile_error(err, errlen, route, "no handler");
    cg_str path = cg_str_c(route->path);
    size_t pos = 1;
    while (pos < path.len) {
        const char *slash = memchr(path.ptr + pos, '/', path.len - pos);
        size_t end = slash ? (size_t)(slash - path.ptr) : path.len;
        cg_str text = { path.ptr + pos, end - pos };
        if (text.len == 0)
            return compile_error(err, errlen, route, "empty segment ('//')");
        if (rt->nsegments == CG_MAX_SEGMENTS)
            return compile_error(err, errlen, route, "too many segments");
        if (rt->nsegments && rt->segments[rt->nsegments - 1].is_path)
            return compile_error(err, errlen, route, "a {name:path} parameter must be last");
        struct cg_segment *seg = &rt->segments[rt->nsegments++];
        if (text.ptr[0] == '{' && text.ptr[text.len - 1] == '}') {
            if (parse_param_segment(text, seg) != 0)
                return compile_error(err, errlen, route, "bad parameter (want {name} or {name:path})");
        } else if (memchr(text.ptr, '{', text.len) || memchr(text.ptr, '}', text.len)) {
            return compile_error(err, errlen, route, "a parameter must fill a whole segment");
        } else {
            seg->text = text;
        }
        if (!slash)
            break;
        pos = end + 1;
        if (pos == path.len)
            rt->trailing_slash = true;
    }
    return 0;
}

bool cg__route_match(const struct cg_route_rt *rt, cg_str path, cg_str *values, int *nvalues)
{
    if (path.len == 0 || path.ptr[0] != '/')
        return false;
    size_t pos = 1;
    *nvalues = 0;
    for (int i = 0; i < rt->nsegments; i++) {
        const struct cg_segment *seg = &rt->segments[i];
        if (seg->is_path) {
            values[(*nvalues)++] = (cg_str){ path.ptr + pos, path.len - pos };
            return true;
        }
        const char *slash = memchr(path.ptr + pos, '/', path.len - pos);
        size_t end = slash ? (size_t)(slash - path.ptr) : path.len;
        cg_str text = { path.ptr + pos, end - pos };
        if (seg->is_param) {
            if (text.len == 0)
                return false;
            values[(*nvalues)++] = text;
        } else if (!cg_str_eq(text, seg->text)) {
            return false;
        }
        pos = end;
        bool last = i == rt->nsegments - 1;
        if (!last || rt->trailing_slash) {
            if (pos == path.len)
                return false;
            pos++; /* the '/' */
        }
    }
    return pos == path.len;
}
