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

/* Decoding takes a table lookup per character, where a chain of range
 * tests cost 21 instructions a character: table[k][c] is the value of
 * character c as the k-th of a quad, shifted to its place in the quad's 24
 * bits, with mark k (bit 24 + k) set; 0 for a character outside the
 * alphabet (the zero a table starts with). A quad's four entries OR-ed
 * give its 24 bits, and all four marks when every character was valid. The
 * two alphabets differ in their last two characters. */
#define MARK(k) (1u << (24 + (k)))
#define ALL_MARKS (MARK(0) | MARK(1) | MARK(2) | MARK(3))
#define ENTRY(v, k) ((uint32_t)(v) << (18 - 6 * (k)) | MARK(k))
#define RUN2(c, v, k) [(c)] = ENTRY(v, k), [(c) + 1] = ENTRY((v) + 1, k)
#define RUN4(c, v, k) RUN2(c, v, k), RUN2((c) + 2, (v) + 2, k)
#define RUN8(c, v, k) RUN4(c, v, k), RUN4((c) + 4, (v) + 4, k)
#define RUN16(c, v, k) RUN8(c, v, k), RUN8((c) + 8, (v) + 8, k)
#define RUN26(c, v, k) RUN16(c, v, k), RUN8((c) + 16, (v) + 16, k), RUN2((c) + 24, (v) + 24, k)
#define PLACE(k, c62, c63) \
    { RUN26('A', 0, k), RUN26('a', 26, k), RUN8('0', 52, k), RUN2('8', 60, k), [c62] = ENTRY(62, k), [c63] = ENTRY(63, k) }
#define ALPHABET(c62, c63) { PLACE(0, c62, c63), PLACE(1, c62, c63), PLACE(2, c62, c63), PLACE(3, c62, c63) }

typedef uint32_t b64_table[4][256];
static const b64_table b64_standard = ALPHABET('+', '/');
static const b64_table b64_url = ALPHABET('-', '_');

/* The n (2 to 4) characters at p as a quad's 24 bits in *v, the missing
 * ones zero; false when one is not in the alphabet. */
static inline bool quad(const b64_table t, const unsigned char *p, size_t n, uint32_t *v)
{
    *v = t[0][p[0]] | t[1][p[1]] | (n > 2 ? t[2][p[2]] : MARK(2)) | (n > 3 ? t[3][p[3]] : MARK(3));
    return (*v & ALL_MARKS) == ALL_MARKS;
}

/* Unpadded input; `strict` refuses set bits in the last character's unused
 * part, so that each byte string has exactly one spelling. The output is
 * NUL-terminated. */
static bool b64_decode(struct cg_arena *a, cg_str in, const b64_table table, bool strict, cg_str *out)
{
    if (in.len % 4 == 1)
        return false;
    const unsigned char *p = (const unsigned char *)in.ptr;
    char *o = cg_arena_alloc(a, in.len / 4 * 3 + 3);
    size_t n = 0, i = 0;
    uint32_t v;
    for (; in.len - i >= 4; i += 4) {
        if (!quad(table, p + i, 4, &v))
            return false;
        o[n++] = (char)(v >> 16);
        o[n++] = (char)(v >> 8);
        o[n++] = (char)v;
    }
    size_t tail = in.len - i; /* 2 characters carry 1 byte, 3 carry 2 */
    if (tail > 0) {
        if (!quad(table, p + i, tail, &v) || (strict && (v & (tail == 2 ? 0xf000 : 0xc0))))
            return false;
        o[n++] = (char)(v >> 16);
        if (tail == 3)
            o[n++] = (char)(v >> 8);
    }
    o[n] = '\0';
    *out = (cg_str){ o, n };
    return true;
}

bool cg_base64_decode(struct cg_arena *a, cg_str in, cg_str *out)
{
    while (in.len && in.ptr[in.len - 1] == '=')
        in.len--;
    return b64_decode(a, in, b64_standard, false, out);
}

bool cg_base64url_decode(struct cg_arena *a, cg_str in, cg_str *out)
{
    return b64_decode(a, in, b64_url, true, out);
}
