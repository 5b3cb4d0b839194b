/* The fuzz targets' reference JSON reader (fuzz.h): a second reading of
 * RFC 8259 that shares no code and no method with core/json_scan.c.
 *
 * It is written the plain way: recursive descent over the RFC's grammar, a
 * byte at a time, with UTF-8 checked against RFC 3629's table of
 * well-formed sequences (§4) rather than by decoding. Slow and obvious, so
 * that where it and the scanner disagree, the scanner is the suspect. */
#include <stdlib.h>

#include "fuzz.h"

struct reader {
    const unsigned char *p, *end;
    struct cg_buf *tokens; /* NULL: only the verdict is wanted */
    struct cg_buf text;    /* the string being decoded */
};

void fuzz_put_token(struct cg_buf *b, char kind, cg_str text)
{
    cg_buf_putc(b, kind);
    if (kind == 's' || kind == 'k' || kind == 'n') {
        cg_buf_append(b, &text.len, sizeof text.len);
        cg_buf_append_str(b, text);
    }
}

static void token(struct reader *r, char kind, cg_str text)
{
    if (r->tokens)
        fuzz_put_token(r->tokens, kind, text);
}

static bool at_end(const struct reader *r)
{
    return r->p == r->end;
}

/* The next byte is c: it is consumed. */
static bool take(struct reader *r, unsigned char c)
{
    if (at_end(r) || *r->p != c)
        return false;
    r->p++;
    return true;
}

static bool take_range(struct reader *r, unsigned char lo, unsigned char hi)
{
    if (at_end(r) || *r->p < lo || *r->p > hi)
        return false;
    r->p++;
    return true;
}

/* ws = *( %x20 / %x09 / %x0A / %x0D ) */
static void skip_ws(struct reader *r)
{
    while (take(r, ' ') || take(r, '\t') || take(r, '\n') || take(r, '\r'))
        ;
}

static bool take_digits(struct reader *r)
{
    if (!take_range(r, '0', '9'))
        return false;
    while (take_range(r, '0', '9'))
        ;
    return true;
}

/* number = [ minus ] int [ frac ] [ exp ] */
static bool number(struct reader *r)
{
    const unsigned char *start = r->p;
    take(r, '-');
    if (!take(r, '0') && !take_digits(r))
        return false;
    if (take(r, '.') && !take_digits(r))
        return false;
    if (take(r, 'e') || take(r, 'E')) {
        if (!take(r, '+'))
            take(r, '-');
        if (!take_digits(r))
            return false;
    }
    token(r, 'n', (cg_str){ (const char *)start, (size_t)(r->p - start) });
    return true;
}

static bool literal(struct reader *r, const char *word, char kind)
{
    for (const char *c = word; *c; c++)
        if (!take(r, (unsigned char)*c))
            return false;
    token(r, kind, CG_STR(""));
    return true;
}

/* RFC 3629 §4: UTF8-2, UTF8-3 and UTF8-4, each byte in its range. */
static bool utf8_sequence(struct reader *r)
{
    static const struct {
        unsigned char lead_lo, lead_hi, second_lo, second_hi, tails;
    } forms[] = {
        { 0xc2, 0xdf, 0x80, 0xbf, 0 }, { 0xe0, 0xe0, 0xa0, 0xbf, 1 }, { 0xe1, 0xec, 0x80, 0xbf, 1 },
        { 0xed, 0xed, 0x80, 0x9f, 1 }, { 0xee, 0xef, 0x80, 0xbf, 1 }, { 0xf0, 0xf0, 0x90, 0xbf, 2 },
        { 0xf1, 0xf3, 0x80, 0xbf, 2 }, { 0xf4, 0xf4, 0x80, 0x8f, 2 },
    };
    const unsigned char *start = r->p;
    for (size_t i = 0; i < CG_LEN(forms); i++) {
        if (!take_range(r, forms[i].lead_lo, forms[i].lead_hi))
            continue;
        if (!take_range(r, forms[i].second_lo, forms[i].second_hi))
            return false;
        for (int t = 0; t < forms[i].tails; t++)
            if (!take_range(r, 0x80, 0xbf))
                return false;
        cg_buf_append(&r->text, start, (size_t)(r->p - start));
        return true;
    }
    return false;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits after "\u"; -1 when they are not. */
static long hex4(struct reader *r)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = at_end(r) ? -1 : hex_value(*r->p);
        if (d < 0)
            return -1;
        v = v * 16 + d;
        r->p++;
    }
    return v;
}

