/* cgate-local: the command line.
 *
 *   cgate-local start-api [options] -- BOOTSTRAP [ARGS]   a gateway on 127.0.0.1
 *   cgate-local invoke [--event FILE] -- BOOTSTRAP [ARGS] one event, the answer on stdout
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "local_internal.h"

static void usage(FILE *out)
{
    fputs("usage: cgate-local start-api [options] -- BOOTSTRAP [ARGS...]\n"
          "       cgate-local invoke [--event FILE|-] [--invoke-mode M] [--timeout S] [--memory MB]\n"
          "                          -- BOOTSTRAP [ARGS...]\n"
          "\n"
          "start-api serves HTTP on 127.0.0.1 as an API Gateway, function URL, ALB or VPC Lattice\n"
          "service in front of BOOTSTRAP, run as a Lambda custom runtime against a local Runtime\n"
          "API. invoke sends one event (default {}) through the same Runtime API and prints the\n"
          "function's answer.\n"
          "\n"
          "options:\n"
          "  --format F       rest | http | function-url | alb | lattice-v1 | lattice-v2 (default http)\n"
          "  --stage NAME     rest, http: the stage; the API is then at http://127.0.0.1:PORT/NAME/\n"
          "                   (without it: at the root, with stage prod (rest) or $default (http))\n"
          "  --multi-value    alb: the target group has multi-value headers on\n"
          "  --invoke-mode M  function-url, rest: buffered (default) | response_stream: answers are\n"
          "                   relayed as the function streams them (CG_INVOKE_MODE=response_stream)\n"
          "  --port P         port (default 3000; 0 picks a free one)\n"
          "  --timeout S      the function's timeout in seconds (default 3)\n"
          "  --memory MB      the function's memory size (default 128)\n"
          "  --event FILE     invoke: the event file, - for stdin\n",
          out);
}

static const char *const format_names[] = {
    [FMT_REST] = "rest",
    [FMT_HTTP] = "http",
    [FMT_FUNCTION_URL] = "function-url",
    [FMT_ALB] = "alb",
    [FMT_LATTICE_V1] = "lattice-v1",
    [FMT_LATTICE_V2] = "lattice-v2",
};

static int parse_format(const char *text, enum gw_format *out)
{
    for (size_t i = 0; i < CG_LEN(format_names); i++)
        if (text && strcmp(text, format_names[i]) == 0) {
            *out = (enum gw_format)i;
            return 0;
        }
    fprintf(stderr, "cgate-local: --format must be rest, http, function-url, alb, lattice-v1 or lattice-v2\n");
    return -1;
}

static int parse_invoke_mode(const char *text, bool *response_stream)
{
    if (text && (strcmp(text, "buffered") == 0 || strcmp(text, "response_stream") == 0)) {
        *response_stream = strcmp(text, "response_stream") == 0;
        return 0;
    }
    fprintf(stderr, "cgate-local: --invoke-mode must be buffered or response_stream\n");
    return -1;
}

static int parse_number(const char *flag, const char *text, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = text ? strtol(text, &end, 10) : 0;
    if (!text || !*text || *end || errno || v < min || v > max) {
        fprintf(stderr, "cgate-local: %s must be a whole number from %ld to %ld\n", flag, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Options up to "--" (or the first word that is not one), then the command. */
static int parse_args(int argc, char **argv, struct local_opts *o, const char **event_file)
{
    int i = 2;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(flag, "--") == 0) {
            i++;
            break;
        } else if (strcmp(flag, "--multi-value") == 0) {
            o->multi_value = true;
            continue;
        } else if (strcmp(flag, "--format") == 0) {
            if (parse_format(value, &o->format) != 0)
                return -1;
        } else if (strcmp(flag, "--invoke-mode") == 0) {
            if (parse_invoke_mode(value, &o->response_stream) != 0)
                return -1;
        } else if (strcmp(flag, "--stage") == 0 && value && *value) {
            o->stage = value;
        } else if (strcmp(flag, "--event") == 0 && value) {
            *event_file = value;
        } else if (strcmp(flag, "--port") == 0) {
            if (parse_number(flag, value, 0, 65535, &n) != 0)
                return -1;
            o->port = (int)n;
        } else if (strcmp(flag, "--timeout") == 0) {
            if (parse_number(flag, value, 1, 900, &n) != 0)
                return -1;
            o->timeout_s = (unsigned)n;
        } else if (strcmp(flag, "--memory") == 0) {
            if (parse_number(flag, value, 128, 10240, &n) != 0)
                return -1;
            o->memory_mb = (unsigned)n;
        } else {
            fprintf(stderr, "cgate-local: unknown option or missing value: %s\n", flag);
            return -1;
        }
        i++; /* the value */
    }
    if (i >= argc) {
        fprintf(stderr, "cgate-local: no BOOTSTRAP given (after --)\n");
        return -1;
    }
    o->command = argv + i;
    const char *slash = strrchr(argv[i], '/');
    snprintf(o->function_name, sizeof o->function_name, "%s", slash ? slash + 1 : argv[i]);
    return 0;
}

