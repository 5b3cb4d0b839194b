/* The access log (cgate/log.h), one formatter for both transports. It reads
 * only the method, the path without its query, the status and where the
 * request came from: never a header, a cookie or a query value, which is
 * what keeps tokens and API keys out of the logs. */
#include <stdint.h>

#include "cgate/json.h"
#include "cgate/request.h"
#include "core/log_internal.h"
#include "core/transport.h"

/* Green 2xx, cyan 3xx, yellow 4xx, red 5xx (and anything else). */
static const char *status_colour(int status)
{
    switch (status / 100) {
    case 2: return "\033[32m";
    case 3: return "\033[36m";
    case 4: return "\033[33m";
    default: return "\033[31m";
    }
}

/* The trace id of an X-Ray header "Root=1-...;Parent=...;Sampled=1": its
 * Root field, which names the whole trace (Parent is only this segment). */
static cg_str trace_root(cg_str header)
{
    static const cg_str none = { NULL, 0 };
    for (size_t i = 0; i + 5 <= header.len; i++) {
        if ((i == 0 || header.ptr[i - 1] == ';') && memcmp(header.ptr + i, "Root=", 5) == 0) {
            size_t end = i + 5;
            while (end < header.len && header.ptr[end] != ';')
                end++;
            return (cg_str){ header.ptr + i + 5, end - i - 5 };
        }
    }
    return none;
}

static void put_str(struct cg_buf *b, const char *key, cg_str value)
{
    cg_buf_puts(b, key);
    cg_json_escape(b, value);
}

static void access_json(const struct cg_request *req, cg_str path, int status, size_t bytes, double ms)
{
    struct cg_buf b;
    cg__log_json_begin(&b, CG_LOG_INFO, req->request_id);
    cg_str trace = trace_root(req->trace_id);
    if (trace.len)
        put_str(&b, ",\"traceId\":", trace);
    /* The message repeats the essentials for consoles that show only it. */
    struct cg_buf msg;
    cg_buf_init(&msg, NULL);
    cg_buf_printf(&msg, "%.*s %.*s %d %.2fms", (int)req->method.len, req->method.ptr, (int)path.len, path.ptr, status,
                  ms);
    put_str(&b, ",\"message\":", cg_buf_str(&msg));
    cg_buf_free(&msg);
    put_str(&b, ",\"method\":", req->method);
    put_str(&b, ",\"path\":", path);
    cg_buf_printf(&b, ",\"status\":%d,\"duration\":%.3f,\"bytes\":%zu", status, ms, bytes);
    if (req->client_addr.len)
        put_str(&b, ",\"sourceIp\":", req->client_addr);
    cg__log_json_end(&b);
}

bool cg__access_log_writes(void)
{
    return cg__log_wants_access_lines() && cg_log_threshold() <= CG_LOG_INFO;
}

void cg_access_log(const struct cg_request *req, int status, size_t bytes, double duration_ms)
{
    if (!cg__access_log_writes())
        return;
    cg_str path = req->raw_path.len ? req->raw_path : req->path;
    if (cg__log_is_json()) {
        access_json(req, path, status, bytes, duration_ms);
        return;
    }
    bool colour = cg__log_has_colour();
    cg_info("%.*s:%u \"%.*s %.*s\" %s%d%s %zu %.2fms", (int)req->client_addr.len, req->client_addr.ptr,
            req->client_port, (int)req->method.len, req->method.ptr, (int)path.len, path.ptr,
            colour ? status_colour(status) : "", status, colour ? "\033[0m" : "", bytes, duration_ms);
}
