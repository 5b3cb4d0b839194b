/* Page cursors: where the next page of GET /api/items starts, as an opaque
 * token the client hands back (?cursor=...).
 *
 * A cursor is base64url (no padding) of 25 bytes:
 *
 *   version (1 byte, 1) | after_id (8 bytes, big-endian) | tag (16 bytes)
 *
 * where tag is HMAC-SHA256(key, version | after_id) cut to 16 bytes. The
 * next page holds the items whose id is above after_id. The tag makes the
 * token opaque in practice: clients cannot build one, so the format can
 * change (a new version) without breaking a contract, and whatever a
 * decoded cursor says came from this API. */
#ifndef ITEMS_CURSOR_H
#define ITEMS_CURSOR_H

#include <stddef.h>
#include <stdint.h>

#include <cgate/arena.h>
#include <cgate/str.h>

#define CURSOR_KEY_MIN 32 /* bytes: HMAC-SHA256's own output size (RFC 2104 §3) */
#define CURSOR_KEY_MAX 64 /* bytes: SHA-256's block; a longer key is hashed anyway */
#define CURSOR_TEXT_LEN 34 /* base64url characters of the 25 bytes */

struct cursor_key {
    unsigned char bytes[CURSOR_KEY_MAX];
    size_t len;
};

/* The key from its hex spelling (64 to 128 hex digits). Returns 0, or -1
 * with the reason in err. */
int cursor_key_from_hex(struct cursor_key *key, const char *hex, char *err, size_t errlen);
/* A random 32-byte key; -1 when the system has no randomness to give. */
int cursor_key_random(struct cursor_key *key);

/* The cursor of the page after item after_id, NUL-terminated in out. */
void cursor_encode(const struct cursor_key *key, int64_t after_id, char out[CURSOR_TEXT_LEN + 1]);
/* Read a cursor that a client sent back: NULL with *after_id set, or why
 * it is refused (a sentence for the 422's msg). Scratch bytes go in `a`. */
const char *cursor_decode(const struct cursor_key *key, struct cg_arena *a, cg_str text, int64_t *after_id);

#endif