/* API Gateway's rule for stage names: letters, digits, '-' and '_'. */
static bool valid_stage_name(const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
            return false;
    return len > 0 && len <= MAX_STAGE_NAME;
}

/* Stages exist for API Gateway only; function URLs have $default alone. A
 * stage given with --stage is part of the URLs, as on execute-api; without
 * it the API is served at the root, like a custom domain mapped to a stage. */
static int settle_stage(struct local_opts *o)
{
    bool api_gateway = o->format == FMT_REST || o->format == FMT_HTTP;
    if (!api_gateway && o->stage) {
        fprintf(stderr, "cgate-local: --stage does not apply to --format %s: it has no stages\n",
                format_names[o->format]);
        return -1;
    }
    bool http_default = o->format == FMT_HTTP && o->stage && strcmp(o->stage, "$default") == 0;
    if (o->stage && !http_default) {
        if (!valid_stage_name(o->stage)) {
            fprintf(stderr, "cgate-local: --stage %s: a stage name has 1 to %d letters, digits, - or _%s\n",
                    o->stage, MAX_STAGE_NAME, o->format == FMT_HTTP ? " (or is $default)" : "");
            return -1;
        }
        snprintf(o->mount, sizeof o->mount, "/%s", o->stage);
    }
    if ((api_gateway || o->format == FMT_FUNCTION_URL) && !o->stage)
        o->stage = o->format == FMT_REST ? "prod" : "$default";
    return 0;
}

/* Only function URLs and REST APIs (responseTransferMode STREAM) relay a
 * streamed response; `invoke` has no gateway and takes any event. */
static int check_invoke_mode(const struct local_opts *o, bool start)
{
    if (!start || !o->response_stream || o->format == FMT_FUNCTION_URL || o->format == FMT_REST)
        return 0;
    fprintf(stderr, "cgate-local: --invoke-mode response_stream does not apply to --format %s: only function URLs "
                    "and REST APIs stream responses\n",
            format_names[o->format]);
    return -1;
}

/* ---- start-api ---- */

struct running {
    uv_signal_t sigint, sigterm;
    struct function *fn;
};

static void on_stop_signal(uv_signal_t *sig, int signo)
{
    struct running *r = sig->data;
    (void)signo;
    gateway_stop();
    function_free(r->fn);
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
}

static int start_api(uv_loop_t *loop, struct local_opts *o)
{
    struct running r = { .fn = function_new(loop, o) };
    int port = r.fn ? gateway_start(loop, o, r.fn) : -1;
    if (port < 0)
        return 1;
    fprintf(stderr, "cgate-local: %s gateway%s%s%s in front of %s; listening on http://127.0.0.1:%d%s%s\n",
            format_names[o->format], o->stage ? ", stage " : "", o->stage ? o->stage : "",
            o->response_stream ? ", streamed responses" : "", o->command[0], port, *o->mount ? ", the API under " : "",
            o->mount);
    uv_signal_init(loop, &r.sigint);
    uv_signal_init(loop, &r.sigterm);
    r.sigint.data = r.sigterm.data = &r;
    uv_signal_start(&r.sigint, on_stop_signal, SIGINT);
    uv_signal_start(&r.sigterm, on_stop_signal, SIGTERM);
    uv_run(loop, UV_RUN_DEFAULT);
    return 0;
}

/* ---- invoke ---- */

struct invoking {
    struct function *fn;
    struct prelude_reader prelude; /* of a streamed answer */
    bool refused;                  /* ...which had no prelude in its first 16 KB */
    int status;
};

/* A streamed answer as the gateway delivers it: the prelude on a line of
 * its own, then the body's bytes, each chunk as soon as it comes. */
