/* Handler helpers (cgate/gateway.h): the constant-time token comparison,
 * bearer tokens, the success and error shapes, the Lambda environment and
 * the cold-start state the Runtime API loop keeps (src/lambda/environment.c). */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cgate/cgate.h"
#include "cgate/gateway.h"
#include "cgate/testing.h"
#include "lambda/lambda_internal.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(gateway, .init = setup, .fini = teardown);

/* ---- cg_token_equal ---- */

Test(gateway, equal_tokens_compare_equal)
{
    cr_assert(cg_token_equal(CG_STR("s3cr3t"), CG_STR("s3cr3t")));
    cr_assert(cg_token_equal(CG_STR(""), CG_STR("")));
    cr_assert(cg_token_equal(CG_STR("a\0b"), (cg_str){ "a\0b", 3 }));
}

Test(gateway, different_tokens_compare_unequal)
{
    cr_assert_not(cg_token_equal(CG_STR("s3cr3t"), CG_STR("s3cr3T")));
    cr_assert_not(cg_token_equal(CG_STR("s3cr3t"), CG_STR("x3cr3t")));
    cr_assert_not(cg_token_equal(CG_STR("a\0b"), (cg_str){ "a\0c", 3 }));
}

Test(gateway, tokens_of_different_lengths_compare_unequal)
{
    cr_assert_not(cg_token_equal(CG_STR("s3cr3t"), CG_STR("s3cr3")));
    cr_assert_not(cg_token_equal(CG_STR("s3cr3t"), CG_STR("s3cr3tt")));
    cr_assert_not(cg_token_equal(CG_STR("s3cr3t"), CG_STR("")));
    cr_assert_not(cg_token_equal(CG_STR(""), CG_STR("s3cr3t")));
    cr_assert_not(cg_token_equal(CG_STR("ab"), (cg_str){ NULL, 0 }));
    /* a given token that is a prefix padded with NULs is still different */
    cr_assert_not(cg_token_equal((cg_str){ "ab\0", 3 }, CG_STR("ab")));
}

/* No early return: the secret is laid out so that its last byte sits on a
 * page that cannot be read. A comparison that examines every byte of the
 * secret faults on that byte, whatever the given token; one that stops at
 * the first difference (or at a length mismatch) returns without faulting,
 * and the test fails. The fault is caught and its address checked. */
static sigjmp_buf fault_jump;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)uctx;
    fault_addr = info->si_addr;
    siglongjmp(fault_jump, 1);
}

/* Runs cg_token_equal(secret, given) with the secret's last byte on a
 * PROT_NONE page; returns the address it faulted on, or NULL. */
static void *fault_of_comparison(const char *secret, cg_str given, const char **last_byte)
{
    long page = sysconf(_SC_PAGESIZE);
    char *mem = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(mem, MAP_FAILED);
    size_t len = strlen(secret);
    char *start = mem + page - (len - 1); /* all but the last byte on the readable page */
    memcpy(start, secret, len);
    cr_assert_eq(mprotect(mem + page, (size_t)page, PROT_NONE), 0);
    *last_byte = start + len - 1;
    const cg_str expected = { start, len };

    struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO }, old_segv, old_bus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    fault_addr = NULL;
    if (sigsetjmp(fault_jump, 1) == 0)
        (void)cg_token_equal(expected, given);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    munmap(mem, (size_t)page * 2);
    return fault_addr;
}

Test(gateway, comparison_examines_the_whole_secret_on_a_first_byte_mismatch)
{
    const char *last;
    void *fault = fault_of_comparison("s3cr3t-token", CG_STR("X3cr3t-token"), &last);
    cr_assert_eq(fault, (void *)last, "the comparison stopped before the secret's last byte");
}

Test(gateway, comparison_examines_the_whole_secret_on_a_length_mismatch)
{
    const char *last;
    cr_assert_eq(fault_of_comparison("s3cr3t-token", CG_STR("s"), &last), (void *)last);
    cr_assert_eq(fault_of_comparison("s3cr3t-token", CG_STR(""), &last), (void *)last);
    cr_assert_eq(fault_of_comparison("s3cr3t-token", CG_STR("s3cr3t-token-and-more"), &last), (void *)last);
}

/* ---- cg_bearer_token ---- */

static cg_str bearer_of(const char *authorization)
{
    struct cg_kv h = { CG_STR("Authorization"), cg_str_c(authorization) };
    struct cg_request req = { .headers = &h, .nheaders = authorization ? 1 : 0, .arena = arena };
    return cg_bearer_token(&req);
}

#define assert_token(header, expected)                                                                       \
    do {                                                                                                     \
        cg_str t_ = bearer_of(header);                                                                       \
        cr_assert(t_.ptr && cg_str_eq_c(t_, expected), "%s: got \"%.*s\"", header, (int)t_.len, t_.ptr); \
    } while (0)

Test(gateway, bearer_token_is_found_whatever_the_scheme_case_and_spacing)
{
    assert_token("Bearer abc.def", "abc.def");
    assert_token("bearer abc", "abc");
    assert_token("BEARER abc", "abc");
    assert_token("Bearer    abc  ", "abc");
}

Test(gateway, bearer_token_is_absent_without_a_bearer_credential)
{
    cr_assert_null(bearer_of(NULL).ptr);
    cr_assert_null(bearer_of("").ptr);
    cr_assert_null(bearer_of("Bearer").ptr);
    cr_assert_null(bearer_of("Bearer ").ptr);
    cr_assert_null(bearer_of("Bearer    ").ptr);
    cr_assert_null(bearer_of("Bearerabc").ptr);
    cr_assert_null(bearer_of("Basic YWxhZGRpbjpvcGVuc2VzYW1l").ptr);
    cr_assert_null(bearer_of("Token abc").ptr);
}

