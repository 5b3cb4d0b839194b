/* What the fuzz targets share: reading fields out of the fuzzer's bytes,
 * checks that abort (libFuzzer then saves the input as a crash), and quiet
 * logs.
 *
 * Every target is one LLVMFuzzerTestOneInput: deterministic, and everything
 * it allocates for an input is freed before it returns, so that
 * -detect_leaks=1 (on with ASan) reports real leaks only. */
#ifndef CG_FUZZ_H
#define CG_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "cgate/cgate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input, consumed from the front. */
struct fuzz_input {
    const char *p;
    size_t n;
};

/* The next byte; 0 once the input is exhausted. */
uint8_t fuzz_byte(struct fuzz_input *in);
/* The bytes up to the next `sep` (dropped) or the end. ptr is never NULL. */
cg_str fuzz_field(struct fuzz_input *in, char sep);
/* Whatever is left. */
cg_str fuzz_rest(struct fuzz_input *in);

/* An invariant of the code under test was broken: report it and abort, so
 * that libFuzzer keeps the input. */
#define FUZZ_CHECK(cond, ...)             \
    do {                                  \
        if (!(cond))                      \
            fuzz_fail(#cond, __VA_ARGS__); \
    } while (0)
_Noreturn void fuzz_fail(const char *cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* base64url without padding (JWS), in the arena. */
cg_str fuzz_base64url(struct cg_arena *a, cg_str bytes);

/* The reference JSON reader (json_reference.c): written apart from
 * core/json_scan.c, as the oracle of the targets that check JSON. True when
 * json is exactly one JSON text (RFC 8259, strings of valid UTF-8, no lone
 * surrogates, at most FUZZ_JSON_MAX_DEPTH containers open at once). With
 * tokens, records each token with fuzz_put_token. */
#define FUZZ_JSON_MAX_DEPTH 1000
bool fuzz_json_reference(cg_str json, struct cg_buf *tokens);
bool fuzz_json_valid(cg_str json);
/* A token as bytes: its kind ('{', '}', '[', ']', 'z' null, 't', 'f', and
 * 's' string, 'k' key, 'n' number followed by the text's length and bytes). */
void fuzz_put_token(struct cg_buf *b, char kind, cg_str text);

/* Log only errors: the targets refuse most inputs, and a line per input on
 * stderr would cost more than the code under test. */
void fuzz_quiet_logs(void);

/* "FUZZ_DATA_DIR/name" into buf: the target's data files (keys). */
const char *fuzz_data_path(char *buf, size_t size, const char *name);

#endif
