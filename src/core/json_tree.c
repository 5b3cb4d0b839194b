/* The JSON reader's tree mode (cgate/json.h): json_scan's tokens gathered
 * into values.
 *
 * Values wait on a stack until the container they belong to closes: the
 * stack holds each open container, then the items it has so far. When a
 * container closes, its items are copied into the arena as one array, and
 * the stack drops back to the container, which becomes an item of the one
 * around it. Each array is copied once, at its final size, so the arena
 * only ever holds the tree. */
#include <stdlib.h>

#include "cgate/json.h"
#include "core/json_scan.h"

/* Documents of this many values in flight need no heap (a JWT, most AWS
 * errors). */
#define INLINE_VALUES 32

struct builder {
    struct cg_arena *arena;
    struct cg_json_value *stack;
    size_t n, cap;
    size_t open; /* the innermost open container in the stack; SIZE_MAX: none */
    cg_str key;  /* the key read last, for the value that follows it */
    struct cg_json_value inline_stack[INLINE_VALUES];
};

static struct builder *builder_of(const struct cg_json_scan *s)
{
    return s->ctx;
}

static struct cg_json_value *push(struct builder *b, enum cg_json_type type, cg_str text)
{
    if (b->n == b->cap) {
        size_t cap = 2 * b->cap;
        if (b->stack == b->inline_stack) {
            b->stack = cg_xmalloc(cap * sizeof *b->stack);
            memcpy(b->stack, b->inline_stack, sizeof b->inline_stack);
        } else {
            b->stack = cg_xrealloc(b->stack, cap * sizeof *b->stack);
        }
        b->cap = cap;
    }
    struct cg_json_value *v = &b->stack[b->n++];
    *v = (struct cg_json_value){ .type = type, .key = b->key, .text = text };
    b->key = (cg_str){ NULL, 0 };
    return v;
}

static int on_null(const struct cg_json_scan *s)
{
    push(builder_of(s), CG_JSON_NULL, (cg_str){ NULL, 0 });
    return 1;
}

static int on_boolean(const struct cg_json_scan *s, bool value)
{
    push(builder_of(s), value ? CG_JSON_TRUE : CG_JSON_FALSE, (cg_str){ NULL, 0 });
    return 1;
}

static int on_number(const struct cg_json_scan *s, cg_str text)
{
    push(builder_of(s), CG_JSON_NUMBER, text);
    return 1;
}

static int on_string(const struct cg_json_scan *s, cg_str text)
{
    push(builder_of(s), CG_JSON_STRING, text);
    return 1;
}

static int on_key(const struct cg_json_scan *s, cg_str name)
{
    builder_of(s)->key = name;
    return 1;
}

/* While a container is open, its `len` holds the index of the container
 * around it: the chain of open containers needs no stack of its own. */
static int open_container(const struct cg_json_scan *s, enum cg_json_type type)
{
    struct builder *b = builder_of(s);
    push(b, type, (cg_str){ NULL, 0 })->len = b->open;
    b->open = b->n - 1;
    return 1;
}

static int close_container(const struct cg_json_scan *s)
{
    struct builder *b = builder_of(s);
    struct cg_json_value *c = &b->stack[b->open];
    size_t first = b->open + 1, count = b->n - first;
    struct cg_json_value *items = NULL;
    if (count) {
        items = cg_arena_alloc(b->arena, count * sizeof *items);
        memcpy(items, &b->stack[first], count * sizeof *items);
    }
    b->open = c->len;
    c->len = count;
    c->items = items;
    b->n = first;
    return 1;
}

static int on_start_object(const struct cg_json_scan *s)
{
    return open_container(s, CG_JSON_OBJECT);
}

static int on_start_array(const struct cg_json_scan *s)
{
    return open_container(s, CG_JSON_ARRAY);
}

static const struct cg_json_callbacks tree_builder = {
    .null = on_null,
    .boolean = on_boolean,
    .number = on_number,
    .string = on_string,
    .key = on_key,
    .start_object = on_start_object,
    .end_object = close_container,
    .start_array = on_start_array,
    .end_array = close_container,
};

const struct cg_json_value *cg_json_parse(struct cg_arena *a, cg_str json, size_t max_depth,
                                          struct cg_json_error *err)
{
    struct builder b = { .arena = a, .cap = INLINE_VALUES, .open = SIZE_MAX };
    b.stack = b.inline_stack;
    struct cg_json_scan s = { .cb = &tree_builder, .ctx = &b, .arena = a, .max_depth = max_depth };
    struct cg_json_value *root = NULL;
    if (cg__json_scan(&s, json) == CG_JSON_OK) {
        root = cg_arena_alloc(a, sizeof *root);
        *root = b.stack[0];
    } else if (err) {
        *err = (struct cg_json_error){ s.error, s.error_pos };
    }
    if (b.stack != b.inline_stack)
        free(b.stack);
    return root;
}

/* ---- reading the tree ---- */

const struct cg_json_value *cg_json_member(const struct cg_json_value *obj, const char *name)
{
    if (!obj || obj->type != CG_JSON_OBJECT)
        return NULL;
    cg_str wanted = cg_str_c(name);
    for (size_t i = 0; i < obj->len; i++)
        if (cg_str_eq(obj->items[i].key, wanted))
            return &obj->items[i];
    return NULL;
}

cg_str cg_json_as_str(const struct cg_json_value *v)
{
    return v && v->type == CG_JSON_STRING ? v->text : (cg_str){ NULL, 0 };
}

bool cg_json_as_int(const struct cg_json_value *v, int64_t *out)
{
    if (!v || v->type != CG_JSON_NUMBER)
        return false;
    cg_str t = v->text; /* valid JSON: -?digits, then maybe . or e */
    bool negative = t.ptr[0] == '-';
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : INT64_MAX, n = 0;
    for (size_t i = negative; i < t.len; i++) {
        unsigned digit = (unsigned char)t.ptr[i] - '0';
        if (digit > 9 || n > (limit - digit) / 10)
            return false;
        n = n * 10 + digit;
    }
    *out = negative ? (int64_t)(0 - n) : (int64_t)n;
    return true;
}

void cg_json_write_value(struct cg_json *j, const struct cg_json_value *v)
{
    if (j->depth == CG_JSON_MAX_DEPTH && (v->type == CG_JSON_ARRAY || v->type == CG_JSON_OBJECT)) {
        j->failed = true; /* before recursing any deeper */
        return;
    }
    switch (v->type) {
    case CG_JSON_NULL: cg_json_null(j); break;
    case CG_JSON_FALSE: cg_json_bool(j, false); break;
    case CG_JSON_TRUE: cg_json_bool(j, true); break;
    case CG_JSON_NUMBER: cg_json_raw(j, v->text); break;
    case CG_JSON_STRING: cg_json_str(j, v->text); break;
    case CG_JSON_ARRAY:
        cg_json_arr_begin(j);
        for (size_t i = 0; i < v->len; i++)
            cg_json_write_value(j, &v->items[i]);
        cg_json_arr_end(j);
        break;
    case CG_JSON_OBJECT:
        cg_json_obj_begin(j);
        for (size_t i = 0; i < v->len; i++) {
            cg_json_key_str(j, v->items[i].key);
            cg_json_write_value(j, &v->items[i]);
        }
        cg_json_obj_end(j);
        break;
    }
}
