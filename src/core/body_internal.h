/* Private interface between the parts of body binding: the reading of the
 * body with the JSON scanner (body.c), the rendering of values (body_json.c),
 * the scalar conversions (body_value.c) and the binder that walks models and
 * lists (body_bind.c). */
#ifndef CGATE_BODY_INTERNAL_H
#define CGATE_BODY_INTERNAL_H

#include "validate_internal.h"

/* A JSON scalar as the scanner reports it. */
struct jvalue {
    enum { J_NULL, J_BOOL, J_NUMBER, J_STRING } kind;
    bool b;
    cg_str text; /* a number's token, or a string's unescaped bytes */
};

/* A number token without a fraction or an exponent. */
bool cg_json_is_integer_token(cg_str token);

/* Values as Python prints what json.loads made of them, compact: ints
 * exactly ("-0" is 0), floats as repr ("1.50" is 1.5, "1e3" is 1000.0).
 * Only error paths need these, for an error's input. */
cg_str cg_json_render_scalar(struct cg_arena *a, const struct jvalue *v);
/* A complete, valid JSON value (a slice of a body already read). */
cg_str cg_json_render(struct cg_arena *a, cg_str json);

/* Binding the events of one body to a model (body_bind.c). */
struct frame;

struct binder {
    struct cg_arena *a;
    cg_str body;
    const struct cg_model *m;
    void *out;
    struct frame *frames;   /* one per open container, CG_JSON_MAX_DEPTH of them */
    int nframes;
    bool binding;           /* false once the error limits were reached */
    bool full;              /* they are: stop binding at the next event */
    size_t held;            /* errors held in frames and in errs */
    size_t input_budget;    /* bytes of error inputs still allowed */
    struct cg_verrors errs; /* the body's errors, complete once the body has closed */
};

void cg_binder_init(struct binder *b, struct cg_arena *a, const struct cg_model *m, cg_str body, void *out);
void cg_binder_scalar(struct binder *b, const struct jvalue *v);
void cg_binder_key(struct binder *b, cg_str key);
/* A container opens with its '{' or '[' at offset `at` of the body, and
 * closes with the '}' or ']' that ends just before offset `end`. */
void cg_binder_open(struct binder *b, bool map, size_t at);
void cg_binder_close(struct binder *b, size_t end);

extern const struct cg_vfail cg_fail_missing;
extern const struct cg_vfail cg_fail_not_an_object;

/* The C size of one item of a list field: a scalar's type or the model's (model.c). */
size_t cg_body_item_size(const struct cg_field *f);
/* The failure for a value of the wrong JSON type for f's scalar type. */
void cg_body_type_fail(struct cg_arena *a, const struct cg_field *f, struct cg_vfail *why);
/* Convert a JSON scalar to f's type with pydantic's lax rules and check the
 * constraints. Returns 0, or -1 with `why` filled. */
int cg_body_convert(struct cg_arena *a, const struct cg_field *f, const struct jvalue *v, struct cg_value *out,
                    struct cg_vfail *why);
/* Write a converted value at p as f's C type (strings copied to the arena);
 * NULL writes the zero value of an absent optional field. */
void cg_body_store(struct cg_arena *a, const struct cg_field *f, void *p, const struct cg_value *v);

#endif
