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

#ifdef __cplusplus
extern "C" {
#endif

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
    /* A typed parameter (CG_QUERY_PARAM and the like) is bound into the
     * route's parameter struct, which the handler reads with cg_params(): */
    size_t offset;           /* of its member */
    size_t present_offset;   /* _OPT: 1 + offset of a bool set when a value is given or defaulted */
    size_t member_size;      /* sizeof its member; 0 for a parameter read by name only */
    size_t struct_size;      /* sizeof the struct; the CG_PARAMS_OF table's end carries it too */
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
    bool optional;           /* may be null, and absent (null unless a default), as Optional[X] = None */
    /* The value when the key is absent, as JSON text: "false", "\"none\"",
     * "[]", "{}" (the nested model's own defaults); converted and checked
     * once, at start-up. A field with a default is not required; it refuses
     * null unless it is also optional. "null" on a field that is not
     * optional is pydantic's `x: T = None`: it may be left out (then zero,
     * and not sent: cg_body_has), but not sent as null. */
    const char *def;
    size_t present_offset;   /* optional non-string fields: 1 + offset of a bool, true when not null */
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
    size_t sent_offset;      /* CG_MODEL_SENT: 1 + offset of its cg_fields_set member */
};

/* Which fields of one bound object the request sent (pydantic's
 * model_fields_set), for a PATCH: a bit per field, in table order, in a
 * member that CG_MODEL_SENT names. Read it with cg_model_has or, for the
 * body, cg_body_has. */
typedef struct {
    uint64_t bits;
} cg_fields_set;

#define CG_MODEL_MAX_SENT 64 /* the most fields of a model with CG_MODEL_SENT */

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
/* The present_offset of an optional field or parameter; `macro` names the
 * declaration in the message. */
#define CG_PRESENT_AT_(T, present, macro) \
    (1 + offsetof(T, present) + CG_MEMBER_IS_(T, present, bool, macro ": the presence member must be a bool"))
/* The member_size of a list field or parameter, whose member must be a struct cg_list. */
#define CG_LIST_MEMBER_SIZE_(T, member, what) \
    (sizeof(((T *)0)->member) + CG_MEMBER_IS_(T, member, struct cg_list, what " needs a struct cg_list member"))

/* A field, required unless it has a default (.def) or is optional; an
 * optional string is ptr NULL when absent or null. */
