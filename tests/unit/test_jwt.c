/* JWT verification: the RFC 7515 Appendix A and RFC 7519 §3.1 example
 * tokens, tampering, the time claims and their leeway, iss and aud, refused
 * algorithms (none, algorithm confusion), kid selection, malformed tokens,
 * key loading (PEM, certificates, JWK Sets) and the bearer check.
 *
 * Test keys in tests/unit/data, made once with OpenSSL 3.0 and committed (no
 * key is generated at run time; the tests sign their own tokens with the
 * private keys, and ECDSA's random nonce does not change what verifies):
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out jwt_rsa_private.pem
 *   openssl pkey -in jwt_rsa_private.pem -pubout -out jwt_rsa_public.pem
 *   openssl rsa -in jwt_rsa_private.pem -RSAPublicKey_out -out jwt_rsa_pkcs1_public.pem
 *   openssl req -new -x509 -key jwt_rsa_private.pem -subj /CN=cgate-jwt-test -days 36500 -out jwt_rsa_cert.pem
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out jwt_ec_private.pem
 *   openssl pkey -in jwt_ec_private.pem -pubout -out jwt_ec_public.pem
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 | openssl pkey -pubout -out jwt_ec384_public.pem
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 | openssl pkey -pubout -out jwt_rsa1024_public.pem
 *   openssl genpkey -algorithm ED25519 | openssl pkey -pubout -out jwt_ed25519_public.pem
 * jwt_rfc7515.jwks holds the public keys of RFC 7515 A.1 (oct), A.2 (RSA)
 * and A.3 (EC P-256), typed from the RFC. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "cgate/cgate.h"
#include "cgate/codec.h"
#include "cgate/jwt.h"
#include "cgate/testing.h"
#include "core/patterns.h"

#define DATA CG_JWT_DATA_DIR "/"

/* RFC 7515 A.1-A.3 and A.5 share their payload; RFC 7519 §3.1 is A.1. */
#define RFC_PAYLOAD "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC_HS256 "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." RFC_PAYLOAD ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define RFC_RS256                                                                                              \
    "eyJhbGciOiJSUzI1NiJ9." RFC_PAYLOAD                                                                        \
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJd" \
    "bF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN93" \
    "83LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhW" \
    "kWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
#define RFC_ES256                 \
    "eyJhbGciOiJFUzI1NiJ9." RFC_PAYLOAD \
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
#define RFC_NONE "eyJhbGciOiJub25lIn0." RFC_PAYLOAD "."
#define RFC_EXP 1300819380
#define RFC_NOW (RFC_EXP - 1000)

#define NOW 1700000000
#define SECRET "0123456789abcdef0123456789abcdef" /* 32 bytes, HS256's minimum */

static struct cg_arena *arena;
static struct cg_jwt_keys *keys;
static char err[256];

static void setup(void)
{
    arena = cg_arena_new();
    keys = cg_jwt_keys_new();
    err[0] = '\0';
}

static void teardown(void)
{
    cg_jwt_keys_free(keys);
    cg_arena_free(arena);
}

TestSuite(rfc, .init = setup, .fini = teardown);
TestSuite(alg, .init = setup, .fini = teardown);
TestSuite(kid, .init = setup, .fini = teardown);
TestSuite(claims, .init = setup, .fini = teardown);
TestSuite(malformed, .init = setup, .fini = teardown);
TestSuite(keys, .init = setup, .fini = teardown);

/* ---- helpers ---- */

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *text = cg_arena_zalloc(arena, 65536);
    fread(text, 1, 65535, f);
    fclose(f);
    return text;
}

static EVP_PKEY *private_key(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    cr_assert(pkey);
    return pkey;
}

static cg_str b64url(const void *data, size_t len)
{
    struct cg_buf out;
    cg_buf_init(&out, arena);
    cg_base64_encode(&out, (cg_str){ data, len });
    while (out.len && out.data[out.len - 1] == '=')
        out.len--;
    for (size_t i = 0; i < out.len; i++)
        out.data[i] = out.data[i] == '+' ? '-' : out.data[i] == '/' ? '_' : out.data[i];
    return cg_buf_str(&out);
}

/* How a test token is signed: with an HMAC secret, a private key, or not. */
struct signer {
    const char *secret;
    size_t secret_len;
    EVP_PKEY *pkey;
    bool ecdsa; /* R || S instead of OpenSSL's DER */
};

