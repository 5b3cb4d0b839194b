/* Validation errors (verrors.c): the entries of a 422 body, collected while
 * parameters and bodies are bound, and the body FastAPI sends with them. */
#ifndef CGATE_CORE_VERRORS_H
#define CGATE_CORE_VERRORS_H

#include <stddef.h>

#include "cgate/arena.h"
#include "cgate/buf.h"
#include "cgate/str.h"

/* One entry of a 422 body; each part is already-serialised JSON so that any
 * shape of loc, input and ctx can be recorded. */
struct cg_verror {
    const char *type; /* "missing", "int_parsing", ... */
    cg_str loc;       /* JSON array, e.g. ["query","limit"] */
    cg_str msg;       /* plain text, escaped when written */
    cg_str input;     /* JSON value */
    cg_str ctx;       /* JSON object, or empty for none */
};

struct cg_verrors {
    struct cg_arena *arena;
    struct cg_verror *items;
    size_t n;
    size_t cap;
};

void cg__verrors_init(struct cg_verrors *e, struct cg_arena *arena);
void cg__verrors_add(struct cg_verrors *e, const char *type, cg_str loc, cg_str msg, cg_str input,
                     cg_str ctx);
void cg__verrors_append(struct cg_verrors *to, const struct cg_verrors *from);
/* {"detail":[{"type":..,"loc":..,"msg":..,"input":..(,"ctx":..)}, ...]} */
void cg__verrors_write(const struct cg_verrors *e, struct cg_buf *out);

#endif