/* ---- response shapes ---- */

static int answer_not_found(struct cg_ctx *c)
{
    return cg_send_error(c, 404, "Item not found", "item_not_found");
}

static int answer_default_code(struct cg_ctx *c)
{
    return cg_send_error(c, 503, "Try again later", NULL);
}

static int answer_bad_error_status(struct cg_ctx *c)
{
    return cg_send_error(c, 200, "not an error", "oops");
}

static int answer_created(struct cg_ctx *c)
{
    return cg_send_success(c, 201, CG_STR("{\"id\":7}"));
}

static int answer_no_content(struct cg_ctx *c)
{
    return cg_send_success(c, 204, CG_STR(""));
}

static int answer_bad_success_status(struct cg_ctx *c)
{
    return cg_send_success(c, 404, CG_STR("{}"));
}

static const struct cg_route routes[] = {
    CG_GET("/not-found", answer_not_found),
    CG_GET("/default-code", answer_default_code),
    CG_GET("/bad-error-status", answer_bad_error_status),
    CG_GET("/created", answer_created),
    CG_GET("/no-content", answer_no_content),
    CG_GET("/bad-success-status", answer_bad_success_status),
};

/* "STATUS BODY" of a GET through an app with the routes above. */
static const char *get(const char *path, const char *request_id)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_test *client = cg_test_new(app);
    struct cg_test_response *r = cg_test_request(client, &(struct cg_test_req){ .path = path, .request_id = request_id });
    const char *out = cg_arena_printf(arena, "%d %s", r->status, r->body.ptr).ptr;
    cg_str type = cg_test_header(r, "content-type");
    if (r->body.len)
        cr_assert(cg_str_eq_c(type, "application/json"), "%s: content-type %.*s", path, (int)type.len, type.ptr);
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    return out;
}

Test(gateway, error_has_the_documented_shape)
{
    cr_assert_str_eq(get("/not-found", "req-1"), "404 {\"error\":{\"code\":\"item_not_found\",\"message\":\"Item "
                                                 "not found\",\"status\":404},\"requestId\":\"req-1\"}");
}

Test(gateway, error_without_request_id_leaves_it_out)
{
    cr_assert_str_eq(get("/not-found", NULL),
                     "404 {\"error\":{\"code\":\"item_not_found\",\"message\":\"Item not found\",\"status\":404}}");
}

Test(gateway, error_code_defaults_to_the_status_name)
{
    cr_assert_str_eq(get("/default-code", "r"), "503 {\"error\":{\"code\":\"service_unavailable\",\"message\":\"Try "
                                                "again later\",\"status\":503},\"requestId\":\"r\"}");
}

Test(gateway, error_with_a_success_status_becomes_a_500)
{
    cr_assert_str_eq(get("/bad-error-status", NULL),
                     "500 {\"error\":{\"code\":\"oops\",\"message\":\"not an error\",\"status\":500}}");
}

Test(gateway, success_sends_the_body_or_nothing)
{
    cr_assert_str_eq(get("/created", "r"), "201 {\"id\":7}");
    cr_assert_str_eq(get("/no-content", "r"), "204 ");
}

Test(gateway, success_with_an_error_status_is_a_handler_failure)
{
    cr_assert_str_eq(get("/bad-success-status", "r"), "500 {\"detail\":\"Internal Server Error\"}");
}

/* ---- where the code runs ---- */

/* The environment is read once per process, and each Criterion test runs
 * in a process of its own: set it first thing. */
Test(gateway, lambda_environment_is_read_from_the_variables)
{
    setenv("AWS_LAMBDA_FUNCTION_NAME", "items-fn", 1);
    setenv("AWS_LAMBDA_FUNCTION_VERSION", "7", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512", 1);
    setenv("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/items-fn", 1);
    unsetenv("AWS_LAMBDA_LOG_STREAM_NAME");
    cr_assert(cg_is_lambda());
    cr_assert_not(cg_is_local());
    const struct cg_lambda_env *env = cg_lambda_env();
    cr_assert_str_eq(env->function_name, "items-fn");
    cr_assert_str_eq(env->function_version, "7");
    cr_assert_str_eq(env->region, "eu-west-1");
    cr_assert_eq(env->memory_mb, 512);
    cr_assert_str_eq(env->log_group, "/aws/lambda/items-fn");
    cr_assert_null(env->log_stream);
    cr_assert_not_null(env->architecture);
}

Test(gateway, no_lambda_variables_means_local)
{
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
    unsetenv("AWS_LAMBDA_RUNTIME_API");
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "lots", 1);
    cr_assert(cg_is_local());
    cr_assert_eq(cg_lambda_env()->memory_mb, 0);
    cr_assert_not(cg_cold_start());
    cr_assert_lt(cg_init_duration_ms(), 0);
}

Test(gateway, only_the_first_invocation_is_the_cold_start)
{
    cg__lambda_note_next();
    cr_assert_geq(cg_init_duration_ms(), 0);
    double init = cg_init_duration_ms();
    cg__lambda_note_invocation();
    cr_assert(cg_cold_start());
    cg__lambda_note_next();
    cr_assert_eq(cg_init_duration_ms(), init, "only the first /next ends the init phase");
    cg__lambda_note_invocation();
    cr_assert_not(cg_cold_start());
}