static void print_stream(struct invocation *inv, cg_str bytes)
{
    struct invoking *run = inv->data;
    if (run->refused)
        return;
    if (!run->prelude.done) {
        cg_str prelude;
        enum prelude_state state = prelude_feed(&run->prelude, bytes, &prelude, &bytes);
        if (state == PRELUDE_MORE)
            return;
        if (state == PRELUDE_TOO_LONG) {
            fprintf(stderr, "cgate-local: the stream has no prelude and eight NULs within its first 16 KB\n");
            run->refused = true;
            return;
        }
        fwrite(prelude.ptr, 1, prelude.len, stdout);
        fputc('\n', stdout);
    }
    fwrite(bytes.ptr, 1, bytes.len, stdout);
    fflush(stdout);
}

/* Exit 0 when the function answered (whatever the status), 1 when it
 * failed, its stream included: then the body printed is incomplete. */
static void print_answer(struct invocation *inv, enum outcome outcome, cg_str body)
{
    struct invoking *run = inv->data;
    static const char *const failures[] = {
        [OUT_TOO_LARGE] = "the response was over Lambda's 6 MB limit",
        [OUT_CRASH] = "the bootstrap exited before its answer was complete",
        [OUT_TIMEOUT] = "the function timed out",
    };
    if (outcome == OUT_RESPONSE || outcome == OUT_ERROR) {
        fwrite(body.ptr, 1, body.len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
    } else if (outcome == OUT_STREAM_FAILED) {
        fprintf(stderr, "cgate-local: the stream failed: %.*s\n", (int)body.len, body.ptr);
    } else if (outcome == OUT_STREAMED) {
        if (!run->prelude.done && !run->refused)
            fprintf(stderr, "cgate-local: the stream ended before its prelude did\n");
    } else {
        fprintf(stderr, "cgate-local: %s\n", failures[outcome]);
    }
    bool answered = outcome == OUT_RESPONSE || (outcome == OUT_STREAMED && run->prelude.done);
    run->status = answered ? 0 : 1;
    function_free(run->fn); /* the loop ends once everything is closed */
}

static int read_event(const char *path, struct cg_buf *out)
{
    if (!path) {
        cg_buf_puts(out, "{}");
        return 0;
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cgate-local: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n;
    while ((n = fread(cg_buf_reserve(out, 65536), 1, 65536, f)) > 0)
        out->len += n;
    bool failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (failed)
        fprintf(stderr, "cgate-local: cannot read %s\n", path);
    return failed ? -1 : 0;
}

static int invoke(uv_loop_t *loop, const struct local_opts *o, const char *event_file)
{
    struct invoking run = { .fn = function_new(loop, o), .status = 1 };
    if (!run.fn)
        return 1;
    prelude_init(&run.prelude, NULL);
    struct invocation *inv = cg_xmalloc(sizeof *inv);
    *inv = (struct invocation){ .on_stream = print_stream, .done = print_answer, .data = &run };
    local_uuid(inv->id);
    cg_buf_init(&inv->event, NULL);
    if (read_event(event_file, &inv->event) == 0) {
        function_invoke(run.fn, inv);
    } else {
        cg_buf_free(&inv->event);
        free(inv);
        function_free(run.fn);
    }
    uv_run(loop, UV_RUN_DEFAULT);
    cg_buf_free(&run.prelude.seen);
    return run.status;
}

int main(int argc, char **argv)
{
    struct local_opts o = { .format = FMT_HTTP, .port = 3000, .timeout_s = 3, .memory_mb = 128 };
    const char *event_file = NULL;
    bool start = argc > 1 && strcmp(argv[1], "start-api") == 0;
    bool once = argc > 1 && strcmp(argv[1], "invoke") == 0;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(stdout);
        return 0;
    }
    if ((!start && !once) || parse_args(argc, argv, &o, &event_file) != 0 || settle_stage(&o) != 0 ||
        check_invoke_mode(&o, start) != 0) {
        if (!start && !once)
            usage(stderr);
        return 2;
    }
    cg_log_init(CG_LOG_TEXT);
    signal(SIGPIPE, SIG_IGN); /* a client that leaves is an error on its socket */
    uv_loop_t *loop = uv_default_loop();
    int rc = start ? start_api(loop, &o) : invoke(loop, &o, event_file);
    uv_loop_close(loop);
    return rc;
}
