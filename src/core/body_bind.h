/* The binder (body_bind.c): the events of one body, as the scanner reports
 * them (body.c), bound to a model and its nested models and lists, with
 * every error at its place. */
#ifndef CGATE_CORE_BODY_BIND_H
#define CGATE_CORE_BODY_BIND_H

#include <stdbool.h>

#include "core/body_json.h"
#include "core/validate.h"

/* The most errors one body reports. */
#define CG_BODY_MAX_ERRORS 1000

struct frame;

/* The binder fills either a body's model struct, or (a default, at
 * start-up) one field of a struct. */
struct binder {
    struct cg_arena *a;
    cg_str body;
    const struct cg_model *m; /* the body's model; NULL when binding a field */
    const struct cg_field *field; /* the field bound, when binding one */
    void *out;                /* the model's struct, or the struct holding the field */
    struct frame *frames;   /* one per open container: CG_JSON_MAX_DEPTH, or fewer for a short text */
    int nframes;
    bool binding;           /* false once the error limits were reached */
    bool full;              /* they are: stop binding at the next event */
    size_t held;            /* errors held in frames and in errs */
    size_t input_budget;    /* bytes of error inputs still allowed */
    struct cg_verrors errs; /* the body's errors, complete once the body has closed */
};

/* Bind `json` to model m (f NULL), or to field f of the struct `out` (m NULL). */
void cg__binder_init(struct binder *b, struct cg_arena *a, cg_str json, const struct cg_model *m,
                     const struct cg_field *f, void *out);
void cg__binder_scalar(struct binder *b, const struct jvalue *v);
void cg__binder_key(struct binder *b, cg_str key);
/* A container opens with its '{' or '[' at offset `at` of the body, and
 * closes with the '}' or ']' that ends just before offset `end`. */
void cg__binder_open(struct binder *b, bool map, size_t at);
void cg__binder_close(struct binder *b, size_t end);

extern const struct cg_vfail cg__fail_missing;
extern const struct cg_vfail cg__fail_not_an_object;

#endif
