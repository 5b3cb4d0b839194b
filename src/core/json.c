/* The JSON writer: compact output byte for byte as Python's
 * json.dumps(ensure_ascii=False, allow_nan=False, separators=(",", ":")). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/int64.h"
#include "core/json_scan.h"
#include "core/json_write.h"
#include "core/utf8.h"

/* ---- strings ---- */

/* ASCII but controls, '"' and '\\': what goes between quotes as it is
 * (DEL too, as Python writes it). The scanner's plain bytes. */
static bool plain_ascii(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* How many of the eight bytes at p are plain, on one 64-bit word: the
 * subtractions set the top bit of each byte below 0x20, or equal to '"'
 * or '\\' (zero after the xor), and bytes from 0x80 have it already. A
 * borrow may flag the byte after a flagged one, never one before: the
 * lowest flag is exact. */
static size_t plain8(const unsigned char *p)
{
    const uint64_t ones = 0x0101010101010101u, tops = 0x8080808080808080u;
    uint64_t w;
    memcpy(&w, p, sizeof w);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w); /* the first byte in the lowest bits */
#endif
    uint64_t flags = (w | (w - ones * 0x20) | ((w ^ ones * '"') - ones) | ((w ^ ones * '\\') - ones)) & tops;
    return flags ? (size_t)__builtin_ctzll(flags) / 8 : 8;
}

/* How many of the len bytes at p are plain: from 32 bytes by the scanner's
 * blocks, whose set-up costs more than a few words; from 8 (header names
 * and values, keys, short bodies) a word at a time, the last one
 * overlapping the word before; shorter ones byte by byte. */
static size_t plain_run(const unsigned char *p, size_t len)
{
    if (len >= 32)
        return cg__json_plain_run(p, len);
    size_t i = 0;
    if (len >= 8) {
        for (; len - i > 8; i += 8) {
            size_t n = plain8(p + i);
            if (n < 8)
                return i + n;
        }
        return len - 8 + plain8(p + len - 8);
    }
    while (i < len && plain_ascii(p[i]))
        i++;
    return i;
}

