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

struct cg_field {
    const char *name;
    size_t offset;
    enum cg_type type;
    bool optional;           /* may be absent or null */
    size_t present_offset;   /* optional non-string fields: 1 + offset of a bool set when given */
    struct cg_constraints c;
    const char *description;
};

struct cg_model {
    const char *name;        /* schema name, e.g. "ItemIn" */
    size_t size;             /* sizeof the bound struct */
    const struct cg_field *fields;
    size_t nfields;
};

/* A required field, or an optional string (absent or null -> ptr NULL). */
#define CG_FIELD(T, member, kind, ...) \
    { .name = #member, .offset = offsetof(T, member), .type = (kind), __VA_ARGS__ }
/* An optional number/int/bool: `present` is a bool member set when given. */
#define CG_FIELD_OPT(T, member, present, kind, ...)                              \
    { .name = #member, .offset = offsetof(T, member), .type = (kind), .optional = true, \
      .present_offset = 1 + offsetof(T, present), __VA_ARGS__ }
#define CG_MODEL(schema_name, T, field_table) \
    { .name = (schema_name), .size = sizeof(T), .fields = (field_table), .nfields = CG_LEN(field_table) }

#endif
