/* The Lambda path: an event's bytes through cg__lambda_event_parse,
 * cg__lambda_event_decode, the fuzz app and cg__lambda_response_encode, as
 * cg_lambda_handle runs them for every invocation. The app is mounted
 * under a base path (custom domains), so that its stripping is fuzzed too.
 *
 * Checked: an event that is refused comes with a message; an answer is
 * valid JSON (the gateway would reject anything else). */
#include <stdlib.h>

#include "cgate/lambda.h"
#include "fuzz.h"
#include "app.h"

static struct cg_app *app;
static struct cg_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    app = fuzz_app_new("/v1");
    if (!app)
        abort();
    arena = cg_arena_new();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cg_buf out;
    cg_buf_init(&out, arena);
    char err[256] = "";
    if (cg_lambda_handle(app, (cg_str){ (const char *)data, size }, arena, &out, err, sizeof err) == 0)
        FUZZ_CHECK(fuzz_json_valid(cg_buf_str(&out)), "the answer is not JSON: %.*s", (int)out.len, out.data);
    else
        FUZZ_CHECK(err[0] != '\0', "an event refused without a message");
    cg_arena_reset(arena);
    return 0;
}
