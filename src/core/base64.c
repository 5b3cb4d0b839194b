/* base64 (RFC 4648): how gateways carry binary bodies, and base64url
 * without padding, as JSON Web Tokens spell their parts. */
#include <stdint.h>

#include "cgate/codec.h"

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
