/* Logging on stderr, one line per event, in one of two formats chosen once
 * at start-up (cg_log_init):
 *
 *   locally   2026-11-24T05:40:26.123Z INFO  message      (coloured on a terminal)
 *   Lambda    {"timestamp":"2026-11-24T05:40:26.123Z","level":"INFO","requestId":"...","message":"..."}
 *
 * JSON lines are what Lambda's JSON log format expects: CloudWatch indexes
 * their fields, and filters on "level". The threshold comes from LOG_LEVEL,
 * else AWS_LAMBDA_LOG_LEVEL. */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "cgate/json.h"
#include "core/log_internal.h"

#define LINE_MAX_BYTES 2048

static enum cg_log_level threshold = CG_LOG_INFO;
static bool json_lines;
static bool colour;
static bool access_lines;
/* The request being served by this thread (Lambda: the invocation), so that
 * every line a handler logs can be matched to its request. Room for the
 * longest invocation id the Lambda runtime accepts (1 KB). */
static _Thread_local char request_id[1024];
/* The first error logged: when start-up fails it is the cause, which
 * /init/error reports (src/main/main.c); the lines after it only add what failed
 * with it ("start-up hook failed"). Written once, by whichever thread
 * logs it. */
static char first_error[LINE_MAX_BYTES];
static atomic_flag first_error_taken = ATOMIC_FLAG_INIT;
/* Where this thread also keeps its first error while cg__log_capture is on. */
static _Thread_local char *capture;
static _Thread_local size_t capture_len;

static const struct {
    const char *label; /* in text lines, padded */
    const char *json;  /* in JSON lines, as Lambda names levels */
    const char *colour;
} levels[] = {
    [CG_LOG_DEBUG] = { "DEBUG", "DEBUG", "\033[2m" },
    [CG_LOG_INFO] = { "INFO ", "INFO", "\033[32m" },
    [CG_LOG_WARN] = { "WARN ", "WARN", "\033[33m" },
    [CG_LOG_ERROR] = { "ERROR", "ERROR", "\033[31m" },
};

/* A level named as LOG_LEVEL or Lambda's AWS_LAMBDA_LOG_LEVEL names them:
 * debug, info, warn[ing], error, any case; Lambda's TRACE and FATAL map to
 * the nearest. -1 for anything else. */
static int parse_level(const char *name)
{
    static const struct {
        const char *name;
        enum cg_log_level level;
    } names[] = {
        { "trace", CG_LOG_DEBUG }, { "debug", CG_LOG_DEBUG }, { "info", CG_LOG_INFO }, { "warn", CG_LOG_WARN },
        { "warning", CG_LOG_WARN }, { "error", CG_LOG_ERROR }, { "fatal", CG_LOG_ERROR },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0)
            return (int)names[i].level;
    return -1;
}

/* LOG_LEVEL, else the application log level of Lambda's advanced logging
 * controls, else info. */
static void read_threshold(void)
{
    const char *setting = "LOG_LEVEL";
    const char *value = getenv(setting);
    if (!value || !*value) {
        setting = "AWS_LAMBDA_LOG_LEVEL";
        value = getenv(setting);
    }
    if (!value || !*value)
        return;
    int level = parse_level(value);
    if (level >= 0)
        threshold = (enum cg_log_level)level;
    else
        cg_warn("%s=%s is not one of debug, info, warning, error; using info", setting, value);
}

/* Access lines are on locally and off on Lambda, where each invocation
 * already has Lambda's REPORT line and the gateway's access log, and a third
 * line would be billed at CloudWatch's ingestion price (300 bytes a request
 * cost about three quarters of Lambda's own request fee) and cost a write;
 * CG_ACCESS_LOG=on or off decides instead. */
static void read_access_setting(void)
{
    access_lines = !json_lines;
    const char *value = getenv("CG_ACCESS_LOG");
    if (!value || !*value)
        return;
    if (strcasecmp(value, "on") == 0 || strcmp(value, "1") == 0)
        access_lines = true;
    else if (strcasecmp(value, "off") == 0 || strcmp(value, "0") == 0)
        access_lines = false;
    else
        cg_warn("CG_ACCESS_LOG=%s is not on or off; access lines stay %s", value, access_lines ? "on" : "off");
}

