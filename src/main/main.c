/* The entry point around an app (cg_main): `APP [serve] [options]`,
 * `APP invoke [FILE|-]`, `APP openapi`, `APP --help`. It picks the
 * transport: the Runtime API loop when AWS_LAMBDA_RUNTIME_API is set, else
 * the local server; and it tells the log its format before anything logs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/transport.h"

static void usage(FILE *out, const char *prog, const struct cg_app *app)
{
    fprintf(out,
            "%s — %s %s (cgate " CG_VERSION ")\n"
            "\n"
            "usage: %s [serve] [options]\n"
            "       %s invoke [FILE|-]\n"
            "       %s openapi\n"
            "\n"
            "commands:\n"
            "  serve                 run the HTTP server (the default)\n"
            "  invoke [FILE|-]       run one Lambda event (API Gateway, function URL, ALB, VPC Lattice)\n"
            "                        through the app; the response JSON on stdout\n"
            "  openapi               print the OpenAPI document (JSON) and exit\n"
            "\n"
            "options:\n"
            "  --host H              address to listen on ($HOST, default 127.0.0.1)\n"
            "  --port P              port ($PORT, default 8000; 0 picks a free one)\n"
            "  --workers N           worker threads ($WORKERS, default: one per core)\n"
            "  --max-body BYTES      largest request body (default 6291456, as Lambda)\n"
            "  --max-header BYTES    largest request line + headers (default 16384)\n"
            "  --max-connections N   open connections per worker (default 10000)\n"
            "  --header-timeout MS   time to receive the headers (default 10000)\n"
            "  --body-timeout MS     time between body reads (default 30000)\n"
            "  --max-body-memory BYTES  request input buffered by all connections\n"
            "                        together; bodies past it get 503 (default 268435456)\n"
            "  --min-body-rate BYTES  bytes/s a body must average once its first\n"
            "                        --body-timeout has passed (default 1024)\n"
            "  --idle-timeout MS     keep-alive idle time (default 5000)\n"
            "  --blocking-threads N  threads running the routes declared blocking, for all\n"
            "                        workers together (default 40)\n"
            "  --blocking-queue N    blocking requests waiting for a thread; past it they\n"
            "                        get 503 with Retry-After (default 256)\n"
            "  --quiet               no access log\n"
            "  -h, --help            this text\n"
            "\n"
            "environment: LOG_LEVEL (debug, info, warning, error); CG_BASE_PATH (a path prefix\n"
            "stripped from Lambda events); with AWS_LAMBDA_RUNTIME_API set, the app runs as a\n"
            "Lambda custom runtime\n",
            prog, cg_app_options(app)->title, cg_app_options(app)->version, prog, prog, prog);
}

/* A whole decimal number in [min, max]; otherwise a message naming the
 * setting, and -1. */
static int parse_number(const char *setting, const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = text ? strtoll(text, &end, 10) : 0;
    if (!text || !*text || *end || errno || v < min || v > max) {
        fprintf(stderr, "error: %s must be a whole number from %lld to %lld (got \"%s\")\n", setting, min, max,
                text ? text : "");
        return -1;
    }
    *out = v;
    return 0;
}

struct option_def {
    const char *flag;
    const char *env;
    long long min, max;
    size_t offset; /* into struct cg_serve_opts */
    int size;      /* sizeof the field; 0 for a string */
};

#define OPT_NUM(flag, env, min, max, field) \
    { flag, env, min, max, offsetof(struct cg_serve_opts, field), sizeof(((struct cg_serve_opts *)0)->field) }

static const struct option_def options[] = {
    { "--host", "HOST", 0, 0, offsetof(struct cg_serve_opts, host), 0 },
    OPT_NUM("--port", "PORT", 0, 65535, port),
    OPT_NUM("--workers", "WORKERS", 0, 256, workers),
    OPT_NUM("--max-body", NULL, 1, 1LL << 32, max_body),
    OPT_NUM("--max-header", NULL, 1024, 1 << 20, max_header),
    OPT_NUM("--max-connections", NULL, 1, 1000000, max_connections),
    OPT_NUM("--header-timeout", NULL, 1, 3600000, header_timeout_ms),
    OPT_NUM("--body-timeout", NULL, 1, 3600000, body_timeout_ms),
    OPT_NUM("--max-body-memory", NULL, 1 << 20, 1LL << 40, max_body_memory),
    OPT_NUM("--min-body-rate", NULL, 1, 1 << 30, min_body_rate),
    OPT_NUM("--idle-timeout", NULL, 1, 3600000, idle_timeout_ms),
    OPT_NUM("--blocking-threads", NULL, 1, 1024, blocking_threads),
    OPT_NUM("--blocking-queue", NULL, 1, 1000000, blocking_queue),
};

