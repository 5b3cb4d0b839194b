/* Binding JSON events to models and lists, with no tree in between: memory
 * grows with what is bound, and only error paths read a value again (to
 * show it as an error's input).
 *
 * Each open JSON container has a frame, on a stack as deep as the JSON
 * nesting limit: a model's object, a list's array, or a skipped value (an
 * unknown key's, or a container where something else belongs, which fails
 * when it closes). Errors are kept per field (per list for its items) and
 * handed to the parent when the container closes, so that they come out in
 * pydantic's order: fields as declared, items by index, nested errors in
 * place. A repeated key counts once, its last value, as with json.loads. */
#include "cgate/cgate.h"
#include "core/body_bind.h"
#include "core/body_value.h"
#include "core/model.h"

/* Past CG_BODY_MAX_ERRORS errors, or inputs adding up to this many bytes,
 * the body's remaining errors are left out: a body of bad items cannot make
 * a 422 many times its size. */
#define INPUT_BUDGET(body_len) (4 * (body_len) + 65536)

const struct cg_vfail cg__fail_missing = CG_VFAIL("missing", "Field required");
const struct cg_vfail cg__fail_not_an_object =
    CG_VFAIL("model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
static const struct cg_vfail not_a_list = CG_VFAIL("list_type", "Input should be a valid list");

struct field_state {
    bool seen;
    struct cg_verrors errs;
};

struct frame {
    enum { FRAME_SKIP, FRAME_MODEL, FRAME_LIST } kind;
    size_t start, end;  /* offsets of its '{' or '[' and, once closed, past its '}' or ']' */
    char *dest;         /* a model: its struct; a list: its struct cg_list */
    /* a model */
    const struct cg_model *m;
    struct field_state *state;  /* per field; kept for the next frame at this depth */
    size_t state_cap;
    const struct cg_field *cur; /* named by the last key; NULL for an unknown key */
    /* a list */
    const struct cg_field *field;
    char *items;
    size_t n, cap;              /* n counts every item, bound or not */
    struct cg_verrors errs;     /* the items' errors */
    /* skipped */
    bool fails;
    struct cg_vfail why;
};


/* What the next value fills. */
struct slot {
    enum { WANT_NOTHING, WANT_SCALAR, WANT_MODEL, WANT_LIST } want;
    const struct cg_field *f; /* NULL for the body */
    const struct cg_model *m; /* WANT_MODEL */
    char *base;               /* the struct holding field f; NULL for an item or the body */
    char *dest;
};

/* ---- errors ---- */

static struct frame *top(struct binder *b)
{
    return &b->frames[b->nframes - 1];
}

/* Where the errors of the value at frame `level`'s position go; -1 is the body's. */
static struct cg_verrors *bucket_at(struct binder *b, int level)
{
    if (level < 0)
        return &b->errs;
    struct frame *f = &b->frames[level];
    return f->kind == FRAME_MODEL ? &f->state[f->cur - f->m->fields].errs : &f->errs;
}

static struct cg_verrors *bucket(struct binder *b)
{
    return bucket_at(b, b->nframes - 1);
}

/* ["body", then each frame's field name or item index] */
static cg_str loc_here(struct binder *b)
{
    struct cg_buf loc;
    cg_buf_init(&loc, b->a);
    cg_buf_putc(&loc, '[');
    cg_json_escape(&loc, b->field ? cg_str_c(b->field->name) : CG_STR("body"));
    for (int i = 0; i < b->nframes; i++) {
        const struct frame *f = &b->frames[i];
        cg_buf_putc(&loc, ',');
        if (f->kind == FRAME_MODEL)
            cg_json_escape(&loc, cg_str_c(f->cur->name));
        else
            cg_buf_printf(&loc, "%zu", f->n - 1);
    }
    cg_buf_putc(&loc, ']');
    return cg_buf_str(&loc);
}

static void add_error(struct binder *b, struct cg_verrors *to, const struct cg_vfail *why, cg_str input)
{
    cg__verrors_add(to, why->type, loc_here(b), why->msg, input, why->ctx);
    b->held++;
    b->input_budget -= input.len < b->input_budget ? input.len : b->input_budget;
    b->full |= b->held >= CG_BODY_MAX_ERRORS || b->input_budget == 0;
}

static void move_errors(struct cg_verrors *to, struct cg_verrors *from)
{
    cg__verrors_append(to, from);
    from->n = 0;
}

static void discard_errors(struct binder *b, struct cg_verrors *e)
{
    b->held -= e->n;
    e->n = 0;
}

/* A container that has closed, as an input. */
static cg_str render_closed(struct binder *b, const struct frame *f)
{
    return cg__json_render(b->a, (cg_str){ b->body.ptr + f->start, f->end - f->start });
}

static void count_fail(struct binder *b, const char *type, const char *words, const char *key, size_t bound,
                       size_t n, struct cg_vfail *why)
{
    why->type = type;
    why->msg = cg_arena_printf(b->a, "List should have %s %zu item%s after validation, not %zu", words, bound,
                               bound == 1 ? "" : "s", n);
    why->ctx = cg_arena_printf(b->a, "{\"field_type\":\"List\",\"%s\":%zu,\"actual_length\":%zu}", key, bound, n);
}

/* ---- slots ---- */

static struct slot field_slot(const struct cg_field *f, char *base)
{
    struct slot s = { WANT_SCALAR, f, f->model, base, base + f->offset };
    if (f->list)
        s.want = WANT_LIST;
    else if (f->model)
        s.want = WANT_MODEL;
    return s;
}

/* Counts the item, and makes room for it unless the list is too long already. */
static struct slot item_slot(struct binder *b, struct frame *l)
{
    const struct cg_field *f = l->field;
    l->n++;
    if (f->max_items && l->n > f->max_items)
        return (struct slot){ WANT_NOTHING }; /* only counted: the list is too long */
    size_t size = cg__body_item_size(f);
    if (l->n > l->cap) {
        l->items = cg_arena_realloc(b->a, l->items, l->cap * size, 2 * l->cap * size);
        l->cap *= 2;
    }
    char *dest = l->items + (l->n - 1) * size;
    memset(dest, 0, size);
    return (struct slot){ f->model ? WANT_MODEL : WANT_SCALAR, f, f->model, NULL, dest };
}

static struct slot next_slot(struct binder *b)
{
    if (b->nframes == 0 && b->field)
        return field_slot(b->field, b->out);
    if (b->nframes == 0)
        return (struct slot){ WANT_MODEL, NULL, b->m, NULL, b->out };
    struct frame *f = top(b);
    if (f->kind == FRAME_MODEL && f->cur)
        return field_slot(f->cur, f->dest);
    if (f->kind == FRAME_LIST)
        return item_slot(b, f);
    return (struct slot){ WANT_NOTHING };
}

static void set_present(const struct slot *s, bool given)
{
    if (s->base && s->f->present_offset)
        *(bool *)(s->base + s->f->present_offset - 1) = given;
}

static void store_absent(struct binder *b, const struct slot *s)
{
    if (s->want == WANT_SCALAR)
        cg__body_store(b->a, s->f, s->dest, NULL);
    else if (s->want == WANT_MODEL)
        memset(s->dest, 0, s->m->size);
    else
        *(struct cg_list *)s->dest = (struct cg_list){ NULL, 0 };
    set_present(s, false);
}

static void bind_scalar(struct binder *b, const struct slot *s, const struct jvalue *v)
{
    struct cg_value value;
    struct cg_vfail why;
    if (v->kind == J_NULL && s->base && s->f->optional) {
        store_absent(b, s);
    } else if (s->want != WANT_SCALAR) {
        add_error(b, bucket(b), s->want == WANT_MODEL ? &cg__fail_not_an_object : &not_a_list,
                  cg__json_render_scalar(b->a, v));
    } else if (cg__body_convert(b->a, s->f, v, &value, &why) == 0) {
        cg__body_store(b->a, s->f, s->dest, &value);
        set_present(s, true);
    } else {
        add_error(b, bucket(b), &why, cg__json_render_scalar(b->a, v));
    }
}

/* ---- containers ---- */

static void open_model(struct binder *b, struct frame *f, const struct slot *s)
{
    size_t n = s->m->nfields;
    if (f->state_cap < n) {
        f->state = cg_arena_alloc(b->a, n * sizeof *f->state);
        f->state_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        f->state[i].seen = false;
        cg__verrors_init(&f->state[i].errs, b->a);
    }
    f->kind = FRAME_MODEL;
    f->m = s->m;
    f->dest = s->dest;
    f->cur = NULL;
    cg__model_init(s->m, s->dest);
    set_present(s, true);
}

static void open_list(struct binder *b, struct frame *f, const struct slot *s)
{
    f->kind = FRAME_LIST;
    f->field = s->f;
    f->dest = s->dest;
    f->n = 0;
    f->cap = 4;
    f->items = cg_arena_alloc(b->a, f->cap * cg__body_item_size(s->f));
    cg__verrors_init(&f->errs, b->a);
}

static void push(struct binder *b, bool map, size_t at)
{
    struct slot s = next_slot(b);
    struct frame *f = &b->frames[b->nframes++];
    f->kind = FRAME_SKIP;
    f->start = at;
    f->fails = s.want != WANT_NOTHING;
    if (map && s.want == WANT_MODEL)
        open_model(b, f, &s);
    else if (!map && s.want == WANT_LIST)
        open_list(b, f, &s);
    else if (s.want == WANT_SCALAR)
        cg__body_type_fail(b->a, s.f, &f->why);
    else
        f->why = s.want == WANT_MODEL ? cg__fail_not_an_object : not_a_list;
}

/* Hand a model's errors to `to` in field order; once it has closed, the
 * required fields it lacks are missing, the object as their input. */
static void hand_up_model(struct binder *b, struct frame *f, struct cg_verrors *to, bool closed)
{
    cg_str input = { NULL, 0 };
    for (size_t i = 0; i < f->m->nfields; i++) {
        const struct cg_field *field = &f->m->fields[i];
        if (f->state[i].seen) {
            move_errors(to, &f->state[i].errs);
        } else if (closed && cg_field_required(field)) {
            if (!input.ptr)
                input = render_closed(b, f);
            f->cur = field; /* for its loc */
            add_error(b, to, &cg__fail_missing, input);
        }
    }
}

static void close_list(struct binder *b, struct frame *l)
{
    const struct cg_field *f = l->field;
    struct cg_verrors *to = bucket(b);
    struct cg_vfail why;
    if (f->max_items && l->n > f->max_items) {
        discard_errors(b, &l->errs); /* pydantic reports the length alone */
        count_fail(b, "too_long", "at most", "max_length", f->max_items, l->n, &why);
        add_error(b, to, &why, render_closed(b, l));
    } else if (l->errs.n) {
        move_errors(to, &l->errs);
    } else if (l->n < f->min_items) {
        count_fail(b, "too_short", "at least", "min_length", f->min_items, l->n, &why);
        add_error(b, to, &why, render_closed(b, l));
    } else {
        *(struct cg_list *)l->dest = (struct cg_list){ l->items, l->n };
    }
}

static void pop(struct binder *b, size_t end)
{
    struct frame *f = top(b);
    f->end = end;
    if (f->kind == FRAME_MODEL)
        hand_up_model(b, f, bucket_at(b, b->nframes - 2), true);
    b->nframes--;
    if (f->kind == FRAME_LIST)
        close_list(b, f);
    else if (f->kind == FRAME_SKIP && f->fails)
        add_error(b, bucket(b), &f->why, render_closed(b, f));
}

/* The error limits were reached: keep the errors found so far, in order,
 * and only read the rest of the body (it may still be invalid JSON). */
static void stop_binding(struct binder *b)
{
    for (int level = b->nframes - 1; level >= 0; level--) {
        struct frame *f = &b->frames[level];
        if (f->kind == FRAME_MODEL)
            hand_up_model(b, f, bucket_at(b, level - 1), false);
        else if (f->kind == FRAME_LIST)
            move_errors(bucket_at(b, level - 1), &f->errs);
    }
    b->nframes = 0;
    b->binding = false;
}


/* ---- events ---- */

/* Whether values are still bound; false once the error limits were reached. */
static bool binding(struct binder *b)
{
    if (b->full && b->binding)
        stop_binding(b);
    return b->binding;
}

void cg__binder_init(struct binder *b, struct cg_arena *a, cg_str json, const struct cg_model *m,
                     const struct cg_field *f, void *out)
{
    *b = (struct binder){ .a = a, .body = json, .m = m, .field = f, .out = out, .binding = true,
                          .input_budget = INPUT_BUDGET(json.len) };
    /* Each open bracket is a byte: a short text needs fewer frames. */
    size_t nframes = json.len < CG_JSON_MAX_DEPTH ? json.len : CG_JSON_MAX_DEPTH;
    b->frames = cg_arena_zalloc(a, (nframes ? nframes : 1) * sizeof *b->frames);
    cg__verrors_init(&b->errs, a);
}

void cg__binder_scalar(struct binder *b, const struct jvalue *v)
{
    if (!binding(b))
        return;
    struct slot s = next_slot(b);
    if (s.want != WANT_NOTHING)
        bind_scalar(b, &s, v);
}

static const struct cg_field *find_field(struct binder *b, struct frame *f, cg_str key)
{
    for (size_t i = 0; i < f->m->nfields; i++) {
        if (cg_str_eq_c(key, f->m->fields[i].name)) {
            discard_errors(b, &f->state[i].errs); /* a repeated key: its last value counts */
            f->state[i].seen = true;
            cg__model_mark_sent(f->m, f->dest, i);
            return &f->m->fields[i];
        }
    }
    return NULL;
}

void cg__binder_key(struct binder *b, cg_str key)
{
    if (binding(b) && top(b)->kind == FRAME_MODEL)
        top(b)->cur = find_field(b, top(b), key);
}

void cg__binder_open(struct binder *b, bool map, size_t at)
{
    if (binding(b))
        push(b, map, at);
}

void cg__binder_close(struct binder *b, size_t end)
{
    if (binding(b))
        pop(b, end);
}
