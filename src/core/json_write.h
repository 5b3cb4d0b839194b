/* What the JSON writer (json.c) offers the rest of the core beyond
 * cgate/json.h: JSON text built outside a writer, for 422 entries and the
 * OpenAPI document. */
#ifndef CGATE_CORE_JSON_WRITE_H
#define CGATE_CORE_JSON_WRITE_H

#include "cgate/arena.h"
#include "cgate/buf.h"
#include "cgate/str.h"

/* s as a JSON string literal, in the arena. */
cg_str cg__json_quote(struct cg_arena *a, cg_str s);

/* v in plain decimal, never with an exponent, integral values without ".0"
 * ("3", "0.5", "10000000000000000"): Rust's Display, which pydantic uses for
 * the bounds in its messages. */
void cg__format_decimal(struct cg_buf *out, double v);

#endif
