/* JSON Schemas for the OpenAPI document, in the shapes pydantic v2 gives
 * FastAPI: the value of a parameter, the model components with their
 * fields, and the validation error components. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/int64.h"
#include "core/model.h"
#include "core/schema.h"

static const char *const type_names[] = {
    [CG_STRING] = "string", [CG_INT] = "integer", [CG_NUMBER] = "number",
    [CG_BOOL] = "boolean",  [CG_ENUM] = "string",
};

/* FastAPI's HTTPValidationError and ValidationError, which every 422
 * response refers to. Fixed text: the 422 body never changes shape. */
static const char http_validation_error[] =
    "{\"properties\":{\"detail\":{\"items\":{\"$ref\":\"#/components/schemas/ValidationError\"},"
    "\"type\":\"array\",\"title\":\"Detail\"}},\"type\":\"object\",\"title\":\"HTTPValidationError\"}";
static const char validation_error[] =
    "{\"properties\":{\"loc\":{\"items\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
    "\"type\":\"array\",\"title\":\"Location\"},\"msg\":{\"type\":\"string\",\"title\":\"Message\"},"
    "\"type\":{\"type\":\"string\",\"title\":\"Error Type\"},\"input\":{\"title\":\"Input\"},"
    "\"ctx\":{\"type\":\"object\",\"title\":\"Context\"}},\"type\":\"object\","
    "\"required\":[\"loc\",\"msg\",\"type\"],\"title\":\"ValidationError\"}";

void cg__title_case(struct cg_buf *out, const char *name)
{
    bool after_letter = false;
    for (const char *p = name; *p; p++) {
        int ch = *p == '_' ? ' ' : (unsigned char)*p;
        bool letter = isalpha(ch);
        if (letter)
            ch = after_letter ? tolower(ch) : toupper(ch);
        after_letter = letter;
        cg_buf_putc(out, (char)ch);
    }
}

static void write_title(struct cg_json *j, const char *name)
{
    struct cg_buf title;
    cg_buf_init(&title, NULL);
    cg__title_case(&title, name);
    cg_json_key(j, "title");
    cg_json_str(j, cg_buf_str(&title));
    cg_buf_free(&title);
}

/* An int's bounds as integers, as pydantic writes them for an int field. */
static void write_bound(struct cg_json *j, enum cg_type type, const char *key, double v)
{
    cg_json_key(j, key);
    if (type == CG_INT && cg_is_int64(v))
        cg_json_int(j, (int64_t)v);
    else
        cg_json_num(j, v);
}

static void write_choices(struct cg_json *j, const char *const *choices)
{
    cg_json_key(j, "enum");
    cg_json_arr_begin(j);
    for (size_t i = 0; choices[i]; i++)
        cg_json_cstr(j, choices[i]);
    cg_json_arr_end(j);
}

/* "type" and the constraints of one value, without the braces. */
static void write_type(struct cg_json *j, enum cg_type type, const struct cg_constraints *c)
{
    cg_json_key(j, "type");
    cg_json_cstr(j, type_names[type]);
    /* OpenAPI's format registry: int64 is a signed 64-bit integer, which
     * says the bounds every CG_INT has (pydantic's int has none). */
    if (type == CG_INT) {
        cg_json_key(j, "format");
        cg_json_cstr(j, "int64");
    }
    if (type == CG_ENUM)
        write_choices(j, c->choices);
    if (c->has_gt)
        write_bound(j, type, "exclusiveMinimum", c->gt);
    if (c->has_ge)
        write_bound(j, type, "minimum", c->ge);
    if (c->has_lt)
        write_bound(j, type, "exclusiveMaximum", c->lt);
    if (c->has_le)
        write_bound(j, type, "maximum", c->le);
    if (type != CG_STRING)
        return;
    if (c->min_len) {
        cg_json_key(j, "minLength");
        cg_json_int(j, (int64_t)c->min_len);
    }
    if (c->max_len) {
        cg_json_key(j, "maxLength");
        cg_json_int(j, (int64_t)c->max_len);
    }
    if (c->pattern) {
        cg_json_key(j, "pattern");
        cg_json_cstr(j, c->pattern);
    }
}

