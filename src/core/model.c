/* Models outside request binding: the start-up checks of their tables and
 * their defaults, which fields an object was sent with, and writing a
 * struct as JSON with only the model's fields, as FastAPI's response_model
 * filtering does. */
#include <stdio.h>

#include "cgate/cgate.h"
#include "core/body.h"
#include "core/model.h"
#include "core/patterns.h"
#include "core/validate.h"

/* Deeper chains of distinct nested models are refused at start-up. */
#define MAX_MODEL_NESTING 32

/* ---- start-up checks ---- */

static int field_fails(const struct cg_model *m, const struct cg_field *f, const char *why)
{
    cg_error("model %s: field %s: %s", m->name, f->name, why);
    return -1;
}

static int check_field(const struct cg_model *m, const struct cg_field *f)
{
    char err[256];
    bool scalar = !f->model;
    if (scalar && (f->type < CG_STRING || f->type > CG_ENUM))
        return field_fails(m, f, "no type");
    if (scalar && f->type == CG_ENUM && !f->c.choices)
        return field_fails(m, f, "an enum needs choices");
    if (f->list && f->member_size != sizeof(struct cg_list))
        return field_fails(m, f, "a list needs a struct cg_list member");
    if (f->list && f->max_items && f->min_items > f->max_items)
        return field_fails(m, f, "min_items is above max_items");
    if (!f->list && f->model && f->member_size != f->model->size)
        return field_fails(m, f, "the member is not a struct of the nested model's type");
    if (f->c.pattern && cg__pattern_compile(f->c.pattern, err, sizeof err) != 0) {
        cg_error("model %s: field %s: bad pattern %s: %s", m->name, f->name, f->c.pattern, err);
        return -1;
    }
    return 0;
}

/* ---- defaults ----
 *
 * A model with defaults gets, at start-up, its initial object: a struct
 * with every default bound as if the request had sent it (so a default
 * passes the same conversions and constraints), zero elsewhere. Binding an
 * object starts from a copy of it. Strings and list items of defaults
 * live as long as the process; handlers only read them (cg_body is const).
 *
 * pydantic does not validate defaults unless asked; here a default that
 * does not bind is a mistake in a table, caught before the first request. */

struct initial {
    const struct cg_model *m; /* the key */
    void *obj;
    struct initial *next;
};

static struct initial *initials;
static struct cg_arena *defaults_arena; /* the objects and what they point to */

static const void *initial_of(const struct cg_model *m)
{
    for (const struct initial *i = initials; i; i = i->next)
        if (i->m == m)
            return i->obj;
    return NULL;
}

static bool has_defaults(const struct cg_model *m)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (m->fields[i].def)
            return true;
    return false;
}

static void log_bad_default(const struct cg_model *m, const struct cg_field *f, const struct cg_verror *e)
{
    cg_error("model %s: field %s: the default %s is not valid: %.*s at %.*s%s%.*s", m->name, f->name, f->def,
             (int)e->msg.len, e->msg.ptr, (int)e->loc.len, e->loc.ptr, e->ctx.len ? " " : "", (int)e->ctx.len,
             e->ctx.ptr);
}

/* The nested models' initial objects must be there already: check_model
 * builds them first. */
static int build_initial(const struct cg_model *m)
{
    if (!has_defaults(m) || initial_of(m))
        return 0;
    if (!defaults_arena)
        defaults_arena = cg_arena_new();
    void *obj = cg_arena_zalloc(defaults_arena, m->size);
    for (size_t i = 0; i < m->nfields; i++) {
        const struct cg_field *f = &m->fields[i];
        struct cg_verrors errs;
        cg__verrors_init(&errs, defaults_arena);
        if (f->def && !cg_field_defaults_to_none(f) && cg__body_bind_default(defaults_arena, f, obj, &errs) != 0) {
            log_bad_default(m, f, &errs.items[0]);
            return -1;
        }
    }
    struct initial *i = cg_arena_alloc(defaults_arena, sizeof *i);
    *i = (struct initial){ m, obj, initials };
    initials = i;
    return 0;
}

