/* Per-request arena: bump allocation in chunks, released all at once.
 *
 * Out of memory: cgate aborts the process with a message (as h2o and Redis
 * do). Allocation failures are therefore never returned to callers, and no
 * code path needs an OOM branch. */
#ifndef CGATE_ARENA_H
#define CGATE_ARENA_H

#include <stddef.h>

#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_arena;

struct cg_arena *cg_arena_new(void);
void cg_arena_free(struct cg_arena *a);
/* Release every allocation but keep the first chunk for reuse. */
void cg_arena_reset(struct cg_arena *a);

/* Uninitialised memory, aligned for any type; valid until reset or free. */
void *cg_arena_alloc(struct cg_arena *a, size_t size);
void *cg_arena_zalloc(struct cg_arena *a, size_t size);
/* Grow the block `p` (of `old_size` bytes) to `new_size`, in place when it is
 * the most recent allocation. */
void *cg_arena_realloc(struct cg_arena *a, void *p, size_t old_size, size_t new_size);
/* A NUL-terminated copy, returned as a slice (len excludes the NUL). */
cg_str cg_arena_strdup(struct cg_arena *a, cg_str s);
cg_str cg_arena_printf(struct cg_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Abort with a message: used by every allocator in cgate. C++ spells
 * _Noreturn as an attribute. */
#ifdef __cplusplus
[[noreturn]] void cg_oom(void);
#else
_Noreturn void cg_oom(void);
#endif
void *cg_xmalloc(size_t size);
void *cg_xrealloc(void *p, size_t size);

#ifdef __cplusplus
}
#endif

#endif