/* The value's type, or an array of it, without the braces. */
static void write_value_type(struct cg_json *j, const struct cg_schema_of *s)
{
    if (!s->list) {
        write_type(j, s->type, s->c);
        return;
    }
    cg_json_key(j, "type");
    cg_json_cstr(j, "array");
    cg_json_key(j, "items");
    cg_json_obj_begin(j);
    write_type(j, s->type, s->c);
    cg_json_obj_end(j);
}

static void write_default(struct cg_json *j, enum cg_type type, const struct cg_value *v)
{
    cg_json_key(j, "default");
    switch (type) {
    case CG_INT:
        cg_json_int(j, v->i);
        break;
    case CG_NUMBER:
        cg_json_num(j, v->n);
        break;
    case CG_BOOL:
        cg_json_bool(j, v->b);
        break;
    case CG_STRING:
    case CG_ENUM:
        cg_json_str(j, v->s);
        break;
    }
}

void cg__schema_write(struct cg_json *j, const struct cg_schema_of *s)
{
    cg_json_obj_begin(j);
    if (s->nullable) {
        cg_json_key(j, "anyOf");
        cg_json_arr_begin(j);
        cg_json_obj_begin(j);
        write_value_type(j, s);
        cg_json_obj_end(j);
        cg_json_raw(j, CG_STR("{\"type\":\"null\"}"));
        cg_json_arr_end(j);
    } else {
        write_value_type(j, s);
    }
    if (s->def)
        write_default(j, s->type, s->def);
    write_title(j, s->name);
    if (s->description) {
        cg_json_key(j, "description");
        cg_json_cstr(j, s->description);
    }
    cg_json_obj_end(j);
}

/* "#/components/schemas/Name", as a JSON string. */
static void write_ref_path(struct cg_json *j, const struct cg_model *m)
{
    struct cg_buf ref;
    cg_buf_init(&ref, NULL);
    cg_buf_printf(&ref, "#/components/schemas/%s", m->name);
    cg_json_str(j, cg_buf_str(&ref));
    cg_buf_free(&ref);
}

void cg__schema_ref(struct cg_json *j, const struct cg_model *m)
{
    cg_json_obj_begin(j);
    cg_json_key(j, "$ref");
    write_ref_path(j, m);
    cg_json_obj_end(j);
}

/* ---- components ---- */

static void write_required(struct cg_json *j, const struct cg_model *m)
{
    bool any = false;
    for (size_t i = 0; i < m->nfields; i++)
        any |= cg_field_required(&m->fields[i]);
    if (!any)
        return;
    cg_json_key(j, "required");
    cg_json_arr_begin(j);
    for (size_t i = 0; i < m->nfields; i++)
        if (cg_field_required(&m->fields[i]))
            cg_json_cstr(j, m->fields[i].name);
    cg_json_arr_end(j);
}

bool cg__route_validates(const struct cg_route_rt *rt)
{
    return rt->nparams > 0 || rt->route->body;
}

static void write_count(struct cg_json *j, const char *key, size_t n)
{
    cg_json_key(j, key);
    cg_json_int(j, (int64_t)n);
}

/* A list field's array, without the braces, in pydantic's key order. */
static void write_array(struct cg_json *j, const struct cg_field *f)
{
    cg_json_key(j, "items");
    if (f->model) {
        cg__schema_ref(j, f->model);
    } else {
        cg_json_obj_begin(j);
        write_type(j, f->type, &f->c);
        cg_json_obj_end(j);
    }
    cg_json_key(j, "type");
    cg_json_cstr(j, "array");
    if (f->max_items)
        write_count(j, "maxItems", f->max_items);
    if (f->min_items)
        write_count(j, "minItems", f->min_items);
}

/* A field's value without the braces: an array, a nested model's $ref, or
 * a scalar type. */
static void write_field_type(struct cg_json *j, const struct cg_field *f)
{
    if (f->list) {
        write_array(j, f);
    } else if (f->model) {
        cg_json_key(j, "$ref");
        write_ref_path(j, f->model);
    } else {
        write_type(j, f->type, &f->c);
    }
}