static cg_str sign(const struct signer *s, cg_str input)
{
    unsigned char sig[512];
    size_t len = sizeof sig;
    if (s->secret) {
        unsigned int n;
        HMAC(EVP_sha256(), s->secret, (int)s->secret_len, (const unsigned char *)input.ptr, input.len, sig, &n);
        return b64url(sig, n);
    }
    if (!s->pkey)
        return CG_STR("");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    cr_assert(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->pkey) == 1);
    cr_assert(EVP_DigestSign(md, sig, &len, (const unsigned char *)input.ptr, input.len) == 1);
    EVP_MD_CTX_free(md);
    if (!s->ecdsa)
        return b64url(sig, len);
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    unsigned char raw[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
    ECDSA_SIG_free(es);
    return b64url(raw, 64);
}

static cg_str token(const struct signer *s, const char *header, const char *payload)
{
    cg_str h = b64url(header, strlen(header)), p = b64url(payload, strlen(payload));
    cg_str input = cg_arena_printf(arena, "%.*s.%.*s", (int)h.len, h.ptr, (int)p.len, p.ptr);
    cg_str sig = sign(s, input);
    return cg_arena_printf(arena, "%s.%.*s", input.ptr, (int)sig.len, sig.ptr);
}

static const struct signer hmac_signer = { SECRET, sizeof SECRET - 1 };

static cg_str hs256(const char *payload)
{
    return token(&hmac_signer, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload);
}

static int verify_at(cg_str t, const struct cg_jwt_rules *rules, int64_t now)
{
    cg_str claims;
    err[0] = '\0';
    int rc = cg_jwt_verify(keys, rules, t, now, arena, &claims, err, sizeof err);
    cr_assert_eq(rc == 0, claims.ptr != NULL);
    return rc;
}

static int verify(cg_str t, const struct cg_jwt_rules *rules)
{
    return verify_at(t, rules, NOW);
}

