/* SSM Parameter Store (GetParameter, GetParametersByPath) and Secrets
 * Manager (GetSecretValue) over their JSON 1.1 protocols, read through the
 * cache of secrets_cache.c: a value is asked of AWS once per max age, however
 * many threads and invocations read it. Two threads that miss at once both
 * read it; the cache is never locked across a call to AWS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/aws_internal.h"
#include "aws/secrets_internal.h"
#include "cgate/codec.h"
#include "cgate/json.h"

#define CACHE_ENTRIES 256
/* GetParametersByPath's largest page. A page may hold fewer, even none,
 * and still have a NextToken: the pages are bounded apart from the count. */
#define PAGE_SIZE 10
#define MAX_PAGES (2 * CG_SECRETS_MAX_PATH_PARAMETERS / PAGE_SIZE)
/* Longer than any name or ARN the services accept (SSM: 2048 bytes). */
#define MAX_NAME 2048

struct cg_secrets {
    struct cg_aws *ssm, *secretsmanager;
    struct secrets_cache cache;
};

struct error_class {
    const char *code;
    enum cg_secrets_status status;
};

static const struct error_class error_classes[] = {
    { "ParameterNotFound", CG_SECRETS_NOT_FOUND },
    { "ParameterVersionNotFound", CG_SECRETS_NOT_FOUND },
    { "ResourceNotFoundException", CG_SECRETS_NOT_FOUND },
    { "AccessDeniedException", CG_SECRETS_DENIED },
    { "UnrecognizedClientException", CG_SECRETS_DENIED },
    { "InvalidSignatureException", CG_SECRETS_DENIED },
    { "MissingAuthenticationTokenException", CG_SECRETS_DENIED },
    { "IncompleteSignatureException", CG_SECRETS_DENIED },
    { "ExpiredTokenException", CG_SECRETS_DENIED },
    { "DecryptionFailure", CG_SECRETS_DENIED },
    { "ValidationException", CG_SECRETS_INVALID },
    { "InvalidParameterException", CG_SECRETS_INVALID },
    { "InvalidRequestException", CG_SECRETS_INVALID },
    { "InvalidNextToken", CG_SECRETS_INVALID },
};

static const char *const kind_names[] = {
    [SECRETS_SSM] = "ssm parameter",
    [SECRETS_SECRET] = "secret",
    [SECRETS_SSM_PATH] = "ssm path",
};

/* ---- names and ARNs ---- */

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; the resource may hold ':'. */
static bool split_arn(const char *arn, cg_str part[6])
{
    const char *at = arn;
    for (int i = 0; i < 5; i++) {
        const char *colon = strchr(at, ':');
        if (!colon || colon == at)
            return false;
        part[i] = (cg_str){ at, (size_t)(colon - at) };
        at = colon + 1;
    }
    part[5] = cg_str_c(at);
    return true;
}

static bool has_prefix(cg_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len > n && memcmp(s.ptr, prefix, n) == 0;
}

int cg__secrets_kind_of(const char *name, enum secrets_kind plain, const char *region, enum secrets_kind *kind,
                        char *err, size_t errlen)
{
    if (!name || !*name || strlen(name) > MAX_NAME) {
        snprintf(err, errlen, "%s \"%.64s\": a name must have 1 to %d bytes", kind_names[plain], name ? name : "",
                 MAX_NAME);
        return -1;
    }
    if (strncmp(name, "arn:", 4) != 0) {
        *kind = plain;
        return 0;
    }
    cg_str part[6];
    bool ok = split_arn(name, part);
    if (ok && cg_str_eq(part[2], CG_STR("secretsmanager")) && has_prefix(part[5], "secret:"))
        *kind = SECRETS_SECRET;
    else if (ok && cg_str_eq(part[2], CG_STR("ssm")) && has_prefix(part[5], "parameter/"))
        *kind = SECRETS_SSM;
    else {
        snprintf(err, errlen, "\"%s\" is not the ARN of an SSM parameter (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) "
                 "or a secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", name);
        return -1;
    }
    if (!cg_str_eq(part[3], cg_str_c(region))) {
        snprintf(err, errlen, "%s \"%s\": its region is %.*s, the client's is %s (AWS_REGION)", kind_names[*kind],
                 name, (int)part[3].len, part[3].ptr, region);
        return -1;
    }
    return 0;
}

