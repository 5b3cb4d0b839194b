/* The JSON scanner (core/json_scan.c) and its tree mode (cg_json_parse),
 * differential against the reference reader of fuzz/json_reference.c.
 *
 * Every input goes through both readers. Both are strict RFC 8259 with the
 * same depth limit, so they must agree exactly: the same verdict, and for
 * a text they accept the same tokens (the same kinds in the same order,
 * the same decoded strings and keys, the same number texts). The reference
 * is a recursive descent written apart from the scanner, checking UTF-8
 * against RFC 3629's table rather than by decoding.
 *
 * Also checked: the offsets each callback sees delimit its token; a string
 * without a backslash is a slice of the input, one with is a copy; a
 * callback returning 0 stops the scan where it asked to; the tree mode
 * accepts what the scanner accepts and refuses the rest with the same
 * reason and offset; a tree written back by cg_json_write_value reads as
 * the same tokens. */
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/json_scan.h"
#include "fuzz.h"

static struct cg_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    arena = cg_arena_new();
    return 0;
}

/* ---- the scanner's side, with its offsets checked ---- */

struct run {
    struct cg_buf tokens;
    size_t count;   /* tokens reported */
    size_t stop_at; /* the token whose callback returns 0; 0 for none */
};

static int scanned(const struct cg_json_scan *s, char kind, cg_str text)
{
    struct run *r = s->ctx;
    fuzz_put_token(&r->tokens, kind, text);
    return ++r->count != r->stop_at;
}

static int s_punctuation(const struct cg_json_scan *s, char kind)
{
    FUZZ_CHECK(s->end == s->pos + 1 && s->input.ptr[s->pos] == kind, "%c at %zu-%zu", kind, s->pos, s->end);
    return scanned(s, kind, CG_STR(""));
}

static int s_literal(const struct cg_json_scan *s, char kind, cg_str word)
{
    FUZZ_CHECK(cg_str_eq((cg_str){ s->input.ptr + s->pos, s->end - s->pos }, word), "%s at %zu-%zu", word.ptr,
               s->pos, s->end);
    return scanned(s, kind, CG_STR(""));
}

static int s_null(const struct cg_json_scan *s)
{
    return s_literal(s, 'z', CG_STR("null"));
}

static int s_boolean(const struct cg_json_scan *s, bool v)
{
    return s_literal(s, v ? 't' : 'f', v ? CG_STR("true") : CG_STR("false"));
}

static int s_number(const struct cg_json_scan *s, cg_str text)
{
    FUZZ_CHECK(text.ptr == s->input.ptr + s->pos && text.len == s->end - s->pos, "number at %zu-%zu", s->pos,
               s->end);
    return scanned(s, 'n', text);
}

/* Between the quotes at pos and end - 1: a slice when there is no escape. */
static int s_text(const struct cg_json_scan *s, char kind, cg_str text)
{
    const char *in = s->input.ptr;
    FUZZ_CHECK(s->end >= s->pos + 2 && in[s->pos] == '"' && in[s->end - 1] == '"', "string at %zu-%zu", s->pos,
               s->end);
    cg_str raw = { in + s->pos + 1, s->end - s->pos - 2 };
    bool escaped = raw.len && memchr(raw.ptr, '\\', raw.len);
    if (escaped)
        FUZZ_CHECK(text.ptr + text.len <= in || text.ptr >= in + s->input.len, "a decoded string in the input");
    else
        FUZZ_CHECK(text.ptr == raw.ptr && text.len == raw.len, "a plain string copied");
    return scanned(s, kind, text);
}

static int s_string(const struct cg_json_scan *s, cg_str text)
{
    return s_text(s, 's', text);
}

static int s_key(const struct cg_json_scan *s, cg_str text)
{
    return s_text(s, 'k', text);
}

static int s_start_object(const struct cg_json_scan *s)
{
    return s_punctuation(s, '{');
}

static int s_end_object(const struct cg_json_scan *s)
{
    return s_punctuation(s, '}');
}

static int s_start_array(const struct cg_json_scan *s)
{
    return s_punctuation(s, '[');
}

static int s_end_array(const struct cg_json_scan *s)
{
    return s_punctuation(s, ']');
}

static const struct cg_json_callbacks scan_recorder = {
    .null = s_null,
    .boolean = s_boolean,
    .number = s_number,
    .string = s_string,
    .key = s_key,
    .start_object = s_start_object,
    .end_object = s_end_object,
    .start_array = s_start_array,
    .end_array = s_end_array,
};