/* A model field in pydantic's key order: its type (anyOf with null when
 * optional), title (none for a nested model), description, default. */
static void write_field(struct cg_json *j, const struct cg_model *m, const struct cg_field *f)
{
    cg_json_key(j, f->name);
    cg_json_obj_begin(j);
    if (f->optional) {
        cg_json_key(j, "anyOf");
        cg_json_arr_begin(j);
        cg_json_obj_begin(j);
        write_field_type(j, f);
        cg_json_obj_end(j);
        cg_json_raw(j, CG_STR("{\"type\":\"null\"}"));
        cg_json_arr_end(j);
    } else {
        write_field_type(j, f);
    }
    if (f->list || !f->model)
        write_title(j, f->name);
    if (f->description) {
        cg_json_key(j, "description");
        cg_json_cstr(j, f->description);
    }
    cg__model_write_default(j, m, f);
    cg_json_obj_end(j);
}

static void write_model(struct cg_json *j, const struct cg_model *m)
{
    cg_json_key(j, m->name);
    cg_json_obj_begin(j);
    cg_json_key(j, "properties");
    cg_json_obj_begin(j);
    for (size_t i = 0; i < m->nfields; i++)
        write_field(j, m, &m->fields[i]);
    cg_json_obj_end(j);
    cg_json_key(j, "type");
    cg_json_cstr(j, "object");
    write_required(j, m);
    cg_json_key(j, "title");
    cg_json_cstr(j, m->name);
    cg_json_obj_end(j);
}

/* A schema of components.schemas: a model, or fixed JSON. */
struct component {
    const char *name;
    const struct cg_model *model;
    cg_str json;
};

struct components {
    struct component *items;
    size_t n;
};

static void add_component(struct components *set, const char *name, const struct cg_model *m, cg_str json)
{
    set->items = cg_xrealloc(set->items, (set->n + 1) * sizeof *set->items);
    set->items[set->n++] = (struct component){ name, m, json };
}

/* Each model once (by address), with the models its fields nest; a second
 * model with a taken name is left out. */
static void add_model(struct components *set, const struct cg_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < set->n; i++) {
        if (set->items[i].model == m)
            return;
        if (strcmp(set->items[i].name, m->name) == 0) {
            cg_warn("openapi: two models are named %s; the document shows the first", m->name);
            return;
        }
    }
    add_component(set, m->name, m, CG_STR(""));
    for (size_t i = 0; i < m->nfields; i++)
        add_model(set, m->fields[i].model);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct component *)a)->name, ((const struct component *)b)->name);
}

static void collect(struct components *set, const struct cg_app *app)
{
    bool validation = false;
    for (size_t i = 0; i < app->nroutes; i++) {
        const struct cg_route_rt *rt = &app->routes[i];
        const struct cg_route *r = rt->route;
        if (r->hidden)
            continue;
        add_model(set, r->body);
        add_model(set, r->response);
        for (const struct cg_response_doc *d = r->responses; d && d->status; d++)
            add_model(set, d->model);
        validation |= cg__route_validates(rt);
    }
    if (validation) {
        add_component(set, "HTTPValidationError", NULL, CG_STR(http_validation_error));
        add_component(set, "ValidationError", NULL, CG_STR(validation_error));
    }
    if (set->n) /* FastAPI sorts them */
        qsort(set->items, set->n, sizeof *set->items, by_name);
}

void cg__schema_components(struct cg_json *j, const struct cg_app *app)
{
    struct components set = { 0 };
    collect(&set, app);
    if (set.n) {
        cg_json_key(j, "components");
        cg_json_obj_begin(j);
        cg_json_key(j, "schemas");
        cg_json_obj_begin(j);
        for (size_t i = 0; i < set.n; i++) {
            if (set.items[i].model) {
                write_model(j, set.items[i].model);
                continue;
            }
            cg_json_key(j, set.items[i].name);
            cg_json_raw(j, set.items[i].json);
        }
        cg_json_obj_end(j);
        cg_json_obj_end(j);
    }
    free(set.items);
}