/* ---- the client ---- */

/* The cache's max age in milliseconds; -1 after a bad CG_SECRETS_MAX_AGE_S. */
static int64_t max_age_ms(const struct cg_secrets_opts *o, char *err, size_t errlen)
{
    if (o->max_age_s != 0)
        return o->max_age_s > 0 ? (int64_t)o->max_age_s * 1000 : 0;
    const char *env = getenv("CG_SECRETS_MAX_AGE_S");
    if (!env || !*env)
        return CG_SECRETS_DEFAULT_MAX_AGE_S * 1000;
    char *end;
    long s = strtol(env, &end, 10);
    if (*end || s < 0 || s > 86400) {
        snprintf(err, errlen, "CG_SECRETS_MAX_AGE_S=%s: not a number of seconds from 0 to 86400", env);
        return -1;
    }
    return (int64_t)s * 1000;
}

/* Secrets Manager's own variable is named after its service id, "Secrets
 * Manager", not after its signing name as the client would look for it. */
static struct cg_aws *client_new(const struct cg_secrets_opts *o, const char *service, const char *endpoint,
                                 const char *endpoint_env, char *err, size_t errlen)
{
    if (!endpoint && endpoint_env && getenv(endpoint_env) && *getenv(endpoint_env))
        endpoint = getenv(endpoint_env);
    struct cg_aws_opts aws = { .service = service, .endpoint = endpoint, .call_timeout_ms = o->call_timeout_ms,
                               .max_attempts = o->max_attempts };
    return cg_aws_new(&aws, err, errlen);
}

