/* Verifying a JWT: split the compact form, read the header, check the
 * signature with the keys of the header's algorithm, then the claims
 * (RFC 7515 §5.2, RFC 7519 §7.2). Nothing here writes shared state: the key
 * set is only read, and every OpenSSL context is made per call. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include "auth/auth_internal.h"
#include "cgate/log.h"

#define ES256_SIG_BYTES 64 /* R || S, 32 bytes each (RFC 7518 §3.4) */

static const char *const alg_names[] = { [JWT_HS256] = "HS256", [JWT_RS256] = "RS256", [JWT_ES256] = "ES256" };

struct verdict {
    char *err;
    size_t errlen;
};

static int refuse(struct verdict *v, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int refuse(struct verdict *v, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, v->errlen, fmt, ap);
    va_end(ap);
    return code;
}

/* A token's text as it may appear in a message (and so in logs): printable
 * ASCII, at most 40 characters. */
struct shown {
    char text[48];
};

static struct shown show(cg_str s)
{
    struct shown out;
    size_t n = s.len > 40 ? 40 : s.len;
    for (size_t i = 0; i < n; i++)
        out.text[i] = s.ptr[i] >= 0x20 && s.ptr[i] < 0x7f && s.ptr[i] != '"' ? s.ptr[i] : '?';
    strcpy(out.text + n, s.len > n ? "..." : "");
    return out;
}

/* ---- the signature ---- */

static bool hmac_verifies(const struct jwt_key *k, cg_str input, cg_str sig)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), k->secret, (int)k->secret_len, (const unsigned char *)input.ptr, input.len, mac, &len))
        return false;
    return sig.len == len && CRYPTO_memcmp(mac, sig.ptr, len) == 0;
}

static bool pkey_verifies(EVP_PKEY *pkey, cg_str input, const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
              EVP_DigestVerify(md, sig, siglen, (const unsigned char *)input.ptr, input.len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok)
        ERR_clear_error(); /* the per-thread queue: leave nothing for the next OpenSSL caller */
    return ok;
}

/* JWS carries ECDSA signatures as R || S; OpenSSL takes DER. Returns the
 * DER's length, 0 when it cannot be made. */
static size_t ecdsa_der(cg_str raw, unsigned char der[ES256_SIG_BYTES + 8])
{
    const unsigned char *p = (const unsigned char *)raw.ptr;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(p, ES256_SIG_BYTES / 2, NULL);
    BIGNUM *s = BN_bin2bn(p + ES256_SIG_BYTES / 2, ES256_SIG_BYTES / 2, NULL);
    int len = 0;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL; /* owned by sig now */
        unsigned char *out = der;
        len = i2d_ECDSA_SIG(sig, &out);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return len > 0 ? (size_t)len : 0;
}

static bool key_verifies(const struct jwt_key *k, cg_str input, cg_str sig)
{
    unsigned char der[ES256_SIG_BYTES + 8]; /* two 33-byte INTEGERs and three headers */
    size_t der_len;
    switch (k->alg) {
    case JWT_HS256: return hmac_verifies(k, input, sig);
    case JWT_RS256: return pkey_verifies(k->pkey, input, (const unsigned char *)sig.ptr, sig.len);
    case JWT_ES256:
        der_len = ecdsa_der(sig, der);
        return der_len && pkey_verifies(k->pkey, input, der, der_len);
    }
    return false;
}

/* The header names the algorithm and maybe the key: only keys bound to that
 * algorithm (and carrying that kid) are tried. */
static int check_signature(const struct cg_jwt_keys *keys, enum jwt_alg alg, cg_str kid, cg_str input, cg_str sig,
                           struct verdict *v)
{
    bool found = false;
    for (size_t i = 0; i < keys->n; i++) {
        const struct jwt_key *k = &keys->v[i];
        if (k->alg != alg || (kid.ptr && !(k->kid && cg_str_eq_c(kid, k->kid))))
            continue;
        found = true;
        if (key_verifies(k, input, sig))
            return CG_JWT_OK;
    }
    if (!found && kid.ptr)
        return refuse(v, CG_JWT_NO_KEY, "no %s key with kid \"%s\"", alg_names[alg], show(kid).text);
    if (!found)
        return refuse(v, CG_JWT_NO_KEY, "no %s key", alg_names[alg]);
    return refuse(v, CG_JWT_BAD_SIGNATURE, "signature does not verify");
}

/* ---- the header ---- */

static int read_alg(const struct jobject *header, enum jwt_alg *alg, struct verdict *v)
{
    const struct jmember *m;
    int found = cg__auth_json_member(header, "alg", &m);
    if (found < 0)
        return refuse(v, CG_JWT_MALFORMED, "alg appears twice in the header");
    if (!found || m->kind != JM_STRING)
        return refuse(v, CG_JWT_BAD_ALG, found ? "alg is not a string" : "no alg in the header");
    for (size_t i = 0; i < CG_LEN(alg_names); i++) {
        if (cg_str_eq_c(m->text, alg_names[i])) {
            *alg = (enum jwt_alg)i;
            return CG_JWT_OK;
        }
    }
    if (cg_str_ieq(m->text, CG_STR("none")))
        return refuse(v, CG_JWT_BAD_ALG, "alg \"%s\": unsigned tokens are refused", show(m->text).text);
    return refuse(v, CG_JWT_BAD_ALG, "alg \"%s\" is not HS256, RS256 or ES256", show(m->text).text);
}

