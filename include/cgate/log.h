/* Logging: one line per event on stderr; level from LOG_LEVEL, else
 * AWS_LAMBDA_LOG_LEVEL (debug, info, warning, error; default info). Locally a readable line,
 * coloured on a terminal unless NO_COLOR is set; on Lambda one JSON object
 * per line: {"timestamp","level","requestId","message"}. The program
 * chooses the format once, before anything logs: cg_main passes
 * CG_LOG_JSON when cg_is_lambda(). */
#ifndef CGATE_LOG_H
#define CGATE_LOG_H

#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cg_log_level { CG_LOG_DEBUG, CG_LOG_INFO, CG_LOG_WARN, CG_LOG_ERROR };

enum cg_log_format { CG_LOG_TEXT, CG_LOG_JSON };

void cg_log_init(enum cg_log_format format);
enum cg_log_level cg_log_threshold(void);
/* The request id printed in this thread's log lines (Lambda: the invocation
 * id); an empty id clears it. Copied, at most 1023 bytes. */
void cg_log_set_request_id(cg_str id);
void cg_log(enum cg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of the first error the process logged, "" before any: after
 * a failed start-up, its cause (cg_main reports it to Lambda's /init/error). */
const char *cg_log_first_error(void);

/* The access log line of one answered request, at level info, written when
 * access lines are on (CG_ACCESS_LOG=on|off; by default on locally, off on
 * Lambda): locally
 *   ADDR:PORT "METHOD PATH" STATUS BYTES DURATIONms   (status coloured by class)
 * on Lambda a JSON object with timestamp, level, requestId, traceId (the
 * Root= part of the X-Ray header), message, method, path, status, duration
 * (ms), bytes and sourceIp. The path is raw_path, without the query string;
 * no header, cookie or query value is ever logged, so credentials sent in
 * any of them stay out of the logs. */
struct cg_request;
void cg_access_log(const struct cg_request *req, int status, size_t bytes, double duration_ms);

#define cg_debug(...) cg_log(CG_LOG_DEBUG, __VA_ARGS__)
#define cg_info(...)  cg_log(CG_LOG_INFO, __VA_ARGS__)
#define cg_warn(...)  cg_log(CG_LOG_WARN, __VA_ARGS__)
#define cg_error(...) cg_log(CG_LOG_ERROR, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif
