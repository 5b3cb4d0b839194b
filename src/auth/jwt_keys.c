/* The verification keys: HMAC secrets, PEM public keys and certificates,
 * and JWK Sets (RFC 7517, RFC 7518 §6). Each key is bound to the one
 * algorithm it verifies when it is added. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/auth_internal.h"

#define MIN_HMAC_BYTES 32 /* RFC 7518 §3.2: at least the hash's size */
#define MIN_RSA_BITS 2048 /* RFC 7518 §3.3 */
#define MAX_KEY_FILE (1 << 20)

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    ERR_clear_error(); /* OpenSSL's queue is per thread: leave nothing for the next caller */
    return -1;
}

struct cg_jwt_keys *cg_jwt_keys_new(void)
{
    struct cg_jwt_keys *keys = cg_xmalloc(sizeof *keys);
    *keys = (struct cg_jwt_keys){ 0 };
    return keys;
}

static void key_free(struct jwt_key *k)
{
    free(k->kid);
    if (k->secret)
        OPENSSL_clear_free(k->secret, k->secret_len);
    EVP_PKEY_free(k->pkey);
}

/* Drop the keys added since the set had n of them. */
static void truncate_to(struct cg_jwt_keys *keys, size_t n)
{
    while (keys->n > n)
        key_free(&keys->v[--keys->n]);
}

void cg_jwt_keys_free(struct cg_jwt_keys *keys)
{
    if (!keys)
        return;
    truncate_to(keys, 0);
    free(keys->v);
    free(keys);
}

static void append(struct cg_jwt_keys *keys, const struct jwt_key *k, const char *kid)
{
    if (keys->n == keys->cap) {
        keys->cap = keys->cap ? 2 * keys->cap : 4;
        keys->v = cg_xrealloc(keys->v, keys->cap * sizeof *keys->v);
    }
    struct jwt_key *slot = &keys->v[keys->n++];
    *slot = *k;
    slot->kid = kid ? strcpy(cg_xmalloc(strlen(kid) + 1), kid) : NULL;
}

int cg_jwt_keys_add_hmac(struct cg_jwt_keys *keys, const void *secret, size_t len, const char *kid, char *err,
                         size_t errlen)
{
    if (len < MIN_HMAC_BYTES)
        return fail(err, errlen, "HMAC secret of %zu bytes: HS256 needs at least %d", len, MIN_HMAC_BYTES);
    struct jwt_key k = { .alg = JWT_HS256, .secret = cg_xmalloc(len), .secret_len = len };
    memcpy(k.secret, secret, len);
    append(keys, &k, kid);
    return 0;
}

/* The algorithm a public key verifies; false, with the reason, for a key
 * type, size or curve that cgate refuses. */
static bool public_key_alg(EVP_PKEY *pkey, enum jwt_alg *alg, char *why, size_t whylen)
{
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        *alg = JWT_RS256;
        int bits = EVP_PKEY_get_bits(pkey);
        if (bits >= MIN_RSA_BITS)
            return true;
        snprintf(why, whylen, "RSA key of %d bits: RS256 needs at least %d", bits, MIN_RSA_BITS);
        return false;
    }
    if (EVP_PKEY_is_a(pkey, "EC")) {
        *alg = JWT_ES256;
        char curve[64] = "";
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve, NULL);
        if (strcmp(curve, SN_X9_62_prime256v1) == 0)
            return true;
        snprintf(why, whylen, "EC key on curve '%s': ES256 needs P-256", curve);
        return false;
    }
    const char *type = EVP_PKEY_get0_type_name(pkey);
    snprintf(why, whylen, "%s key: only RSA (RS256) and EC P-256 (ES256) keys are supported", type ? type : "unknown");
    return false;
}

/* Add a public key bound to its algorithm, or refuse it; takes pkey either way. */
static int add_public_key(struct cg_jwt_keys *keys, EVP_PKEY *pkey, const char *kid, char *err, size_t errlen)
{
    struct jwt_key k = { .pkey = pkey };
    if (!public_key_alg(pkey, &k.alg, err, errlen)) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return -1;
    }
    append(keys, &k, kid);
    return 0;
}

/* The public key of one DER structure, named by its PEM label; NULL with a
 * message when the label is not a public key's. */
static EVP_PKEY *decode_public_der(const char *label, const unsigned char *der, long len, char *err, size_t errlen)
{
    const unsigned char *p = der;
    if (strcmp(label, PEM_STRING_PUBLIC) == 0)
        return d2i_PUBKEY(NULL, &p, len);
    if (strcmp(label, PEM_STRING_RSA_PUBLIC) == 0)
        return d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
    if (strcmp(label, PEM_STRING_X509) == 0) {
        X509 *cert = d2i_X509(NULL, &p, len);
        EVP_PKEY *pkey = cert ? X509_get_pubkey(cert) : NULL;
        X509_free(cert);
        return pkey;
    }
    if (strstr(label, "PRIVATE KEY"))
        snprintf(err, errlen, "PEM holds a %s: give the public key or the certificate", label);
    else
        snprintf(err, errlen, "PEM %s: expected a PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE", label);
    return NULL;
}