/* '"', '\\' or a control character, escaped at d; returns the end. */
static char *put_escaped_ascii(char *d, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char short_form[] = { ['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
                                       ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't' };
    d[0] = '\\';
    if (c < sizeof short_form && short_form[c]) {
        d[1] = short_form[c];
        return d + 2;
    }
    memcpy(d + 1, "u00", 3);
    d[4] = hex[c >> 4];
    d[5] = hex[c & 15];
    return d + 6;
}

/* A byte that is not plain, at p[*i]: escaped if ASCII, else its UTF-8
 * sequence as it is, or U+FFFD for an invalid one. Returns the end of
 * what it wrote at d. */
static char *put_special(char *d, const unsigned char *p, size_t *i, size_t len)
{
    if (p[*i] < 0x80)
        return put_escaped_ascii(d, p[(*i)++]);
    int n = cg__utf8_seq(p + *i, len - *i);
    if (n < 0) {
        *i += (size_t)-n;
        memcpy(d, "\xef\xbf\xbd", 3);
        return d + 3;
    }
    memcpy(d, p + *i, (size_t)n);
    *i += (size_t)n;
    return d + n;
}

/* No byte takes more than six in the output (a control as \u00XX). */
#define ESCAPED_MAX 6
/* Input escaped per reservation of the output: bounds what is reserved. */
#define ESCAPE_CHUNK 128

/* Escapes the text from p[i] on, up to ESCAPE_CHUNK bytes of it; returns
 * where it stopped. Text that needs escaping is mostly JSON, with a quote
 * every few bytes: plain bytes are found and copied a word at a time,
 * straight into a reservation with room for the worst case, and whole
 * words are copied even when only the front of one is plain (what follows
 * the run is written over next). */
static size_t escape_chunk(struct cg_buf *out, const unsigned char *p, size_t i, size_t len)
{
    size_t end = len - i > ESCAPE_CHUNK ? i + ESCAPE_CHUNK : len;
    /* + 8: a word copied whole where fewer than eight bytes are left to write */
    char *start = cg_buf_reserve(out, (end - i) * ESCAPED_MAX + 8), *d = start;
    while (i < end) {
        if (end - i >= 8) {
            memcpy(d, p + i, 8);
            size_t run = plain8(p + i);
            d += run;
            i += run;
            if (run == 8)
                continue;
        } else if (plain_ascii(p[i])) {
            *d++ = (char)p[i++];
            continue;
        }
        d = put_special(d, p, &i, len); /* a UTF-8 sequence may end past the chunk */
    }
    out->len += (size_t)(d - start);
    return i;
}

void cg_json_escape(struct cg_buf *out, cg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    /* Most strings are plain text: one reservation for them and their quotes. */
    size_t i = plain_run(p, s.len);
    char *dst = cg_buf_reserve(out, i + 2);
    *dst = '"';
    if (i)
        memcpy(dst + 1, p, i);
    out->len += i + 1;
    while (i < s.len)
        i = escape_chunk(out, p, i, s.len);
    cg_buf_putc(out, '"');
}

cg_str cg__json_quote(struct cg_arena *a, cg_str s)
{
    struct cg_buf b;
    cg_buf_init(&b, a);
    cg_json_escape(&b, s);
    return cg_buf_str(&b);
}

/* ---- numbers ---- */

/* The decimal digits of u, without a NUL; returns their count (1 to 20). */
static int u64_digits(uint64_t u, char *out)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* A finite double as its shortest round-trip digits: v = 0.d1d2...dn * 10^(exp+1). */
struct decimal {
    bool negative;
    char digits[18];
    int ndigits;
    int exp; /* the power of ten of the first digit */
};

/* Most numbers in APIs are short decimals (19.99, 0.5, 1200.0): find N and k
 * with v = N / 10^k exactly as a double, with no snprintf. N, once its
 * trailing zeros go, is the shortest form when it has at most 15 digits:
 * decimals that short are further apart than a double's rounding interval,
 * so no other one of that length or shorter reads back as v. */
static bool short_decimal(double v, struct decimal *d)
{
    static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    double a = fabs(v), scaled = 0;
    int k;
    for (k = 0; k < 16; k++) {
        scaled = a * pow10[k];
        if (!(scaled < 0x1p53))
            return false;
        if (cg_is_int64(scaled))
            break;
    }
    if (k == 16 || scaled / pow10[k] != a)
        return false;
    char text[20];
    int n = u64_digits((uint64_t)scaled, text);
    int len = n;
    while (len > 1 && text[len - 1] == '0')
        len--;
    if (len > 15)
        return false;
    d->negative = signbit(v);
    memcpy(d->digits, text, (size_t)len);
    d->ndigits = len;
    d->exp = n - 1 - k;
    return true;
}

static void shortest_decimal(double v, struct decimal *d)
{
    if (short_decimal(v, d))
        return;
    char text[32];
    /* Any decimal of up to 15 digits survives a trip through a normal
     * double, so when the correctly rounded 15 digits read back, they are the
     * shortest form once their trailing zeros go; if not, 16 or 17 digits are
     * needed. Subnormals hold fewer digits: they search from one digit up. */
    for (int prec = fabs(v) < DBL_MIN ? 0 : 14;; prec++) {
        snprintf(text, sizeof text, "%.*e", prec, v);
        if (prec == 16 || strtod(text, NULL) == v)
            break;
    }
    const char *p = text;
    d->negative = *p == '-';
    p += d->negative;
    d->ndigits = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            d->digits[d->ndigits++] = *p;
    while (d->ndigits > 1 && d->digits[d->ndigits - 1] == '0')
        d->ndigits--;
    d->exp = atoi(p + 1);
}

static void put_zeros(struct cg_buf *out, int n)
{
    for (int i = 0; i < n; i++)
        cg_buf_putc(out, '0');
}

/* Fixed notation; integral values end with ".0" when point_zero is set. */
static void format_fixed(struct cg_buf *out, const struct decimal *d, bool point_zero)
{
    if (d->negative)
        cg_buf_putc(out, '-');
    if (d->exp < 0) {
        cg_buf_append(out, "0.", 2);
        put_zeros(out, -d->exp - 1);
        cg_buf_append(out, d->digits, (size_t)d->ndigits);
    } else if (d->exp >= d->ndigits - 1) {
        cg_buf_append(out, d->digits, (size_t)d->ndigits);
        put_zeros(out, d->exp - (d->ndigits - 1));
        if (point_zero)
            cg_buf_append(out, ".0", 2);
    } else {
        cg_buf_append(out, d->digits, (size_t)d->exp + 1);
        cg_buf_putc(out, '.');
        cg_buf_append(out, d->digits + d->exp + 1, (size_t)(d->ndigits - d->exp - 1));
    }
}

static void format_scientific(struct cg_buf *out, const struct decimal *d)
{
    if (d->negative)
        cg_buf_putc(out, '-');
    cg_buf_putc(out, d->digits[0]);
    if (d->ndigits > 1) {
        cg_buf_putc(out, '.');
        cg_buf_append(out, d->digits + 1, (size_t)d->ndigits - 1);
    }
    cg_buf_printf(out, "e%c%02d", d->exp < 0 ? '-' : '+', abs(d->exp));
}

int cg_json_format_double(struct cg_buf *out, double v)
{
    if (!isfinite(v))
        return -1;
    struct decimal d;
    shortest_decimal(v, &d);
    if (d.exp >= -4 && d.exp < 16)
        format_fixed(out, &d, true);
    else
        format_scientific(out, &d);
    return 0;
}

void cg__format_decimal(struct cg_buf *out, double v)
{
    struct decimal d;
    shortest_decimal(v, &d);
    format_fixed(out, &d, false);
}

static void format_int(struct cg_buf *out, int64_t v)
{
    char *p = cg_buf_reserve(out, 21);
    size_t len = 0;
    if (v < 0)
        p[len++] = '-';
    /* The magnitude as unsigned, so INT64_MIN works too. */
    len += (size_t)u64_digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, p + len);
    out->len += len;
}

