/* Shared by the JWT verifier (jwt.c), its key set (jwt_keys.c) and the
 * encodings a token is made of (jwt_codec.c). */
#ifndef CGATE_AUTH_INTERNAL_H
#define CGATE_AUTH_INTERNAL_H

#include <openssl/evp.h>

#include "cgate/codec.h"
#include "cgate/jwt.h"

enum jwt_alg { JWT_HS256, JWT_RS256, JWT_ES256 };

/* One verification key: an HMAC secret, or an RSA or EC public key. */
struct jwt_key {
    enum jwt_alg alg;
    char *kid;              /* NULL: none */
    unsigned char *secret;  /* JWT_HS256 */
    size_t secret_len;
    EVP_PKEY *pkey;         /* JWT_RS256, JWT_ES256 */
};

struct cg_jwt_keys {
    struct jwt_key *v;
    size_t n, cap;
};

/* ---- the members of JSON objects ---- */

#define JSON_MAX_DEPTH 16

enum jmember_kind {
    JM_STRING,       /* text: the unescaped bytes */
    JM_NUMBER,       /* text: the number's token */
    JM_STRING_ARRAY, /* items: the strings */
    JM_OTHER,        /* null, a boolean, an object, any other array */
};

struct jmember {
    cg_str name;
    enum jmember_kind kind;
    cg_str text;
    cg_str *items;
    size_t nitems;
};

struct jobject {
    struct jmember *v;
    size_t n;
};

/* Called with each object read; a non-zero return stops the reading and
 * becomes cg__auth_json_read_objects' result. */
typedef int (*jobject_fn)(void *arg, const struct jobject *obj);

/* Read the JSON text (strict RFC 8259, at most JSON_MAX_DEPTH levels) and
 * hand fn the members of the root object or, when array_key is set, of each
 * object in the root's array of that name (a JWK Set's "keys"). Returns 0,
 * fn's non-zero result, or -1 with a message in err when the text is not
 * JSON of that shape. Everything lives in the arena. */
int cg__auth_json_read_objects(struct cg_arena *a, cg_str json, const char *array_key, jobject_fn fn, void *arg,
                               char *err, size_t errlen);
/* The root object alone. */
int cg__auth_json_read_object(struct cg_arena *a, cg_str json, struct jobject *out, char *err, size_t errlen);
/* The member of that name: 1 found, 0 absent, -1 present more than once
 * (RFC 7515 §4 and RFC 7519 §4 let a reader refuse duplicates; cgate does). */
int cg__auth_json_member(const struct jobject *obj, const char *name, const struct jmember **out);

#endif