#define assert_verdict(rc, want, text)                                                                      \
    do {                                                                                                    \
        int rc_ = (rc);                                                                                     \
        cr_assert_eq(rc_, want, "got %d (%s), want %s", rc_, err, #want);                                   \
        cr_assert(strstr(err, text), "message '%s' lacks '%s'", err, text);                                 \
    } while (0)

static void add_secret(void)
{
    cr_assert_eq(cg_jwt_keys_add_hmac(keys, SECRET, sizeof SECRET - 1, NULL, err, sizeof err), 0, "%s", err);
}

static void add_pem_file(const char *path, const char *kid)
{
    cr_assert_eq(cg_jwt_keys_add_pem(keys, read_text(path), kid, err, sizeof err), 0, "%s", err);
}

static void load_rfc_keys(void)
{
    cr_assert_eq(cg_jwt_keys_load_file(keys, DATA "jwt_rfc7515.jwks", err, sizeof err), 3, "%s", err);
}

/* ---- the RFC examples ---- */

Test(rfc, rfc7515_a1_hs256_verifies)
{
    load_rfc_keys();
    cr_assert_eq(verify_at(CG_STR(RFC_HS256), NULL, RFC_NOW), CG_JWT_OK, "%s", err);
}

Test(rfc, rfc7515_a2_rs256_verifies)
{
    load_rfc_keys();
    cr_assert_eq(verify_at(CG_STR(RFC_RS256), NULL, RFC_NOW), CG_JWT_OK, "%s", err);
}

Test(rfc, rfc7515_a3_es256_verifies)
{
    load_rfc_keys();
    cr_assert_eq(verify_at(CG_STR(RFC_ES256), NULL, RFC_NOW), CG_JWT_OK, "%s", err);
}

Test(rfc, rfc7519_example_gives_its_claims_as_sent)
{
    load_rfc_keys();
    cg_str claims;
    cr_assert_eq(cg_jwt_verify(keys, NULL, CG_STR(RFC_HS256), RFC_NOW, arena, &claims, err, sizeof err), 0);
    cr_assert(cg_str_eq(claims, CG_STR("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n "
                                       "\"http://example.com/is_root\":true}")));
    cr_assert_eq(claims.ptr[claims.len], '\0');
}

Test(rfc, expiry_counts_the_leeway)
{
    load_rfc_keys();
    cr_assert_eq(verify_at(CG_STR(RFC_ES256), NULL, RFC_EXP + CG_JWT_DEFAULT_LEEWAY - 1), CG_JWT_OK, "%s", err);
    assert_verdict(verify_at(CG_STR(RFC_ES256), NULL, RFC_EXP + CG_JWT_DEFAULT_LEEWAY), CG_JWT_EXPIRED,
                   "expired at 1300819380");
    struct cg_jwt_rules strict = { .leeway_s = -1 };
    cr_assert_eq(verify_at(CG_STR(RFC_RS256), &strict, RFC_EXP - 1), CG_JWT_OK, "%s", err);
    assert_verdict(verify_at(CG_STR(RFC_RS256), &strict, RFC_EXP), CG_JWT_EXPIRED, "leeway 0 s");
    struct cg_jwt_rules lenient = { .leeway_s = 3600 };
    cr_assert_eq(verify_at(CG_STR(RFC_HS256), &lenient, RFC_EXP + 3599), CG_JWT_OK, "%s", err);
}

Test(rfc, rfc7515_a5_unsecured_token_is_refused)
{
    load_rfc_keys();
    assert_verdict(verify_at(CG_STR(RFC_NONE), NULL, RFC_NOW), CG_JWT_BAD_ALG, "\"none\"");
}

/* Each RFC token with one character of its payload or signature changed. */
Test(rfc, tampered_tokens_are_refused)
{
    load_rfc_keys();
    static const char *const tokens[] = { RFC_HS256, RFC_RS256, RFC_ES256 };
    for (size_t i = 0; i < CG_LEN(tokens); i++) {
        char *t = (char *)cg_arena_strdup(arena, cg_str_c(tokens[i])).ptr;
        char *sig = strrchr(t, '.') + 1;
        sig[0] = sig[0] == 'A' ? 'B' : 'A';
        assert_verdict(verify_at(cg_str_c(t), NULL, RFC_NOW), CG_JWT_BAD_SIGNATURE, "does not verify");
        sig[0] = tokens[i][sig - t];
        char *payload = strchr(t, '.') + 1;
        payload[3] = 'd'; /* {"iss" becomes {"is4 */
        assert_verdict(verify_at(cg_str_c(t), NULL, RFC_NOW), CG_JWT_BAD_SIGNATURE, "does not verify");
    }
}

Test(rfc, a_payload_made_by_the_attacker_is_refused)
{
    load_rfc_keys();
    static const char forged[] =
        "{\"iss\":\"joe\",\"exp\":1300819380,\"http://example.com/is_root\":true,\"admin\":true}";
    cg_str payload = b64url(forged, sizeof forged - 1);
    cg_str t = cg_arena_printf(arena, "eyJhbGciOiJSUzI1NiJ9.%.*s.%s", (int)payload.len, payload.ptr,
                               strrchr(RFC_RS256, '.') + 1);
    assert_verdict(verify_at(t, NULL, RFC_NOW), CG_JWT_BAD_SIGNATURE, "does not verify");
}

Test(rfc, signature_bits_past_the_last_byte_must_be_zero)
{
    load_rfc_keys();
    char *t = (char *)cg_arena_strdup(arena, CG_STR(RFC_HS256)).ptr;
    t[strlen(t) - 1] = 'l'; /* "...EjXk" -> "...EjXl": same bytes, a stray low bit */
    assert_verdict(verify_at(cg_str_c(t), NULL, RFC_NOW), CG_JWT_MALFORMED, "signature is not base64url");
}

Test(rfc, es256_signature_must_be_64_bytes)
{
    load_rfc_keys();
    EVP_PKEY *pkey = private_key(DATA "jwt_ec_private.pem");
    struct signer der = { .pkey = pkey }; /* OpenSSL's DER, not R || S */
    cg_str t = token(&der, "{\"alg\":\"ES256\"}", "{\"exp\":1300819380}");
    EVP_PKEY_free(pkey);
    assert_verdict(verify_at(t, NULL, RFC_NOW), CG_JWT_BAD_SIGNATURE, "not 64");
}

/* ---- algorithms ---- */

Test(alg, none_is_refused_in_any_case)
{
    add_secret();
    add_pem_file(DATA "jwt_rsa_public.pem", NULL);
    static const struct signer no_signature = { 0 };
    static const char *const headers[] = { "{\"alg\":\"none\"}", "{\"alg\":\"None\"}", "{\"alg\":\"nOnE\"}" };
    for (size_t i = 0; i < CG_LEN(headers); i++)
        assert_verdict(verify(token(&no_signature, headers[i], "{\"exp\":1700000100}"), NULL), CG_JWT_BAD_ALG,
                       "unsigned tokens are refused");
    /* Even with the HMAC of a real key as its signature. */
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"none\"}", "{\"exp\":1700000100}"), NULL), CG_JWT_BAD_ALG,
                   "none");
}

Test(alg, unknown_missing_or_mistyped_alg_is_refused)
{
    add_secret();
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"HS512\"}", "{}"), NULL), CG_JWT_BAD_ALG, "\"HS512\" is not");
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"hs256\"}", "{}"), NULL), CG_JWT_BAD_ALG, "\"hs256\" is not");
    assert_verdict(verify(token(&hmac_signer, "{\"typ\":\"JWT\"}", "{}"), NULL), CG_JWT_BAD_ALG, "no alg");
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":256}", "{}"), NULL), CG_JWT_BAD_ALG, "not a string");
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"HS256\",\"alg\":\"none\"}", "{}"), NULL), CG_JWT_MALFORMED,
                   "twice");
}

