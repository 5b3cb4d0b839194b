/* Where the code runs and what Lambda tells about the function
 * (cgate/gateway.h), and the cold-start state the Runtime API loop keeps
 * (cg__lambda_note_next, cg__lambda_note_invocation: lambda_internal.h). The
 * core never calls these: the entry point reads cg_is_lambda() to choose
 * the log format, handlers read the rest. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "cgate/gateway.h"
#include "lambda/lambda_internal.h"

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

void cg__lambda_note_next(void)
{
    int64_t unset = -1;
    atomic_compare_exchange_strong(&init_ns, &unset, monotonic_ns() - process_start_ns);
}

void cg__lambda_note_invocation(void)
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
