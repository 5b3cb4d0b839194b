/* JWT verification (src/auth): compact tokens against a key set holding an
 * HS256 secret (kid "hs"), an RSA key (kid "rs") and an EC P-256 key (kid
 * "es") from tests/unit/data, and JWK Sets as text.
 *
 * Input: one byte; its value modulo 3 chooses what the rest is:
 *   0  a token, as a client sends it;
 *   1  a header's JSON, a NUL, then a payload's JSON: the harness signs
 *      them with the HS256 secret, so that the token gets past the
 *      signature to the header's and the claims' checks;
 *   2  a JWK Set for cg_jwt_keys_add_jwks.
 * Its other bits choose the rules: issuer, audience, leeway, exp optional.
 *
 * Checked: a refusal comes with a message and a known reason; an accepted
 * token's claims are its payload exactly; a JWK Set adds at least one key
 * or fails with a message, leaving the set as it was. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/hmac.h>

#include "cgate/jwt.h"
#include "fuzz.h"

#define SECRET "0123456789abcdef0123456789abcdef"
#define NOW 1700000000

static struct cg_jwt_keys *keys;
static struct cg_arena *arena;
/* A token the secret alone verifies, with no claim the rules refuse. */
static char hs256_token[256];

static void add_pem_file(const char *name, const char *kid)
{
    char path[512], err[256];
    FILE *f = fopen(fuzz_data_path(path, sizeof path, name), "rb");
    if (!f) {
        fprintf(stderr, "fuzz_jwt: cannot open %s\n", path);
        abort();
    }
    char pem[8192];
    size_t n = fread(pem, 1, sizeof pem - 1, f);
    fclose(f);
    pem[n] = '\0';
    if (cg_jwt_keys_add_pem(keys, pem, kid, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_jwt: %s: %s\n", path, err);
        abort();
    }
}

/* header.payload.HMAC-SHA256 with the secret. */
static cg_str sign_hs256(cg_str header, cg_str payload)
{
    struct cg_buf token;
    cg_buf_init(&token, arena);
    cg_buf_append_str(&token, fuzz_base64url(arena, header));
    cg_buf_putc(&token, '.');
    cg_buf_append_str(&token, fuzz_base64url(arena, payload));
    unsigned char mac[32];
    unsigned len = sizeof mac;
    HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)token.data, token.len, mac, &len);
    cg_buf_putc(&token, '.');
    cg_buf_append_str(&token, fuzz_base64url(arena, (cg_str){ (const char *)mac, len }));
    return cg_buf_str(&token);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    char err[256];
    keys = cg_jwt_keys_new();
    if (cg_jwt_keys_add_hmac(keys, SECRET, strlen(SECRET), "hs", err, sizeof err) != 0)
        abort();
    add_pem_file("jwt_rsa_public.pem", "rs");
    add_pem_file("jwt_ec_public.pem", "es");
    arena = cg_arena_new();
    cg_str token = sign_hs256(CG_STR("{\"alg\":\"HS256\"}"), CG_STR("{\"exp\":2000000000}"));
    snprintf(hs256_token, sizeof hs256_token, "%.*s", (int)token.len, token.ptr);
    cg_arena_reset(arena);
    return 0;
}

static struct cg_jwt_rules rules_for(uint8_t selector)
{
    return (struct cg_jwt_rules){
        .issuer = selector & 4 ? "joe" : NULL,
        .audience = selector & 8 ? "items" : NULL,
        .leeway_s = selector & 16 ? -1 : 0,
        .exp_optional = selector & 32,
    };
}

/* Returns the claims of an accepted token (ptr NULL when refused). */
static cg_str verify(cg_str token, uint8_t selector)
{
    struct cg_jwt_rules rules = rules_for(selector);
    cg_str claims = { NULL, 0 };
    char err[256] = "";
    int rc = cg_jwt_verify(keys, &rules, token, NOW, arena, &claims, err, sizeof err);
    FUZZ_CHECK(rc <= CG_JWT_OK && rc >= CG_JWT_WRONG_AUDIENCE, "unknown result %d", rc);
    FUZZ_CHECK(rc == CG_JWT_OK || err[0], "refused (%d) without a message", rc);
    FUZZ_CHECK((rc == CG_JWT_OK) == (claims.ptr != NULL), "result %d with claims %p", rc, (void *)claims.ptr);
    return claims;
}

/* Into a set that holds the secret: a failure must leave it usable. */
static void add_jwks(cg_str json)
{
    struct cg_jwt_keys *set = cg_jwt_keys_new();
    char err[256] = "";
    if (cg_jwt_keys_add_hmac(set, SECRET, strlen(SECRET), NULL, err, sizeof err) != 0)
        abort();
    int rc = cg_jwt_keys_add_jwks(set, json, err, sizeof err);
    FUZZ_CHECK(rc >= 1 || (rc == -1 && err[0]), "returned %d (%s)", rc, err);
    if (rc == -1) {
        cg_str claims;
        FUZZ_CHECK(cg_jwt_verify(set, NULL, cg_str_c(hs256_token), NOW, arena, &claims, err, sizeof err) == CG_JWT_OK,
                   "a failed JWK Set broke the keys already there: %s", err);
    }
    cg_jwt_keys_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    uint8_t selector = fuzz_byte(&in);
    switch (selector % 3) {
    case 0:
        verify(fuzz_rest(&in), selector);
        break;
    case 1: {
        cg_str header = fuzz_field(&in, '\0');
        cg_str payload = fuzz_rest(&in);
        cg_str claims = verify(sign_hs256(header, payload), selector);
        FUZZ_CHECK(!claims.ptr || cg_str_eq(claims, payload), "the claims are not the payload");
        break;
    }
    case 2:
        add_jwks(fuzz_rest(&in));
        break;
    }
    cg_arena_reset(arena);
    return 0;
}
