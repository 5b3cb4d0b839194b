/* Byte encodings shared by the transports and handy in handlers: base64 (how
 * gateways carry binary bodies, and JWTs their parts) and UTF-8 validation
 * (whether a body can travel as JSON text). The core's: src/core/base64.c,
 * src/core/utf8.c. */
#ifndef CGATE_CODEC_H
#define CGATE_CODEC_H

#include <stdbool.h>

#include "arena.h"
#include "buf.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Append the standard base64 of `in` (with padding) to out. */
void cg_base64_encode(struct cg_buf *out, cg_str in);
/* Standard alphabet, padding optional; the bytes go in the arena. Returns
 * false when `in` is not base64. */
bool cg_base64_decode(struct cg_arena *a, cg_str in, cg_str *out);
/* base64url (RFC 4648 §5) without padding, as JWS uses it: refuses '=',
 * characters outside the url-safe alphabet and set bits in the last
 * character's unused part, so each byte string has exactly one spelling.
 * Both decoders NUL-terminate what they put in the arena. */
bool cg_base64url_decode(struct cg_arena *a, cg_str in, cg_str *out);
/* RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool cg_utf8_valid(cg_str s);
/* The value of a hexadecimal digit (either case), or -1. */
int cg_hex_digit(char c);

#ifdef __cplusplus
}
#endif

#endif