Test(alg, a_crit_header_is_refused)
{
    add_secret();
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"HS256\",\"crit\":[\"b64\"],\"b64\":false}",
                                "{\"exp\":1700000100}"),
                          NULL),
                   CG_JWT_BAD_ALG, "crit");
}

/* The classic confusion: the verifier's RSA public key, in PEM, used as the
 * HMAC secret of an HS256 token. */
Test(alg, hs256_signed_with_the_rsa_public_key_is_refused)
{
    const char *pem = read_text(DATA "jwt_rsa_public.pem");
    add_pem_file(DATA "jwt_rsa_public.pem", NULL);
    struct signer confused = { pem, strlen(pem) };
    cg_str t = token(&confused, "{\"alg\":\"HS256\"}", "{\"exp\":1700000100}");
    assert_verdict(verify(t, NULL), CG_JWT_NO_KEY, "no HS256 key");
    add_secret(); /* an HMAC key now exists: still not the PEM */
    assert_verdict(verify(t, NULL), CG_JWT_BAD_SIGNATURE, "does not verify");
}

Test(alg, rs256_against_hmac_keys_only_is_refused)
{
    load_rfc_keys();
    cg_jwt_keys_free(keys);
    keys = cg_jwt_keys_new();
    add_secret();
    assert_verdict(verify_at(CG_STR(RFC_RS256), NULL, RFC_NOW), CG_JWT_NO_KEY, "no RS256 key");
    assert_verdict(verify_at(CG_STR(RFC_ES256), NULL, RFC_NOW), CG_JWT_NO_KEY, "no ES256 key");
}

Test(alg, keys_carried_by_the_token_are_ignored)
{
    load_rfc_keys();
    EVP_PKEY *pkey = private_key(DATA "jwt_ec_private.pem");
    struct signer attacker = { .pkey = pkey, .ecdsa = true };
    cg_str t = token(&attacker,
                     "{\"alg\":\"ES256\",\"jku\":\"https://evil.example/jwks\","
                     "\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
                     "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}}",
                     "{\"exp\":1700000100}");
    EVP_PKEY_free(pkey);
    assert_verdict(verify(t, NULL), CG_JWT_BAD_SIGNATURE, "does not verify");
}

/* ---- kid ---- */

Test(kid, a_kid_selects_the_key)
{
    EVP_PKEY *pkey = private_key(DATA "jwt_rsa_private.pem");
    struct signer rsa = { .pkey = pkey };
    add_pem_file(DATA "jwt_rsa_public.pem", "k1");
    cr_assert_eq(verify(token(&rsa, "{\"alg\":\"RS256\",\"kid\":\"k1\"}", "{\"exp\":1700000100}"), NULL), CG_JWT_OK,
                 "%s", err);
    cr_assert_eq(verify(token(&rsa, "{\"alg\":\"RS256\"}", "{\"exp\":1700000100}"), NULL), CG_JWT_OK, "%s", err);
    assert_verdict(verify(token(&rsa, "{\"alg\":\"RS256\",\"kid\":\"k2\"}", "{\"exp\":1700000100}"), NULL),
                   CG_JWT_NO_KEY, "no RS256 key with kid \"k2\"");
    assert_verdict(verify(token(&rsa, "{\"alg\":\"RS256\",\"kid\":7}", "{\"exp\":1700000100}"), NULL),
                   CG_JWT_MALFORMED, "kid is not a string");
    EVP_PKEY_free(pkey);
}

Test(kid, without_kid_every_key_of_the_alg_is_tried)
{
    static const char other[] = "another secret of at least 32 bytes";
    cr_assert_eq(cg_jwt_keys_add_hmac(keys, other, sizeof other - 1, "a", err, sizeof err), 0);
    cr_assert_eq(cg_jwt_keys_add_hmac(keys, SECRET, sizeof SECRET - 1, "b", err, sizeof err), 0);
    cr_assert_eq(verify(hs256("{\"exp\":1700000100}"), NULL), CG_JWT_OK, "%s", err);
    cr_assert_eq(verify(token(&hmac_signer, "{\"alg\":\"HS256\",\"kid\":\"b\"}", "{\"exp\":1700000100}"), NULL),
                 CG_JWT_OK, "%s", err);
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"HS256\",\"kid\":\"a\"}", "{\"exp\":1700000100}"), NULL),
                   CG_JWT_BAD_SIGNATURE, "does not verify");
}

/* ---- claims ---- */

