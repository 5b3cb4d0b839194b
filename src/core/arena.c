/* Per-request arena: a list of chunks; allocations bump a pointer.
 *
 * Under AddressSanitizer the bytes of a chunk that no allocation holds are
 * poisoned: a write past an allocation, or a read of memory the arena gave
 * out before a reset, is a report rather than silence (malloc's own
 * redzones never see inside a chunk). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/arena.h"

#define ARENA_CHUNK 8192
#define ARENA_ALIGN 16

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#endif

#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define poison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define poison(p, n) ((void)(p), (void)(n))
#define unpoison(p, n) ((void)(p), (void)(n))
#endif

struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ARENA_ALIGN) char data[];
};

struct cg_arena {
    struct chunk *head; /* current chunk; older ones follow */
    void *last;         /* most recent allocation, for in-place realloc */
};

_Noreturn void cg_oom(void)
{
    static const char msg[] = "cgate: out of memory\n";
    fwrite(msg, 1, sizeof msg - 1, stderr);
    abort();
}

void *cg_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        cg_oom();
    return p;
}

void *cg_xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        cg_oom();
    return p;
}

static struct chunk *chunk_new(size_t size, struct chunk *next)
{
    struct chunk *c = cg_xmalloc(sizeof *c + size);
    c->next = next;
    c->size = size;
    c->used = 0;
    poison(c->data, size);
    return c;
}

struct cg_arena *cg_arena_new(void)
{
    struct cg_arena *a = cg_xmalloc(sizeof *a);
    a->head = chunk_new(ARENA_CHUNK, NULL);
    a->last = NULL;
    return a;
}

static void free_chunks(struct chunk *c)
{
    while (c) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
}

void cg_arena_free(struct cg_arena *a)
{
    if (!a)
        return;
    free_chunks(a->head);
    free(a);
}

void cg_arena_reset(struct cg_arena *a)
{
    struct chunk *first = a->head;
    while (first->next)
        first = first->next;
    /* Keep the oldest chunk (the standard size); big ones go back to malloc. */
    struct chunk *c = a->head;
    while (c != first) {
        struct chunk *next = c->next;
        free(c);
        c = next;
    }
    first->used = 0;
    poison(first->data, first->size);
    a->head = first;
    a->last = NULL;
}

static size_t align_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void *cg_arena_alloc(struct cg_arena *a, size_t asked)
{
    size_t size = align_up(asked ? asked : 1);
    struct chunk *c = a->head;
    if (c->size - c->used < size) {
        size_t want = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
        if (size > ARENA_CHUNK / 4 && c->used < c->size / 2) {
            /* A large block gets a chunk of its own behind the current one,
             * so the free space of the current chunk is not wasted. */
            c->next = chunk_new(want, c->next);
            c->next->used = size;
            a->last = NULL;
            unpoison(c->next->data, asked);
            return c->next->data;
        }
        c = a->head = chunk_new(want, c);
    }
    void *p = c->data + c->used;
    c->used += size;
    a->last = p;
    unpoison(p, asked);
    return p;
}

void *cg_arena_zalloc(struct cg_arena *a, size_t size)
{
    void *p = cg_arena_alloc(a, size);
    memset(p, 0, size);
    return p;
}

void *cg_arena_realloc(struct cg_arena *a, void *p, size_t old_size, size_t new_size)
{
    if (!p)
        return cg_arena_alloc(a, new_size);
    struct chunk *c = a->head;
    if (p == a->last) {
        size_t start = (size_t)((char *)p - c->data);
        if (start + align_up(new_size) <= c->size) {
            poison((char *)p + new_size, c->used - start > new_size ? c->used - start - new_size : 0);
            unpoison(p, new_size);
            c->used = start + align_up(new_size ? new_size : 1);
            return p;
        }
    }
    void *q = cg_arena_alloc(a, new_size);
    memcpy(q, p, old_size < new_size ? old_size : new_size);
    return q;
}

cg_str cg_arena_strdup(struct cg_arena *a, cg_str s)
{
    char *p = cg_arena_alloc(a, s.len + 1);
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return (cg_str){ p, s.len };
}

cg_str cg_arena_printf(struct cg_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = cg_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return (cg_str){ p, (size_t)n };
}
