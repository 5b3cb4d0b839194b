/* The JSON scanner (json_scan.h).
 *
 * The grammar is walked by a loop of two steps instead of recursion: read a
 * value (a scalar, or the opening of a container with its first key), then
 * read what may follow a value (a comma and the next key, or closing
 * brackets) until another value is due or the text ends. The innermost
 * container's closer, from the nesting stack, says whether a comma leads to
 * a key or to a value.
 *
 * Strings and indentation are the bulk of most JSON text, and nearly always
 * plain ASCII: their bytes are skipped a block at a time until one that
 * needs a look. A block is sixteen bytes compared at once with the vector
 * extensions of GCC and clang: SSE2 on x86-64, NEON on arm64, plain code
 * on a target without vectors. Only finding the first marked byte differs:
 * x86's byte mask, or two 64-bit halves elsewhere, a path tested on x86
 * too with CG_BYTES16_PORTABLE (unit.json_scan_portable). The last bytes of
 * the text, fewer than a block, are read one at a time: no load ever
 * reaches past the input.
 *
 * The functions on the path of every token are inlined in cg__json_scan's
 * loop and share its cursor, a local: where the scan is stays in
 * registers, written to *s only for a callback to read. */
#include "cgate/cgate.h"
#include "core/json_scan.h"

#include "cgate/buf.h"
#include "core/bytes16.h"
#include "core/utf8.h"

/* For the functions on the path of every token, which GCC would not all
 * inline (they are used more than once, or are large). */
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

/* Where the scan is (see the top of this file). */
struct cursor {
    const unsigned char *in;
    size_t len;
    size_t i;                           /* the next byte to read */
    const struct cg_json_callbacks *cb; /* s->cb, or none in a skipped container */
    size_t skip_depth;                  /* the depth the skipped one opened at, or 0 */
    /* What may follow a value: a comma, and the closer of the innermost
     * container; NO_BYTE for both at the root, where neither may. */
    int comma, closer;
};

enum { NO_BYTE = -1 }; /* equal to no byte of the input */

static bool fail(struct cg_json_scan *s, const char *reason, size_t at)
{
    s->error = reason;
    s->error_pos = at;
    return false;
}

/* fail() for the readers of tokens, which return the offset just past the
 * token they read, and 0, where none can end, when they fail. */
static size_t failed(struct cg_json_scan *s, const char *reason, size_t at)
{
    fail(s, reason, at);
    return 0;
}

/* What a callback returning 0 leads to. */
static bool stop(struct cg_json_scan *s)
{
    return fail(s, stopped_by_callback, s->pos);
}

/* Sets the offsets of the token about to be reported, for its callback to
 * read (json_scan.h); true, to be chained before the call. */