static int read_header(struct cg_arena *a, cg_str b64, enum jwt_alg *alg, cg_str *kid, struct verdict *v)
{
    cg_str json;
    struct jobject header;
    const struct jmember *m;
    char why[160];
    if (!cg_base64url_decode(a, b64, &json))
        return refuse(v, CG_JWT_MALFORMED, "header is not base64url");
    if (cg__auth_json_read_object(a, json, &header, why, sizeof why) < 0)
        return refuse(v, CG_JWT_MALFORMED, "header: %s", why);
    /* crit lists extensions the verifier must understand: cgate knows none. */
    if (cg__auth_json_member(&header, "crit", &m) != 0)
        return refuse(v, CG_JWT_BAD_ALG, "crit header: no extension is supported");
    int rc = read_alg(&header, alg, v);
    if (rc < 0)
        return rc;
    int found = cg__auth_json_member(&header, "kid", &m);
    if (found < 0 || (found && m->kind != JM_STRING))
        return refuse(v, CG_JWT_MALFORMED, found < 0 ? "kid appears twice in the header" : "kid is not a string");
    *kid = found ? m->text : (cg_str){ NULL, 0 };
    return CG_JWT_OK;
}

/* ---- the claims ---- */

/* A NumericDate claim (RFC 7519 §2): a finite number, when present. */
static int read_date(const struct jobject *claims, const char *name, double *out, bool *present, struct verdict *v)
{
    const struct jmember *m;
    int found = cg__auth_json_member(claims, name, &m);
    *present = found > 0;
    if (found < 0)
        return refuse(v, CG_JWT_MALFORMED, "%s appears twice", name);
    if (!found)
        return CG_JWT_OK;
    if (m->kind == JM_NUMBER)
        *out = strtod(m->text.ptr, NULL);
    if (m->kind != JM_NUMBER || !isfinite(*out))
        return refuse(v, CG_JWT_MALFORMED, "%s is not a number of seconds", name);
    return CG_JWT_OK;
}

static int check_dates(const struct jobject *claims, const struct cg_jwt_rules *rules, int64_t now_s,
                       struct verdict *v)
{
    double exp = 0, nbf = 0, iat = 0;
    bool has_exp, has_nbf, has_iat;
    int rc;
    if ((rc = read_date(claims, "exp", &exp, &has_exp, v)) < 0 ||
        (rc = read_date(claims, "nbf", &nbf, &has_nbf, v)) < 0)
        return rc;
    if ((rc = read_date(claims, "iat", &iat, &has_iat, v)) < 0) /* only its type is checked */
        return rc;
    double leeway = rules->leeway_s == 0 ? CG_JWT_DEFAULT_LEEWAY : rules->leeway_s < 0 ? 0 : rules->leeway_s;
    double now = (double)now_s;
    if (!has_exp && !rules->exp_optional)
        return refuse(v, CG_JWT_NO_EXPIRY, "no exp claim");
    if (has_exp && now >= exp + leeway)
        return refuse(v, CG_JWT_EXPIRED, "expired at %.0f (now %.0f, leeway %.0f s)", exp, now, leeway);
    if (has_nbf && now + leeway < nbf)
        return refuse(v, CG_JWT_NOT_YET_VALID, "not valid before %.0f (now %.0f, leeway %.0f s)", nbf, now, leeway);
    return CG_JWT_OK;
}

static int check_issuer(const struct jobject *claims, const char *issuer, struct verdict *v)
{
    const struct jmember *m;
    int found = cg__auth_json_member(claims, "iss", &m);
    if (found < 0 || (found && m->kind != JM_STRING))
        return refuse(v, CG_JWT_MALFORMED, found < 0 ? "iss appears twice" : "iss is not a string");
    if (!issuer)
        return CG_JWT_OK;
    if (!found)
        return refuse(v, CG_JWT_WRONG_ISSUER, "no iss claim; expected \"%s\"", issuer);
    if (!cg_str_eq_c(m->text, issuer))
        return refuse(v, CG_JWT_WRONG_ISSUER, "issuer \"%s\" is not \"%s\"", show(m->text).text, issuer);
    return CG_JWT_OK;
}

/* aud is one string or an array of them (RFC 7519 §4.1.3). */
static bool audience_matches(const struct jmember *aud, const char *audience)
{
    if (aud->kind == JM_STRING)
        return cg_str_eq_c(aud->text, audience);
    for (size_t i = 0; i < aud->nitems; i++)
        if (cg_str_eq_c(aud->items[i], audience))
            return true;
    return false;
}