Test(claims, exp_and_nbf_allow_the_leeway)
{
    add_secret();
    cr_assert_eq(verify(hs256("{\"exp\":1699999941}"), NULL), CG_JWT_OK, "%s", err);
    assert_verdict(verify(hs256("{\"exp\":1699999940}"), NULL), CG_JWT_EXPIRED, "expired at 1699999940");
    cr_assert_eq(verify(hs256("{\"exp\":1700000100,\"nbf\":1700000060}"), NULL), CG_JWT_OK, "%s", err);
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"nbf\":1700000061}"), NULL), CG_JWT_NOT_YET_VALID,
                   "not valid before 1700000061");
    struct cg_jwt_rules strict = { .leeway_s = -1 };
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"nbf\":1700000001}"), &strict), CG_JWT_NOT_YET_VALID,
                   "leeway 0 s");
    cr_assert_eq(verify(hs256("{\"exp\":1700000000.5,\"iat\":1699999000}"), &strict), CG_JWT_OK, "%s", err);
}

Test(claims, exp_is_required_unless_the_rules_say_otherwise)
{
    add_secret();
    assert_verdict(verify(hs256("{\"sub\":\"u1\"}"), NULL), CG_JWT_NO_EXPIRY, "no exp");
    struct cg_jwt_rules rules = { .exp_optional = true };
    cr_assert_eq(verify(hs256("{\"sub\":\"u1\"}"), &rules), CG_JWT_OK, "%s", err);
}

Test(claims, dates_must_be_numbers)
{
    add_secret();
    assert_verdict(verify(hs256("{\"exp\":\"1700000100\"}"), NULL), CG_JWT_MALFORMED, "exp is not a number");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"nbf\":null}"), NULL), CG_JWT_MALFORMED, "nbf is not");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"iat\":[1]}"), NULL), CG_JWT_MALFORMED, "iat is not");
    assert_verdict(verify(hs256("{\"exp\":1e400}"), NULL), CG_JWT_MALFORMED, "exp is not");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"exp\":1}"), NULL), CG_JWT_MALFORMED, "exp appears twice");
}

Test(claims, issuer_must_match)
{
    add_secret();
    struct cg_jwt_rules rules = { .issuer = "https://id.example.com" };
    cr_assert_eq(verify(hs256("{\"exp\":1700000100,\"iss\":\"https://id.example.com\"}"), &rules), CG_JWT_OK, "%s",
                 err);
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"iss\":\"https://evil.example\"}"), &rules), CG_JWT_WRONG_ISSUER,
                   "\"https://evil.example\" is not");
    assert_verdict(verify(hs256("{\"exp\":1700000100}"), &rules), CG_JWT_WRONG_ISSUER, "no iss");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"iss\":[\"https://id.example.com\"]}"), &rules),
                   CG_JWT_MALFORMED, "iss is not a string");
}

Test(claims, audience_may_be_a_string_or_an_array)
{
    add_secret();
    struct cg_jwt_rules rules = { .audience = "items" };
    cr_assert_eq(verify(hs256("{\"exp\":1700000100,\"aud\":\"items\"}"), &rules), CG_JWT_OK, "%s", err);
    cr_assert_eq(verify(hs256("{\"exp\":1700000100,\"aud\":[\"orders\",\"items\"]}"), &rules), CG_JWT_OK, "%s", err);
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":\"orders\"}"), &rules), CG_JWT_WRONG_AUDIENCE,
                   "\"items\" not in aud");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":[\"orders\",\"items2\"]}"), &rules),
                   CG_JWT_WRONG_AUDIENCE, "not in aud");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":[]}"), &rules), CG_JWT_WRONG_AUDIENCE, "not in aud");
    assert_verdict(verify(hs256("{\"exp\":1700000100}"), &rules), CG_JWT_WRONG_AUDIENCE, "no aud");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":[\"items\",1]}"), &rules), CG_JWT_MALFORMED,
                   "array of strings");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":{\"items\":1}}"), &rules), CG_JWT_MALFORMED,
                   "array of strings");
}

Test(claims, a_token_for_an_audience_needs_rules_naming_one)
{
    add_secret();
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"aud\":\"items\"}"), NULL), CG_JWT_WRONG_AUDIENCE,
                   "the rules none");
}

Test(claims, nested_claims_are_passed_through)
{
    add_secret();
    static const char payload[] =
        "{\"exp\":1700000100,\"scope\":{\"aud\":5,\"exp\":\"x\"},\"roles\":[\"a\",{\"b\":[1]}]}";
    cg_str claims;
    cr_assert_eq(cg_jwt_verify(keys, NULL, hs256(payload), NOW, arena, &claims, err, sizeof err), 0, "%s", err);
    cr_assert(cg_str_eq(claims, CG_STR(payload)));
}

