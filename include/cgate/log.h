/* Logging: one line per event on stderr; level from LOG_LEVEL
 * (debug, info, warning, error; default info). */
#ifndef CGATE_LOG_H
#define CGATE_LOG_H

#include "str.h"

enum cg_log_level { CG_LOG_DEBUG, CG_LOG_INFO, CG_LOG_WARN, CG_LOG_ERROR };

void cg_log_init(void);
enum cg_log_level cg_log_threshold(void);
/* The request id printed in this thread's log lines (Lambda: the invocation
 * id); an empty id clears it. Copied, at most 63 bytes. */
void cg_log_set_request_id(cg_str id);
void cg_log(enum cg_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cg_debug(...) cg_log(CG_LOG_DEBUG, __VA_ARGS__)
#define cg_info(...)  cg_log(CG_LOG_INFO, __VA_ARGS__)
#define cg_warn(...)  cg_log(CG_LOG_WARN, __VA_ARGS__)
#define cg_error(...) cg_log(CG_LOG_ERROR, __VA_ARGS__)

#endif