static int set_option(struct cg_serve_opts *opts, const struct option_def *def, const char *setting,
                      const char *value)
{
    char *field = (char *)opts + def->offset;
    if (def->size == 0) {
        if (!value || !*value) {
            fprintf(stderr, "error: %s needs a value\n", setting);
            return -1;
        }
        *(const char **)field = value;
        return 0;
    }
    long long v;
    if (parse_number(setting, value, def->min, def->max, &v) != 0)
        return -1;
    if (def->size == sizeof(int))
        *(int *)field = (int)v;
    else
        *(size_t *)field = (size_t)v;
    return 0;
}

static const struct option_def *find_option(const char *flag)
{
    for (size_t i = 0; i < CG_LEN(options); i++)
        if (strcmp(options[i].flag, flag) == 0)
            return &options[i];
    return NULL;
}

static int options_from_env(struct cg_serve_opts *opts)
{
    for (size_t i = 0; i < CG_LEN(options); i++) {
        const char *value = options[i].env ? getenv(options[i].env) : NULL;
        if (value && *value && set_option(opts, &options[i], options[i].env, value) != 0)
            return -1;
    }
    return 0;
}

/* Returns 0 to run, 1 when --help was shown, -1 on a bad command line. */
static int parse_serve_args(int argc, char **argv, struct cg_serve_opts *opts)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "serve") == 0 && i == 1)
            continue;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
            return 1;
        if (strcmp(arg, "--quiet") == 0) {
            opts->quiet = true;
            continue;
        }
        const char *eq = strchr(arg, '=');
        char flag[32];
        snprintf(flag, sizeof flag, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        const struct option_def *def = find_option(flag);
        if (!def) {
            fprintf(stderr, "error: unknown %s \"%s\" (try --help)\n", arg[0] == '-' ? "option" : "command", arg);
            return -1;
        }
        const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (set_option(opts, def, flag, value) != 0)
            return -1;
    }
    return 0;
}

/* Why the app cannot run: the first error of its set-up (which main() may
 * have ignored) or of its start-up. */
static const char *failure_of(const struct cg_app *app)
{
    const char *why = cg_app_error(app);
    return why ? why : cg_log_first_error();
}

/* Start the app, or log why it cannot start and return -1. */
static int start(struct cg_app *app, const char *prog)
{
    if (cg_app_start(app) == 0)
        return 0;
    cg_error("%s: start-up failed: %s", prog, failure_of(app));
    return -1;
}

/* The Lambda loop, or `invoke` (one event through the same path). A failed
 * start-up is reported to the Runtime API before exiting (runtime-api.md §5),
 * with its cause. */
static int run_lambda(struct cg_app *app, const char *prog, bool invoke, const char *event_file)
{
    if (start(app, prog) != 0) {
        if (!invoke)
            cg_lambda_init_error(failure_of(app));
        return 1;
    }
    int rc = invoke ? cg_lambda_invoke(app, event_file) : cg_lambda_run(app);
    cg_app_stop(app);
    cg__patterns_free();
    return rc;
}

/* The document without running the start-up hook: no store is opened. */
static int print_openapi(struct cg_app *app, const char *prog)
{
    cg_str doc = cg_app_openapi(app);
    if (!doc.ptr) {
        cg_error("%s: no document: %s", prog, failure_of(app));
        return 1;
    }
    fwrite(doc.ptr, 1, doc.len, stdout);
    putchar('\n');
    cg__patterns_free();
    return fflush(stdout) == 0 ? 0 : 1;
}

int cg_main(struct cg_app *app, int argc, char **argv)
{
    cg_log_init(cg_is_lambda() ? CG_LOG_JSON : CG_LOG_TEXT);
    const char *prog = argc > 0 ? argv[0] : "app";
    if (getenv("AWS_LAMBDA_RUNTIME_API"))
        return run_lambda(app, prog, false, NULL);
    if (argc > 1 && strcmp(argv[1], "invoke") == 0) {
        if (argc > 3) {
            fprintf(stderr, "usage: %s invoke [FILE|-]\n", prog);
            return 2;
        }
        return run_lambda(app, prog, true, argc > 2 ? argv[2] : NULL);
    }
    if (argc == 2 && strcmp(argv[1], "openapi") == 0)
        return print_openapi(app, prog);
    struct cg_serve_opts opts = { .port = 8000 };
    if (options_from_env(&opts) != 0)
        return 2;
    int rc = parse_serve_args(argc, argv, &opts);
    if (rc > 0) {
        usage(stdout, prog, app);
        return 0;
    }
    if (rc < 0)
        return 2;
    if (start(app, prog) != 0)
        return 1;
    rc = cg_serve(app, &opts);
    cg_app_stop(app);
    cg__patterns_free();
    return rc == 0 ? 0 : 1;
}
