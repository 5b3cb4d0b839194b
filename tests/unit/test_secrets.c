/* The parameters and secrets client's pieces that need no AWS: which
 * service a name or ARN is read from, and the cache, with the clock given
 * to it. The calls themselves run against moto
 * (tests/integration/test_parameters.py). */
#include <criterion/criterion.h>
#include <pthread.h>

#include "aws/secrets_internal.h"

/* ---- names and ARNs ---- */

static int kind_of(const char *name, enum secrets_kind plain, enum secrets_kind *kind, char *err, size_t errlen)
{
    return cg__secrets_kind_of(name, plain, "us-east-1", kind, err, errlen);
}

Test(secrets_names, plain_names_are_of_the_function_that_reads_them)
{
    char err[256];
    enum secrets_kind kind;
    cr_assert_eq(kind_of("/app/db/host", SECRETS_SSM, &kind, err, sizeof err), 0);
    cr_assert_eq(kind, SECRETS_SSM);
    cr_assert_eq(kind_of("prod/token", SECRETS_SECRET, &kind, err, sizeof err), 0);
    cr_assert_eq(kind, SECRETS_SECRET);
    cr_assert_eq(kind_of("arnold", SECRETS_SECRET, &kind, err, sizeof err), 0); /* "arn" without its colon */
    cr_assert_eq(kind, SECRETS_SECRET);
}

Test(secrets_names, an_arn_names_its_own_service)
{
    static const struct {
        const char *arn;
        enum secrets_kind kind;
    } cases[] = {
        { "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/token-AbCdEf", SECRETS_SECRET },
        { "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host", SECRETS_SSM },
        { "arn:aws:ssm:us-east-1:123456789012:parameter/plain", SECRETS_SSM },
        { "arn:aws:ssm:us-east-1:123456789012:parameter/app/key:3", SECRETS_SSM }, /* a version: the resource has ':' */
        { "arn:aws-us-gov:secretsmanager:us-east-1:123456789012:secret:x", SECRETS_SECRET },
    };
    char err[256];
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        enum secrets_kind kind;
        for (int plain = SECRETS_SSM; plain <= SECRETS_SECRET; plain++) {
            cr_assert_eq(kind_of(cases[i].arn, (enum secrets_kind)plain, &kind, err, sizeof err), 0, "%s: %s",
                         cases[i].arn, err);
            cr_assert_eq(kind, cases[i].kind, "%s", cases[i].arn);
        }
    }
}

Test(secrets_names, bad_names_and_arns_are_refused_with_a_reason)
{
    static const struct {
        const char *name, *reason;
    } cases[] = {
        { "", "ssm parameter \"\": a name must have 1 to 2048 bytes" },
        { "arn:aws:s3:::bucket", "is not the ARN of an SSM parameter" },
        { "arn:aws:ssm:us-east-1:123456789012:document/x", "is not the ARN of an SSM parameter" },
        { "arn:aws:ssm:us-east-1:123456789012:parameter/", "is not the ARN of an SSM parameter" },
        { "arn:aws:secretsmanager:us-east-1:123456789012:secret:", "is not the ARN of an SSM parameter" },
        { "arn:aws:secretsmanager:us-east-1:123456789012:token:x", "is not the ARN of an SSM parameter" },
        { "arn:aws:secretsmanager:us-east-1::secret:x", "is not the ARN" }, /* no account */
        { "arn::ssm:us-east-1:1:parameter/x", "is not the ARN" },           /* no partition */
        { "arn:aws:ssm", "is not the ARN" },
        { "arn:aws:secretsmanager:eu-west-1:1:secret:x",
          "secret \"arn:aws:secretsmanager:eu-west-1:1:secret:x\": its region is eu-west-1, the client's is "
          "us-east-1 (AWS_REGION)" },
    };
    char err[256];
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        enum secrets_kind kind;
        cr_assert_eq(kind_of(cases[i].name, SECRETS_SSM, &kind, err, sizeof err), -1, "%s", cases[i].name);
        cr_assert(strstr(err, cases[i].reason), "%s: %s", cases[i].name, err);
    }
    char long_name[2050];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    enum secrets_kind kind;
    cr_assert_eq(kind_of(long_name, SECRETS_SECRET, &kind, err, sizeof err), -1);
    cr_assert(strstr(err, "a name must have 1 to 2048 bytes"), "%s", err);
}

/* ---- the cache ---- */

static struct secrets_cache cache;
static struct cg_arena *arena;

static void setup(void)
{
    cg__secrets_cache_init(&cache, 5000, 3);
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg__secrets_cache_free(&cache);
    cg_arena_free(arena);
}

TestSuite(secrets_cache, .init = setup, .fini = teardown);

static void put(enum secrets_kind kind, const char *key, const char *value, int64_t now)
{
    struct cg_ssm_parameter p = { cg_str_c(key), cg_str_c(value) };
    cg__secrets_cache_put(&cache, kind, key, now, &p, 1);
}

/* The value kept for key at now, or NULL. */
static const char *get(enum secrets_kind kind, const char *key, int64_t now)
{
    const struct cg_ssm_parameter *items;
    size_t n;
    if (!cg__secrets_cache_get(&cache, kind, key, now, arena, &items, &n))
        return NULL;
    cr_assert_eq(n, 1);
    return items[0].value.ptr;
}