static ALWAYS_INLINE bool mark(struct cg_json_scan *s, size_t pos, size_t end)
{
    s->pos = pos;
    s->end = end;
    return true;
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
 * not. One comparison finds three kinds: flipping bit 1 turns '"' (0x22)
 * into 0x20 and no other byte from 0x20 to 0x7f into one below 0x21, nor
 * any below 0x20 into one above; and as signed bytes, those from 0x80 up
 * are negative. */
static inline size_t plain_block(const unsigned char *p)
{
    cg__bytes16 x = cg__load16(p);
    return cg__first_marked16(((x ^ 2) < 0x21) | (x == '\\'));
}

static inline size_t space_block(const unsigned char *p)
{
    cg__bytes16 x = cg__load16(p);
    return cg__first_marked16(~((x == ' ') | (x == '\n') | (x == '\r') | (x == '\t')));
}

/* Moves *i past the wanted bytes of the block there (block() counts
 * them); false if one is not, at which *i then is. */
static ALWAYS_INLINE bool skip_block(const unsigned char *in, size_t *i, size_t (*block)(const unsigned char *p))
{
    size_t n = block(in + *i);
    *i += n;
    return n == BLOCK;
}

/* The offset of the first byte from i that is not `wanted`, or len: whole
 * blocks while they last, then byte by byte. Most runs end in their first
 * block, which is read apart: a loop costs a setup (its constants loaded
 * into registers) that they need not pay. */
static ALWAYS_INLINE size_t skip_bytes(const unsigned char *in, size_t i, size_t len,
                                       size_t (*block)(const unsigned char *p), bool (*wanted)(unsigned char c))
{
    /* No overflow in i + BLOCK: len < SIZE_MAX / 2. */
    if (i + BLOCK <= len && !skip_block(in, &i, block))
        return i;
    while (i + BLOCK <= len)
        if (!skip_block(in, &i, block))
            return i;
    while (i < len && wanted(in[i]))
        i++;
    return i;
}

static ALWAYS_INLINE size_t skip_plain(const unsigned char *in, size_t i, size_t len)
{
    return skip_bytes(in, i, len, plain_block, is_plain);
}

/* Whitespace of any other kind: indentation of deep levels, tabs, CR LF. */
static size_t skip_space_run(const unsigned char *in, size_t i, size_t len)
{
    return skip_bytes(in, i, len, space_block, is_space);
}

/* No whitespace (the usual case in compact text) and a line break with up
 * to eight spaces (indentation of the first levels) are settled here. */
static ALWAYS_INLINE size_t skip_whitespace(const struct cursor *c, size_t i)
{
    const unsigned char *in = c->in;
    size_t len = c->len;
    if (i < len && in[i] > ' ')
        return i;
    if (i + 10 <= len && in[i] == '\n') {
        i += 1 + cg__run8(in + i + 1, ' ');
        if (in[i] > ' ')
            return i;
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

/* Appends cp as UTF-8: continuation bytes of six bits each, from the
 * last, then the lead byte with what is left. */
static void put_utf8(struct cg_buf *b, uint32_t cp)
{
    static const unsigned char lead[] = { 0, 0, 0xc0, 0xe0, 0xf0 };
    char *p = cg_buf_reserve(b, 4);
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    for (int k = n - 1; k > 0; k--, cp >>= 6)
        p[k] = (char)(0x80 | (cp & 0x3f));
    p[0] = (char)(lead[n] | cp);
    b->len += (size_t)n;
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
static size_t decode_string(struct cg_json_scan *s, size_t start, size_t i, cg_str *out)
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, copied = start; /* input before copied is in b */
    struct cg_buf b;
    cg_buf_init(&b, s->arena);
    for (;;) {
        if (in[i] == '\\') {
            cg_buf_append(&b, in + copied, i - copied);
            if (!unescape(s, &b, &i))
                return 0;
            copied = i;
        } else if (!skip_utf8(s, &i)) {
            return 0;
        }
        i = skip_plain(in, i, len);
        if (i == len)
            return failed(s, "unterminated string", s->pos);
        if (in[i] == '"')
            break;
    }
    cg_buf_append(&b, in + copied, i - copied);
    /* The buffer grew by doubling: give the arena back what it did not use
     * (in place, as it is the arena's latest block). */
    *out = (cg_str){ cg_arena_realloc(s->arena, b.data, b.len, b.len), b.len };
    return i + 1;
}

/* Whether to go on after the string from quote to end, whose value is text. */
static ALWAYS_INLINE bool report_string(struct cg_json_scan *s, int (*report)(const struct cg_json_scan *, cg_str),
                                        size_t quote, size_t end, cg_str text)
{
    return !report || (mark(s, quote, end) && report(s, text)) || stop(s);
}

/* A string from the byte at i on, the first that is not plain ASCII: more
 * UTF-8, an escape (decode_string) or its end. Out of line, so that the
 * usual case below keeps its slice in registers. Returns the offset past
 * the string, or 0. */
static size_t scan_string_rest(struct cg_json_scan *s, size_t quote, size_t i,
                               int (*report)(const struct cg_json_scan *, cg_str))
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, start = quote + 1;
    s->pos = quote; /* where the errors below point */
    while (i < len && in[i] != '"' && in[i] != '\\') {
        if (!skip_utf8(s, &i))
            return 0;
        i = skip_plain(in, i, len);
    }
    if (i == len)
        return failed(s, "unterminated string", quote);
    cg_str text = { s->input.ptr + start, i - start };
    size_t end = in[i] == '\\' ? decode_string(s, start, i, &text) : i + 1;
    return end && report_string(s, report, quote, end, text) ? end : 0;
}

/* Reads and reports the string whose opening quote is at `quote`: a slice
 * of the input, unless it holds an escape. Plain ASCII up to the closing
 * quote, the usual case, is settled here, short enough to be inlined. */
static ALWAYS_INLINE bool scan_string(struct cg_json_scan *s, struct cursor *c, size_t quote,
                                      int (*report)(const struct cg_json_scan *, cg_str))
{
    size_t start = quote + 1, i = skip_plain(c->in, start, c->len);
    if (i == c->len || c->in[i] != '"') {
        c->i = scan_string_rest(s, quote, i, report);
        return c->i != 0;
    }
    c->i = i + 1;
    return report_string(s, report, quote, i + 1, (cg_str){ (const char *)c->in + start, i - start });
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

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? from start, reported:
 * returns the offset past it, or 0. */
static size_t scan_number(struct cg_json_scan *s, size_t start, int (*report)(const struct cg_json_scan *, cg_str))
{
    const unsigned char *in = bytes(s);
    size_t len = s->input.len, i = start;
    if (in[i] == '-')
        i++;
    if (i < len && in[i] == '0')
        i++; /* a leading zero stands alone: 01 is refused below */
    else if (i < len && is_digit(in[i]))
        i = skip_digits(s, i);
    else
        return failed(s, "invalid number", i);
    if (i < len && in[i] == '.') {
        if (++i == len || !is_digit(in[i]))
            return failed(s, "invalid number", i);
        i = skip_digits(s, i + 1);
    }
    if (i < len && (in[i] == 'e' || in[i] == 'E')) {
        if (++i < len && (in[i] == '+' || in[i] == '-'))
            i++;
        if (i == len || !is_digit(in[i]))
            return failed(s, "invalid number", i);
        i = skip_digits(s, i + 1);
    }
    if (i < len && (is_word_byte(in[i]) || in[i] == '.' || in[i] == '+' || in[i] == '-'))
        return failed(s, "invalid number", i);
    cg_str text = { s->input.ptr + start, i - start };
    return !report || (mark(s, start, i) && report(s, text)) || stop(s) ? i : 0;
}

/* Reads the literal `word` (a constant once inlined) at i. */
static ALWAYS_INLINE bool read_literal(struct cg_json_scan *s, struct cursor *c, size_t i, cg_str word)
{
    size_t end = i + word.len;
    if (c->len < end || memcmp(c->in + i, word.ptr, word.len) != 0 || (end < c->len && is_word_byte(c->in[end])))
        return fail(s, "invalid literal", i);
    c->i = end;
    return true;
}

static ALWAYS_INLINE bool scan_boolean(struct cg_json_scan *s, struct cursor *c, size_t i, bool value)
{
    int (*report)(const struct cg_json_scan *, bool) = c->cb->boolean;
    return read_literal(s, c, i, value ? CG_STR("true") : CG_STR("false")) &&
           (!report || (mark(s, i, c->i) && report(s, value)) || stop(s));
}

static ALWAYS_INLINE bool scan_null(struct cg_json_scan *s, struct cursor *c, size_t i)
{
    int (*report)(const struct cg_json_scan *) = c->cb->null;
    return read_literal(s, c, i, CG_STR("null")) && (!report || (mark(s, i, c->i) && report(s)) || stop(s));
}

/* ---- containers ---- */

static ALWAYS_INLINE void push(struct cg_json_scan *s, bool is_object)
{
    if (s->depth == s->kinds_cap) { /* full: doubled */
        size_t words = s->kinds_cap / 64;
        uint64_t *kinds = cg_arena_alloc(s->arena, 2 * words * sizeof *kinds);
        memcpy(kinds, s->kinds, words * sizeof *kinds);
        s->kinds = kinds;
        s->kinds_cap *= 2;
    }
    uint64_t *word = &s->kinds[s->depth / 64], bit = 1ULL << (s->depth % 64);
    *word = is_object ? *word | bit : *word & ~bit;
    s->depth++;
}

/* Moves *i to the next byte that is not whitespace, which must be `want`:
 * else fails with `reason`, or at the end of the text. */
static ALWAYS_INLINE bool expect(struct cg_json_scan *s, const struct cursor *c, size_t *i, unsigned char want,
                                 const char *reason)
{
    *i = skip_whitespace(c, *i);
    if (*i < c->len && c->in[*i] == want)
        return true;
    return fail(s, *i == c->len ? "unexpected end of input" : reason, *i);
}

/* Reads the key at or after i, the ':' after it, and the space that
 * indented text puts after the ':', if it is there (any other whitespace
 * is the value's to skip). */
static ALWAYS_INLINE bool read_key(struct cg_json_scan *s, struct cursor *c, size_t i)
{
    if (!expect(s, c, &i, '"', "expected a string key") || !scan_string(s, c, i, c->cb->key))
        return false;
    i = c->i;
    if (i + 2 <= c->len && memcmp(c->in + i, ": ", 2) == 0) {
        c->i = i + 2;
        return true;
    }
    if (!expect(s, c, &i, ':', "expected ':' after a key"))
        return false;
    c->i = i + 1;
    return true;
}

/* The '}' or ']' at i closes the innermost container; the end of a
 * skipped one is reported, and what follows it is again. */
static ALWAYS_INLINE bool close_container(struct cg_json_scan *s, struct cursor *c, size_t i)
{
    if (s->depth == c->skip_depth) {
        c->cb = s->cb;
        c->skip_depth = 0;
    }
    int (*report)(const struct cg_json_scan *) = c->closer == '}' ? c->cb->end_object : c->cb->end_array;
    s->depth--;
    if (report && !(mark(s, i, i + 1) && report(s)))
        return stop(s);
    size_t top = s->depth - 1; /* what may follow is the outer container's */
    c->comma = s->depth ? ',' : NO_BYTE;
    c->closer = !s->depth ? NO_BYTE : s->kinds[top / 64] >> (top % 64) & 1 ? '}' : ']';
    c->i = i + 1;
    return true;
}

/* The '{' or '[' at i opens a container, whose tokens its caller may
 * choose to skip. */
static ALWAYS_INLINE bool enter(struct cg_json_scan *s, struct cursor *c, size_t i, bool is_object)
{
    if (s->depth == s->max_depth)
        return fail(s, "nesting too deep", i);
    push(s, is_object);
    c->comma = ',';
    c->closer = is_object ? '}' : ']';
    int (*report)(const struct cg_json_scan *) = is_object ? c->cb->start_object : c->cb->start_array;
    int verdict = report && mark(s, i, i + 1) ? report(s) : 1;
    if (!verdict)
        return stop(s);
    if (verdict == CG_JSON_SKIP) {
        c->cb = &no_callbacks;
        c->skip_depth = s->depth;
    }
    return true;
}

/* An empty container closes at once, else an object's first key is read. */
static ALWAYS_INLINE enum step open_container(struct cg_json_scan *s, struct cursor *c, size_t i, bool is_object)
{
    if (!enter(s, c, i, is_object))
        return FAILED;
    i = skip_whitespace(c, i + 1);
    if (i < c->len && c->in[i] == c->closer)
        return close_container(s, c, i) ? HAVE_VALUE : FAILED;
    if (is_object)
        return read_key(s, c, i) ? NEED_VALUE : FAILED;
    c->i = i;
    return NEED_VALUE;
}

/* ---- the two steps ---- */

static ALWAYS_INLINE enum step read_value(struct cg_json_scan *s, struct cursor *c)
{
    size_t i = skip_whitespace(c, c->i);
    if (i == c->len) {
        fail(s, "unexpected end of input", i);
        return FAILED;
    }
    if (c->in[i] == '"') /* the most common value, ahead of the switch */
        return scan_string(s, c, i, c->cb->string) ? HAVE_VALUE : FAILED;
    bool ok;
    switch (c->in[i]) {
    case '{': return open_container(s, c, i, true);
    case '[': return open_container(s, c, i, false);
    case 't': ok = scan_boolean(s, c, i, true); break;
    case 'f': ok = scan_boolean(s, c, i, false); break;
    case 'n': ok = scan_null(s, c, i); break;
    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': ok = (c->i = scan_number(s, i, c->cb->number)) != 0; break;
    default: ok = fail(s, "expected a value", i); break;
    }
    return ok ? HAVE_VALUE : FAILED;
}

/* After a value: a comma and the next value (with its key in an object),
 * or the closing of the container it ends, or at the root the end of the
 * text. */
static ALWAYS_INLINE enum step after_value(struct cg_json_scan *s, struct cursor *c)
{
    size_t i = skip_whitespace(c, c->i);
    if (i < c->len && c->in[i] == c->comma) {
        c->i = i + 1;
        return c->closer != '}' || read_key(s, c, i + 1) ? NEED_VALUE : FAILED;
    }
    if (i < c->len && c->in[i] == c->closer)
        return close_container(s, c, i) ? HAVE_VALUE : FAILED;
    if (s->depth == 0)
        return i == c->len || fail(s, "trailing data", i) ? DONE : FAILED;
    fail(s, i == c->len ? "unexpected end of input" : c->closer == '}' ? "expected ',' or '}'" : "expected ',' or ']'",
         i);
    return FAILED;
}

enum cg_json_status cg__json_scan(struct cg_json_scan *s, cg_str json)
{
    s->input = json;
    s->pos = s->end = 0;
    s->error = NULL;
    s->error_pos = 0;
    s->depth = 0;
    s->kinds = s->kinds_inline;
    s->kinds_cap = 64 * CG_LEN(s->kinds_inline);
    struct cursor c = { .in = bytes(s), .len = json.len, .cb = s->cb, .comma = NO_BYTE, .closer = NO_BYTE };
    enum step step = NEED_VALUE;
    while (step == NEED_VALUE) {
        step = read_value(s, &c);
        while (step == HAVE_VALUE)
            step = after_value(s, &c);
    }
    if (step == DONE)
        return CG_JSON_OK;
    return s->error == stopped_by_callback ? CG_JSON_STOPPED : CG_JSON_INVALID;
}