/* ---- the writer ---- */

void cg_json_init(struct cg_json *j, struct cg_buf *out)
{
    *j = (struct cg_json){ .out = out };
}

bool cg_json_failed(const struct cg_json *j)
{
    return j->failed;
}

/* Every value and key starts here: the comma that separates it from the
 * previous one, unless it is the value of a key. */
static inline void start_item(struct cg_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->depth == 0)
        return;
    if (j->need_comma[j->depth - 1])
        cg_buf_putc(j->out, ',');
    j->need_comma[j->depth - 1] = true;
}

static void open_container(struct cg_json *j, char c)
{
    start_item(j);
    if (j->depth == CG_JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    cg_buf_putc(j->out, c);
    j->need_comma[j->depth++] = false;
}

static void close_container(struct cg_json *j, char c)
{
    if (j->depth == 0) {
        j->failed = true;
        return;
    }
    j->depth--;
    cg_buf_putc(j->out, c);
}

void cg_json_obj_begin(struct cg_json *j)
{
    open_container(j, '{');
}

void cg_json_obj_end(struct cg_json *j)
{
    close_container(j, '}');
}

void cg_json_arr_begin(struct cg_json *j)
{
    open_container(j, '[');
}

void cg_json_arr_end(struct cg_json *j)
{
    close_container(j, ']');
}

void cg_json_key_str(struct cg_json *j, cg_str key)
{
    start_item(j);
    cg_json_escape(j->out, key);
    cg_buf_putc(j->out, ':');
    j->after_key = true;
}

void cg_json_key_raw(struct cg_json *j, cg_str key)
{
    start_item(j);
    char *p = cg_buf_reserve(j->out, key.len + 3);
    p[0] = '"';
    memcpy(p + 1, key.ptr, key.len);
    p[key.len + 1] = '"';
    p[key.len + 2] = ':';
    j->out->len += key.len + 3;
    j->after_key = true;
}

/* Keys are mostly literals of plain ASCII: one pass finds their end and
 * that they need no escaping, and one copy writes them. */
void cg_json_key(struct cg_json *j, const char *key)
{
    size_t n = 0;
    while (plain_ascii((unsigned char)key[n])) /* NUL is not plain: it stops the loop */
        n++;
    if (key[n] != '\0')
        cg_json_key_str(j, cg_str_c(key));
    else
        cg_json_key_raw(j, (cg_str){ key, n });
}

void cg_json_str(struct cg_json *j, cg_str s)
{
    start_item(j);
    cg_json_escape(j->out, s);
}

void cg_json_cstr(struct cg_json *j, const char *s)
{
    cg_json_str(j, cg_str_c(s));
}

void cg_json_int(struct cg_json *j, int64_t v)
{
    start_item(j);
    format_int(j->out, v);
}

void cg_json_num(struct cg_json *j, double v)
{
    start_item(j);
    if (cg_json_format_double(j->out, v) != 0)
        j->failed = true;
}

void cg_json_bool(struct cg_json *j, bool v)
{
    start_item(j);
    if (v)
        cg_buf_append(j->out, "true", 4);
    else
        cg_buf_append(j->out, "false", 5);
}

void cg_json_null(struct cg_json *j)
{
    start_item(j);
    cg_buf_append(j->out, "null", 4);
}

void cg_json_raw(struct cg_json *j, cg_str json)
{
    start_item(j);
    cg_buf_append_str(j->out, json);
}