void cg_log_init(enum cg_log_format format)
{
    json_lines = format == CG_LOG_JSON;
    /* no-color.org: any non-empty NO_COLOR switches colour off. (JSON lines
     * have none: a Lambda start-up is spared the getenv.) */
    colour = !json_lines && isatty(STDERR_FILENO);
    const char *no_colour = colour ? getenv("NO_COLOR") : NULL;
    colour = colour && !(no_colour && *no_colour);
    read_threshold();
    read_access_setting();
}

bool cg__log_is_json(void)
{
    return json_lines;
}

bool cg__log_has_colour(void)
{
    return colour;
}

bool cg__log_wants_access_lines(void)
{
    return access_lines;
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

/* The Gregorian date of a day counted from 1970-01-01 (days_from_civil,
 * inverted: eras of 400 years that start on a 1 March). gmtime_r would do,
 * but glibc's reads the time zone file on its first call, which would add
 * an open, two reads and a close to every cold start that logs. */
static void civil_date(int64_t days, int *year, int *month, int *day)
{
    days += 719468; /* days from 0000-03-01 to 1970-01-01 */
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;
    *day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    *month = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    *year = (int)(year_of_era + era * 400 + (*month <= 2));
}

/* v as n decimal digits, zero-padded, at out; the end. */
static char *put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    return out + n;
}

/* "2026-11-24T05:40:26.123Z" (24 bytes and a NUL), in UTC, for the years
 * 0 to 9999. Written digit by digit: snprintf's seven conversions cost ten
 * times as much, at each line, the first of which is in the cold start. */
static size_t timestamp(char out[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    int64_t days = tv.tv_sec / 86400, second = tv.tv_sec % 86400;
    if (second < 0) /* before 1970: round the day down */
        second += 86400, days--;
    int year, month, day;
    civil_date(days, &year, &month, &day);
    const struct {
        unsigned value;
        int digits;
        char after;
    } fields[] = {
        { (unsigned)year, 4, '-' },
        { (unsigned)month, 2, '-' },
        { (unsigned)day, 2, 'T' },
        { (unsigned)(second / 3600), 2, ':' },
        { (unsigned)(second / 60 % 60), 2, ':' },
        { (unsigned)(second % 60), 2, '.' },
        { (unsigned)(tv.tv_usec / 1000), 3, 'Z' },
    };
    char *p = out;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        p = put_digits(p, fields[i].value, fields[i].digits);
        *p++ = fields[i].after;
    }
    *p = '\0';
    return (size_t)(p - out);
}

/* One write per line, so lines from several threads never interleave. */
static void write_line(const char *line, size_t len)
{
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void cg__log_json_begin(struct cg_buf *b, enum cg_log_level level, cg_str id)
{
    char stamp[32];
    cg_buf_init(b, NULL);
    cg_buf_puts(b, "{\"timestamp\":\"");
    cg_buf_append(b, stamp, timestamp(stamp));
    cg_buf_puts(b, "\",\"level\":\"");
    cg_buf_puts(b, levels[level].json);
    cg_buf_putc(b, '"');
    if (id.len) {
        cg_buf_puts(b, ",\"requestId\":");
        cg_json_escape(b, id);
    }
}

void cg__log_json_end(struct cg_buf *b)
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
    cg__log_json_begin(&b, level, cg_str_c(request_id));
    cg_buf_puts(&b, ",\"message\":");
    cg_json_escape(&b, (cg_str){ message, len }); /* a newline in it becomes \n: still one line */
    cg__log_json_end(&b);
}

const char *cg_log_first_error(void)
{
    return first_error;
}

void cg__log_capture(char *into, size_t len)
{
    capture = into;
    capture_len = len;
}

static void keep(char *into, size_t len, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    vsnprintf(into, len, fmt, copy);
    va_end(copy);
}

static void keep_first_error(const char *fmt, va_list ap)
{
    if (capture && capture[0] == '\0')
        keep(capture, capture_len, fmt, ap);
    if (!atomic_flag_test_and_set(&first_error_taken))
        keep(first_error, sizeof first_error, fmt, ap);
}

void cg_log(enum cg_log_level level, const char *fmt, ...)
{
    if (level < threshold)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (level == CG_LOG_ERROR)
        keep_first_error(fmt, ap);
    if (json_lines)
        log_json(level, fmt, ap);
    else
        log_text(level, fmt, ap);
    va_end(ap);
}
