/* Models outside request binding: the start-up checks of their tables, and
 * writing a struct as JSON with only the model's fields, as FastAPI's
 * response_model filtering does. */
#include "cgate/cgate.h"
#include "core/model.h"
#include "core/patterns.h"

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
    if (f->c.pattern && cg_pattern_compile(f->c.pattern, err, sizeof err) != 0) {
        cg_error("model %s: field %s: bad pattern %s: %s", m->name, f->name, f->c.pattern, err);
        return -1;
    }
    return 0;
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
    for (size_t i = 0; i < m->nfields; i++) {
        const struct cg_field *f = &m->fields[i];
        if (check_field(m, f) != 0 || (f->model && check_model(f->model, path, depth + 1) != 0))
            return -1;
    }
    return 0;
}

int cg_model_prepare(const struct cg_model *m)
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

size_t cg_body_item_size(const struct cg_field *f)
{
    static const size_t sizes[] = {
        [CG_STRING] = sizeof(cg_str), [CG_INT] = sizeof(int64_t), [CG_NUMBER] = sizeof(double),
        [CG_BOOL] = sizeof(bool),     [CG_ENUM] = sizeof(int),
    };
    return f->model ? f->model->size : sizes[f->type];
}

/* An optional list without items is absent: null. */
static void write_list(struct cg_json *j, const struct cg_field *f, const struct cg_list *l)
{
    if (!l->items && f->optional) {
        cg_json_null(j);
        return;
    }
    size_t size = cg_body_item_size(f);
    cg_json_arr_begin(j);
    for (size_t i = 0; i < l->n; i++) {
        const char *item = (const char *)l->items + i * size;
        if (f->model)
            cg_json_write_model(j, f->model, item);
        else
            write_scalar(j, f, item);
    }
    cg_json_arr_end(j);
}

static void write_field(struct cg_json *j, const struct cg_field *f, const char *obj)
{
    const void *p = obj + f->offset;
    if (f->present_offset && !*(const bool *)(obj + f->present_offset - 1))
        cg_json_null(j);
    else if (f->list)
        write_list(j, f, p);
    else if (f->model)
        cg_json_write_model(j, f->model, p);
    else
        write_scalar(j, f, p);
}

void cg_json_write_model(struct cg_json *j, const struct cg_model *m, const void *obj)
{
    if (j->failed) /* e.g. nested past the writer's depth: stop recursing */
        return;
    cg_json_obj_begin(j);
    for (size_t i = 0; i < m->nfields; i++) {
        cg_json_key(j, m->fields[i].name);
        write_field(j, &m->fields[i], obj);
    }
    cg_json_obj_end(j);
}
