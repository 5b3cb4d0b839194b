/* JSON Web Tokens (RFC 7519) in JWS compact form (RFC 7515), verified with
 * OpenSSL: HS256, RS256 and ES256 (docs/auth.md).
 *
 * Each key verifies exactly one algorithm, fixed by the key itself (an HMAC
 * secret: HS256; an RSA key of 2048 bits or more: RS256; an EC P-256 key:
 * ES256), and a token is only checked against keys of the algorithm its
 * header names. That refuses "alg":"none" and algorithm confusion (an HS256
 * token "signed" with an RSA public key as the HMAC secret finds no HS256
 * key). Keys embedded in or pointed to by a token (jwk, jku, x5u, x5c) are
 * never used.
 *
 *   struct cg_jwt_keys *keys = cg_jwt_keys_new();
 *   if (cg_jwt_keys_load_file(keys, "jwks.json", err, sizeof err) < 0) ...
 *   struct cg_jwt_rules rules = { .issuer = "https://id.example.com", .audience = "items" };
 *   if (cg_jwt_verify(keys, &rules, token, time(NULL), arena, &claims, err, sizeof err) < 0) ...
 *
 * A key set is filled before it is shared, then only read: cg_jwt_verify may
 * run on the same set from any number of threads at once. */
#ifndef CGATE_JWT_H
#define CGATE_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "arena.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longer tokens are refused unread. */
#define CG_JWT_MAX_TOKEN 8192
/* Allowed clock skew when struct cg_jwt_rules leaves leeway_s at 0. */
#define CG_JWT_DEFAULT_LEEWAY 60

struct cg_jwt_keys;

struct cg_jwt_keys *cg_jwt_keys_new(void);
void cg_jwt_keys_free(struct cg_jwt_keys *keys);

/* Each adder returns 0 (the _jwks and _file ones: the number of keys added,
 * at least 1) or -1 with a message in err; on failure the set is left as it
 * was. kid may be NULL: a key without an id. */

/* An HS256 secret of at least 32 bytes (RFC 7518 §3.2). */
int cg_jwt_keys_add_hmac(struct cg_jwt_keys *keys, const void *secret, size_t len, const char *kid,
                         char *err, size_t errlen);
/* The first PEM block of the text: PUBLIC KEY, RSA PUBLIC KEY or
 * CERTIFICATE (the certificate's key; its validity is not checked). */
int cg_jwt_keys_add_pem(struct cg_jwt_keys *keys, const char *pem, const char *kid, char *err, size_t errlen);
/* A JWK Set: {"keys": [...]}. Keys of kty RSA, EC (crv P-256) and oct are
 * added with their kid. Keys meant for another use ("use" other than
 * "sig") or for an algorithm cgate does not verify ("alg" other than the
 * key type's RS256, ES256 or HS256; kty OKP) are skipped; a malformed key of
 * a supported type fails the whole set, and so does a set with no usable
 * key. */
int cg_jwt_keys_add_jwks(struct cg_jwt_keys *keys, cg_str json, char *err, size_t errlen);
/* A file holding a JWK Set (its text starts with '{') or a PEM key. */
int cg_jwt_keys_load_file(struct cg_jwt_keys *keys, const char *path, char *err, size_t errlen);

struct cg_jwt_rules {
    /* When set, the token's iss must equal it. */
    const char *issuer;
    /* When set, aud (a string, or an array of strings) must contain it.
     * When NULL, a token that has an aud claim is refused: it is meant for
     * a named recipient and this one has none (RFC 7519 §4.1.3). */
    const char *audience;
    /* Seconds of clock skew allowed on exp and nbf: 0 means
     * CG_JWT_DEFAULT_LEEWAY, a negative value none. */
    int leeway_s;
    /* A token without exp is refused unless this is set. */
    bool exp_optional;
};

/* Why a token was refused; cg_jwt_verify returns one of these. */
enum cg_jwt_error {
    CG_JWT_OK = 0,
    CG_JWT_MALFORMED = -1,     /* not header.payload.signature in base64url JSON, too long, a claim of the wrong type */
    CG_JWT_BAD_ALG = -2,       /* alg missing, "none" or not HS256/RS256/ES256, or a crit header */
    CG_JWT_NO_KEY = -3,        /* no key for that alg (and kid, when the header names one) */
    CG_JWT_BAD_SIGNATURE = -4, /* no such key verifies the signature */
    CG_JWT_NO_EXPIRY = -5,     /* no exp, and the rules require one */
    CG_JWT_EXPIRED = -6,       /* exp + leeway is not after now */
    CG_JWT_NOT_YET_VALID = -7, /* nbf - leeway is after now */
    CG_JWT_WRONG_ISSUER = -8,
    CG_JWT_WRONG_AUDIENCE = -9,
};

/* Verify a compact JWS token at time now_s (seconds since the epoch) and
 * check its claims against the rules (NULL: the defaults). Returns CG_JWT_OK
 * with the payload (the claims' JSON text, exactly as the token carries it)
 * in the arena, or a negative enum cg_jwt_error with a message in err. The
 * signature is checked before any claim is read. */
int cg_jwt_verify(const struct cg_jwt_keys *keys, const struct cg_jwt_rules *rules, cg_str token, int64_t now_s,
                  struct cg_arena *arena, cg_str *claims_json, char *err, size_t errlen);

/* A ready-made cg_security check for bearer JWTs:
 *
 *   static struct cg_jwt_verifier verifier;   // keys and rules set at start-up
 *   static const struct cg_security bearer = {
 *       .name = "bearerAuth", .kind = CG_SEC_BEARER, .bearer_format = "JWT",
 *       .check = cg_jwt_check, .state = &verifier,
 *   };
 *
 * A valid token's claims become the caller's identity (cg_identity); any
 * refusal is CG_AUTH_INVALID, its reason logged at debug level. */
struct cg_jwt_verifier {
    const struct cg_jwt_keys *keys;
    struct cg_jwt_rules rules;
};
enum cg_auth_result cg_jwt_check(const struct cg_security *s, struct cg_ctx *c, cg_str token);

#ifdef __cplusplus
}
#endif

#endif