#define CG_FIELD(T, member, kind, ...) \
    { .name = #member, .offset = offsetof(T, member), .type = CG_MEMBER_KIND_(T, member, kind), __VA_ARGS__ }
/* An optional number/int/bool: `present` is a bool member, true when the
 * field holds a value (given or defaulted), false when absent or null. */
#define CG_FIELD_OPT(T, member, present, kind, ...)                                                       \
    { .name = #member, .offset = offsetof(T, member), .type = CG_MEMBER_KIND_(T, member, kind),          \
      .optional = true, .present_offset = CG_PRESENT_AT_(T, present, "CG_FIELD_OPT"), __VA_ARGS__ }
/* A nested object, an embedded struct of the model's type:
 *   CG_FIELD_MODEL(struct order, owner, &address_model)
 * Optional, with a bool member set when given:
 *   CG_FIELD_MODEL_OPT(struct order, billing, has_billing, &address_model) */
#define CG_FIELD_MODEL(T, member, m, ...)                                              \
    { .name = #member, .offset = offsetof(T, member), .model = (m),                   \
      .member_size = sizeof(((T *)0)->member), __VA_ARGS__ }
#define CG_FIELD_MODEL_OPT(T, member, present, m, ...)                                              \
    CG_FIELD_MODEL(T, member, m, .optional = true,                                                  \
                   .present_offset = CG_PRESENT_AT_(T, present, "CG_FIELD_MODEL_OPT"), __VA_ARGS__)
/* A JSON array in a struct cg_list member, of scalars with per-item
 * constraints or of a model; .optional = true allows absent or null:
 *   CG_FIELD_LIST(struct order, tags, CG_STRING, CG_MAX_LEN(20), CG_MIN_ITEMS(1))
 *   CG_FIELD_MODEL_LIST(struct order, lines, &line_model, CG_MAX_ITEMS(100)) */
#define CG_FIELD_LIST(T, member, kind, ...)                                          \
    { .name = #member, .offset = offsetof(T, member), .type = (kind), .list = true, \
      .member_size = CG_LIST_MEMBER_SIZE_(T, member, "a list field"), __VA_ARGS__ }
#define CG_FIELD_MODEL_LIST(T, member, m, ...) CG_FIELD_LIST(T, member, 0, .model = (m), __VA_ARGS__)
#define CG_MIN_ITEMS(n) .min_items = (n)
#define CG_MAX_ITEMS(n) .max_items = (n)
#define CG_MODEL(schema_name, T, field_table, ...)                                                          \
    { .name = (schema_name), .size = sizeof(T), .fields = (field_table), .nfields = CG_LEN(field_table), \
      __VA_ARGS__ }
/* A model that records which fields each object sent, in a cg_fields_set member:
 *   CG_MODEL_SENT("ItemPatch", struct item_patch, item_patch_fields, sent) */
#define CG_MODEL_SENT(schema_name, T, field_table, member)                                        \
    CG_MODEL(schema_name, T, field_table,                                                         \
             .sent_offset = 1 + offsetof(T, member) +                                             \
                            CG_MEMBER_IS_(T, member, cg_fields_set,                               \
                                          "CG_MODEL_SENT: the member must be a cg_fields_set"))

/* Whether the request sent `field` in obj, an object bound to m, which
 * must be declared with CG_MODEL_SENT: "price", or a path through nested
 * models, "owner.city" (false when "owner" was not sent). A field the model
 * does not have, or a model that records nothing, is a programming error:
 * logged, and false. */
bool cg_model_has(const struct cg_model *m, const void *obj, const char *field);


/* Typed parameters: bound into a struct, as a body is, and read with
 * cg_params(c) instead of by name. The member's C type is checked against
 * the kind as for fields; the member's name is the parameter's name (a
 * header's with '_' sent as '-', as CG_HEADER_STR):
 *
 *   struct list_query { int64_t limit; cg_str q; bool has_after; int64_t after; struct cg_list tag; };
 *   .params = CG_PARAMS_OF(struct list_query,
 *       CG_QUERY_PARAM(struct list_query, limit, CG_INT, CG_GE(1), CG_LE(100), .def = "20"),
 *       CG_QUERY_PARAM(struct list_query, q, CG_STRING, CG_MAX_LEN(50)),
 *       CG_QUERY_PARAM_OPT(struct list_query, after, has_after, CG_INT),
 *       CG_QUERY_PARAM_LIST(struct list_query, tag, CG_STRING))
 *   ...
 *   const struct list_query *q = cg_params(c);
 *
 * An absent string without a default is ptr NULL; any other kind that may
 * be absent without a default needs a presence bool (the _OPT macros), which
 * start-up enforces. A list is a struct cg_list of the kind's C type, items
 * NULL when absent. */
#define CG_PARAM_AT_(T, member, where, kind, ...)                                                \
    { .name = #member, .in = (where), .type = CG_MEMBER_KIND_(T, member, kind),                 \
      .offset = offsetof(T, member), .member_size = sizeof(((T *)0)->member), .struct_size = sizeof(T), \
      __VA_ARGS__ }
#define CG_PATH_PARAM(T, member, kind, ...)   CG_PARAM_AT_(T, member, CG_IN_PATH, kind, .required = true, __VA_ARGS__)
#define CG_QUERY_PARAM(T, member, kind, ...)  CG_PARAM_AT_(T, member, CG_IN_QUERY, kind, __VA_ARGS__)
#define CG_HEADER_PARAM(T, member, kind, ...) CG_PARAM_AT_(T, member, CG_IN_HEADER, kind, __VA_ARGS__)
#define CG_COOKIE_PARAM(T, member, kind, ...) CG_PARAM_AT_(T, member, CG_IN_COOKIE, kind, __VA_ARGS__)
#define CG_PARAM_OPT_(T, member, present, where, kind, macro, ...) \
    CG_PARAM_AT_(T, member, where, kind, .present_offset = CG_PRESENT_AT_(T, present, macro), __VA_ARGS__)
#define CG_QUERY_PARAM_OPT(T, member, present, kind, ...) \
    CG_PARAM_OPT_(T, member, present, CG_IN_QUERY, kind, "CG_QUERY_PARAM_OPT", __VA_ARGS__)
#define CG_HEADER_PARAM_OPT(T, member, present, kind, ...) \
    CG_PARAM_OPT_(T, member, present, CG_IN_HEADER, kind, "CG_HEADER_PARAM_OPT", __VA_ARGS__)
#define CG_COOKIE_PARAM_OPT(T, member, present, kind, ...) \
    CG_PARAM_OPT_(T, member, present, CG_IN_COOKIE, kind, "CG_COOKIE_PARAM_OPT", __VA_ARGS__)
/* Every value of a repeated query key or header, in a struct cg_list member. */
#define CG_PARAM_LIST_(T, member, where, kind, ...)                                                     \
    { .name = #member, .in = (where), .type = (kind), .list = true, .offset = offsetof(T, member),     \
      .member_size = CG_LIST_MEMBER_SIZE_(T, member, "a list parameter"), .struct_size = sizeof(T), \
      __VA_ARGS__ }
#define CG_QUERY_PARAM_LIST(T, member, kind, ...)  CG_PARAM_LIST_(T, member, CG_IN_QUERY, kind, __VA_ARGS__)
#define CG_HEADER_PARAM_LIST(T, member, kind, ...) CG_PARAM_LIST_(T, member, CG_IN_HEADER, kind, __VA_ARGS__)
/* A route's typed parameters: .params = CG_PARAMS_OF(struct q, CG_QUERY_PARAM(struct q, ...), ...).
 * Its end carries the struct's size, which cg_params() allocates. */
#define CG_PARAMS_OF(T, ...) ((const struct cg_param[]){ __VA_ARGS__, { .struct_size = sizeof(T) } })

#ifdef __cplusplus
}
#endif

#endif
