/* Who may call the items API, and from which web origins: configured from
 * the environment once, before the app starts.
 *
 *   CORS_ALLOW_ORIGINS  comma-separated origins, with credentials; "*" for
 *                       any origin, without them; unset: no CORS
 *   ITEMS_API_TOKEN     a static bearer token for POST, PUT, PATCH and DELETE;
 *                       or the ARN of a Secrets Manager secret (or of an SSM
 *                       parameter) holding it, read once at start-up
 *                       (items_read_token_secret)
 *   ITEMS_API_TOKEN_SECRET  instead, the name (or ARN) of such a secret
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
#include <cgate/secrets.h>

#include "items.h"

#define MAX_ORIGINS 32

struct writer_auth {
    cg_str api_token;              /* ptr NULL: none */
    struct cg_arena *token_arena;  /* holds a token read from Secrets Manager */
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

static int load_jwt_keys(struct cg_app *app, struct cg_jwt_keys *keys, const char *secret, const char *file)
{
    char err[256];
    if (secret && cg_jwt_keys_add_hmac(keys, secret, strlen(secret), NULL, err, sizeof err) < 0)
        return cg_app_fail(app, "ITEMS_JWT_SECRET: %s", err);
    if (file && cg_jwt_keys_load_file(keys, file, err, sizeof err) < 0)
        return cg_app_fail(app, "ITEMS_JWKS_FILE=%s: %s", file, err);
    return 0;
}

/* An ARN in ITEMS_API_TOKEN names where the token is, never the token: an
 * ARN is no secret, and taken as the token it would let anyone who saw the
 * configuration write. */
static bool is_arn(const char *s)
{
    return s && strncmp(s, "arn:", 4) == 0;
}

/* The setting that names the token's secret, or NULL when the token (if
 * any) is given as it is. */
static const char *token_secret_setting(void)
{
    return env("ITEMS_API_TOKEN_SECRET") ? "ITEMS_API_TOKEN_SECRET"
         : is_arn(env("ITEMS_API_TOKEN")) ? "ITEMS_API_TOKEN"
                                          : NULL;
}

static int check_token_settings(struct cg_app *app, const char *token, const char *token_secret)
{
    if (token && token_secret)
        return cg_app_fail(app, "ITEMS_API_TOKEN and ITEMS_API_TOKEN_SECRET are both set: choose one");
    return 0;
}

static int configure_writers(struct cg_app *app)
{
    const char *token = env("ITEMS_API_TOKEN"), *secret = env("ITEMS_JWT_SECRET"), *file = env("ITEMS_JWKS_FILE");
    const char *token_secret = env("ITEMS_API_TOKEN_SECRET");
    if (check_token_settings(app, token, token_secret) != 0)
        return -1;
    if (token && !is_arn(token))
        writers.api_token = cg_str_c(token);
    if (secret || file) {
        writers.jwt_keys = cg_jwt_keys_new();
        if (load_jwt_keys(app, writers.jwt_keys, secret, file) != 0)
            return -1;
        writers.jwt.keys = writers.jwt_keys;
        writers.jwt.rules.issuer = env("ITEMS_JWT_ISSUER");
        writers.jwt.rules.audience = env("ITEMS_JWT_AUDIENCE");
        items_writer_auth.bearer_format = "JWT";
    }
    items_writer_auth.disabled = !token && !token_secret && !writers.jwt_keys;
    return 0;
}

/* Once, at start-up, so that a missing or unreadable secret stops the app
 * (on Lambda: /init/error) naming it. Not refreshed: the check of each write
 * stays a comparison, with no lock and no call to AWS that could slow or
 * fail it; a rotated token reaches new instances and restarted processes. */
int items_read_token_secret(void)
{
    const char *setting = token_secret_setting();
    if (!setting)
        return 0;
    const char *name = env(setting);
    char err[512];
    struct cg_secrets *secrets = cg_secrets_new(NULL, err, sizeof err);
    int rc = -1;
    cg_str token = { NULL, 0 };
    writers.token_arena = cg_arena_new();
    if (!secrets)
        cg_error("%s: %s", setting, err);
    else if (cg_secret_get(secrets, name, writers.token_arena, &token, err, sizeof err) != CG_SECRETS_OK)
        cg_error("%s: %s", setting, err);
    else {
        writers.api_token = token;
        rc = 0;
    }
    cg_secrets_free(secrets);
    return rc;
}

/* "https://a.example, https://b.example" -> the list, trimmed, in the
 * copy's memory. */
static int split_origins(struct cg_app *app, char *copy, const char **out)
{
    int n = 0;
    for (char *save = NULL, *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        cg_str origin = cg_str_trim(cg_str_c(part));
        if (origin.len == 0)
            continue;
        if (n == MAX_ORIGINS)
            return cg_app_fail(app, "CORS_ALLOW_ORIGINS: more than %d origins", MAX_ORIGINS);
        ((char *)origin.ptr)[origin.len] = '\0';
        out[n++] = origin.ptr;
    }
    out[n] = NULL;
    return 0;
}

/* Listed origins get credentials; "*" is any origin without them, as the
 * Fetch standard has it (cg_cors_new refuses "*" with credentials). Both in
 * one list is refused: which of the two was meant is not clear. */
static int choose_credentials(struct cg_app *app, const char *const *origins, bool *credentials)
{
    size_t n = 0, stars = 0;
    for (; origins[n]; n++)
        stars += strcmp(origins[n], "*") == 0;
    if (stars && stars < n)
        return cg_app_fail(app, "CORS_ALLOW_ORIGINS: \"*\" (any origin, without credentials) cannot be listed "
                                "with origins (which get credentials): choose one");
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
    static const char *const exposed[] = { "link", NULL }; /* a script follows the pages */
    char *copy = strdup(text);
    if (!copy)
        cg_oom();
    bool credentials = false;
    int rc = split_origins(app, copy, origins);
    if (rc == 0)
        rc = choose_credentials(app, origins, &credentials);
    if (rc == 0) {
        struct cg_cors_opts opts = {
            .allow_origins = origins, .allow_methods = methods, .allow_headers = headers,
            .allow_credentials = credentials, .expose_headers = exposed,
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
    return configure_writers(app) == 0 && configure_cors(app) == 0 ? 0 : -1;
}

void items_release_access(void)
{
    cg_jwt_keys_free(writers.jwt_keys);
    cg_arena_free(writers.token_arena);
    writers = (struct writer_auth){ 0 };
}
