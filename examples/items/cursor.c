/* Page cursors (cursor.h): signed with HMAC-SHA256 from OpenSSL's
 * libcrypto, which the app links through cgate_aws. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cgate/buf.h>
#include <cgate/codec.h>

#include "cursor.h"

#define VERSION 1
#define PAYLOAD_LEN 9 /* version + after_id */
#define TAG_LEN 16    /* 128 bits: no forgery by trying */
#define CURSOR_LEN (PAYLOAD_LEN + TAG_LEN)

int cursor_key_from_hex(struct cursor_key *key, const char *hex, char *err, size_t errlen)
{
    size_t len = strlen(hex);
    if (len % 2 != 0 || len < 2 * CURSOR_KEY_MIN || len > 2 * CURSOR_KEY_MAX) {
        snprintf(err, errlen, "%zu characters: a key is %d to %d hex digits (openssl rand -hex 32)", len,
                 2 * CURSOR_KEY_MIN, 2 * CURSOR_KEY_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i += 2) {
        int high = cg_hex_digit(hex[i]), low = cg_hex_digit(hex[i + 1]);
        if (high < 0 || low < 0) {
            snprintf(err, errlen, "not hex at character %zu: a key is %d to %d hex digits (openssl rand -hex 32)",
                     high < 0 ? i + 1 : i + 2, 2 * CURSOR_KEY_MIN, 2 * CURSOR_KEY_MAX);
            return -1;
        }
        key->bytes[i / 2] = (unsigned char)(high << 4 | low);
    }
    key->len = len / 2;
    return 0;
}

/* getrandom(2), not OpenSSL's RAND_bytes: setting up OpenSSL's generator
 * costs a cold start about 2 ms and 2 MB. */
int cursor_key_random(struct cursor_key *key)
{
    key->len = CURSOR_KEY_MIN;
    return getrandom(key->bytes, key->len, 0) == (ssize_t)key->len ? 0 : -1;
}

static void sign(const struct cursor_key *key, const unsigned char payload[PAYLOAD_LEN], unsigned char tag[TAG_LEN])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key->bytes, (int)key->len, payload, PAYLOAD_LEN, mac, &len))
        cg_oom(); /* HMAC-SHA256 fails only when OpenSSL cannot allocate */
    memcpy(tag, mac, TAG_LEN);
}

void cursor_encode(const struct cursor_key *key, int64_t after_id, char out[CURSOR_TEXT_LEN + 1])
{
    unsigned char raw[CURSOR_LEN] = { VERSION };
    uint64_t id = (uint64_t)after_id;
    for (int i = 0; i < 8; i++)
        raw[1 + i] = (unsigned char)(id >> (56 - 8 * i));
    sign(key, raw, raw + PAYLOAD_LEN);
    /* base64url is base64 with two letters changed and no padding. */
    struct cg_buf b64;
    cg_buf_init(&b64, NULL);
    cg_base64_encode(&b64, (cg_str){ (const char *)raw, sizeof raw });
    for (size_t i = 0; i < CURSOR_TEXT_LEN; i++)
        out[i] = b64.data[i] == '+' ? '-' : b64.data[i] == '/' ? '_' : b64.data[i];
    out[CURSOR_TEXT_LEN] = '\0';
    cg_buf_free(&b64);
}

const char *cursor_decode(const struct cursor_key *key, struct cg_arena *a, cg_str text, int64_t *after_id)
{
    cg_str raw;
    if (text.len != CURSOR_TEXT_LEN || !cg_base64url_decode(a, text, &raw) || raw.len != CURSOR_LEN)
        return "not a cursor: a cursor is the 34 characters given in the Link header of the previous page";
    const unsigned char *bytes = (const unsigned char *)raw.ptr;
    if (bytes[0] != VERSION)
        return "a cursor of an unknown version: start again from the first page";
    unsigned char tag[TAG_LEN];
    sign(key, bytes, tag);
    if (CRYPTO_memcmp(tag, bytes + PAYLOAD_LEN, TAG_LEN) != 0)
        return "a cursor this API did not give out: altered, or signed with another key";
    uint64_t id = 0;
    for (int i = 0; i < 8; i++)
        id = id << 8 | bytes[1 + i];
    if (id > INT64_MAX)
        return "a cursor past the last possible id"; /* signed, so never ours: a key shared with another program */
    *after_id = (int64_t)id;
    return NULL;
}
