/* The JSON scanner (json_scan.h).
 *
 * The grammar is walked by a loop of two steps instead of recursion: read a
 * value (a scalar, or the opening of a container with its first key), then
 * read what may follow a value (a comma and the next key, or closing
 * brackets) until another value is due or the text ends. The nesting stack
 * says whether a comma leads to a key or to a value.
 *
 * Strings and indentation are the bulk of most JSON text, and nearly always
 * plain ASCII: their bytes are skipped a block at a time until one that
 * needs a look. A block is sixteen bytes compared at once with the vector
 * extensions of GCC and clang: SSE2 on x86-64, NEON on arm64, plain code
 * on a target without vectors. Only finding the first marked byte differs:
 * x86's byte mask, or two 64-bit halves elsewhere, a path tested on x86
 * too with CG_BYTES16_PORTABLE (unit.json_scan_portable). The last bytes of
 * the text, fewer than a block, are read one at a time: no load ever
 * reaches past the input. */
#include "cgate/cgate.h"
#include "core/json_scan.h"

#include "cgate/buf.h"
#include "core/bytes16.h"
#include "core/utf8.h"

/* The functions on the path of every token: GCC does not inline them on
 * its own (they are used twice, or are large), and their calls cost a
 * tenth of the scan. */
#define ALWAYS_INLINE inline __attribute__((always_inline))

static const char stopped_by_callback[] = "stopped by a callback";

/* What a skipped container's tokens are reported to. */
static const struct cg_json_callbacks no_callbacks = { 0 };

enum step {
    NEED_VALUE, /* a value must come next */
    HAVE_VALUE, /* a value was read: a separator, a closer or the end follows */
    DONE,       /* the text was read whole */
    FAILED,     /* s->error says why */
};

static bool fail(struct cg_json_scan *s, const char *reason, size_t at)
{
    s->error = reason;
    s->error_pos = at;
    return false;
}

/* What a callback returning 0 leads to. */
static bool stop(struct cg_json_scan *s)
{
    return fail(s, stopped_by_callback, s->pos);
}

static const unsigned char *bytes(const struct cg_json_scan *s)
{
    return (const unsigned char *)s->input.ptr;
}

/* ---- blocks of bytes ---- */

static bool is_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

#define BLOCK 16

/* How many of the sixteen bytes at p are plain, before the first that is
 * not. As signed bytes, those from 0x80 up are negative: "below 0x20"
 * takes them in with the control characters. */
static inline size_t plain_block(const unsigned char *p)
{
    cg__bytes16 x = cg__load16(p);
    return cg__first_marked16((x == '"') | (x == '\\') | (x < 0x20));
}

static inline size_t space_block(const unsigned char *p)
{
    cg__bytes16 x = cg__load16(p);
    return cg__first_marked16(~((x == ' ') | (x == '\n') | (x == '\r') | (x == '\t')));
}

/* The offset of the first byte from i that is not `wanted`, or len: whole
 * blocks while they last (block() says how many of the bytes at p are
 * wanted), then byte by byte. */
static ALWAYS_INLINE size_t skip_bytes(const unsigned char *in, size_t i, size_t len,
                                       size_t (*block)(const unsigned char *p), bool (*wanted)(unsigned char c))
{
    while (len - i >= BLOCK) {
        size_t n = block(in + i);
        i += n;
        if (n < BLOCK)
            return i;
    }
    while (i < len && wanted(in[i]))
        i++;
    return i;
}

static ALWAYS_INLINE size_t skip_plain(const unsigned char *in, size_t i, size_t len)
{
    return skip_bytes(in, i, len, plain_block, is_plain);
}

/* Whitespace longer than a block: indentation of deep levels. */
static size_t skip_space_run(const unsigned char *in, size_t i, size_t len)
{
    return skip_bytes(in, i, len, space_block, is_space);
}

/* No whitespace (the usual case in compact text) and a run within a block
 * (a line break and its indentation) are settled here. */
static ALWAYS_INLINE size_t skip_whitespace(const struct cg_json_scan *s, size_t i)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len;
    if (i < len && in[i] > ' ')
        return i;
    if (len - i >= BLOCK) {
        size_t n = space_block(in + i);
        if (n < BLOCK)
            return i + n;
    }
    return skip_space_run(in, i, len);
}

/* How many of the len bytes at in are plain ASCII text, before the first
 * one that needs a look. The JSON writer's escaping stops at the same
 * bytes. */
size_t cg__json_plain_run(const unsigned char *in, size_t len)
{
    return skip_plain(in, 0, len);
}