Test(secrets_cache, a_value_lives_for_the_max_age)
{
    cr_assert_null(get(SECRETS_SSM, "/a", 1000));
    put(SECRETS_SSM, "/a", "one", 1000);
    cr_assert_str_eq(get(SECRETS_SSM, "/a", 1000), "one");
    cr_assert_str_eq(get(SECRETS_SSM, "/a", 5999), "one");
    cr_assert_null(get(SECRETS_SSM, "/a", 6000));
    cr_assert_null(get(SECRETS_SSM, "/a", 999), "a clock set back makes it stale");
    put(SECRETS_SSM, "/a", "two", 7000); /* read again: replaced */
    cr_assert_str_eq(get(SECRETS_SSM, "/a", 7000), "two");
    cr_assert_eq(cache.len, 1);
}

Test(secrets_cache, kinds_are_apart)
{
    put(SECRETS_SSM, "same", "parameter", 0);
    put(SECRETS_SECRET, "same", "secret", 0);
    cr_assert_str_eq(get(SECRETS_SSM, "same", 1), "parameter");
    cr_assert_str_eq(get(SECRETS_SECRET, "same", 1), "secret");
    cr_assert_null(get(SECRETS_SSM_PATH, "same", 1));
}

Test(secrets_cache, values_are_copies)
{
    put(SECRETS_SECRET, "k", "value", 0);
    const char *first = get(SECRETS_SECRET, "k", 1);
    put(SECRETS_SECRET, "k", "other", 2); /* frees the entry the first copy came from */
    cr_assert_str_eq(first, "value");
    cr_assert_neq(first, get(SECRETS_SECRET, "k", 3));
}

Test(secrets_cache, a_full_cache_drops_the_value_read_longest_ago)
{
    put(SECRETS_SSM, "/b", "b", 20);
    put(SECRETS_SSM, "/a", "a", 10);
    put(SECRETS_SSM, "/c", "c", 30);
    put(SECRETS_SSM, "/d", "d", 40);
    cr_assert_eq(cache.len, 3);
    cr_assert_null(get(SECRETS_SSM, "/a", 41));
    cr_assert_str_eq(get(SECRETS_SSM, "/b", 41), "b");
    cr_assert_str_eq(get(SECRETS_SSM, "/d", 41), "d");
}

Test(secrets_cache, a_path_keeps_every_parameter_and_binary_bytes)
{
    const struct cg_ssm_parameter params[] = {
        { CG_STR("/p/one"), CG_STR("1") },
        { CG_STR("/p/bin"), { "a\0b", 3 } },
        { CG_STR("/p/empty"), CG_STR("") },
    };
    cg__secrets_cache_put(&cache, SECRETS_SSM_PATH, "/p", 0, params, CG_LEN(params));
    const struct cg_ssm_parameter *items;
    size_t n;
    cr_assert(cg__secrets_cache_get(&cache, SECRETS_SSM_PATH, "/p", 1, arena, &items, &n));
    cr_assert_eq(n, 3);
    for (size_t i = 0; i < n; i++) {
        cr_assert(cg_str_eq(items[i].name, params[i].name));
        cr_assert(cg_str_eq(items[i].value, params[i].value));
    }
    cg__secrets_cache_put(&cache, SECRETS_SSM_PATH, "/none", 0, NULL, 0);
    cr_assert(cg__secrets_cache_get(&cache, SECRETS_SSM_PATH, "/none", 1, arena, &items, &n));
    cr_assert_eq(n, 0);
}

Test(secrets_cache, a_max_age_of_zero_keeps_nothing)
{
    struct secrets_cache none;
    cg__secrets_cache_init(&none, 0, 3);
    struct cg_ssm_parameter p = { CG_STR("k"), CG_STR("v") };
    cg__secrets_cache_put(&none, SECRETS_SSM, "k", 0, &p, 1);
    const struct cg_ssm_parameter *items;
    size_t n;
    cr_assert_not(cg__secrets_cache_get(&none, SECRETS_SSM, "k", 0, arena, &items, &n));
    cg__secrets_cache_free(&none);
}

/* Readers and writers on several threads at once (ASan and TSan-style
 * races show here as wrong values or reports). */
static void *churn(void *arg)
{
    const char *key = arg;
    struct cg_arena *a = cg_arena_new();
    for (int64_t i = 0; i < 2000; i++) {
        struct cg_ssm_parameter p = { cg_str_c(key), cg_str_c(key) };
        cg__secrets_cache_put(&cache, SECRETS_SECRET, key, i, &p, 1);
        const struct cg_ssm_parameter *items;
        size_t n;
        if (cg__secrets_cache_get(&cache, SECRETS_SECRET, key, i, a, &items, &n))
            cr_assert_str_eq(items[0].value.ptr, key);
        cg_arena_reset(a);
    }
    cg_arena_free(a);
    return NULL;
}

Test(secrets_cache, threads_share_it)
{
    static const char *keys[] = { "k0", "k1", "k2", "k3", "k4", "k5" }; /* more than its 3 entries */
    pthread_t threads[CG_LEN(keys)];
    for (size_t i = 0; i < CG_LEN(keys); i++)
        pthread_create(&threads[i], NULL, churn, (void *)keys[i]);
    for (size_t i = 0; i < CG_LEN(keys); i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(cache.len, 3);
}
