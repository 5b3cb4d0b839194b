/* Parameters and secrets: values of SSM Parameter Store and Secrets Manager,
 * read through the SigV4 client (aws.h) and kept in a cache that every
 * thread and every Lambda invocation of the process share
 * (docs/parameters.md).
 *
 *   struct cg_secrets *s = cg_secrets_new(NULL, err, sizeof err);   // once, at start-up
 *   cg_str token, host;
 *   cg_secret_get(s, "prod/api-token", arena, &token, err, sizeof err);  // Secrets Manager
 *   cg_ssm_get(s, "/prod/db/host", arena, &host, err, sizeof err);       // Parameter Store
 *
 * Names: a plain name is of the service the function reads (an SSM
 * parameter for cg_ssm_get, a secret for cg_secret_get); an ARN names its
 * own service, so either function reads "arn:aws:secretsmanager:...:secret:..."
 * from Secrets Manager and "arn:aws:ssm:...:parameter/..." from Parameter
 * Store. An ARN must be of the client's region (AWS_REGION).
 *
 * Values are copied into the caller's arena (a request's, or one of the
 * app's own at start-up): never a pointer into the cache, which another
 * thread may renew at any time. A client is safe to share between threads. */
#ifndef CGATE_SECRETS_H
#define CGATE_SECRETS_H

#include <stddef.h>

#include "aws.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cg_secrets_status {
    CG_SECRETS_OK = 0,
    CG_SECRETS_NOT_FOUND = -1, /* ParameterNotFound, ParameterVersionNotFound, ResourceNotFoundException */
    CG_SECRETS_DENIED = -2,    /* AccessDenied, bad or expired credentials, KMS refused to decrypt */
    CG_SECRETS_INVALID = -3,   /* a bad name, path or ARN; ValidationException; too many values under a path */
    CG_SECRETS_FAILED = -4,    /* any other error, or no answer */
};

/* The default time a value stays cached: that of AWS's Parameters and
 * Secrets Lambda extension (docs/parameters.md says why not Powertools' 5 s). */
#define CG_SECRETS_DEFAULT_MAX_AGE_S 300
/* At most this many parameters under one path (cg_ssm_get_path). */
#define CG_SECRETS_MAX_PATH_PARAMETERS 1000

struct cg_secrets_opts {
    /* Seconds a value read stays cached. 0: $CG_SECRETS_MAX_AGE_S, else
     * CG_SECRETS_DEFAULT_MAX_AGE_S; negative (or the variable 0): no cache. */
    int max_age_s;
    /* NULL: AWS_ENDPOINT_URL_SSM (AWS_ENDPOINT_URL_SECRETS_MANAGER), then
     * AWS_ENDPOINT_URL, then https://ssm.<region>.amazonaws.com
     * (https://secretsmanager.<region>.amazonaws.com). */
    const char *ssm_endpoint;
    const char *secrets_endpoint;
    /* As in struct cg_aws_opts; 0 for their defaults. */
    int call_timeout_ms;
    int max_attempts;
};

struct cg_secrets;

/* Read credentials and region, resolve both endpoints; no connection yet.
 * opts may be NULL. Returns NULL with a message naming the bad setting. */
struct cg_secrets *cg_secrets_new(const struct cg_secrets_opts *opts, char *err, size_t errlen);
void cg_secrets_free(struct cg_secrets *s);

/* Every function below returns CG_SECRETS_OK with the value copied into
 * arena a, or a cg_secrets_status with err naming the parameter or secret
 * and, when AWS answered, its error code:
 *   secret "prod/token": ResourceNotFoundException: Secrets Manager can't find ... (HTTP 400) */

/* A parameter's value, decrypted when a SecureString; a StringList's as
 * stored ("a,b,c"). */
int cg_ssm_get(struct cg_secrets *s, const char *name, struct cg_arena *a, cg_str *value, char *err, size_t errlen);

/* A secret's SecretString, or its SecretBinary decoded (which may hold any
 * byte; the copy is NUL-terminated all the same). */
int cg_secret_get(struct cg_secrets *s, const char *name, struct cg_arena *a, cg_str *value, char *err,
                  size_t errlen);

/* Every parameter under path ("/prod/db"), recursively, decrypted, as
 * GetParametersByPath pages them; at most CG_SECRETS_MAX_PATH_PARAMETERS
 * (more is CG_SECRETS_INVALID). *params is an array of *n in the arena. */
struct cg_ssm_parameter {
    cg_str name; /* the full name, "/prod/db/host" */
    cg_str value;
};
int cg_ssm_get_path(struct cg_secrets *s, const char *path, struct cg_arena *a,
                    const struct cg_ssm_parameter **params, size_t *n, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
