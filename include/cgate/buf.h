/* Growable byte buffer, backed by an arena (response bodies) or by the heap
 * (connection buffers, when arena is NULL). */
#ifndef CGATE_BUF_H
#define CGATE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "arena.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_buf {
    char *data;
    size_t len;
    size_t cap;
    struct cg_arena *arena; /* NULL: heap memory, released by cg_buf_free */
};

void cg_buf_init(struct cg_buf *b, struct cg_arena *arena);
void cg_buf_free(struct cg_buf *b);
/* cg_buf_reserve's slow path: the buffer grows. */
char *cg__buf_grow(struct cg_buf *b, size_t extra);

/* Make room for `extra` more bytes; returns the write position. Inline:
 * the writers of JSON and HTTP call it for every few bytes. */
static inline char *cg_buf_reserve(struct cg_buf *b, size_t extra)
{
    if (b->data && b->cap - b->len >= extra)
        return b->data + b->len;
    return cg__buf_grow(b, extra);
}

static inline void cg_buf_append(struct cg_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return;
    memcpy(cg_buf_reserve(b, len), data, len);
    b->len += len;
}

static inline void cg_buf_putc(struct cg_buf *b, char c)
{
    *cg_buf_reserve(b, 1) = c;
    b->len++;
}

void cg_buf_puts(struct cg_buf *b, const char *s);
void cg_buf_printf(struct cg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_buf_vprintf(struct cg_buf *b, const char *fmt, va_list ap);
/* Drop the first n bytes (consumed input). */
void cg_buf_consume(struct cg_buf *b, size_t n);

static inline void cg_buf_append_str(struct cg_buf *b, cg_str s)
{
    cg_buf_append(b, s.ptr, s.len);
}

static inline cg_str cg_buf_str(const struct cg_buf *b)
{
    return (cg_str){ b->data, b->len };
}

#ifdef __cplusplus
}
#endif

#endif
