/* JSON values of a body as the binder sees them (body_json.c): the scalars
 * the scanner reports, and their rendering as Python prints what json.loads
 * made of them, for the input of an error. */
#ifndef CGATE_CORE_BODY_JSON_H
#define CGATE_CORE_BODY_JSON_H

#include <stdbool.h>

#include "cgate/arena.h"
#include "cgate/str.h"

/* A JSON scalar as the scanner reports it. */
struct jvalue {
    enum { J_NULL, J_BOOL, J_NUMBER, J_STRING } kind;
    bool b;
    cg_str text; /* a number's token, or a string's unescaped bytes */
};

/* A number token without a fraction or an exponent. */
bool cg__json_is_integer_token(cg_str token);

/* Values as Python prints what json.loads made of them, compact: ints
 * exactly ("-0" is 0), floats as repr ("1.50" is 1.5, "1e3" is 1000.0).
 * Only error paths need these, for an error's input. */
cg_str cg__json_render_scalar(struct cg_arena *a, const struct jvalue *v);
/* A complete, valid JSON value (a slice of a body already read). */
cg_str cg__json_render(struct cg_arena *a, cg_str json);

#endif
