/* The decoders every transport runs on what a client sends: percent
 * decoding, query strings, Cookie headers, base64 and base64url, UTF-8
 * validation, and the Lambda adapter's re-escaping of paths and query
 * parts.
 *
 * Input: one byte choosing the decoder (its value modulo 8), then the text.
 *
 * Each is checked against a property it promises, not only for memory
 * errors: decoding never grows the text; escaping then decoding gives the
 * text back; a base64url text that decodes is the only spelling of its
 * bytes; cg_utf8_valid agrees with the JSON writer's own UTF-8 reading. */
#include <stdlib.h>

#include "cgate/cgate.h"
#include "fuzz.h"
#include "core/json_write.h"
#include "lambda/lambda_internal.h"

static struct cg_arena *arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    arena = cg_arena_new();
    return 0;
}

static void percent(cg_str s, bool plus_is_space)
{
    cg_str out = cg_percent_decode(arena, s, plus_is_space);
    FUZZ_CHECK(out.ptr && out.len <= s.len, "%zu bytes decoded to %zu", s.len, out.len);
}

static void query(cg_str s)
{
    struct cg_kv *kv;
    size_t n = cg_query_parse(arena, s, &kv);
    size_t decoded = 0;
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(kv[i].name.ptr && kv[i].value.ptr, "pair %zu has no name or value", i);
        decoded += kv[i].name.len + kv[i].value.len;
    }
    FUZZ_CHECK(decoded <= s.len, "%zu bytes decoded to %zu", s.len, decoded);
}

/* Appended to a list that already holds a pair, as for a second Cookie
 * header. */
static void cookies(cg_str s)
{
    struct cg_kv first = { CG_STR("a"), CG_STR("1") };
    struct cg_kv *kv = &first;
    size_t n = 1;
    cg_cookie_parse(arena, s, &kv, &n);
    FUZZ_CHECK(n >= 1 && cg_str_eq(kv[0].name, first.name) && cg_str_eq(kv[0].value, first.value),
               "the earlier cookie was lost");
    for (size_t i = 1; i < n; i++)
        FUZZ_CHECK(kv[i].name.len + kv[i].value.len <= s.len, "cookie %zu is longer than the header", i);
}

/* Whatever decodes encodes to bytes that decode to the same; the input,
 * taken as bytes, survives encoding and decoding. */
static void base64(cg_str s)
{
    struct cg_buf text;
    cg_buf_init(&text, arena);
    cg_str bytes, again;
    if (cg_base64_decode(arena, s, &bytes)) {
        cg_base64_encode(&text, bytes);
        FUZZ_CHECK(cg_base64_decode(arena, cg_buf_str(&text), &again) && cg_str_eq(again, bytes),
                   "decoded, encoded, decoded differently");
    }
    text.len = 0;
    cg_base64_encode(&text, s);
    FUZZ_CHECK(cg_base64_decode(arena, cg_buf_str(&text), &again) && cg_str_eq(again, s), "no round trip");
}

static void base64url(cg_str s)
{
    cg_str bytes;
    if (cg_base64url_decode(arena, s, &bytes))
        FUZZ_CHECK(cg_str_eq(fuzz_base64url(arena, bytes), s), "a second spelling of the same bytes was accepted");
}

static size_t count_replacements(cg_str s)
{
    size_t n = 0;
    for (size_t i = 0; i + 3 <= s.len; i++)
        n += memcmp(s.ptr + i, "\xef\xbf\xbd", 3) == 0;
    return n;
}

/* The JSON writer replaces each invalid sequence with U+FFFD: it adds one
 * exactly when cg_utf8_valid says the text is not UTF-8. */
static void utf8(cg_str s)
{
    bool valid = cg_utf8_valid(s);
    cg_str quoted = cg__json_quote(arena, s);
    FUZZ_CHECK(fuzz_json_valid(quoted), "the JSON writer made invalid JSON");
    bool replaced = count_replacements(quoted) != count_replacements(s);
    FUZZ_CHECK(valid != replaced, "cg_utf8_valid says %s, the JSON writer %s", valid ? "valid" : "invalid",
               replaced ? "replaced bytes" : "kept every byte");
}

static void escape_component(cg_str s)
{
    cg_str wire = cg__lambda_url_escape(arena, s, ESC_COMPONENT);
    FUZZ_CHECK(cg_str_eq(cg_percent_decode(arena, wire, false), s), "escaped then decoded differently");
}

/* A path back to wire form keeps valid escapes: it decodes as the path does. */
static void escape_path(cg_str s)
{
    cg_str wire = cg__lambda_url_escape(arena, s, ESC_PATH);
    FUZZ_CHECK(cg_str_eq(cg_percent_decode(arena, wire, false), cg_percent_decode(arena, s, false)),
               "the wire form decodes differently: %.*s", (int)wire.len, wire.ptr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    uint8_t selector = fuzz_byte(&in);
    cg_str s = fuzz_rest(&in);
    switch (selector % 8) {
    case 0: percent(s, false); break;
    case 1: percent(s, true); break;
    case 2: query(s); break;
    case 3: cookies(s); break;
    case 4: base64(s); break;
    case 5: base64url(s); break;
    case 6: utf8(s); break;
    case 7: selector & 8 ? escape_path(s) : escape_component(s); break;
    }
    cg_arena_reset(arena);
    return 0;
}
