/* The encodings a JWT is made of: base64url segments holding JSON objects
 * (the header, the claims, and the JWKs of a key set). */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "auth/auth_internal.h"
#include "core/core_internal.h"

/* ---- JSON objects ---- */

/* What the container being parsed is. */
enum frame {
    F_SKIP,         /* of no interest, nor anything inside it */
    F_HOLDER,       /* the root, when the objects are in its array_key array */
    F_LIST,         /* that array */
    F_OBJECT,       /* an object whose members are collected */
    F_MEMBER_ARRAY, /* an array, the value of one of those members */
};

struct reader {
    struct cg_arena *a;
    const char *array_key;
    jobject_fn fn;
    void *arg;
    enum frame frames[JSON_MAX_DEPTH];
    int depth;
    bool at_array_key;  /* F_HOLDER's last key was array_key */
    bool seen_list;
    struct jobject obj; /* the F_OBJECT being read */
    size_t cap;
    int result;         /* fn's non-zero answer */
    const char *shape;  /* why the text has the wrong shape */
};

static enum frame top(const struct reader *r)
{
    return r->frames[r->depth - 1];
}

static struct jmember *last_member(struct reader *r)
{
    return &r->obj.v[r->obj.n - 1];
}

static int refuse(struct reader *r, const char *why)
{
    r->shape = why;
    return 0; /* stops yajl */
}

static int on_scalar(struct reader *r, enum jmember_kind kind, const unsigned char *s, size_t len)
{
    if (r->depth == 0)
        return refuse(r, "not a JSON object");
    cg_str text = kind == JM_OTHER ? (cg_str){ NULL, 0 } : cg_arena_strdup(r->a, (cg_str){ (const char *)s, len });
    switch (top(r)) {
    case F_OBJECT:
        last_member(r)->kind = kind;
        last_member(r)->text = text;
        break;
    case F_MEMBER_ARRAY: {
        struct jmember *m = last_member(r);
        if (kind != JM_STRING || m->kind != JM_STRING_ARRAY) {
            m->kind = JM_OTHER;
            break;
        }
        m->items = cg_arena_realloc(r->a, m->items, m->nitems * sizeof *m->items, (m->nitems + 1) * sizeof *m->items);
        m->items[m->nitems++] = text;
        break;
    }
    case F_LIST: return refuse(r, "an entry of the array is not an object");
    case F_HOLDER:
        if (r->at_array_key)
            return refuse(r, "the key array is not an array");
        break;
    case F_SKIP: break;
    }
    return 1;
}

static int on_null(void *ctx)
{
    return on_scalar(ctx, JM_OTHER, NULL, 0);
}

static int on_boolean(void *ctx, int b)
{
    (void)b;
    return on_scalar(ctx, JM_OTHER, NULL, 0);
}

static int on_number(void *ctx, const char *s, size_t len)
{
    return on_scalar(ctx, JM_NUMBER, (const unsigned char *)s, len);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    return on_scalar(ctx, JM_STRING, s, len);
}

static int push(struct reader *r, enum frame f)
{
    if (r->depth == JSON_MAX_DEPTH)
        return refuse(r, "nested too deeply");
    if (f == F_OBJECT)
        r->obj = (struct jobject){ NULL, 0 }, r->cap = 0;
    r->frames[r->depth++] = f;
    return 1;
}

/* A container opening as the value of a collected member, or inside one. */
static enum frame nested(struct reader *r, bool is_array)
{
    enum frame t = top(r);
    if (t == F_OBJECT && is_array) {
        last_member(r)->kind = JM_STRING_ARRAY;
        return F_MEMBER_ARRAY;
    }
    if (t == F_OBJECT || t == F_MEMBER_ARRAY)
        last_member(r)->kind = JM_OTHER;
    return F_SKIP;
}

static int on_start_map(void *ctx)
{
    struct reader *r = ctx;
    if (r->depth == 0)
        return push(r, r->array_key ? F_HOLDER : F_OBJECT);
    if (top(r) == F_LIST)
        return push(r, F_OBJECT);
    if (top(r) == F_HOLDER && r->at_array_key)
        return refuse(r, "the key array is not an array");
    return push(r, nested(r, false));
}

static int on_start_array(void *ctx)
{
    struct reader *r = ctx;
    if (r->depth == 0)
        return refuse(r, "not a JSON object");
    if (top(r) == F_LIST)
        return refuse(r, "an entry of the array is not an object");
    if (top(r) == F_HOLDER && r->at_array_key) {
        r->seen_list = true;
        return push(r, F_LIST);
    }
    return push(r, nested(r, true));
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
    struct reader *r = ctx;
    cg_str name = { (const char *)s, len };
    if (top(r) == F_HOLDER) {
        r->at_array_key = cg_str_eq_c(name, r->array_key);
        if (r->at_array_key && r->seen_list)
            return refuse(r, "the key array appears twice");
    } else if (top(r) == F_OBJECT) {
        if (r->obj.n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 8;
            r->obj.v = cg_arena_realloc(r->a, r->obj.v, r->cap * sizeof *r->obj.v, cap * sizeof *r->obj.v);
            r->cap = cap;
        }
        r->obj.v[r->obj.n++] = (struct jmember){ .name = cg_arena_strdup(r->a, name), .kind = JM_OTHER };
    }
    return 1;
}

static int on_end(void *ctx)
{
    struct reader *r = ctx;
    if (r->frames[--r->depth] != F_OBJECT)
        return 1;
    r->result = r->fn(r->arg, &r->obj);
    return r->result == 0;
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_null,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_start_map,
    .yajl_map_key = on_map_key,
    .yajl_end_map = on_end,
    .yajl_start_array = on_start_array,
    .yajl_end_array = on_end,
};

int json_read_objects(struct cg_arena *a, cg_str json, const char *array_key, jobject_fn fn, void *arg, char *err,
                      size_t errlen)
{
    if (cg_json_find_lone_surrogate(json) != SIZE_MAX) {
        snprintf(err, errlen, "not JSON: a lone surrogate in a \\u escape");
        return -1;
    }
    struct reader r = { .a = a, .array_key = array_key, .fn = fn, .arg = arg };
    yajl_handle h = yajl_alloc(&callbacks, NULL, &r);
    yajl_status st = yajl_parse(h, (const unsigned char *)json.ptr, json.len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st == yajl_status_ok && array_key && !r.seen_list)
        r.shape = "no key array";
    if (st == yajl_status_error)
        snprintf(err, errlen, "not JSON: %s", cg_yajl_reason(a, h, json).ptr);
    yajl_free(h);
    if (r.result)
        return r.result;
    if (r.shape)
        snprintf(err, errlen, "%s", r.shape);
    return r.shape || st != yajl_status_ok ? -1 : 0;
}

static int keep_object(void *arg, const struct jobject *obj)
{
    *(struct jobject *)arg = *obj;
    return 0;
}

int json_read_object(struct cg_arena *a, cg_str json, struct jobject *out, char *err, size_t errlen)
{
    *out = (struct jobject){ NULL, 0 };
    return json_read_objects(a, json, NULL, keep_object, out, err, errlen);
}

int json_member(const struct jobject *obj, const char *name, const struct jmember **out)
{
    int found = 0;
    for (size_t i = 0; i < obj->n; i++) {
        if (!cg_str_eq_c(obj->v[i].name, name))
            continue;
        if (found)
            return -1;
        *out = &obj->v[i];
        found = 1;
    }
    return found;
}
