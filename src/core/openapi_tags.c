/* The tags of the OpenAPI document: each operation's, and the document's
 * list (the declared ones first, with their metadata, then the others in
 * order of first use), as FastAPI writes them. */
#include "cgate/cgate.h"
#include "core/openapi.h"

/* The next tag of a comma-separated list, trimmed; advances *list. */
static cg_str next_tag(const char **list)
{
    const char *p = *list;
    while (*p == ' ' || *p == ',')
        p++;
    const char *end = p;
    while (*end && *end != ',')
        end++;
    *list = end;
    cg_str tag = { p, (size_t)(end - p) };
    while (tag.len && tag.ptr[tag.len - 1] == ' ')
        tag.len--;
    return tag;
}

/* Whether the comma-separated list holds `tag` before `until` (NULL: anywhere). */
static bool list_has(const char *list, const char *until, cg_str tag)
{
    for (cg_str t = next_tag(&list); t.len && (!until || t.ptr < until); t = next_tag(&list))
        if (cg_str_eq(t, tag))
            return true;
    return false;
}

/* Each tag once: a router's tags and its route's may overlap. */
void cg__openapi_write_route_tags(struct cg_json *j, const char *tags)
{
    const char *all = tags;
    cg_json_key(j, "tags");
    cg_json_arr_begin(j);
    for (cg_str tag = next_tag(&tags); tag.len; tag = next_tag(&tags))
        if (!list_has(all, tag.ptr, tag))
            cg_json_str(j, tag);
    cg_json_arr_end(j);
}

static bool tag_seen_before(const struct cg_app *app, size_t route, cg_str tag)
{
    for (size_t i = 0; i < route; i++) {
        const struct cg_route *r = app->routes[i].route;
        if (!r->hidden && r->tags && list_has(r->tags, NULL, tag))
            return true;
    }
    return list_has(app->routes[route].route->tags, tag.ptr, tag);
}

static bool tag_declared(const struct cg_app_opts *o, cg_str tag)
{
    for (const struct cg_tag_doc *t = o->tags; t && t->name; t++)
        if (cg_str_eq_c(tag, t->name))
            return true;
    return false;
}

/* {"name":...,"description":...,"externalDocs":{"description":...,"url":...}} */
static void write_tag_doc(struct cg_json *j, const struct cg_tag_doc *t)
{
    cg_json_obj_begin(j);
    cg__openapi_write_optional(j, "name", t->name);
    cg__openapi_write_optional(j, "description", t->description);
    if (t->docs_url) {
        cg_json_key(j, "externalDocs");
        cg_json_obj_begin(j);
        cg__openapi_write_optional(j, "description", t->docs_description);
        cg__openapi_write_optional(j, "url", t->docs_url);
        cg_json_obj_end(j);
    } else if (t->docs_description) {
        cg_error("openapi: tag %s: docs_description needs a docs_url; left out", t->name);
    }
    cg_json_obj_end(j);
}

/* The declared tags (opts.tags) as given, then every other route tag once,
 * in order of first use. */
void cg__openapi_write_tags(struct cg_json *j, const struct cg_app *app)
{
    const struct cg_tag_doc *declared = app->opts.tags;
    bool open = declared && declared->name;
    if (open) {
        cg_json_key(j, "tags");
        cg_json_arr_begin(j);
        for (const struct cg_tag_doc *t = declared; t->name; t++)
            write_tag_doc(j, t);
    }
    for (size_t i = 0; i < app->nroutes; i++) {
        const char *list = app->routes[i].route->tags;
        if (app->routes[i].route->hidden || !list)
            continue;
        for (cg_str tag = next_tag(&list); tag.len; tag = next_tag(&list)) {
            if (tag_declared(&app->opts, tag) || tag_seen_before(app, i, tag))
                continue;
            if (!open) {
                cg_json_key(j, "tags");
                cg_json_arr_begin(j);
                open = true;
            }
            cg_json_obj_begin(j);
            cg_json_key(j, "name");
            cg_json_str(j, tag);
            cg_json_obj_end(j);
        }
    }
    if (open)
        cg_json_arr_end(j);
}

/* "key":"value", when there is a value. */
void cg__openapi_write_optional(struct cg_json *j, const char *key, const char *value)
{
    if (!value)
        return;
    cg_json_key(j, key);
    cg_json_cstr(j, value);
}
