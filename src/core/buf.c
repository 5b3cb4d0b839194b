#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/buf.h"

void cg_buf_init(struct cg_buf *b, struct cg_arena *arena)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->arena = arena;
}

void cg_buf_free(struct cg_buf *b)
{
    if (!b->arena)
        free(b->data);
    cg_buf_init(b, b->arena);
}

char *cg__buf_grow(struct cg_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return b->len ? b->data + b->len : b->data; /* data may be NULL: never NULL + 0 */
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap - b->len < extra)
        cap *= 2;
    if (b->arena)
        b->data = cg_arena_realloc(b->arena, b->data, b->len, cap);
    else
        b->data = cg_xrealloc(b->data, cap);
    b->cap = cap;
    return b->data + b->len;
}

void cg_buf_puts(struct cg_buf *b, const char *s)
{
    cg_buf_append(b, s, strlen(s));
}

void cg_buf_vprintf(struct cg_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char *dst = cg_buf_reserve(b, 64);
    int n = vsnprintf(dst, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        dst = cg_buf_reserve(b, (size_t)n + 1);
        vsnprintf(dst, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
}

void cg_buf_printf(struct cg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cg_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void cg_buf_consume(struct cg_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}