void cg__model_init(const struct cg_model *m, void *obj)
{
    const void *initial = initial_of(m);
    if (initial)
        memcpy(obj, initial, m->size);
    else
        memset(obj, 0, m->size);
}

/* `path` holds the models that contain m, to stop at a model that refers
 * to itself (a tree: CG_FIELD_MODEL_LIST of its own model). */
static int check_model(const struct cg_model *m, const struct cg_model **path, int depth)
{
    for (int i = 0; i < depth; i++)
        if (path[i] == m)
            return 0;
    if (depth == MAX_MODEL_NESTING) {
        cg_error("model %s: models nested more than %d deep", m->name, MAX_MODEL_NESTING);
        return -1;
    }
    path[depth] = m;
    if (m->sent_offset && m->nfields > CG_MODEL_MAX_SENT) {
        cg_error("model %s: CG_MODEL_SENT records at most %d fields", m->name, CG_MODEL_MAX_SENT);
        return -1;
    }
    for (size_t i = 0; i < m->nfields; i++) {
        const struct cg_field *f = &m->fields[i];
        if (check_field(m, f) != 0 || (f->model && check_model(f->model, path, depth + 1) != 0))
            return -1;
    }
    return build_initial(m);
}

int cg__model_prepare(const struct cg_model *m)
{
    const struct cg_model *path[MAX_MODEL_NESTING];
    return m ? check_model(m, path, 0) : 0;
}

/* ---- writing ---- */

static void write_choice(struct cg_json *j, const char *const *choices, int index)
{
    for (int i = 0; choices[i]; i++) {
        if (i == index) {
            cg_json_cstr(j, choices[i]);
            return;
        }
    }
    /* Not one of the choices: FastAPI's response validation would fail too. */
    j->failed = true;
}

static void write_scalar(struct cg_json *j, const struct cg_field *f, const void *p)
{
    switch (f->type) {
    case CG_STRING:
        if (((const cg_str *)p)->ptr)
            cg_json_str(j, *(const cg_str *)p);
        else
            cg_json_null(j);
        break;
    case CG_INT:
        cg_json_int(j, *(const int64_t *)p);
        break;
    case CG_NUMBER:
        cg_json_num(j, *(const double *)p);
        break;
    case CG_BOOL:
        cg_json_bool(j, *(const bool *)p);
        break;
    case CG_ENUM:
        write_choice(j, f->c.choices, *(const int *)p);
        break;
    }
}

size_t cg__body_item_size(const struct cg_field *f)
{
    return f->model ? f->model->size : cg__type_size(f->type);
}

/* What writes as null: an optional value that is absent or null. */
static bool is_null(const struct cg_field *f, const char *obj)
{
    const void *p = obj + f->offset;
    if (f->present_offset)
        return !*(const bool *)(obj + f->present_offset - 1);
    if (f->list)
        return f->optional && !((const struct cg_list *)p)->items;
    return !f->model && f->type == CG_STRING && !((const cg_str *)p)->ptr;
}

/* A model's object, without its null fields when `drop_nulls` (as pydantic
 * writes a default in a schema). */
static void write_object(struct cg_json *j, const struct cg_model *m, const char *obj, bool drop_nulls);

static void write_list(struct cg_json *j, const struct cg_field *f, const struct cg_list *l, bool drop_nulls)
{
    size_t size = cg__body_item_size(f);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < l->n; i++) {
        const char *item = (const char *)l->items + i * size;
        if (f->model)
            write_object(j, f->model, item, drop_nulls);
        else
            write_scalar(j, f, item);
    }
    cg_json_arr_end(j);
}