static void put_code_point(struct cg_buf *b, long cp)
{
    if (cp < 0x80) {
        cg_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        cg_buf_putc(b, (char)(0xc0 | cp >> 6));
        cg_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        cg_buf_putc(b, (char)(0xe0 | cp >> 12));
        cg_buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
        cg_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        cg_buf_putc(b, (char)(0xf0 | cp >> 18));
        cg_buf_putc(b, (char)(0x80 | (cp >> 12 & 0x3f)));
        cg_buf_putc(b, (char)(0x80 | (cp >> 6 & 0x3f)));
        cg_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* A \u escape, after its "\u": a UTF-16 code unit, or a surrogate pair. */
static bool unicode_escape(struct reader *r)
{
    long cp = hex4(r);
    if (cp >= 0xdc00 && cp <= 0xdfff)
        return false;
    if (cp >= 0xd800 && cp <= 0xdbff) {
        if (!take(r, '\\') || !take(r, 'u'))
            return false;
        long low = hex4(r);
        if (low < 0xdc00 || low > 0xdfff)
            return false;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    }
    if (cp < 0)
        return false;
    put_code_point(&r->text, cp);
    return true;
}

/* escape = %x5C ( " / \ / / / b / f / n / r / t / uXXXX ) */
static bool escape(struct reader *r)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    if (take(r, 'u'))
        return unicode_escape(r);
    for (size_t i = 0; i < sizeof from - 1; i++) {
        if (take(r, (unsigned char)from[i])) {
            cg_buf_putc(&r->text, to[i]);
            return true;
        }
    }
    return false;
}

static bool string(struct reader *r, char kind)
{
    if (!take(r, '"'))
        return false;
    r->text.len = 0;
    while (!take(r, '"')) {
        if (at_end(r))
            return false;
        if (take(r, '\\')) {
            if (!escape(r))
                return false;
        } else if (*r->p >= 0x20 && *r->p < 0x80) {
            cg_buf_putc(&r->text, (char)*r->p++);
        } else if (!utf8_sequence(r)) {
            return false; /* a control character, or not UTF-8 */
        }
    }
    token(r, kind, cg_buf_str(&r->text));
    return true;
}

static bool value(struct reader *r, size_t depth);

/* The items of an array or the members of an object, after its opening. */
static bool items(struct reader *r, size_t depth, bool is_object)
{
    unsigned char close = is_object ? '}' : ']';
    skip_ws(r);
    if (take(r, close))
        return true;
    do {
        skip_ws(r);
        if (is_object) {
            if (!string(r, 'k'))
                return false;
            skip_ws(r);
            if (!take(r, ':'))
                return false;
        }
        if (!value(r, depth + 1))
            return false;
        skip_ws(r);
    } while (take(r, ','));
    return take(r, close);
}

static bool container(struct reader *r, size_t depth, bool is_object)
{
    if (depth == FUZZ_JSON_MAX_DEPTH)
        return false;
    r->p++;
    token(r, is_object ? '{' : '[', CG_STR(""));
    if (!items(r, depth, is_object))
        return false;
    token(r, is_object ? '}' : ']', CG_STR(""));
    return true;
}

/* value = false / null / true / object / array / number / string, with the
 * whitespace before it; depth containers are open around it. */
static bool value(struct reader *r, size_t depth)
{
    skip_ws(r);
    if (at_end(r))
        return false;
    switch (*r->p) {
    case '{': return container(r, depth, true);
    case '[': return container(r, depth, false);
    case '"': return string(r, 's');
    case 't': return literal(r, "true", 't');
    case 'f': return literal(r, "false", 'f');
    case 'n': return literal(r, "null", 'z');
    default: return number(r);
    }
}

bool fuzz_json_reference(cg_str json, struct cg_buf *tokens)
{
    struct reader r = { (const unsigned char *)json.ptr, (const unsigned char *)json.ptr + json.len, tokens };
    cg_buf_init(&r.text, NULL);
    bool ok = value(&r, 0);
    skip_ws(&r);
    ok = ok && at_end(&r);
    cg_buf_free(&r.text);
    return ok;
}

bool fuzz_json_valid(cg_str s)
{
    return fuzz_json_reference(s, NULL);
}
