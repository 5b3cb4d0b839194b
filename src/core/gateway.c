/* Handler helpers (cgate/gateway.h): the environment, a constant-time
 * comparison, the error shape, the Lambda details. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "cgate/cgate.h"
#include "cgate/gateway.h"

/* ---- the environment, read once ---- */

static struct cg_lambda_env env;
static bool on_lambda;
static char machine[sizeof(((struct utsname *)0)->machine)];
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* uname's name for the CPU, as Lambda names it ("aarch64" is "arm64"). */
static const char *architecture(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return NULL;
    memcpy(machine, u.machine, sizeof machine);
    return strcmp(machine, "aarch64") == 0 ? "arm64" : machine;
}

static void read_env(void)
{
    on_lambda = nonempty_env("AWS_LAMBDA_FUNCTION_NAME") || nonempty_env("AWS_LAMBDA_RUNTIME_API");
    env.function_name = nonempty_env("AWS_LAMBDA_FUNCTION_NAME");
    env.function_version = nonempty_env("AWS_LAMBDA_FUNCTION_VERSION");
    env.region = nonempty_env("AWS_REGION");
    if (!env.region)
        env.region = nonempty_env("AWS_DEFAULT_REGION");
    env.log_group = nonempty_env("AWS_LAMBDA_LOG_GROUP_NAME");
    env.log_stream = nonempty_env("AWS_LAMBDA_LOG_STREAM_NAME");
    env.architecture = architecture();
    const char *memory = nonempty_env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    char *end = NULL;
    long long mb = memory ? strtoll(memory, &end, 10) : 0;
    env.memory_mb = memory && *end == '\0' && mb > 0 ? mb : 0;
}

const struct cg_lambda_env *cg_lambda_env(void)
{
    pthread_once(&env_once, read_env);
    return &env;
}

bool cg_is_lambda(void)
{
    pthread_once(&env_once, read_env);
    return on_lambda;
}

bool cg_is_local(void)
{
    return !cg_is_lambda();
}

/* ---- cold start and init duration ---- */

static int64_t process_start_ns;
static _Atomic int64_t init_ns = -1;  /* set by the first /next */
static atomic_bool served_one;        /* an invocation has started */
static _Thread_local bool thread_cold; /* this thread serves the cold start */

static int64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* As early as C code runs: before main, after the dynamic loader. */
__attribute__((constructor)) static void note_process_start(void)
{
    process_start_ns = monotonic_ns();
}

void cg_lambda_note_next(void)
{
    int64_t unset = -1;
    atomic_compare_exchange_strong(&init_ns, &unset, monotonic_ns() - process_start_ns);
}

void cg_lambda_note_invocation(void)
{
    thread_cold = !atomic_exchange(&served_one, true);
}

bool cg_cold_start(void)
{
    return thread_cold;
}

double cg_init_duration_ms(void)
{
    int64_t ns = atomic_load(&init_ns);
    return ns < 0 ? -1.0 : (double)ns / 1e6;
}

/* ---- credentials ---- */

/* The loop reads every byte of `expected` and folds every difference into
 * one accumulator, which is only looked at after the loop; `volatile` keeps
 * the compiler from turning it back into an early exit. Bytes past the end
 * of `given` compare against 0, and the length difference is folded in too. */
bool cg_token_equal(cg_str expected, cg_str given)
{
    const volatile unsigned char *e = (const volatile unsigned char *)expected.ptr;
    const unsigned char *g = (const unsigned char *)given.ptr;
    volatile unsigned char diff = expected.len != given.len;
    for (size_t i = 0; i < expected.len; i++)
        diff |= e[i] ^ (i < given.len ? g[i] : 0);
    return diff == 0;
}

/* ---- responses ---- */

int cg_send_success(struct cg_ctx *c, int status, cg_str json_body)
{
    if (status < 200 || status > 299)
        return cg_fail(c, "cg_send_success: %d is not a success status", status);
    if (json_body.len == 0)
        return cg_send_empty(c, status);
    return cg_send_json_raw(c, status, json_body);
}

/* "Not Found" -> "not_found". */
static const char *code_of_status(struct cg_arena *a, int status)
{
    const char *phrase = cg_status_phrase(status);
    size_t n = strlen(phrase);
    char *code = cg_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) {
        char ch = phrase[i];
        code[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : (ch >= 'a' && ch <= 'z') ? ch : '_';
    }
    code[n] = '\0';
    return code;
}

int cg_send_error(struct cg_ctx *c, int status, const char *message, const char *code)
{
    if (status < 400 || status > 599) {
        cg_error("cg_send_error: %d is not an error status; sent 500", status);
        status = 500;
    }
    struct cg_request *req = cg_req(c);
    struct cg_json *j = cg_json_begin(c, status);
    cg_json_obj_begin(j);
    cg_json_key(j, "error");
    cg_json_obj_begin(j);
    cg_json_key(j, "code");
    cg_json_cstr(j, code ? code : code_of_status(req->arena, status));
    cg_json_key(j, "message");
    cg_json_cstr(j, message ? message : cg_status_phrase(status));
    cg_json_key(j, "status");
    cg_json_int(j, status);
    cg_json_obj_end(j);
    if (req->request_id.len) {
        cg_json_key(j, "requestId");
        cg_json_str(j, req->request_id);
    }
    cg_json_obj_end(j);
    return 0;
}
