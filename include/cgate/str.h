/* Byte slices: every string in cgate is a (ptr, len) pair that points into a
 * buffer someone else owns (the read buffer, the event, the arena). */
#ifndef CGATE_STR_H
#define CGATE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cg_str {
    const char *ptr;
    size_t len;
} cg_str;

/* A name/value pair: headers, query parameters, cookies. */
struct cg_kv {
    cg_str name;
    cg_str value;
};

/* Both take arrays only: C refuses a pointer (whose sizeof is not the
 * length) at compile time; C++ has no such check. */
#if defined(__GNUC__) && !defined(__cplusplus)
#define CG_ARRAY_ONLY_(a) \
    (0 * sizeof(struct { _Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])), \
                                        "an array, not a pointer: use cg_str_c() for a char *"); int x_; }))
#else
#define CG_ARRAY_ONLY_(a) 0
#endif
#define CG_STR(literal) ((cg_str){ (literal), sizeof(literal) - 1 + CG_ARRAY_ONLY_(literal) })
#define CG_LEN(array)   (sizeof(array) / sizeof((array)[0]) + CG_ARRAY_ONLY_(array))

static inline cg_str cg_str_c(const char *s)
{
    return (cg_str){ s, s ? strlen(s) : 0 };
}

static inline bool cg_str_eq(cg_str a, cg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Without leading and trailing spaces and tabs. */
cg_str cg_str_trim(cg_str s);

/* cg_str_ieq for slices of the same length. */
bool cg__str_ieq_n(cg_str a, cg_str b);

/* ASCII case-insensitive comparison (header names, tokens). The lengths
 * are compared inline: most pairs differ there. */
static inline bool cg_str_ieq(cg_str a, cg_str b)
{
    return a.len == b.len && cg__str_ieq_n(a, b);
}

static inline bool cg_str_eq_c(cg_str a, const char *b)
{
    return cg_str_eq(a, cg_str_c(b));
}

/* The first value whose name equals `name` (exactly, or ignoring ASCII case),
 * or a slice with ptr == NULL. */
cg_str cg_kv_find(const struct cg_kv *kv, size_t n, cg_str name);
cg_str cg_kv_ifind(const struct cg_kv *kv, size_t n, cg_str name);

#ifdef __cplusplus
}
#endif

#endif