Test(claims, claims_must_be_a_json_object)
{
    add_secret();
    assert_verdict(verify(hs256("[1,2]"), NULL), CG_JWT_MALFORMED, "claims: not a JSON object");
    assert_verdict(verify(hs256("\"exp\""), NULL), CG_JWT_MALFORMED, "claims: not a JSON object");
    assert_verdict(verify(hs256("{\"exp\":1700000100} {}"), NULL), CG_JWT_MALFORMED, "claims: not JSON");
    assert_verdict(verify(hs256("{\"exp\":1700000100,\"n\":\"\xff\"}"), NULL), CG_JWT_MALFORMED, "claims: not JSON");
    assert_verdict(verify(hs256(""), NULL), CG_JWT_MALFORMED, "claims:");
}

/* ---- malformed tokens ---- */

Test(malformed, wrong_number_of_segments)
{
    add_secret();
    cg_str t = hs256("{\"exp\":1700000100}");
    assert_verdict(verify(cg_arena_printf(arena, "%s.", t.ptr), NULL), CG_JWT_MALFORMED, "not header.payload");
    assert_verdict(verify(cg_arena_printf(arena, "%s.x.y", t.ptr), NULL), CG_JWT_MALFORMED, "not header.payload");
    assert_verdict(verify(CG_STR("eyJhbGciOiJIUzI1NiJ9.e30"), NULL), CG_JWT_MALFORMED, "not header.payload.signature");
    assert_verdict(verify(CG_STR(""), NULL), CG_JWT_MALFORMED, "not header.payload.signature");
    assert_verdict(verify(CG_STR("a.b.c.d.e"), NULL), CG_JWT_MALFORMED, "not header.payload.signature");
    assert_verdict(verify(cg_arena_printf(arena, "x%s", t.ptr), NULL), CG_JWT_MALFORMED, "header");
}

Test(malformed, base64url_only)
{
    add_secret();
    cg_str t = hs256("{\"exp\":1700000100}");
    char *s = (char *)cg_arena_strdup(arena, t).ptr;
    char *sig = strrchr(s, '.') + 1;
    sig[5] = '+';
    assert_verdict(verify(cg_str_c(s), NULL), CG_JWT_MALFORMED, "signature is not base64url");
    cr_assert_eq(verify(t, NULL), CG_JWT_OK, "%s", err);
    assert_verdict(verify(cg_arena_printf(arena, "%s=", t.ptr), NULL), CG_JWT_MALFORMED, "signature is not base64url");
    assert_verdict(verify(cg_arena_printf(arena, "eyJhbGciOiJIUzI1NiJ9=%s", strchr(t.ptr, '.')), NULL),
                   CG_JWT_MALFORMED, "header is not base64url");
    assert_verdict(verify(cg_arena_printf(arena, "e%s", t.ptr), NULL), CG_JWT_MALFORMED, "header is not base64url");
}

Test(malformed, a_huge_token_is_refused_unread)
{
    add_secret();
    char *huge = cg_arena_alloc(arena, CG_JWT_MAX_TOKEN + 1);
    memset(huge, 'A', CG_JWT_MAX_TOKEN + 1);
    assert_verdict(verify((cg_str){ huge, CG_JWT_MAX_TOKEN + 1 }, NULL), CG_JWT_MALFORMED, "longer than 8192");
}

Test(malformed, header_must_be_a_json_object)
{
    add_secret();
    assert_verdict(verify(token(&hmac_signer, "hello", "{}"), NULL), CG_JWT_MALFORMED, "header: not JSON");
    assert_verdict(verify(token(&hmac_signer, "[\"HS256\"]", "{}"), NULL), CG_JWT_MALFORMED,
                   "header: not a JSON object");
    assert_verdict(verify(token(&hmac_signer, "{\"alg\":\"HS256\"/* x */}", "{}"), NULL), CG_JWT_MALFORMED, "not JSON");
    char deep[64];
    snprintf(deep, sizeof deep, "{\"alg\":\"HS256\",\"x\":%.*s%.*s}", 17, "[[[[[[[[[[[[[[[[[", 17, "]]]]]]]]]]]]]]]]]");
    assert_verdict(verify(token(&hmac_signer, deep, "{}"), NULL), CG_JWT_MALFORMED, "nesting too deep");
}

/* ---- loading keys ---- */

/* A token that the key of that PEM file verifies, signed with its private key. */
static cg_str signed_by(const char *private_pem, bool ecdsa)
{
    EVP_PKEY *pkey = private_key(private_pem);
    struct signer s = { .pkey = pkey, .ecdsa = ecdsa };
    cg_str t = token(&s, ecdsa ? "{\"alg\":\"ES256\"}" : "{\"alg\":\"RS256\"}", "{\"exp\":1700000100}");
    EVP_PKEY_free(pkey);
    return t;
}

