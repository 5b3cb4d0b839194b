/* Declarative parameters and body models.
 *
 * One static const table drives binding, validation, the 422 body and the
 * OpenAPI schema. Bounds are set with CG_GT/CG_GE/CG_LT/CG_LE, which record
 * the value and its presence together (a bound of 0 is a real bound):
 *
 *   CG_QUERY_INT("limit", CG_GE(1), CG_LE(100), .def = "20")
 *   CG_FIELD(struct item_in, price, CG_NUMBER, CG_GT(0))
 *
 * C types bound per cg_type: CG_STRING -> cg_str, CG_INT -> int64_t,
 * CG_NUMBER -> double, CG_BOOL -> bool, CG_ENUM -> int (index in choices).
 * A nested model is an embedded struct of that model; a JSON array is a
 * struct cg_list whose items (in the request arena) have those C types.
 */
#ifndef CGATE_PARAMS_H
#define CGATE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

enum cg_type { CG_STRING = 1, CG_INT, CG_NUMBER, CG_BOOL, CG_ENUM };

enum cg_param_in { CG_IN_PATH = 1, CG_IN_QUERY, CG_IN_HEADER, CG_IN_COOKIE };

/* Constraints shared by parameters and model fields. */
struct cg_constraints {
    bool has_gt, has_ge, has_lt, has_le;
    double gt, ge, lt, le;
    size_t min_len, max_len;    /* in characters (code points); max_len 0 = no limit */
    const char *pattern;        /* POSIX extended regex, searched like Python's re.search */
    const char *const *choices; /* CG_ENUM: NULL-terminated list of allowed values */
};

#define CG_GT(v) .c.gt = (v), .c.has_gt = true
#define CG_GE(v) .c.ge = (v), .c.has_ge = true
#define CG_LT(v) .c.lt = (v), .c.has_lt = true
#define CG_LE(v) .c.le = (v), .c.has_le = true
#define CG_MIN_LEN(n) .c.min_len = (n)
#define CG_MAX_LEN(n) .c.max_len = (n)
#define CG_PATTERN(re) .c.pattern = (re)
#define CG_CHOICES(...) .c.choices = (const char *const[]){ __VA_ARGS__, NULL }

struct cg_param {
    const char *name;        /* path/query/cookie name; header name, see keep_underscores */
    enum cg_param_in in;
    enum cg_type type;
    bool required;           /* path parameters are always required */
    const char *def;         /* default, as text, parsed and checked at start-up */
    struct cg_constraints c;
    const char *description;
    bool deprecated;
    /* Query only: every value of a repeated key (?tag=a&tag=b), each checked
     * against type and constraints; absent means an empty list unless
     * required. No default. Read with cg_param_count and cg_param_*_at. */
    bool list;
    /* Headers: "user_agent" is sent as "user-agent" (matched ignoring case)
     * unless this is set, as FastAPI's Header(convert_underscores=False). */
    bool keep_underscores;
};

#define CG_PARAM_(where, kind, n, ...) { .name = (n), .in = (where), .type = (kind), __VA_ARGS__ }
#define CG_PATH_INT(n, ...)    CG_PARAM_(CG_IN_PATH, CG_INT, n, .required = true, __VA_ARGS__)
#define CG_PATH_NUM(n, ...)    CG_PARAM_(CG_IN_PATH, CG_NUMBER, n, .required = true, __VA_ARGS__)
#define CG_PATH_STR(n, ...)    CG_PARAM_(CG_IN_PATH, CG_STRING, n, .required = true, __VA_ARGS__)
#define CG_PATH_BOOL(n, ...)   CG_PARAM_(CG_IN_PATH, CG_BOOL, n, .required = true, __VA_ARGS__)
#define CG_PATH_ENUM(n, ...)   CG_PARAM_(CG_IN_PATH, CG_ENUM, n, .required = true, __VA_ARGS__)
#define CG_QUERY_INT(n, ...)   CG_PARAM_(CG_IN_QUERY, CG_INT, n, __VA_ARGS__)
#define CG_QUERY_NUM(n, ...)   CG_PARAM_(CG_IN_QUERY, CG_NUMBER, n, __VA_ARGS__)
#define CG_QUERY_STR(n, ...)   CG_PARAM_(CG_IN_QUERY, CG_STRING, n, __VA_ARGS__)
#define CG_QUERY_BOOL(n, ...)  CG_PARAM_(CG_IN_QUERY, CG_BOOL, n, __VA_ARGS__)
#define CG_QUERY_ENUM(n, ...)  CG_PARAM_(CG_IN_QUERY, CG_ENUM, n, __VA_ARGS__)
#define CG_HEADER_STR(n, ...)  CG_PARAM_(CG_IN_HEADER, CG_STRING, n, __VA_ARGS__)
#define CG_HEADER_INT(n, ...)  CG_PARAM_(CG_IN_HEADER, CG_INT, n, __VA_ARGS__)
#define CG_COOKIE_STR(n, ...)  CG_PARAM_(CG_IN_COOKIE, CG_STRING, n, __VA_ARGS__)
#define CG_COOKIE_INT(n, ...)  CG_PARAM_(CG_IN_COOKIE, CG_INT, n, __VA_ARGS__)
/* A list from a repeated query key: CG_QUERY_LIST("tag", CG_STRING, CG_MAX_LEN(20)) */
#define CG_QUERY_LIST(n, kind, ...) CG_PARAM_(CG_IN_QUERY, kind, n, .list = true, __VA_ARGS__)
/* A parameter list for a route: .params = CG_PARAMS(CG_PATH_INT(...), ...) */
#define CG_PARAMS(...) ((const struct cg_param[]){ __VA_ARGS__, { 0 } })

