/* Who may call the items API, and from which web origins: configured from
 * the environment once, before the app starts.
 *
 *   CORS_ALLOW_ORIGINS  comma-separated origins, with credentials; "*" for
 *                       any origin, without them; unset: no CORS
 *   ITEMS_API_TOKEN     a static bearer token for POST, PUT, PATCH and DELETE
 *   ITEMS_JWT_SECRET    an HS256 secret (32 bytes or more) for JWTs instead
 *   ITEMS_JWKS_FILE     a JWK Set or PEM public key file for JWTs instead
 *   ITEMS_JWT_ISSUER, ITEMS_JWT_AUDIENCE   claims a JWT must carry
 *
 * With none of the three credentials set, writes are open (and the
 * document shows no security scheme). Reads are always open. */
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>
#include <cgate/cors.h>
#include <cgate/gateway.h>
#include <cgate/jwt.h>

#include "items.h"

#define MAX_ORIGINS 32

struct writer_auth {
    cg_str api_token;              /* ptr NULL: none */
    struct cg_jwt_keys *jwt_keys;  /* NULL: no JWTs */
    struct cg_jwt_verifier jwt;
};

static struct writer_auth writers;
/* The JWT half, judged by the ready-made check (its state: the verifier). */
static const struct cg_security jwt_bearer = { .kind = CG_SEC_BEARER, .check = cg_jwt_check, .state = &writers.jwt };

/* A static token first (compared in constant time), then a JWT. */
static enum cg_auth_result check_writer(const struct cg_security *s, struct cg_ctx *c, cg_str token)
{
    const struct writer_auth *auth = s->state;
    if (auth->api_token.ptr && cg_token_equal(auth->api_token, token)) {
        cg_set_identity(c, CG_STR("{\"sub\":\"api-token\"}"));
        return CG_AUTH_OK;
    }
    if (auth->jwt_keys)
        return cg_jwt_check(&jwt_bearer, c, token);
    return CG_AUTH_INVALID;
}

struct cg_security items_writer_auth = {
    .name = "bearerAuth",
    .kind = CG_SEC_BEARER,
    .description = "ITEMS_API_TOKEN, or a JWT signed with ITEMS_JWT_SECRET or a key of ITEMS_JWKS_FILE",
    .check = check_writer,
    .state = &writers,
    .disabled = true,
};

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int load_jwt_keys(struct cg_jwt_keys *keys, const char *secret, const char *file)
{
    char err[256];
    if (secret && cg_jwt_keys_add_hmac(keys, secret, strlen(secret), NULL, err, sizeof err) < 0) {
        cg_error("ITEMS_JWT_SECRET: %s", err);
        return -1;
    }
    if (file && cg_jwt_keys_load_file(keys, file, err, sizeof err) < 0) {
        cg_error("ITEMS_JWKS_FILE=%s: %s", file, err);
        return -1;
    }
    return 0;
}

static int configure_writers(void)
{
    const char *token = env("ITEMS_API_TOKEN"), *secret = env("ITEMS_JWT_SECRET"), *file = env("ITEMS_JWKS_FILE");
    if (token)
        writers.api_token = cg_str_c(token);
    if (secret || file) {
        writers.jwt_keys = cg_jwt_keys_new();
        if (load_jwt_keys(writers.jwt_keys, secret, file) != 0)
            return -1;
        writers.jwt.keys = writers.jwt_keys;
        writers.jwt.rules.issuer = env("ITEMS_JWT_ISSUER");
        writers.jwt.rules.audience = env("ITEMS_JWT_AUDIENCE");
        items_writer_auth.bearer_format = "JWT";
    }
    items_writer_auth.disabled = !token && !writers.jwt_keys;
    return 0;
}

/* "https://a.example, https://b.example" -> the list, trimmed, in the
 * copy's memory. */
static int split_origins(char *copy, const char **out)
{
    int n = 0;
    for (char *save = NULL, *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        cg_str origin = cg_str_trim(cg_str_c(part));
        if (origin.len == 0)
            continue;
        if (n == MAX_ORIGINS) {
            cg_error("CORS_ALLOW_ORIGINS: more than %d origins", MAX_ORIGINS);
            return -1;
        }
        ((char *)origin.ptr)[origin.len] = '\0';
        out[n++] = origin.ptr;
    }
    out[n] = NULL;
    return 0;
}

/* Listed origins get credentials; "*" is any origin without them, as the
 * Fetch standard has it (cg_cors_new refuses "*" with credentials). Both in
 * one list is refused: which of the two was meant is not clear. */
static int choose_credentials(const char *const *origins, bool *credentials)
{
    size_t n = 0, stars = 0;
    for (; origins[n]; n++)
        stars += strcmp(origins[n], "*") == 0;
    if (stars && stars < n) {
        cg_error("CORS_ALLOW_ORIGINS: \"*\" (any origin, without credentials) cannot be listed with origins "
                 "(which get credentials): choose one");
        return -1;
    }
    *credentials = stars == 0;
    return 0;
}

static int configure_cors(struct cg_app *app)
{
    const char *text = env("CORS_ALLOW_ORIGINS");
    if (!text)
        return 0;
    static const char *origins[MAX_ORIGINS + 1];
    static const char *const methods[] = { "*", NULL }, *const headers[] = { "*", NULL };
    char *copy = strdup(text);
    if (!copy)
        cg_oom();
    bool credentials = false;
    int rc = split_origins(copy, origins);
    if (rc == 0)
        rc = choose_credentials(origins, &credentials);
    if (rc == 0) {
        struct cg_cors_opts opts = {
            .allow_origins = origins, .allow_methods = methods, .allow_headers = headers,
            .allow_credentials = credentials,
        };
        rc = cg_app_use_cors(app, &opts);
        if (rc != 0)
            cg_error("CORS_ALLOW_ORIGINS=%s: %s", text, cg_app_error(app));
    }
    free(copy); /* the policy keeps its own copies */
    return rc;
}

int items_configure_access(struct cg_app *app)
{
    return configure_writers() == 0 && configure_cors(app) == 0 ? 0 : -1;
}

void items_release_access(void)
{
    cg_jwt_keys_free(writers.jwt_keys);
    writers = (struct writer_auth){ 0 };
}
