/* What log.c shares with the access log (access_log.c): the format chosen
 * at start-up and the pieces of a line. */
#ifndef CGATE_LOG_INTERNAL_H
#define CGATE_LOG_INTERNAL_H

#include "cgate/buf.h"
#include "cgate/log.h"

/* JSON lines (on Lambda), else plain text; colour only for text on a
 * terminal without NO_COLOR. */
bool cg__log_is_json(void);
bool cg__log_has_colour(void);
/* Whether cg_access_log writes anything (CG_ACCESS_LOG; log.c). */
bool cg__log_wants_access_lines(void);

/* While `into` is set (NULL stops it), the first error this thread logs is
 * also copied there: cg_app_start keeps the cause of a failed start-up with
 * the app (into[0] must be '\0' for it to be taken). */
void cg__log_capture(char *into, size_t len);

/* Open a JSON line in b (heap): {"timestamp":..,"level":..,"requestId":..
 * (requestId left out when empty); the caller adds its fields and calls
 * cg__log_json_end, which closes, writes and frees it. */
void cg__log_json_begin(struct cg_buf *b, enum cg_log_level level, cg_str request_id);
void cg__log_json_end(struct cg_buf *b);

#endif
