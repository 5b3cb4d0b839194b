/* The items app's page cursors (examples/items/cursor.c): a round trip,
 * and every way a cursor can be wrong refused with a reason, never read as
 * another id: altered bytes, a cut or lengthened text, another key, another
 * version, random text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/buf.h>
#include <cgate/codec.h>

#include "cursor.h"

static struct cg_arena *arena;
static struct cursor_key key, other_key;

#define KEY_HEX   "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define OTHER_HEX "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void setup(void)
{
    arena = cg_arena_new();
    char err[160];
    cr_assert_eq(cursor_key_from_hex(&key, KEY_HEX, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cursor_key_from_hex(&other_key, OTHER_HEX, err, sizeof err), 0, "%s", err);
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(cursor, .init = setup, .fini = teardown);

/* The reason a text is refused, or NULL when it decodes (to *id). */
static const char *decode(const struct cursor_key *k, const char *text, size_t len, int64_t *id)
{
    return cursor_decode(k, arena, (cg_str){ text, len }, id);
}

Test(cursor, round_trip)
{
    static const int64_t ids[] = { 0, 1, 99, 100, 255, 256, 65536, 1234567890123, INT64_MAX };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char text[CURSOR_TEXT_LEN + 1];
        cursor_encode(&key, ids[i], text);
        cr_assert_eq(strlen(text), CURSOR_TEXT_LEN);
        cr_assert_eq(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     CURSOR_TEXT_LEN, "%s is not base64url", text);
        int64_t id = -1;
        const char *why = decode(&key, text, CURSOR_TEXT_LEN, &id);
        cr_assert_null(why, "%s: %s", text, why);
        cr_assert_eq(id, ids[i]);
    }
}

Test(cursor, the_same_id_gives_the_same_cursor)
{
    char a[CURSOR_TEXT_LEN + 1], b[CURSOR_TEXT_LEN + 1];
    cursor_encode(&key, 42, a);
    cursor_encode(&key, 42, b);
    cr_assert_str_eq(a, b);
    cursor_encode(&key, 43, b);
    cr_assert_str_neq(a, b);
}

/* Any character changed to any other of the alphabet: refused. */
Test(cursor, every_altered_character_is_refused)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char text[CURSOR_TEXT_LEN + 1];
    cursor_encode(&key, 4242, text);
    for (size_t i = 0; i < CURSOR_TEXT_LEN; i++) {
        for (const char *c = alphabet; *c; c++) {
            if (*c == text[i])
                continue;
            char altered[CURSOR_TEXT_LEN + 1];
            memcpy(altered, text, sizeof altered);
            altered[i] = *c;
            int64_t id = -1;
            cr_assert_not_null(decode(&key, altered, CURSOR_TEXT_LEN, &id), "%s accepted", altered);
            cr_assert_eq(id, -1);
        }
    }
}

Test(cursor, a_cut_or_lengthened_cursor_is_refused)
{
    char text[CURSOR_TEXT_LEN + 2];
    cursor_encode(&key, 7, text);
    int64_t id;
    for (size_t len = 0; len < CURSOR_TEXT_LEN; len++)
        cr_assert_not_null(decode(&key, text, len, &id), "the first %zu characters accepted", len);
    strcat(text, "A");
    const char *why = decode(&key, text, CURSOR_TEXT_LEN + 1, &id);
    cr_assert_not_null(why);
    cr_assert(strstr(why, "not a cursor"), "%s", why);
}

Test(cursor, a_cursor_of_another_key_is_refused)
{
    char text[CURSOR_TEXT_LEN + 1];
    cursor_encode(&other_key, 7, text);
    int64_t id;
    const char *why = decode(&key, text, CURSOR_TEXT_LEN, &id);
    cr_assert_not_null(why);
    cr_assert(strstr(why, "another key"), "%s", why);
    cr_assert_null(decode(&other_key, text, CURSOR_TEXT_LEN, &id));
}

/* The bytes of a cursor, changed and spelled again as base64url: the tag
 * is what refuses it, not the spelling. */
static const char *decode_bytes(const unsigned char *raw, size_t len, int64_t *id)
{
    struct cg_buf b64;
    cg_buf_init(&b64, arena);
    cg_base64_encode(&b64, (cg_str){ (const char *)raw, len });
    char *text = b64.data;
    size_t n = b64.len;
    while (n && text[n - 1] == '=')
        n--;
    for (size_t i = 0; i < n; i++)
        text[i] = text[i] == '+' ? '-' : text[i] == '/' ? '_' : text[i];
    return decode(&key, text, n, id);
}

static void raw_cursor(int64_t after, unsigned char raw[25])
{
    char text[CURSOR_TEXT_LEN + 1];
    cursor_encode(&key, after, text);
    cg_str bytes;
    cr_assert(cg_base64url_decode(arena, (cg_str){ text, CURSOR_TEXT_LEN }, &bytes));
    cr_assert_eq(bytes.len, 25);
    memcpy(raw, bytes.ptr, 25);
}

Test(cursor, a_changed_id_or_version_is_refused)
{
    unsigned char raw[25];
    raw_cursor(100, raw);
    int64_t id;
    cr_assert_null(decode_bytes(raw, sizeof raw, &id));
    raw[8] ^= 1; /* the id's last byte: 101 */
    cr_assert(strstr(decode_bytes(raw, sizeof raw, &id), "did not give out"));
    raw[8] ^= 1;
    raw[0] = 2;
    cr_assert(strstr(decode_bytes(raw, sizeof raw, &id), "unknown version"));
}

Test(cursor, random_text_is_refused_and_never_crashes)
{
    srand(18);
    char text[64];
    int64_t id;
    for (int round = 0; round < 100000; round++) {
        size_t len = round % 2 ? CURSOR_TEXT_LEN : (size_t)rand() % sizeof text;
        for (size_t i = 0; i < len; i++)
            text[i] = (char)(round % 3 ? rand() % 256 : "AZaz09-_"[rand() % 8]);
        cr_assert_not_null(decode(&key, text, len, &id), "round %d accepted", round);
    }
}

Test(cursor, keys_are_64_to_128_hex_digits)
{
    struct cursor_key k;
    char err[160];
    cr_assert_eq(cursor_key_from_hex(&k, KEY_HEX KEY_HEX, err, sizeof err), 0, "%s", err);
    cr_assert_eq(k.len, 64);
    cr_assert_eq(cursor_key_from_hex(&k, "00ff", err, sizeof err), -1);
    cr_assert(strstr(err, "4 characters"), "%s", err);
    cr_assert_eq(cursor_key_from_hex(&k, KEY_HEX KEY_HEX "00", err, sizeof err), -1);
    cr_assert_eq(cursor_key_from_hex(&k, KEY_HEX "0", err, sizeof err), -1, "an odd count");
    char bad[] = KEY_HEX;
    bad[10] = 'g';
    cr_assert_eq(cursor_key_from_hex(&k, bad, err, sizeof err), -1);
    cr_assert(strstr(err, "not hex at character 11"), "%s", err);
}

Test(cursor, random_keys_differ)
{
    struct cursor_key a, b;
    cr_assert_eq(cursor_key_random(&a), 0);
    cr_assert_eq(cursor_key_random(&b), 0);
    cr_assert_eq(a.len, CURSOR_KEY_MIN);
    cr_assert_neq(memcmp(a.bytes, b.bytes, a.len), 0);
}
