/* Validation errors: the entries of a 422 body, and the body itself. */
#include "cgate/json.h"
#include "core/verrors.h"

void cg__verrors_init(struct cg_verrors *e, struct cg_arena *arena)
{
    *e = (struct cg_verrors){ .arena = arena };
}

void cg__verrors_add(struct cg_verrors *e, const char *type, cg_str loc, cg_str msg, cg_str input, cg_str ctx)
{
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4;
        e->items = cg_arena_realloc(e->arena, e->items, e->cap * sizeof *e->items, cap * sizeof *e->items);
        e->cap = cap;
    }
    e->items[e->n++] = (struct cg_verror){ type, loc, msg, input, ctx };
}

void cg__verrors_append(struct cg_verrors *to, const struct cg_verrors *from)
{
    for (size_t i = 0; i < from->n; i++) {
        const struct cg_verror *e = &from->items[i];
        cg__verrors_add(to, e->type, e->loc, e->msg, e->input, e->ctx);
    }
}

static void write_verror(struct cg_json *j, const struct cg_verror *v)
{
    cg_json_obj_begin(j);
    cg_json_key(j, "type");
    cg_json_cstr(j, v->type);
    cg_json_key(j, "loc");
    cg_json_raw(j, v->loc);
    cg_json_key(j, "msg");
    cg_json_str(j, v->msg);
    cg_json_key(j, "input");
    cg_json_raw(j, v->input);
    if (v->ctx.len) {
        cg_json_key(j, "ctx");
        cg_json_raw(j, v->ctx);
    }
    cg_json_obj_end(j);
}

void cg__verrors_write(const struct cg_verrors *e, struct cg_buf *out)
{
    struct cg_json j;
    cg_json_init(&j, out);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "detail");
    cg_json_arr_begin(&j);
    for (size_t i = 0; i < e->n; i++)
        write_verror(&j, &e->items[i]);
    cg_json_arr_end(&j);
    cg_json_obj_end(&j);
}
