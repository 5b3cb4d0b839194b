/* The parameters and secrets client from the command line, for
 * tests/integration/test_parameters.py: each argument is one read, through
 * one client (so one cache), answered by one JSON line on stdout:
 *
 *   ssm:NAME      cg_ssm_get        {"value": "..."}
 *   secret:NAME   cg_secret_get     {"value": "..."}
 *   path:PATH     cg_ssm_get_path   {"params": [[name, value], ...]}
 *   sleep:MS      a pause           {}
 *
 * A failed read prints {"status": <cg_secrets_status>, "error": "..."}. The
 * client's settings come from the environment (CG_SECRETS_MAX_AGE_S, ...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cgate/json.h>
#include <cgate/secrets.h>

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static int read_one(struct cg_secrets *s, const char *op, const char *arg, struct cg_arena *a, struct cg_json *j,
                    char *err, size_t errlen)
{
    if (strcmp(op, "path") == 0) {
        const struct cg_ssm_parameter *params;
        size_t n;
        int rc = cg_ssm_get_path(s, arg, a, &params, &n, err, errlen);
        if (rc == CG_SECRETS_OK) {
            cg_json_key(j, "params");
            cg_json_arr_begin(j);
            for (size_t i = 0; i < n; i++) {
                cg_json_arr_begin(j);
                cg_json_str(j, params[i].name);
                cg_json_str(j, params[i].value);
                cg_json_arr_end(j);
            }
            cg_json_arr_end(j);
        }
        return rc;
    }
    cg_str value;
    int rc = strcmp(op, "ssm") == 0 ? cg_ssm_get(s, arg, a, &value, err, errlen)
                                    : cg_secret_get(s, arg, a, &value, err, errlen);
    if (rc == CG_SECRETS_OK) {
        cg_json_key(j, "value");
        cg_json_str(j, value);
    }
    return rc;
}

static void run(struct cg_secrets *s, const char *spec)
{
    const char *colon = strchr(spec, ':');
    char op[16];
    snprintf(op, sizeof op, "%.*s", colon ? (int)(colon - spec) : 0, spec);
    const char *arg = colon ? colon + 1 : "";
    struct cg_arena *a = cg_arena_new();
    struct cg_buf out;
    cg_buf_init(&out, a);
    struct cg_json j;
    cg_json_init(&j, &out);
    cg_json_obj_begin(&j);
    char err[512] = "";
    int rc = CG_SECRETS_OK;
    if (strcmp(op, "sleep") == 0)
        sleep_ms(atol(arg));
    else if (strcmp(op, "ssm") == 0 || strcmp(op, "secret") == 0 || strcmp(op, "path") == 0)
        rc = read_one(s, op, arg, a, &j, err, sizeof err);
    else {
        rc = CG_SECRETS_INVALID;
        snprintf(err, sizeof err, "unknown read \"%s\"", spec);
    }
    if (rc != CG_SECRETS_OK) {
        cg_json_key(&j, "status");
        cg_json_int(&j, rc);
        cg_json_key(&j, "error");
        cg_json_cstr(&j, err);
    }
    cg_json_obj_end(&j);
    printf("%.*s\n", (int)out.len, out.data);
    fflush(stdout);
    cg_arena_free(a);
}

int main(int argc, char **argv)
{
    char err[512];
    struct cg_secrets *s = cg_secrets_new(NULL, err, sizeof err);
    if (!s) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    for (int i = 1; i < argc; i++)
        run(s, argv[i]);
    cg_secrets_free(s);
    return 0;
}
