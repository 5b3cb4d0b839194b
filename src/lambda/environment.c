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

extern char **environ;

static struct cg_lambda_env env;
static bool on_lambda;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;

/* What read_env takes from the environment. */
struct lambda_vars {
    const char *function_name, *runtime_api, *function_version, *region, *default_region, *log_group,
        *log_stream, *memory;
};

/* One pass over the environment rather than a getenv per variable: glibc's
 * getenv scans the whole environment (25 variables on Lambda) at each call.
 * As with getenv, the first of a name counts. */
static void read_lambda_vars(struct lambda_vars *v)
{
#define WANTED(name, field) { name, sizeof name - 1, &v->field }
    const struct {
        const char *name;
        size_t len;
        const char **value;
    } wanted[] = {
        WANTED("AWS_LAMBDA_FUNCTION_NAME", function_name),
        WANTED("AWS_LAMBDA_RUNTIME_API", runtime_api),
        WANTED("AWS_LAMBDA_FUNCTION_VERSION", function_version),
        WANTED("AWS_REGION", region),
        WANTED("AWS_DEFAULT_REGION", default_region),
        WANTED("AWS_LAMBDA_LOG_GROUP_NAME", log_group),
        WANTED("AWS_LAMBDA_LOG_STREAM_NAME", log_stream),
        WANTED("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory),
    };
#undef WANTED
    for (char **e = environ; e && *e; e++) {
        const char *entry = *e, *eq;
        if (entry[0] != 'A' || strncmp(entry, "AWS_", 4) != 0 || !(eq = strchr(entry, '=')))
            continue; /* every wanted name starts with AWS_ */
        size_t len = (size_t)(eq - entry);
        for (size_t i = 0; i < CG_LEN(wanted); i++) {
            if (!*wanted[i].value && wanted[i].len == len && memcmp(entry, wanted[i].name, len) == 0) {
                *wanted[i].value = eq + 1;
                break;
            }
        }
    }
}

/* An empty variable counts as unset. */
static const char *nonempty(const char *value)
{
    return value && *value ? value : NULL;
}

/* Lambda's name for the CPU: that of the build, which is the one a
 * bootstrap runs on, known without uname's system call. */
static const char *architecture(void)
{
#if defined(__aarch64__)
    return "arm64";
#elif defined(__x86_64__)
    return "x86_64";
#else
    static char machine[sizeof(((struct utsname *)0)->machine)];
    struct utsname u;
    if (uname(&u) != 0)
        return NULL;
    memcpy(machine, u.machine, sizeof machine);
    return machine;
#endif
}

static void read_env(void)
{
    struct lambda_vars v = { 0 };
    read_lambda_vars(&v);
    env.function_name = nonempty(v.function_name);
    on_lambda = env.function_name || nonempty(v.runtime_api);
    env.function_version = nonempty(v.function_version);
    env.region = nonempty(v.region) ? nonempty(v.region) : nonempty(v.default_region);
    env.log_group = nonempty(v.log_group);
    env.log_stream = nonempty(v.log_stream);
    env.architecture = architecture();
    const char *memory = nonempty(v.memory);
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