static enum cg_json_status scan(cg_str json, struct run *r, struct cg_json_scan *s)
{
    cg_buf_init(&r->tokens, arena);
    *s = (struct cg_json_scan){ .cb = &scan_recorder, .ctx = r, .arena = arena, .max_depth = FUZZ_JSON_MAX_DEPTH };
    enum cg_json_status st = cg__json_scan(s, json);
    if (st != CG_JSON_OK)
        FUZZ_CHECK(s->error && s->error_pos <= json.len, "error %s at %zu of %zu", s->error, s->error_pos, json.len);
    return st;
}

/* Scan again, stopping at token `n`: the same tokens up to it, then a stop. */
static void check_stop(cg_str json, size_t n, cg_str all_tokens)
{
    struct run r = { .stop_at = n };
    struct cg_json_scan s;
    FUZZ_CHECK(scan(json, &r, &s) == CG_JSON_STOPPED, "no stop at token %zu", n);
    FUZZ_CHECK(r.count == n && r.tokens.len <= all_tokens.len &&
                   memcmp(r.tokens.data, all_tokens.ptr, r.tokens.len) == 0,
               "stopping at token %zu changed the tokens before it", n);
}

static int skip_container(const struct cg_json_scan *s)
{
    (void)s;
    return CG_JSON_SKIP;
}

/* Skipping every container changes no verdict: the same error, at the
 * same byte, or none. */
static void check_skip(cg_str json, const struct cg_json_scan *full, bool scan_ok)
{
    static const struct cg_json_callbacks skipper = { .start_object = skip_container, .start_array = skip_container };
    struct cg_json_scan s = { .cb = &skipper, .arena = arena, .max_depth = FUZZ_JSON_MAX_DEPTH };
    bool ok = cg__json_scan(&s, json) == CG_JSON_OK;
    FUZZ_CHECK(ok == scan_ok, "skipping containers changed the verdict");
    if (!ok)
        FUZZ_CHECK(strcmp(s.error, full->error) == 0 && s.error_pos == full->error_pos,
                   "skipping: %s at %zu, reporting: %s at %zu", s.error, s.error_pos, full->error, full->error_pos);
}

/* The tree reads as the scanner does; written back, it reads the same. */
static void check_tree(cg_str json, const struct cg_json_scan *s, bool scan_ok, cg_str tokens)
{
    struct cg_json_error err = { 0 };
    const struct cg_json_value *root = cg_json_parse(arena, json, FUZZ_JSON_MAX_DEPTH, &err);
    FUZZ_CHECK(!root == !scan_ok, "the tree mode and the scanner disagree");
    if (!root) {
        FUZZ_CHECK(strcmp(err.reason, s->error) == 0 && err.pos == s->error_pos, "tree: %s at %zu, scanner: %s at %zu",
                   err.reason, err.pos, s->error, s->error_pos);
        return;
    }
    struct cg_buf text;
    struct cg_json j;
    cg_buf_init(&text, arena);
    cg_json_init(&j, &text);
    cg_json_write_value(&j, root);
    if (cg_json_failed(&j))
        return; /* deeper than the writer goes */
    struct run again = { 0 };
    struct cg_json_scan s2;
    FUZZ_CHECK(scan(cg_buf_str(&text), &again, &s2) == CG_JSON_OK, "the tree written back is not JSON: %s at %zu",
               s2.error, s2.error_pos);
    FUZZ_CHECK(cg_str_eq(cg_buf_str(&again.tokens), tokens), "the tree written back reads differently");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_str json = { (const char *)data, size };
    struct cg_buf expected;
    cg_buf_init(&expected, arena);
    bool reference_ok = fuzz_json_reference(json, &expected);
    struct run r = { 0 };
    struct cg_json_scan s;
    bool scan_ok = scan(json, &r, &s) == CG_JSON_OK;

    FUZZ_CHECK(reference_ok || !scan_ok, "the scanner accepts, the reference refuses");
    FUZZ_CHECK(scan_ok || !reference_ok, "the reference accepts, the scanner refuses: %s at %zu", s.error,
               s.error_pos);
    if (scan_ok)
        FUZZ_CHECK(cg_str_eq(cg_buf_str(&expected), cg_buf_str(&r.tokens)), "the tokens differ");
    if (scan_ok && r.count)
        check_stop(json, r.count / 2 + 1, cg_buf_str(&r.tokens));
    check_skip(json, &s, scan_ok);
    check_tree(json, &s, scan_ok, cg_buf_str(&r.tokens));
    cg_arena_reset(arena);
    return 0;
}
