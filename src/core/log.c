/* Logging on stderr: "2026-11-24T05:40:26.123Z INFO  message", coloured on a
 * terminal. The threshold comes from LOG_LEVEL once, at start-up. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cgate/log.h"

static enum cg_log_level threshold = CG_LOG_INFO;
static int colour = -1; /* -1: not decided yet */
/* Lambda: the invocation being served by this thread, so that every line a
 * handler logs can be matched to its request in CloudWatch. */
static _Thread_local char request_id[64];

static const struct {
    const char *name;
    const char *label;
    const char *colour;
} levels[] = {
    [CG_LOG_DEBUG] = { "debug", "DEBUG", "\033[2m" },
    [CG_LOG_INFO] = { "info", "INFO ", "\033[32m" },
    [CG_LOG_WARN] = { "warning", "WARN ", "\033[33m" },
    [CG_LOG_ERROR] = { "error", "ERROR", "\033[31m" },
};

void cg_log_init(void)
{
    const char *env = getenv("LOG_LEVEL");
    colour = isatty(STDERR_FILENO);
    if (!env || !*env)
        return;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strcasecmp(env, levels[i].name) == 0 || strncasecmp(env, levels[i].name, 4) == 0) {
            threshold = (enum cg_log_level)i;
            return;
        }
    fprintf(stderr, "cgate: LOG_LEVEL=%s is not one of debug, info, warning, error; using info\n", env);
}

void cg_log_set_request_id(cg_str id)
{
    size_t n = id.len < sizeof request_id - 1 ? id.len : sizeof request_id - 1;
    if (n)
        memcpy(request_id, id.ptr, n);
    request_id[n] = '\0';
}

enum cg_log_level cg_log_threshold(void)
{
    return threshold;
}

void cg_log(enum cg_log_level level, const char *fmt, ...)
{
    if (level < threshold)
        return;
    char line[2048];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03dZ %s%s%s %s%s", (int)(tv.tv_usec / 1000),
                  colour > 0 ? levels[level].colour : "", levels[level].label, colour > 0 ? "\033[0m" : "",
                  request_id, request_id[0] ? " " : "");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2; /* truncated: a log line stays one line */
    line[len++] = '\n';
    /* One write per line, so lines from several workers never interleave. */
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