struct cg_model;

/* A body array: n items of the element's C type. An optional list that is
 * absent or null has items NULL; a given empty list has items non-NULL. */
struct cg_list {
    void *items;
    size_t n;
};

#define CG_LIST_AT(list, T, i) (((T *)(list).items)[i])

struct cg_field {
    const char *name;
    size_t offset;
    enum cg_type type;       /* a scalar field's or list item's type; unused with `model` */
    bool optional;           /* may be absent or null */
    size_t present_offset;   /* optional non-string fields: 1 + offset of a bool set when given */
    struct cg_constraints c; /* a list: each item's */
    const char *description;
    const struct cg_model *model; /* a nested object, or each item of a list, is of this model */
    bool list;                    /* a JSON array, bound as struct cg_list */
    size_t min_items, max_items;  /* a list's item count; max_items 0 = no limit */
    size_t member_size;           /* sizeof the member, checked against `model` at start-up */
};

struct cg_model {
    const char *name;        /* schema name, e.g. "ItemIn" */
    size_t size;             /* sizeof the bound struct */
    const struct cg_field *fields;
    size_t nfields;
};

/* Compile-time checks of the field macros below: a member whose C type
 * does not bind as the declared kind would be written with the bytes of
 * another type, so the declaration must not compile. CG_STATIC_CHECK_ is 0
 * when cond holds; otherwise the compiler stops with msg. */
#define CG_STATIC_CHECK_(cond, msg) (0 * sizeof(struct { _Static_assert(cond, msg); char c_; }))
/* The cg_type a member of type T binds as; 0 for a type none binds as. */
#define CG_KIND_OF_(T, member)                                                          \
    _Generic(((T *)0)->member, cg_str: CG_STRING, int64_t: CG_INT, double: CG_NUMBER, \
             bool: CG_BOOL, int: CG_ENUM, default: 0)
#define CG_MEMBER_KIND_(T, member, kind)                                                              \
    (enum cg_type)((kind) + CG_STATIC_CHECK_(CG_KIND_OF_(T, member) == (kind),                       \
                                             "the C type of the member does not bind as the declared kind: " \
                                             "CG_STRING needs cg_str, CG_INT int64_t, CG_NUMBER double, " \
                                             "CG_BOOL bool, CG_ENUM int"))
#define CG_MEMBER_IS_(T, member, type, msg) CG_STATIC_CHECK_(_Generic(((T *)0)->member, type: 1, default: 0), msg)

/* A required field, or an optional string (absent or null -> ptr NULL). */
#define CG_FIELD(T, member, kind, ...) \
    { .name = #member, .offset = offsetof(T, member), .type = CG_MEMBER_KIND_(T, member, kind), __VA_ARGS__ }
/* An optional number/int/bool: `present` is a bool member set when given. */
#define CG_FIELD_OPT(T, member, present, kind, ...)                                                       \
    { .name = #member, .offset = offsetof(T, member), .type = CG_MEMBER_KIND_(T, member, kind),          \
      .optional = true,                                                                                  \
      .present_offset = 1 + offsetof(T, present) +                                                      \
                        CG_MEMBER_IS_(T, present, bool, "CG_FIELD_OPT: the presence member must be a bool"), \
      __VA_ARGS__ }
/* A nested object, an embedded struct of the model's type:
 *   CG_FIELD_MODEL(struct order, owner, &address_model)
 * Optional, with a bool member set when given:
 *   CG_FIELD_MODEL_OPT(struct order, billing, has_billing, &address_model) */
#define CG_FIELD_MODEL(T, member, m, ...)                                              \
    { .name = #member, .offset = offsetof(T, member), .model = (m),                   \
      .member_size = sizeof(((T *)0)->member), __VA_ARGS__ }
#define CG_FIELD_MODEL_OPT(T, member, present, m, ...)                                                    \
    CG_FIELD_MODEL(T, member, m, .optional = true,                                                        \
                   .present_offset = 1 + offsetof(T, present) +                                           \
                                     CG_MEMBER_IS_(T, present, bool,                                      \
                                                   "CG_FIELD_MODEL_OPT: the presence member must be a bool"), \
                   __VA_ARGS__)
/* A JSON array in a struct cg_list member, of scalars with per-item
 * constraints or of a model; .optional = true allows absent or null:
 *   CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MAX_LEN(20), CG_MIN_ITEMS(1))
 *   CG_FIELD_MODEL_LIST(struct order, lines, &line_model, CG_MAX_ITEMS(100)) */
#define CG_FIELD_LIST(T, member, kind, ...)                                                       \
    { .name = #member, .offset = offsetof(T, member), .type = (kind), .list = true,              \
      .member_size = sizeof(((T *)0)->member) +                                                  \
                     CG_MEMBER_IS_(T, member, struct cg_list, "a list field needs a struct cg_list member"), \
      __VA_ARGS__ }
#define CG_FIELD_MODEL_LIST(T, member, m, ...) CG_FIELD_LIST(T, member, 0, .model = (m), __VA_ARGS__)
#define CG_MIN_ITEMS(n) .min_items = (n)
#define CG_MAX_ITEMS(n) .max_items = (n)
#define CG_MODEL(schema_name, T, field_table) \
    { .name = (schema_name), .size = sizeof(T), .fields = (field_table), .nfields = CG_LEN(field_table) }

#endif