/* The value of the four hex digits at in[i], or UINT32_MAX. */
static uint32_t hex4(const struct cg_json_scan *s, size_t i)
{
    if (s->input.len - i < 4)
        return UINT32_MAX;
    uint32_t v = 0;
    for (size_t end = i + 4; i < end; i++) {
        unsigned c = bytes(s)[i], lower = c | 0x20;
        if (c - '0' < 10)
            v = v << 4 | (c - '0');
        else if (lower - 'a' < 6)
            v = v << 4 | (lower - 'a' + 10);
        else
            return UINT32_MAX;
    }
    return v;
}

static void put_utf8(struct cg_buf *b, uint32_t cp)
{
    char *p = cg_buf_reserve(b, 4);
    size_t n;
    if (cp < 0x80) {
        p[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        p[0] = (char)(0xc0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        p[0] = (char)(0xe0 | cp >> 12);
        p[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        p[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        p[0] = (char)(0xf0 | cp >> 18);
        p[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        p[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        p[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    b->len += n;
}

static char unescaped(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

/* Appends the escape at *i (its backslash) to b, decoded, and moves *i past
 * it. A \u escape of a high surrogate must be followed at once by one of a
 * low surrogate: the pair is one code point. */
static bool unescape(struct cg_json_scan *s, struct cg_buf *b, size_t *i)
{
    const unsigned char *in = bytes(s);
    size_t at = *i;
    if (at + 1 == s->input.len)
        return fail(s, "unterminated string", s->pos);
    if (in[at + 1] != 'u') {
        char c = unescaped(in[at + 1]);
        if (!c)
            return fail(s, "invalid escape", at);
        cg_buf_putc(b, c);
        *i = at + 2;
        return true;
    }
    uint32_t cp = hex4(s, at + 2);
    size_t next = at + 6;
    if (cp == UINT32_MAX)
        return fail(s, "invalid \\u escape", at);
    if (cp >= 0xd800 && cp <= 0xdbff) {
        bool escape_follows = s->input.len - next >= 2 && in[next] == '\\' && in[next + 1] == 'u';
        uint32_t low = escape_follows ? hex4(s, next + 2) : UINT32_MAX;
        if (low < 0xdc00 || low > 0xdfff)
            return fail(s, "lone surrogate in a \\u escape", at);
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        next += 6;
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        return fail(s, "lone surrogate in a \\u escape", at);
    }
    put_utf8(b, cp);
    *i = next;
    return true;
}

/* Moves *i past the UTF-8 sequence skip_plain stopped at (neither a quote
 * nor a backslash), checked; a control character there is an error. */
static bool skip_utf8(struct cg_json_scan *s, size_t *i)
{
    const unsigned char *in = bytes(s);
    if (in[*i] < 0x20)
        return fail(s, "control character in a string", *i);
    int n = cg__utf8_seq(in + *i, s->input.len - *i);
    if (n < 0)
        return fail(s, "invalid UTF-8", *i);
    *i += (size_t)n;
    return true;
}

/* The rest of a string that holds an escape, from the first one at i:
 * decoded into the arena, after the input from start to i. */
static bool decode_string(struct cg_json_scan *s, size_t start, size_t i, cg_str *out)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, copied = start; /* input before copied is in b */
    struct cg_buf b;
    cg_buf_init(&b, s->arena);
    for (;;) {
        if (in[i] == '\\') {
            cg_buf_append(&b, in + copied, i - copied);
            if (!unescape(s, &b, &i))
                return false;
            copied = i;
        } else if (!skip_utf8(s, &i)) {
            return false;
        }
        i = skip_plain(in, i, len);
        if (i == len)
            return fail(s, "unterminated string", s->pos);
        if (in[i] == '"')
            break;
    }
    s->end = i + 1;
    cg_buf_append(&b, in + copied, i - copied);
    /* The buffer grew by doubling: give the arena back what it did not use
     * (in place, as it is the arena's latest block). */
    *out = (cg_str){ cg_arena_realloc(s->arena, b.data, b.len, b.len), b.len };
    return true;
}

/* A string without escapes, from start to its closing quote at i. */
static ALWAYS_INLINE bool string_slice(struct cg_json_scan *s, size_t start, size_t i, cg_str *out)
{
    s->end = i + 1;
    *out = (cg_str){ s->input.ptr + start, i - start };
    return true;
}

/* A string from the byte at i on, the first that is not plain ASCII: more
 * UTF-8, an escape (decode_string) or its end. */
static bool read_string_rest(struct cg_json_scan *s, size_t start, size_t i, cg_str *out)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len;
    for (;;) {
        if (i == len)
            return fail(s, "unterminated string", s->pos);
        if (in[i] == '"')
            break;
        if (in[i] == '\\')
            return decode_string(s, start, i, out);
        if (!skip_utf8(s, &i))
            return false;
        i = skip_plain(in, i, len);
    }
    return string_slice(s, start, i, out);
}

/* Reads the string whose opening quote is at s->pos into *out: a slice of
 * the input, unless it holds an escape. Plain ASCII up to the closing
 * quote, the usual case, is settled here, short enough to be inlined. */
static ALWAYS_INLINE bool read_string(struct cg_json_scan *s, cg_str *out)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, start = s->pos + 1, i = skip_plain(in, start, len);
    if (i == len || in[i] != '"')
        return read_string_rest(s, start, i, out);
    return string_slice(s, start, i, out);
}

static ALWAYS_INLINE bool scan_string(struct cg_json_scan *s, int (*report)(const struct cg_json_scan *, cg_str))
{
    cg_str text;
    return read_string(s, &text) && (!report || report(s, text) || stop(s));
}

/* ---- numbers, literals ---- */

static bool is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* A byte that cannot follow a number or a literal: it would run on into
 * the same token (01, 1.2.3, 0x1, 1e2e3, truex). */
static bool is_word_byte(unsigned char c)
{
    unsigned lower = c | 0x20;
    return is_digit(c) || lower - 'a' < 26;
}

static size_t skip_digits(const struct cg_json_scan *s, size_t i)
{
    while (i < s->input.len && is_digit(bytes(s)[i]))
        i++;
    return i;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? from s->pos. */
static bool scan_number(struct cg_json_scan *s)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, i = s->pos;
    if (in[i] == '-')
        i++;
    if (i < len && in[i] == '0')
        i++; /* a leading zero stands alone: 01 is refused below */
    else if (i < len && is_digit(in[i]))
        i = skip_digits(s, i);
    else
        return fail(s, "invalid number", i);
    if (i < len && in[i] == '.') {
        if (++i == len || !is_digit(in[i]))
            return fail(s, "invalid number", i);
        i = skip_digits(s, i + 1);
    }
    if (i < len && (in[i] == 'e' || in[i] == 'E')) {
        if (++i < len && (in[i] == '+' || in[i] == '-'))
            i++;
        if (i == len || !is_digit(in[i]))
            return fail(s, "invalid number", i);
        i = skip_digits(s, i + 1);
    }
    if (i < len && (is_word_byte(in[i]) || in[i] == '.' || in[i] == '+' || in[i] == '-'))
        return fail(s, "invalid number", i);
    s->end = i;
    cg_str text = { s->input.ptr + s->pos, i - s->pos };
    return !s->active->number || s->active->number(s, text) || stop(s);
}

static bool read_literal(struct cg_json_scan *s, cg_str word)
{
    size_t end = s->pos + word.len;
    if (s->input.len < end || memcmp(s->input.ptr + s->pos, word.ptr, word.len) != 0 ||
        (end < s->input.len && is_word_byte(bytes(s)[end])))
        return fail(s, "invalid literal", s->pos);
    s->end = end;
    return true;
}

static bool scan_boolean(struct cg_json_scan *s, bool value)
{
    return read_literal(s, value ? CG_STR("true") : CG_STR("false")) &&
           (!s->active->boolean || s->active->boolean(s, value) || stop(s));
}

static bool scan_null(struct cg_json_scan *s)
{
    return read_literal(s, CG_STR("null")) && (!s->active->null || s->active->null(s) || stop(s));
}

/* ---- containers ---- */

static void push(struct cg_json_scan *s, bool is_object)
{
    if (s->depth == s->kinds_cap) {
        size_t words = s->kinds_cap / 64;
        uint64_t *kinds = cg_arena_alloc(s->arena, 2 * words * sizeof *kinds);
        memcpy(kinds, s->kinds, words * sizeof *kinds);
        s->kinds = kinds;
        s->kinds_cap *= 2;
    }
    uint64_t bit = 1ULL << (s->depth % 64);
    if (is_object)
        s->kinds[s->depth / 64] |= bit;
    else
        s->kinds[s->depth / 64] &= ~bit;
    s->depth++;
}

static bool in_object(const struct cg_json_scan *s)
{
    size_t top = s->depth - 1;
    return s->kinds[top / 64] >> (top % 64) & 1;
}

/* Reads the key at or after i, the ':' after it, and the one space that
 * indented text puts after the ':' (any other whitespace is the value's
 * to skip). */
static ALWAYS_INLINE bool read_key(struct cg_json_scan *s, size_t i)
{
    i = skip_whitespace(s, i);
    if (i == s->input.len)
        return fail(s, "unexpected end of input", i);
    if (s->input.ptr[i] != '"')
        return fail(s, "expected a string key", i);
    s->pos = i;
    if (!scan_string(s, s->active->key))
        return false;
    i = skip_whitespace(s, s->end);
    if (i == s->input.len)
        return fail(s, "unexpected end of input", i);
    if (s->input.ptr[i] != ':')
        return fail(s, "expected ':' after a key", i);
    s->end = i + 1 < s->input.len && s->input.ptr[i + 1] == ' ' ? i + 2 : i + 1;
    return true;
}

/* The '}' or ']' at i closes the innermost container; the end of a
 * skipped one is reported, and what follows it is again. */
static bool close_container(struct cg_json_scan *s, size_t i, bool is_object)
{
    if (s->depth == s->skip_depth) {
        s->active = s->cb;
        s->skip_depth = 0;
    }
    int (*report)(const struct cg_json_scan *) = is_object ? s->active->end_object : s->active->end_array;
    s->pos = i;
    s->end = i + 1;
    s->depth--;
    return !report || report(s) || stop(s);
}

/* The '{' or '[' at s->pos opens a container, whose tokens its caller may
 * choose to skip: an empty one closes at once, else an object's first key
 * is read. */
static enum step open_container(struct cg_json_scan *s, bool is_object)
{
    if (s->depth == s->max_depth) {
        fail(s, "nesting too deep", s->pos);
        return FAILED;
    }
    push(s, is_object);
    s->end = s->pos + 1;
    int (*report)(const struct cg_json_scan *) = is_object ? s->active->start_object : s->active->start_array;
    int verdict = report ? report(s) : 1;
    if (!verdict) {
        stop(s);
        return FAILED;
    }
    if (verdict == CG_JSON_SKIP) {
        s->active = &no_callbacks;
        s->skip_depth = s->depth;
    }
    size_t i = skip_whitespace(s, s->end);
    if (i < s->input.len && s->input.ptr[i] == (is_object ? '}' : ']'))
        return close_container(s, i, is_object) ? HAVE_VALUE : FAILED;
    if (is_object)
        return read_key(s, i) ? NEED_VALUE : FAILED;
    return NEED_VALUE;
}

/* ---- the two steps ---- */

static enum step read_value(struct cg_json_scan *s)
{
    size_t i = skip_whitespace(s, s->end);
    if (i == s->input.len) {
        fail(s, "unexpected end of input", i);
        return FAILED;
    }
    s->pos = i;
    bool ok;
    switch (s->input.ptr[i]) {
    case '{': return open_container(s, true);
    case '[': return open_container(s, false);
    case '"': ok = scan_string(s, s->active->string); break;
    case 't': ok = scan_boolean(s, true); break;
    case 'f': ok = scan_boolean(s, false); break;
    case 'n': ok = scan_null(s); break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': ok = scan_number(s); break;
    default: ok = fail(s, "expected a value", i); break;
    }
    return ok ? HAVE_VALUE : FAILED;
}

/* After a value: the end of the text, or a comma and the next value (with
 * its key in an object), or the closing of the container it ends. */
static enum step after_value(struct cg_json_scan *s)
{
    size_t i = skip_whitespace(s, s->end);
    if (s->depth == 0)
        return i == s->input.len || fail(s, "trailing data", i) ? DONE : FAILED;
    if (i == s->input.len) {
        fail(s, "unexpected end of input", i);
        return FAILED;
    }
    bool object = in_object(s);
    char c = s->input.ptr[i];
    if (c == ',') {
        s->end = i + 1;
        return !object || read_key(s, i + 1) ? NEED_VALUE : FAILED;
    }
    if (c == (object ? '}' : ']'))
        return close_container(s, i, object) ? HAVE_VALUE : FAILED;
    fail(s, object ? "expected ',' or '}'" : "expected ',' or ']'", i);
    return FAILED;
}

enum cg_json_status cg__json_scan(struct cg_json_scan *s, cg_str json)
{
    s->input = json;
    s->pos = s->end = 0;
    s->error = NULL;
    s->error_pos = 0;
    s->active = s->cb;
    s->skip_depth = 0;
    s->depth = 0;
    s->kinds = s->kinds_inline;
    s->kinds_cap = 64 * CG_LEN(s->kinds_inline);
    enum step step = NEED_VALUE;
    while (step == NEED_VALUE) {
        step = read_value(s);
        while (step == HAVE_VALUE)
            step = after_value(s);
    }
    if (step == DONE)
        return CG_JSON_OK;
    return s->error == stopped_by_callback ? CG_JSON_STOPPED : CG_JSON_INVALID;
}