int cg_jwt_keys_add_pem(struct cg_jwt_keys *keys, const char *pem, const char *kid, char *err, size_t errlen)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    char *label = NULL, *headers = NULL;
    unsigned char *der = NULL;
    long len = 0;
    if (!bio)
        cg_oom();
    bool read = PEM_read_bio(bio, &label, &headers, &der, &len) == 1;
    BIO_free(bio);
    if (!read)
        return fail(err, errlen, "no PEM block found");
    char why[200] = "";
    EVP_PKEY *pkey = decode_public_der(label, der, len, why, sizeof why);
    if (!pkey && !why[0])
        snprintf(why, sizeof why, "PEM %s: cannot decode it", label);
    OPENSSL_free(label);
    OPENSSL_free(headers);
    OPENSSL_free(der);
    if (!pkey)
        return fail(err, errlen, "%s", why);
    return add_public_key(keys, pkey, kid, err, errlen);
}

/* ---- JWK Sets ---- */

struct jwks_reader {
    struct cg_jwt_keys *keys;
    struct cg_arena *a;
    size_t index; /* of the JWK being read */
    size_t added;
    char why[200];
};

static int jwk_fail(struct jwks_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int jwk_fail(struct jwks_reader *r, const char *fmt, ...)
{
    int n = snprintf(r->why, sizeof r->why, "keys[%zu]: ", r->index);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, sizeof r->why - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* A string member: 1 present, 0 absent, -1 (with the message) of another
 * type or repeated. */
static int jwk_string(struct jwks_reader *r, const struct jobject *jwk, const char *name, cg_str *out)
{
    const struct jmember *m;
    *out = (cg_str){ NULL, 0 };
    int found = cg__auth_json_member(jwk, name, &m);
    if (found < 0)
        return jwk_fail(r, "\"%s\" appears twice", name);
    if (found && m->kind != JM_STRING)
        return jwk_fail(r, "\"%s\" is not a string", name);
    if (found)
        *out = m->text;
    return found;
}

/* A required base64url member, decoded; exact_len 0 takes any length. */
static int jwk_bytes(struct jwks_reader *r, const struct jobject *jwk, const char *name, size_t exact_len,
                     cg_str *out)
{
    cg_str text;
    int found = jwk_string(r, jwk, name, &text);
    if (found <= 0)
        return found < 0 ? -1 : jwk_fail(r, "no \"%s\"", name);
    if (!cg_base64url_decode(r->a, text, out) || out->len == 0)
        return jwk_fail(r, "\"%s\" is not base64url", name);
    if (exact_len && out->len != exact_len)
        return jwk_fail(r, "\"%s\" has %zu bytes, not %zu", name, out->len, exact_len);
    return 0;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    if (!pkey)
        ERR_clear_error();
    return pkey;
}

static EVP_PKEY *rsa_from_jwk(struct jwks_reader *r, const struct jobject *jwk)
{
    cg_str n, e;
    if (jwk_bytes(r, jwk, "n", 0, &n) < 0 || jwk_bytes(r, jwk, "e", 0, &e) < 0)
        return NULL;
    BIGNUM *bn_n = BN_bin2bn((const unsigned char *)n.ptr, (int)n.len, NULL);
    BIGNUM *bn_e = BN_bin2bn((const unsigned char *)e.ptr, (int)e.len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY *pkey = params ? pkey_from_params("RSA", params) : NULL;
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_n);
    BN_free(bn_e);
    if (!pkey)
        jwk_fail(r, "not a valid RSA public key");
    return pkey;
}

/* x and y become the uncompressed point 04 || x || y; OpenSSL refuses a
 * point that is not on the curve. */
static EVP_PKEY *ec_from_jwk(struct jwks_reader *r, const struct jobject *jwk)
{
    cg_str x, y;
    if (jwk_bytes(r, jwk, "x", 32, &x) < 0 || jwk_bytes(r, jwk, "y", 32, &y) < 0)
        return NULL;
    unsigned char point[65] = { 0x04 };
    memcpy(point + 1, x.ptr, 32);
    memcpy(point + 33, y.ptr, 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"P-256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY *pkey = pkey_from_params("EC", params);
    if (!pkey)
        jwk_fail(r, "not a valid P-256 public key");
    return pkey;
}

/* The one algorithm a JWK of that type verifies, NULL for a type cgate
 * does not support. */
static const char *jwk_alg(cg_str kty, cg_str crv)
{
    if (cg_str_eq_c(kty, "RSA"))
        return "RS256";
    if (cg_str_eq_c(kty, "oct"))
        return "HS256";
    if (cg_str_eq_c(kty, "EC") && cg_str_eq_c(crv, "P-256"))
        return "ES256";
    return NULL;
}

/* Whether cgate verifies with this JWK: a signing key of a supported type
 * whose alg, when given, is that type's. */
static bool jwk_usable(cg_str kty, cg_str crv, cg_str alg, cg_str use)
{
    const char *want = jwk_alg(kty, crv);
    return want && (!use.ptr || cg_str_eq_c(use, "sig")) && (!alg.ptr || cg_str_eq_c(alg, want));
}

static int add_hmac_jwk(struct jwks_reader *r, const struct jobject *jwk, const char *kid)
{
    cg_str k;
    if (jwk_bytes(r, jwk, "k", 0, &k) < 0)
        return -1;
    char why[160];
    int rc = cg_jwt_keys_add_hmac(r->keys, k.ptr, k.len, kid, why, sizeof why);
    OPENSSL_cleanse((void *)k.ptr, k.len);
    return rc < 0 ? jwk_fail(r, "%s", why) : 0;
}

static int add_public_jwk(struct jwks_reader *r, const struct jobject *jwk, cg_str kty, const char *kid)
{
    EVP_PKEY *pkey = cg_str_eq_c(kty, "RSA") ? rsa_from_jwk(r, jwk) : ec_from_jwk(r, jwk);
    if (!pkey)
        return -1;
    char why[160];
    return add_public_key(r->keys, pkey, kid, why, sizeof why) < 0 ? jwk_fail(r, "%s", why) : 0;
}

static int add_jwk(struct jwks_reader *r, const struct jobject *jwk)
{
    cg_str kty, kid, alg, use, crv;
    int has_kty = jwk_string(r, jwk, "kty", &kty);
    if (has_kty <= 0)
        return has_kty < 0 ? -1 : jwk_fail(r, "no \"kty\"");
    if (jwk_string(r, jwk, "kid", &kid) < 0 || jwk_string(r, jwk, "alg", &alg) < 0 ||
        jwk_string(r, jwk, "use", &use) < 0 || jwk_string(r, jwk, "crv", &crv) < 0)
        return -1;
    if (!jwk_usable(kty, crv, alg, use))
        return 0;
    int rc = cg_str_eq_c(kty, "oct") ? add_hmac_jwk(r, jwk, kid.ptr) : add_public_jwk(r, jwk, kty, kid.ptr);
    r->added += rc == 0;
    return rc;
}

static int read_jwk(void *arg, const struct jobject *jwk)
{
    struct jwks_reader *r = arg;
    int rc = add_jwk(r, jwk);
    r->index++;
    return rc;
}

int cg_jwt_keys_add_jwks(struct cg_jwt_keys *keys, cg_str json, char *err, size_t errlen)
{
    size_t before = keys->n;
    struct jwks_reader r = { .keys = keys, .a = cg_arena_new() };
    int rc = cg__auth_json_read_objects(r.a, json, "keys", read_jwk, &r, r.why, sizeof r.why);
    cg_arena_free(r.a);
    if (rc == 0 && r.added == 0)
        snprintf(r.why, sizeof r.why, "no key usable for HS256, RS256 or ES256");
    if (rc < 0 || r.added == 0) {
        truncate_to(keys, before);
        return fail(err, errlen, "JWK Set: %s", r.why);
    }
    return (int)r.added;
}

/* The whole file, NUL-terminated, in the heap; NULL with a message. */
static char *read_key_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = cg_xmalloc(MAX_KEY_FILE + 1);
    *len = fread(text, 1, MAX_KEY_FILE + 1, f);
    bool failed = ferror(f), too_big = *len > MAX_KEY_FILE;
    fclose(f);
    if (failed || too_big) {
        free(text);
        fail(err, errlen, "%s: %s", path, failed ? "cannot read it" : "larger than 1 MB");
        return NULL;
    }
    text[*len] = '\0';
    return text;
}

int cg_jwt_keys_load_file(struct cg_jwt_keys *keys, const char *path, char *err, size_t errlen)
{
    size_t len;
    char *text = read_key_file(path, &len, err, errlen);
    if (!text)
        return -1;
    bool is_jwks = text[strspn(text, " \t\r\n")] == '{';
    char why[240];
    int rc = is_jwks ? cg_jwt_keys_add_jwks(keys, (cg_str){ text, len }, why, sizeof why)
                     : cg_jwt_keys_add_pem(keys, text, NULL, why, sizeof why);
    free(text);
    if (rc < 0)
        return fail(err, errlen, "%s: %s", path, why);
    return is_jwks ? rc : 1;
}
