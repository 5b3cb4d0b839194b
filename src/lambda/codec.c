/* Byte-level encodings the gateways use: base64 bodies, UTF-8 checks and
 * percent-encoding of paths and query components. */
#include <stdint.h>

#include "lambda/lambda_internal.h"

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void cg_base64_encode(struct cg_buf *out, cg_str in)
{
    const unsigned char *s = (const unsigned char *)in.ptr;
    char *o = cg_buf_reserve(out, (in.len + 2) / 3 * 4);
    size_t i = 0, n = 0;
    for (; i + 3 <= in.len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        o[n++] = b64_alphabet[v >> 18];
        o[n++] = b64_alphabet[(v >> 12) & 63];
        o[n++] = b64_alphabet[(v >> 6) & 63];
        o[n++] = b64_alphabet[v & 63];
    }
    if (i < in.len) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < in.len ? (uint32_t)s[i + 1] << 8 : 0);
        o[n++] = b64_alphabet[v >> 18];
        o[n++] = b64_alphabet[(v >> 12) & 63];
        o[n++] = i + 1 < in.len ? b64_alphabet[(v >> 6) & 63] : '=';
        o[n++] = '=';
    }
    out->len += n;
}

/* The two alphabets differ in their last two characters. */
enum b64_alphabet { B64_STANDARD, B64_URL };

static int b64_value(unsigned char c, enum b64_alphabet alphabet)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (alphabet == B64_URL ? '-' : '+'))
        return 62;
    if (c == (alphabet == B64_URL ? '_' : '/'))
        return 63;
    return -1;
}

/* Unpadded input; `strict` refuses set bits in the last character's unused
 * part, so that each byte string has exactly one spelling. The output is
 * NUL-terminated. */
static bool b64_decode(struct cg_arena *a, cg_str in, enum b64_alphabet alphabet, bool strict, cg_str *out)
{
    if (in.len % 4 == 1)
        return false;
    char *o = cg_arena_alloc(a, in.len / 4 * 3 + 3);
    size_t n = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < in.len; i++) {
        int v = b64_value((unsigned char)in.ptr[i], alphabet);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            o[n++] = (char)(acc >> 16);
            o[n++] = (char)(acc >> 8);
            o[n++] = (char)acc;
            acc = 0;
        }
    }
    switch (in.len % 4) { /* the tail: 2 characters carry 1 byte, 3 carry 2 */
    case 2:
        if (strict && (acc & 0xf))
            return false;
        o[n++] = (char)(acc >> 4);
        break;
    case 3:
        if (strict && (acc & 0x3))
            return false;
        o[n++] = (char)(acc >> 10);
        o[n++] = (char)(acc >> 2);
        break;
    }
    o[n] = '\0';
    *out = (cg_str){ o, n };
    return true;
}

bool cg_base64_decode(struct cg_arena *a, cg_str in, cg_str *out)
{
    while (in.len && in.ptr[in.len - 1] == '=')
        in.len--;
    return b64_decode(a, in, B64_STANDARD, false, out);
}

bool cg_base64url_decode(struct cg_arena *a, cg_str in, cg_str *out)
{
    return b64_decode(a, in, B64_URL, true, out);
}

/* Length of the UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0 when it is not valid. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len == 0 || len > left)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

bool cg_utf8_valid(cg_str str)
{
    const unsigned char *s = (const unsigned char *)str.ptr;
    for (size_t i = 0; i < str.len;) {
        while (i < str.len && s[i] < 0x80) /* the common case, a byte at a time */
            i++;
        if (i == str.len)
            break;
        size_t n = utf8_sequence(s + i, str.len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* In a path: space, '?', '#', controls and non-ASCII are escaped, and a '%'
 * that does not start a valid escape (adapters.md §4.2 #4, #6). */
static bool path_needs_escape(cg_str s, size_t i)
{
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == '%')
        return !(i + 2 < s.len && is_hex(s.ptr[i + 1]) && is_hex(s.ptr[i + 2]));
    return c <= ' ' || c >= 0x7f || c == '?' || c == '#';
}

static bool needs_escape(cg_str s, size_t i, enum url_escape mode)
{
    return mode == ESC_PATH ? path_needs_escape(s, i) : !is_unreserved((unsigned char)s.ptr[i]);
}

cg_str lambda_url_escape(struct cg_arena *a, cg_str s, enum url_escape mode)
{
    size_t extra = 0;
    for (size_t i = 0; i < s.len; i++)
        extra += needs_escape(s, i, mode) ? 2 : 0;
    if (extra == 0)
        return s;
    static const char hex[] = "0123456789ABCDEF";
    char *o = cg_arena_alloc(a, s.len + extra + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (needs_escape(s, i, mode)) {
            o[n++] = '%';
            o[n++] = hex[c >> 4];
            o[n++] = hex[c & 15];
        } else {
            o[n++] = (char)c;
        }
    }
    o[n] = '\0';
    return (cg_str){ o, n };
}
