/* The encodings a JWT is made of: base64url segments holding JSON objects
 * (the header, the claims, and the JWKs of a key set). */
#include <stdio.h>
#include <string.h>

#include "auth/auth_internal.h"
#include "cgate/json.h"

/* ---- JSON objects ---- */

static bool is_string_array(const struct cg_json_value *v)
{
    for (size_t i = 0; i < v->len; i++)
        if (v->items[i].type != CG_JSON_STRING)
            return false;
    return true;
}

/* A member as jwt.c reads it: its texts copied NUL-terminated (strtod and
 * OpenSSL take C strings). */
static struct jmember member_of(struct cg_arena *a, const struct cg_json_value *v)
{
    struct jmember m = { .name = v->key, .kind = JM_OTHER };
    if (v->type == CG_JSON_STRING || v->type == CG_JSON_NUMBER) {
        m.kind = v->type == CG_JSON_STRING ? JM_STRING : JM_NUMBER;
        m.text = cg_arena_strdup(a, v->text);
    } else if (v->type == CG_JSON_ARRAY && is_string_array(v)) {
        m.kind = JM_STRING_ARRAY;
        m.items = cg_arena_alloc(a, v->len * sizeof *m.items);
        for (size_t i = 0; i < v->len; i++)
            m.items[m.nitems++] = cg_arena_strdup(a, v->items[i].text);
    }
    return m;
}

static int read_object(struct cg_arena *a, const struct cg_json_value *obj, jobject_fn fn, void *arg)
{
    struct jobject o = { cg_arena_alloc(a, obj->len * sizeof *o.v), obj->len };
    for (size_t i = 0; i < obj->len; i++)
        o.v[i] = member_of(a, &obj->items[i]);
    return fn(arg, &o);
}

/* The shape a JWK Set must have, or why it has not. */
static const char *find_key_array(const struct cg_json_value *root, const char *array_key,
                                  const struct cg_json_value **out)
{
    *out = NULL;
    for (size_t i = 0; i < root->len; i++) {
        if (!cg_str_eq_c(root->items[i].key, array_key))
            continue;
        if (*out)
            return "the key array appears twice";
        *out = &root->items[i];
    }
    if (!*out)
        return "no key array";
    if ((*out)->type != CG_JSON_ARRAY)
        return "the key array is not an array";
    for (size_t i = 0; i < (*out)->len; i++)
        if ((*out)->items[i].type != CG_JSON_OBJECT)
            return "an entry of the array is not an object";
    return NULL;
}

int cg__auth_json_read_objects(struct cg_arena *a, cg_str json, const char *array_key, jobject_fn fn, void *arg,
                               char *err, size_t errlen)
{
    struct cg_json_error why;
    const struct cg_json_value *root = cg_json_parse(a, json, JSON_MAX_DEPTH, &why);
    if (!root) {
        snprintf(err, errlen, "not JSON: %s at byte %zu", why.reason, why.pos);
        return -1;
    }
    if (root->type != CG_JSON_OBJECT) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    if (!array_key)
        return read_object(a, root, fn, arg);
    const struct cg_json_value *list;
    const char *shape = find_key_array(root, array_key, &list);
    if (shape) {
        snprintf(err, errlen, "%s", shape);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < list->len && rc == 0; i++)
        rc = read_object(a, &list->items[i], fn, arg);
    return rc;
}

static int keep_object(void *arg, const struct jobject *obj)
{
    *(struct jobject *)arg = *obj;
    return 0;
}

int cg__auth_json_read_object(struct cg_arena *a, cg_str json, struct jobject *out, char *err, size_t errlen)
{
    *out = (struct jobject){ NULL, 0 };
    return cg__auth_json_read_objects(a, json, NULL, keep_object, out, err, errlen);
}

int cg__auth_json_member(const struct jobject *obj, const char *name, const struct jmember **out)
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
