/* The JSON scanner (core/json_scan.c), differential against yajl.
 *
 * Every input goes through both. They must agree on accepting it, and when
 * both accept, report the same tokens: the same kinds in the same order,
 * the same decoded strings and keys, the same number texts. yajl runs with
 * its default configuration (strings checked for the shape of UTF-8, no
 * comments, no trailing data, any value at the top level) and a number
 * callback, so that numbers reach it as text.
 *
 * Where yajl is known to be laxer, an input it accepts may be refused, and
 * only with the scanner's first error being one of these (anything else is
 * a finding):
 *   - a \u escape of a lone surrogate, at the offset that
 *     cg_json_find_lone_surrogate gives: yajl reads it as "?" or pairs it
 *     with whatever escape follows;
 *   - "invalid UTF-8" at a sequence that has the shape yajl checks (a lead
 *     byte and its continuation bytes) but is an overlong form, an encoded
 *     surrogate or beyond U+10FFFF;
 *   - a \v or \f outside strings, which yajl takes for whitespace;
 *   - trailing data that is an unterminated string: yajl's lexer waits for
 *     the rest of that token, and yajl_complete_parse does not ask for it.
 *
 * Also checked: the offsets each callback sees delimit its token; a string
 * without a backslash is a slice of the input, one with is a copy; a
 * callback returning 0 stops the scan where it asked to. */
#include <stdlib.h>

#include <yajl/yajl_parse.h>

#include "core/core_internal.h"
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

/* ---- the token streams, as bytes: a kind letter, then for text tokens
 * its length and bytes ---- */

static void put_token(struct cg_buf *b, char kind, cg_str text)
{
    cg_buf_putc(b, kind);
    if (kind == 's' || kind == 'k' || kind == 'n') {
        cg_buf_append(b, &text.len, sizeof text.len);
        cg_buf_append_str(b, text);
    }
}

static int y_null(void *ctx)
{
    put_token(ctx, 'z', CG_STR(""));
    return 1;
}

static int y_boolean(void *ctx, int v)
{
    put_token(ctx, v ? 't' : 'f', CG_STR(""));
    return 1;
}

static int y_number(void *ctx, const char *s, size_t len)
{
    put_token(ctx, 'n', (cg_str){ s, len });
    return 1;
}

static int y_string(void *ctx, const unsigned char *s, size_t len)
{
    put_token(ctx, 's', (cg_str){ (const char *)s, len });
    return 1;
}

static int y_key(void *ctx, const unsigned char *s, size_t len)
{
    put_token(ctx, 'k', (cg_str){ (const char *)s, len });
    return 1;
}

static int y_start_map(void *ctx)
{
    put_token(ctx, '{', CG_STR(""));
    return 1;
}

static int y_end_map(void *ctx)
{
    put_token(ctx, '}', CG_STR(""));
    return 1;
}

static int y_start_array(void *ctx)
{
    put_token(ctx, '[', CG_STR(""));
    return 1;
}

static int y_end_array(void *ctx)
{
    put_token(ctx, ']', CG_STR(""));
    return 1;
}

static const yajl_callbacks yajl_recorder = {
    .yajl_null = y_null,
    .yajl_boolean = y_boolean,
    .yajl_number = y_number,
    .yajl_string = y_string,
    .yajl_map_key = y_key,
    .yajl_start_map = y_start_map,
    .yajl_end_map = y_end_map,
    .yajl_start_array = y_start_array,
    .yajl_end_array = y_end_array,
};

static bool yajl_accepts(cg_str json, struct cg_buf *tokens)
{
    yajl_handle h = yajl_alloc(&yajl_recorder, NULL, tokens);
    bool ok = yajl_parse(h, (const unsigned char *)json.ptr, json.len) == yajl_status_ok &&
              yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
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
    put_token(&r->tokens, kind, text);
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
    *s = (struct cg_json_scan){ .cb = &scan_recorder, .ctx = r, .arena = arena, .max_depth = SIZE_MAX };
    enum cg_json_status st = cg_json_scan(s, json);
    if (st != CG_JSON_OK)
        FUZZ_CHECK(s->error && s->error_pos <= json.len, "error %s at %zu of %zu", s->error, s->error_pos, json.len);
    return st;
}

/* ---- what yajl lets through ---- */

/* yajl_lex_utf8_char: a lead byte 110xxxxx, 1110xxxx or 11110xxx followed
 * by as many bytes 10xxxxxx, nothing more. */
static bool yajl_takes_utf8(const unsigned char *p, size_t n)
{
    size_t len = p[0] >> 5 == 0x6 ? 2 : p[0] >> 4 == 0xe ? 3 : p[0] >> 3 == 0x1e ? 4 : 0;
    if (len == 0 || n < len)
        return false;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return false;
    return true;
}

/* No unescaped '"' closes the string that opens at json[i]. */
static bool is_unterminated_string(cg_str json, size_t i)
{
    for (i++; i < json.len; i++) {
        if (json.ptr[i] == '"')
            return false;
        if (json.ptr[i] == '\\')
            i++;
    }
    return true;
}

static bool yajl_is_laxer(cg_str json, const struct cg_json_scan *s)
{
    const unsigned char *at = (const unsigned char *)json.ptr + s->error_pos;
    if (strcmp(s->error, "lone surrogate in a \\u escape") == 0)
        return cg_json_find_lone_surrogate(json) == s->error_pos;
    if (strcmp(s->error, "invalid UTF-8") == 0)
        return yajl_takes_utf8(at, json.len - s->error_pos);
    if (strcmp(s->error, "trailing data") == 0 && *at == '"')
        return is_unterminated_string(json, s->error_pos);
    return s->error_pos < json.len && (*at == '\v' || *at == '\f');
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cg_str json = { (const char *)data, size };
    struct cg_buf yajl_tokens;
    cg_buf_init(&yajl_tokens, arena);
    bool yajl_ok = yajl_accepts(json, &yajl_tokens);
    struct run r = { 0 };
    struct cg_json_scan s;
    bool scan_ok = scan(json, &r, &s) == CG_JSON_OK;

    if (yajl_ok && !scan_ok)
        FUZZ_CHECK(yajl_is_laxer(json, &s), "yajl accepts, the scanner refuses: %s at %zu", s.error, s.error_pos);
    FUZZ_CHECK(yajl_ok || !scan_ok, "the scanner accepts, yajl refuses");
    if (yajl_ok && scan_ok)
        FUZZ_CHECK(cg_str_eq(cg_buf_str(&yajl_tokens), cg_buf_str(&r.tokens)), "the tokens differ");
    if (scan_ok && r.count)
        check_stop(json, r.count / 2 + 1, cg_buf_str(&r.tokens));
    cg_arena_reset(arena);
    return 0;
}