static void write_value(struct cg_json *j, const struct cg_field *f, const char *obj, bool drop_nulls)
{
    const void *p = obj + f->offset;
    if (is_null(f, obj))
        cg_json_null(j);
    else if (f->list)
        write_list(j, f, p, drop_nulls);
    else if (f->model)
        write_object(j, f->model, p, drop_nulls);
    else
        write_scalar(j, f, p);
}

static void write_object(struct cg_json *j, const struct cg_model *m, const char *obj, bool drop_nulls)
{
    if (j->failed) /* e.g. nested past the writer's depth: stop recursing */
        return;
    cg_json_obj_begin(j);
    for (size_t i = 0; i < m->nfields; i++) {
        if (drop_nulls && is_null(&m->fields[i], obj))
            continue;
        cg_json_key(j, m->fields[i].name);
        write_value(j, &m->fields[i], obj, drop_nulls);
    }
    cg_json_obj_end(j);
}

void cg_json_write_model(struct cg_json *j, const struct cg_model *m, const void *obj)
{
    write_object(j, m, obj, false);
}

void cg__model_write_default(struct cg_json *j, const struct cg_model *m, const struct cg_field *f)
{
    const char *initial = initial_of(m);
    /* pydantic writes "default":null for `x: T = None`, which a validator
     * refuses (null is not of type T): the field is left out of `required`
     * and nothing more is said. */
    if (!f->def || cg_field_defaults_to_none(f) || !initial || is_null(f, initial))
        return;
    cg_json_key(j, "default");
    write_value(j, f, initial, true);
}

/* ---- which fields were sent ---- */

static cg_fields_set *sent_of(const struct cg_model *m, const void *obj)
{
    return (cg_fields_set *)((char *)obj + m->sent_offset - 1);
}

void cg__model_mark_sent(const struct cg_model *m, void *obj, size_t i)
{
    if (m->sent_offset)
        sent_of(m, obj)->bits |= UINT64_C(1) << i;
}

static const struct cg_field *field_named(const struct cg_model *m, cg_str name)
{
    for (size_t i = 0; i < m->nfields; i++)
        if (cg_str_eq_c(name, m->fields[i].name))
            return &m->fields[i];
    return NULL;
}

/* One step of a path: whether `name` was sent in obj. */
static int sent_in(const struct cg_model *m, const void *obj, cg_str name, const struct cg_field **f, bool *sent,
                   char *why, size_t whylen)
{
    *f = field_named(m, name);
    if (!*f) {
        snprintf(why, whylen, "model %s has no field named %.*s", m->name, (int)name.len, name.ptr);
        return -1;
    }
    if (!m->sent_offset) {
        snprintf(why, whylen, "model %s records no sent fields (declare it with CG_MODEL_SENT)", m->name);
        return -1;
    }
    *sent = sent_of(m, obj)->bits & UINT64_C(1) << (*f - m->fields);
    return 0;
}

int cg__model_sent(const struct cg_model *m, const void *obj, const char *path, bool *sent, char *why,
                   size_t whylen)
{
    const char *dot;
    const struct cg_field *f;
    while ((dot = strchr(path, '.'))) {
        if (sent_in(m, obj, (cg_str){ path, (size_t)(dot - path) }, &f, sent, why, whylen) != 0)
            return -1;
        if (!f->model || f->list) {
            snprintf(why, whylen, "model %s: field %s is not a nested model", m->name, f->name);
            return -1;
        }
        *sent = *sent && !is_null(f, obj); /* sent as null, it holds nothing */
        if (!*sent)
            return 0;
        obj = (const char *)obj + f->offset;
        m = f->model;
        path = dot + 1;
    }
    return sent_in(m, obj, cg_str_c(path), &f, sent, why, whylen);
}

bool cg_model_has(const struct cg_model *m, const void *obj, const char *path)
{
    char why[256];
    bool sent = false;
    if (cg__model_sent(m, obj, path, &sent, why, sizeof why) != 0)
        cg_error("cg_model_has(\"%s\"): %s", path, why);
    return sent;
}