Test(keys, pem_public_keys_and_certificates)
{
    static const char *const rsa_files[] = { "jwt_rsa_public.pem", "jwt_rsa_pkcs1_public.pem", "jwt_rsa_cert.pem" };
    cg_str rs = signed_by(DATA "jwt_rsa_private.pem", false), es = signed_by(DATA "jwt_ec_private.pem", true);
    for (size_t i = 0; i < CG_LEN(rsa_files); i++) {
        cg_jwt_keys_free(keys);
        keys = cg_jwt_keys_new();
        add_pem_file(cg_arena_printf(arena, DATA "%s", rsa_files[i]).ptr, NULL);
        cr_assert_eq(verify(rs, NULL), CG_JWT_OK, "%s: %s", rsa_files[i], err);
        assert_verdict(verify(es, NULL), CG_JWT_NO_KEY, "no ES256 key");
    }
    cr_assert_eq(cg_jwt_keys_load_file(keys, DATA "jwt_ec_public.pem", err, sizeof err), 1, "%s", err);
    cr_assert_eq(verify(es, NULL), CG_JWT_OK, "%s", err);
}

Test(keys, weak_or_unsupported_keys_are_refused)
{
    static const struct {
        const char *file, *why;
    } cases[] = {
        { "jwt_ec384_public.pem", "EC key on curve 'secp384r1': ES256 needs P-256" },
        { "jwt_rsa1024_public.pem", "RSA key of 1024 bits: RS256 needs at least 2048" },
        { "jwt_ed25519_public.pem", "ED25519 key: only RSA (RS256) and EC P-256 (ES256) keys are supported" },
        { "jwt_rsa_private.pem", "PEM holds a PRIVATE KEY: give the public key or the certificate" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        const char *pem = read_text(cg_arena_printf(arena, DATA "%s", cases[i].file).ptr);
        cr_assert_eq(cg_jwt_keys_add_pem(keys, pem, NULL, err, sizeof err), -1, "%s", cases[i].file);
        cr_assert_str_eq(err, cases[i].why);
    }
    cr_assert_eq(cg_jwt_keys_add_pem(keys, "not a key", NULL, err, sizeof err), -1);
    cr_assert_str_eq(err, "no PEM block found");
    cr_assert_eq(cg_jwt_keys_add_pem(keys, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", NULL, err,
                                     sizeof err),
                 -1);
    cr_assert_str_eq(err, "PEM PUBLIC KEY: cannot decode it");
    cr_assert_eq(cg_jwt_keys_add_hmac(keys, SECRET, 31, NULL, err, sizeof err), -1);
    cr_assert_str_eq(err, "HMAC secret of 31 bytes: HS256 needs at least 32");
}

Test(keys, jwks_skips_keys_for_other_uses_and_algorithms)
{
    static const char jwks[] =
        "{\"other\":{\"keys\":1},\"keys\":["
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\",\"x\":\"?\",\"y\":\"?\"},"
        "{\"kty\":\"RSA\",\"alg\":\"RS384\",\"n\":\"?\",\"e\":\"AQAB\"},"
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"?\",\"y\":\"?\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\"ec1\",\"key_ops\":[\"verify\"],"
        "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}"
        "]}";
    cr_assert_eq(cg_jwt_keys_add_jwks(keys, CG_STR(jwks), err, sizeof err), 1, "%s", err);
    cr_assert_eq(verify_at(CG_STR(RFC_ES256), NULL, RFC_NOW), CG_JWT_OK, "%s", err);
}

Test(keys, a_bad_jwks_adds_nothing)
{
    static const struct {
        const char *jwks, *why;
    } cases[] = {
        { "{\"keys\":[{\"kty\":\"oct\","
          "\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"},"
          "{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}",
          "JWK Set: keys[1]: no \"n\"" },
        { "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
          "\"y\":\"x_FFzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}",
          "JWK Set: keys[0]: not a valid P-256 public key" },
        { "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"AQAB\"}]}",
          "JWK Set: keys[0]: \"x\" has 3 bytes, not 32" },
        { "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2hvcnQ\"}]}",
          "JWK Set: keys[0]: HMAC secret of 5 bytes: HS256 needs at least 32" },
        { "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
          "JWK Set: keys[0]: RSA key of 17 bits: RS256 needs at least 2048" },
        { "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"a+b\",\"e\":\"AQAB\"}]}", "JWK Set: keys[0]: \"n\" is not base64url" },
        { "{\"keys\":[{\"kty\":\"RSA\",\"kid\":1}]}", "JWK Set: keys[0]: \"kid\" is not a string" },
        { "{\"keys\":[{\"kid\":\"x\"}]}", "JWK Set: keys[0]: no \"kty\"" },
        { "{\"keys\":[]}", "JWK Set: no key usable for HS256, RS256 or ES256" },
        { "{\"keys\":{}}", "JWK Set: the key array is not an array" },
        { "{\"keys\":[1]}", "JWK Set: an entry of the array is not an object" },
        { "{\"keys\":[],\"keys\":[]}", "JWK Set: the key array appears twice" },
        { "{\"kty\":\"RSA\"}", "JWK Set: no key array" },
        { "[]", "JWK Set: not a JSON object" },
        { "{\"keys\":[}", "JWK Set: not JSON: expected a value at byte 9" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        cr_assert_eq(cg_jwt_keys_add_jwks(keys, cg_str_c(cases[i].jwks), err, sizeof err), -1, "%s", cases[i].jwks);
        cr_assert_str_eq(err, cases[i].why);
    }
    assert_verdict(verify_at(CG_STR(RFC_HS256), NULL, RFC_NOW), CG_JWT_NO_KEY, "no HS256 key");
}

Test(keys, files_that_cannot_be_read)
{
    cr_assert_eq(cg_jwt_keys_load_file(keys, DATA "jwt_missing.pem", err, sizeof err), -1);
    cr_assert(strstr(err, "jwt_missing.pem: No such file or directory"), "%s", err);
    cr_assert_eq(cg_jwt_keys_load_file(keys, DATA, err, sizeof err), -1);
    cr_assert(strstr(err, "cannot read it"), "%s", err);
}

/* ---- threads and the bearer check ---- */

struct job {
    cg_str token;
    int ok;
};

static void *verify_many(void *arg)
{
    struct job *job = arg;
    struct cg_arena *a = cg_arena_new();
    char why[128];
    for (int i = 0; i < 200; i++) {
        cg_str claims;
        job->ok += cg_jwt_verify(keys, NULL, job->token, RFC_NOW, a, &claims, why, sizeof why) == 0;
        cg_arena_reset(a);
    }
    cg_arena_free(a);
    return NULL;
}

Test(keys, one_key_set_serves_many_threads)
{
    load_rfc_keys();
    struct job jobs[6] = { { CG_STR(RFC_HS256) }, { CG_STR(RFC_RS256) }, { CG_STR(RFC_ES256) },
                           { CG_STR(RFC_HS256) }, { CG_STR(RFC_RS256) }, { CG_STR(RFC_ES256) } };
    pthread_t threads[CG_LEN(jobs)];
    for (size_t i = 0; i < CG_LEN(jobs); i++)
        cr_assert_eq(pthread_create(&threads[i], NULL, verify_many, &jobs[i]), 0);
    for (size_t i = 0; i < CG_LEN(jobs); i++) {
        pthread_join(threads[i], NULL);
        cr_assert_eq(jobs[i].ok, 200);
    }
}

static int whoami(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, cg_identity(c));
}

