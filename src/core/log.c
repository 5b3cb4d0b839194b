/* Logging on stderr, one line per event, in one of two formats chosen once
 * at start-up (cg_log_init):
 *
 *   locally   2026-11-24T05:40:26.123Z INFO  message      (coloured on a terminal)
 *   Lambda    {"timestamp":"2026-11-24T05:40:26.123Z","level":"INFO","requestId":"...","message":"..."}
 *
 * JSON lines are what Lambda's JSON log format expects: CloudWatch indexes
 * their fields, and filters on "level". The threshold comes from LOG_LEVEL. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cgate/gateway.h"
#include "cgate/json.h"
#include "core/log_internal.h"

#define LINE_MAX_BYTES 2048

static enum cg_log_level threshold = CG_LOG_INFO;
static bool json_lines;
static bool colour;
/* The request being served by this thread (Lambda: the invocation), so that
 * every line a handler logs can be matched to its request. */
static _Thread_local char request_id[64];

static const struct {
    const char *name;  /* in LOG_LEVEL */
    const char *label; /* in text lines, padded */
    const char *json;  /* in JSON lines, as Lambda names levels */
    const char *colour;
} levels[] = {
    [CG_LOG_DEBUG] = { "debug", "DEBUG", "DEBUG", "\033[2m" },
    [CG_LOG_INFO] = { "info", "INFO ", "INFO", "\033[32m" },
    [CG_LOG_WARN] = { "warning", "WARN ", "WARN", "\033[33m" },
    [CG_LOG_ERROR] = { "error", "ERROR", "ERROR", "\033[31m" },
};

void cg_log_init(void)
{
    json_lines = cg_is_lambda();
    /* no-color.org: any non-empty NO_COLOR switches colour off. */
    const char *no_colour = getenv("NO_COLOR");
    colour = !json_lines && isatty(STDERR_FILENO) && !(no_colour && *no_colour);
    const char *env = getenv("LOG_LEVEL");
    if (!env || !*env)
        return;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
        if (strcasecmp(env, levels[i].name) == 0 || strncasecmp(env, levels[i].name, 4) == 0) {
            threshold = (enum cg_log_level)i;
            return;
        }
    cg_warn("LOG_LEVEL=%s is not one of debug, info, warning, error; using info", env);
}

bool log_is_json(void)
{
    return json_lines;
}

bool log_has_colour(void)
{
    return colour;
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

/* "2026-11-24T05:40:26.123Z" (24 bytes and a NUL) */
static size_t timestamp(char out[32])
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    return n + (size_t)snprintf(out + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

/* One write per line, so lines from several threads never interleave. */
static void write_line(const char *line, size_t len)
{
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void log_json_begin(struct cg_buf *b, enum cg_log_level level, cg_str id)
{
    char stamp[32];
    cg_buf_init(b, NULL);
    cg_buf_puts(b, "{\"timestamp\":\"");
    cg_buf_append(b, stamp, timestamp(stamp));
    cg_buf_printf(b, "\",\"level\":\"%s\"", levels[level].json);
    if (id.len) {
        cg_buf_puts(b, ",\"requestId\":");
        cg_json_escape(b, id);
    }
}

void log_json_end(struct cg_buf *b)
{
    cg_buf_append(b, "}\n", 2);
    write_line(b->data, b->len);
    cg_buf_free(b);
}

static void log_text(enum cg_log_level level, const char *fmt, va_list ap)
{
    char line[LINE_MAX_BYTES];
    size_t n = timestamp(line);
    n += (size_t)snprintf(line + n, sizeof line - n, " %s%s%s %s%s", colour ? levels[level].colour : "",
                          levels[level].label, colour ? "\033[0m" : "", request_id, request_id[0] ? " " : "");
    int m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    size_t len = n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2; /* truncated: a log line stays one line */
    line[len++] = '\n';
    write_line(line, len);
}

static void log_json(enum cg_log_level level, const char *fmt, va_list ap)
{
    char message[LINE_MAX_BYTES];
    int m = vsnprintf(message, sizeof message, fmt, ap);
    size_t len = m < 0 ? 0 : (size_t)m < sizeof message ? (size_t)m : sizeof message - 1;
    struct cg_buf b;
    log_json_begin(&b, level, cg_str_c(request_id));
    cg_buf_puts(&b, ",\"message\":");
    cg_json_escape(&b, (cg_str){ message, len }); /* a newline in it becomes \n: still one line */
    log_json_end(&b);
}

void cg_log(enum cg_log_level level, const char *fmt, ...)
{
    if (level < threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (json_lines)
        log_json(level, fmt, ap);
    else
        log_text(level, fmt, ap);
    va_end(ap);
}
