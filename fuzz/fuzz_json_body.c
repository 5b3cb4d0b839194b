/* JSON bodies bound to models: cg__body_bind on a nested model (optional
 * parts, lists of scalars, of enums and of models) and on a model that
 * holds a list of itself, then the 422 writer on whatever errors came.
 *
 * Input: one byte choosing the model (odd: the recursive one) and the
 * content type (bit 1: "application/vnd.api+json", bit 2: a type that is
 * not JSON), then the body.
 *
 * Checked: binding fails exactly when errors were recorded, no more than
 * CG_BODY_MAX_ERRORS of them; the 422 body, or the bound struct written
 * back with cg_json_write_model, is valid JSON. */
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/body.h"
#include "core/body_bind.h"
#include "core/model.h"
#include "fuzz.h"
#include "app.h"

static struct cg_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    if (cg__model_prepare(&fuzz_order_model) != 0 || cg__model_prepare(&fuzz_node_model) != 0)
        abort();
    arena = cg_arena_new();
    return 0;
}

static cg_str content_type(uint8_t selector)
{
    if (selector & 4)
        return CG_STR("text/plain");
    return selector & 2 ? CG_STR("application/vnd.api+json") : CG_STR("application/json");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    uint8_t selector = fuzz_byte(&in);
    const struct cg_model *m = selector & 1 ? &fuzz_node_model : &fuzz_order_model;
    void *out = cg_arena_zalloc(arena, m->size);
    struct cg_verrors errs;
    cg__verrors_init(&errs, arena);
    int rc = cg__body_bind(arena, m, content_type(selector), fuzz_rest(&in), out, &errs);
    FUZZ_CHECK((rc == 0) == (errs.n == 0), "returned %d with %zu errors", rc, errs.n);
    FUZZ_CHECK(errs.n <= CG_BODY_MAX_ERRORS, "%zu errors", errs.n);
    struct cg_buf json;
    cg_buf_init(&json, arena);
    if (rc == 0) {
        struct cg_json writer;
        cg_json_init(&writer, &json);
        cg_json_write_model(&writer, m, out);
    } else {
        cg__verrors_write(&errs, &json);
    }
    FUZZ_CHECK(fuzz_json_valid(cg_buf_str(&json)), "not JSON: %.*s", (int)json.len, json.data);
    cg_arena_reset(arena);
    return 0;
}