static struct cg_jwt_verifier verifier;
static const struct cg_security bearer = {
    .name = "bearerAuth", .kind = CG_SEC_BEARER, .bearer_format = "JWT", .check = cg_jwt_check, .state = &verifier,
};
static const struct cg_route routes[] = { CG_GET("/me", whoami, .security = &bearer) };

static const char *get_me(struct cg_test *client, cg_str authorization)
{
    const char *line = cg_arena_printf(arena, "authorization: %.*s", (int)authorization.len, authorization.ptr).ptr;
    struct cg_test_response *r = cg_test_get(client, "/me", (const char *[]){ line, NULL });
    return cg_arena_printf(arena, "%d %s", r->status, r->body.ptr).ptr;
}

Test(keys, the_bearer_check_admits_valid_tokens_and_records_their_claims)
{
    add_secret();
    verifier = (struct cg_jwt_verifier){ .keys = keys, .rules = { .audience = "items" } };
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test *client = cg_test_new(app);
    const char *claims = cg_arena_printf(arena, "{\"sub\":\"u1\",\"aud\":\"items\",\"exp\":%lld}",
                                         (long long)time(NULL) + 3600).ptr;
    cg_str t = hs256(claims);
    cr_assert_str_eq(get_me(client, cg_arena_printf(arena, "Bearer %s", t.ptr)),
                     cg_arena_printf(arena, "200 %s", claims).ptr);
    cr_assert_str_eq(get_me(client, cg_arena_printf(arena, "Bearer %sx", t.ptr)),
                     "401 {\"detail\":\"Invalid authentication credentials\"}");
    cr_assert_str_eq(get_me(client, CG_STR("Bearer " RFC_HS256)), /* expired long ago */
                     "401 {\"detail\":\"Invalid authentication credentials\"}");
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    cg__patterns_free();
}