struct cg_secrets *cg_secrets_new(const struct cg_secrets_opts *opts, char *err, size_t errlen)
{
    const struct cg_secrets_opts o = opts ? *opts : (struct cg_secrets_opts){ 0 };
    int64_t max_age = max_age_ms(&o, err, errlen);
    if (max_age < 0)
        return NULL;
    struct cg_secrets *s = cg_xmalloc(sizeof *s);
    *s = (struct cg_secrets){ 0 };
    s->ssm = client_new(&o, "ssm", o.ssm_endpoint, NULL, err, errlen);
    if (s->ssm)
        s->secretsmanager =
            client_new(&o, "secretsmanager", o.secrets_endpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER", err, errlen);
    if (!s->secretsmanager) {
        cg_aws_free(s->ssm);
        free(s);
        return NULL;
    }
    cg__secrets_cache_init(&s->cache, max_age, CACHE_ENTRIES);
    return s;
}

void cg_secrets_free(struct cg_secrets *s)
{
    if (!s)
        return;
    cg__secrets_cache_free(&s->cache);
    cg_aws_free(s->ssm);
    cg_aws_free(s->secretsmanager);
    free(s);
}

/* ---- the operations ---- */

/* What a read is: its kind, the name as given, and where errors go. */
struct read {
    struct cg_secrets *s;
    enum secrets_kind kind;
    const char *name;
    struct cg_arena *a;
    char *err;
    size_t errlen;
};

static enum cg_secrets_status status_of(const char *code)
{
    for (size_t i = 0; i < CG_LEN(error_classes); i++)
        if (strcmp(code, error_classes[i].code) == 0)
            return error_classes[i].status;
    return CG_SECRETS_FAILED;
}

static int fail(const struct read *r, enum cg_secrets_status status, const char *why)
{
    snprintf(r->err, r->errlen, "%s \"%s\": %s", kind_names[r->kind], r->name, why);
    return status;
}

/* One operation; the answer (and the tree in *doc) in the caller's arena. */
static int call(const struct read *r, const char *target, struct cg_json *j, const struct cg_json_value **doc)
{
    cg_json_obj_end(j);
    struct cg_aws *aws = r->kind == SECRETS_SECRET ? r->s->secretsmanager : r->s->ssm;
    struct aws_json_answer ans;
    if (cg__aws_json_call(aws, CG__AWS_JSON_1_1, target, cg_buf_str(j->out), r->a, &ans) != 0)
        return fail(r, status_of(ans.code), ans.message);
    *doc = ans.doc;
    return CG_SECRETS_OK;
}

/* The request's JSON object, opened, in the arena. */
static void begin(const struct read *r, struct cg_json *j, struct cg_buf *body)
{
    cg_buf_init(body, r->a);
    cg_json_init(j, body);
    cg_json_obj_begin(j);
}

static int read_parameter(const struct read *r, struct cg_ssm_parameter *out)
{
    struct cg_buf body;
    struct cg_json j;
    begin(r, &j, &body);
    cg_json_key(&j, "Name");
    cg_json_cstr(&j, r->name);
    cg_json_key(&j, "WithDecryption");
    cg_json_bool(&j, true);
    const struct cg_json_value *doc;
    int rc = call(r, "AmazonSSM.GetParameter", &j, &doc);
    if (rc != CG_SECRETS_OK)
        return rc;
    const struct cg_json_value *p = cg_json_member(doc, "Parameter");
    *out = (struct cg_ssm_parameter){ cg_json_as_str(cg_json_member(p, "Name")),
                                      cg_json_as_str(cg_json_member(p, "Value")) };
    return out->value.ptr ? CG_SECRETS_OK : fail(r, CG_SECRETS_FAILED, "the answer has no Parameter.Value");
}

static int read_secret(const struct read *r, struct cg_ssm_parameter *out)
{
    struct cg_buf body;
    struct cg_json j;
    begin(r, &j, &body);
    cg_json_key(&j, "SecretId");
    cg_json_cstr(&j, r->name);
    const struct cg_json_value *doc;
    int rc = call(r, "secretsmanager.GetSecretValue", &j, &doc);
    if (rc != CG_SECRETS_OK)
        return rc;
    out->name = cg_json_as_str(cg_json_member(doc, "Name"));
    out->value = cg_json_as_str(cg_json_member(doc, "SecretString"));
    if (out->value.ptr)
        return CG_SECRETS_OK;
    cg_str binary = cg_json_as_str(cg_json_member(doc, "SecretBinary"));
    if (!binary.ptr)
        return fail(r, CG_SECRETS_FAILED, "the answer has neither SecretString nor SecretBinary");
    if (!cg_base64_decode(r->a, binary, &out->value))
        return fail(r, CG_SECRETS_FAILED, "its SecretBinary is not base64");
    return CG_SECRETS_OK;
}

/* Append a page's parameters to list, which holds *n of them. */
static int add_page(const struct read *r, const struct cg_json_value *page, struct cg_buf *list, size_t *n)
{
    for (size_t i = 0; page && page->type == CG_JSON_ARRAY && i < page->len; i++) {
        if (*n == CG_SECRETS_MAX_PATH_PARAMETERS) {
            char why[96];
            snprintf(why, sizeof why, "more than %d parameters: read a narrower path", CG_SECRETS_MAX_PATH_PARAMETERS);
            return fail(r, CG_SECRETS_INVALID, why);
        }
        struct cg_ssm_parameter p = { cg_json_as_str(cg_json_member(&page->items[i], "Name")),
                                      cg_json_as_str(cg_json_member(&page->items[i], "Value")) };
        if (!p.name.ptr || !p.value.ptr)
            return fail(r, CG_SECRETS_FAILED, "a parameter of the answer has no Name or Value");
        cg_buf_append(list, &p, sizeof p);
        (*n)++;
    }
    return CG_SECRETS_OK;
}

static int read_path(const struct read *r, struct cg_buf *list, size_t *n)
{
    cg_str next = { NULL, 0 };
    for (int pages = 0; pages < MAX_PAGES; pages++) {
        struct cg_buf body;
        struct cg_json j;
        begin(r, &j, &body);
        cg_json_key(&j, "Path");
        cg_json_cstr(&j, r->name);
        cg_json_key(&j, "Recursive");
        cg_json_bool(&j, true);
        cg_json_key(&j, "WithDecryption");
        cg_json_bool(&j, true);
        cg_json_key(&j, "MaxResults");
        cg_json_int(&j, PAGE_SIZE);
        if (next.len) {
            cg_json_key(&j, "NextToken");
            cg_json_str(&j, next);
        }
        const struct cg_json_value *doc;
        int rc = call(r, "AmazonSSM.GetParametersByPath", &j, &doc);
        if (rc == CG_SECRETS_OK)
            rc = add_page(r, cg_json_member(doc, "Parameters"), list, n);
        if (rc != CG_SECRETS_OK)
            return rc;
        next = cg_json_as_str(cg_json_member(doc, "NextToken")); /* absent or null on the last page */
        if (!next.len)
            return CG_SECRETS_OK;
    }
    char why[96];
    snprintf(why, sizeof why, "still a NextToken after %d pages", MAX_PAGES);
    return fail(r, CG_SECRETS_FAILED, why);
}

/* The wall clock, as Powertools' cache has it: a Lambda sandbox frozen
 * between invocations may not see a monotonic clock advance, and a value
 * must not outlive its max age in real time because nobody called. */
static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The values from AWS, appended to list (of struct cg_ssm_parameter). */
static int fetch(const struct read *r, struct cg_buf *list, size_t *n)
{
    if (r->kind == SECRETS_SSM_PATH)
        return read_path(r, list, n);
    struct cg_ssm_parameter one;
    int rc = r->kind == SECRETS_SSM ? read_parameter(r, &one) : read_secret(r, &one);
    if (rc == CG_SECRETS_OK) {
        cg_buf_append(list, &one, sizeof one);
        *n = 1;
    }
    return rc;
}

/* From the cache, else from AWS into the cache; the values in r->a. */
static int read_through(const struct read *r, const struct cg_ssm_parameter **items, size_t *n)
{
    if (cg__secrets_cache_get(&r->s->cache, r->kind, r->name, wall_ms(), r->a, items, n))
        return CG_SECRETS_OK;
    struct cg_buf list; /* in the arena, which aligns it for any type */
    cg_buf_init(&list, r->a);
    *n = 0;
    int rc = fetch(r, &list, n);
    if (rc != CG_SECRETS_OK)
        return rc;
    *items = (const struct cg_ssm_parameter *)list.data;
    cg__secrets_cache_put(&r->s->cache, r->kind, r->name, wall_ms(), *items, *n);
    return CG_SECRETS_OK;
}

static int read_value(struct cg_secrets *s, enum secrets_kind plain, const char *name, struct cg_arena *a,
                      cg_str *value, char *err, size_t errlen)
{
    struct read r = { s, plain, name, a, err, errlen };
    if (cg__secrets_kind_of(name, plain, cg_aws_region(s->ssm), &r.kind, err, errlen) != 0)
        return CG_SECRETS_INVALID;
    const struct cg_ssm_parameter *items;
    size_t n;
    int rc = read_through(&r, &items, &n);
    if (rc == CG_SECRETS_OK)
        *value = items[0].value;
    return rc;
}

int cg_ssm_get(struct cg_secrets *s, const char *name, struct cg_arena *a, cg_str *value, char *err, size_t errlen)
{
    return read_value(s, SECRETS_SSM, name, a, value, err, errlen);
}

int cg_secret_get(struct cg_secrets *s, const char *name, struct cg_arena *a, cg_str *value, char *err,
                  size_t errlen)
{
    return read_value(s, SECRETS_SECRET, name, a, value, err, errlen);
}

int cg_ssm_get_path(struct cg_secrets *s, const char *path, struct cg_arena *a,
                    const struct cg_ssm_parameter **params, size_t *n, char *err, size_t errlen)
{
    struct read r = { s, SECRETS_SSM_PATH, path ? path : "", a, err, errlen };
    if (path && path[0] == '/' && strlen(path) <= MAX_NAME)
        return read_through(&r, params, n);
    return fail(&r, CG_SECRETS_INVALID, "a path starts with '/' and has at most 2048 bytes");
}