static int check_audience(const struct jobject *claims, const char *audience, struct verdict *v)
{
    const struct jmember *m;
    int found = cg__auth_json_member(claims, "aud", &m);
    if (found < 0 || (found && m->kind != JM_STRING && m->kind != JM_STRING_ARRAY))
        return refuse(v, CG_JWT_MALFORMED,
                      found < 0 ? "aud appears twice" : "aud is not a string or an array of strings");
    if (!found && audience)
        return refuse(v, CG_JWT_WRONG_AUDIENCE, "no aud claim; expected \"%s\"", audience);
    if (found && !audience)
        return refuse(v, CG_JWT_WRONG_AUDIENCE, "the token names an audience (aud) and the rules none");
    if (found && !audience_matches(m, audience))
        return refuse(v, CG_JWT_WRONG_AUDIENCE, "audience \"%s\" not in aud", audience);
    return CG_JWT_OK;
}

static int check_claims(struct cg_arena *a, cg_str json, const struct cg_jwt_rules *rules, int64_t now_s,
                        struct verdict *v)
{
    struct jobject claims;
    char why[160];
    int rc;
    if (cg__auth_json_read_object(a, json, &claims, why, sizeof why) < 0)
        return refuse(v, CG_JWT_MALFORMED, "claims: %s", why);
    if ((rc = check_dates(&claims, rules, now_s, v)) < 0 || (rc = check_issuer(&claims, rules->issuer, v)) < 0 ||
        (rc = check_audience(&claims, rules->audience, v)) < 0)
        return rc;
    return CG_JWT_OK;
}

/* ---- the token ---- */

/* header.payload.signature: exactly two dots (a JWE has four). */
static bool split(cg_str token, cg_str part[3])
{
    if (!token.ptr)
        return false;
    const char *end = token.ptr + token.len, *p = token.ptr;
    for (int i = 0; i < 3; i++) {
        const char *dot = i < 2 ? memchr(p, '.', (size_t)(end - p)) : end;
        if (!dot)
            return false;
        part[i] = (cg_str){ p, (size_t)(dot - p) };
        p = dot + (i < 2);
    }
    return !memchr(part[2].ptr, '.', part[2].len);
}

int cg_jwt_verify(const struct cg_jwt_keys *keys, const struct cg_jwt_rules *rules, cg_str token, int64_t now_s,
                  struct cg_arena *arena, cg_str *claims_json, char *err, size_t errlen)
{
    static const struct cg_jwt_rules defaults = { 0 };
    struct verdict v = { err, errlen };
    cg_str part[3], sig, payload;
    /* read_header sets both; the initial values only quiet gcc's
     * maybe-uninitialized, which cannot see that at -Os or -O2. */
    cg_str kid = { NULL, 0 };
    enum jwt_alg alg = JWT_HS256;
    int rc;
    *claims_json = (cg_str){ NULL, 0 };
    if (token.len > CG_JWT_MAX_TOKEN)
        return refuse(&v, CG_JWT_MALFORMED, "token longer than %d bytes", CG_JWT_MAX_TOKEN);
    if (!split(token, part))
        return refuse(&v, CG_JWT_MALFORMED, "not header.payload.signature");
    if ((rc = read_header(arena, part[0], &alg, &kid, &v)) < 0)
        return rc;
    if (!cg_base64url_decode(arena, part[2], &sig))
        return refuse(&v, CG_JWT_MALFORMED, "signature is not base64url");
    if (alg == JWT_ES256 && sig.len != ES256_SIG_BYTES)
        return refuse(&v, CG_JWT_BAD_SIGNATURE, "ES256 signature of %zu bytes, not %d", sig.len, ES256_SIG_BYTES);
    cg_str signing_input = { token.ptr, part[1].len + (size_t)(part[1].ptr - token.ptr) };
    if ((rc = check_signature(keys, alg, kid, signing_input, sig, &v)) < 0)
        return rc;
    if (!cg_base64url_decode(arena, part[1], &payload))
        return refuse(&v, CG_JWT_MALFORMED, "payload is not base64url");
    if ((rc = check_claims(arena, payload, rules ? rules : &defaults, now_s, &v)) < 0)
        return rc;
    *claims_json = payload;
    return CG_JWT_OK;
}

enum cg_auth_result cg_jwt_check(const struct cg_security *s, struct cg_ctx *c, cg_str token)
{
    const struct cg_jwt_verifier *verifier = s->state;
    char why[200];
    cg_str claims;
    if (cg_jwt_verify(verifier->keys, &verifier->rules, token, (int64_t)time(NULL), cg_arena(c), &claims, why,
                      sizeof why) < 0) {
        cg_debug("%s: bearer token refused: %s", s->name ? s->name : "jwt", why);
        return CG_AUTH_INVALID;
    }
    cg_set_identity(c, claims);
    return CG_AUTH_OK;
}
