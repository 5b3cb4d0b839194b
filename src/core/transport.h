/* The core as the layers above it see it: what a transport (src/server,
 * src/lambda) and the entry point (src/main) may call beyond the public API
 * (include/cgate). The app's inside (app_internal.h and the headers of the
 * core's pieces) is not theirs; json_scan.h, the JSON reader, is shared by
 * every layer that reads JSON (events, tokens, AWS responses).
 *
 * One exchange, on every transport:
 *   1. a struct cg_request filled from the wire or the event in an arena
 *      (cg_request_prepare: method id, decoded path, query, cookies), and a
 *      response in the same arena (cg_response_init);
 *   2. a transport that has the head before the body may answer at once
 *      when cg_app_refuses_head() says the body cannot matter;
 *   3. cg_app_handle(): route, bind, validate, run the handler;
 *   4. a streamed response (res->stream.fn) goes out through
 *      cg__stream_run() into the transport's sink, or is collected into the
 *      body by cg__stream_buffer() where the transport buffers;
 *   5. the response sent: cg_access_log(), then cg_request_run_deferred().
 * A transport's own refusals (a malformed request, an oversized response)
 * answer in the framework's shape with cg__response_detail(). */
#ifndef CGATE_CORE_TRANSPORT_H
#define CGATE_CORE_TRANSPORT_H

#include "cgate/cgate.h"
#include "core/response_internal.h" /* cg__response_detail, cg__is_token */
#include "core/stream_internal.h"   /* cg__stream_run, cg__stream_buffer */
/* The entry point frees the compiled patterns when the app has stopped. */
#include "core/patterns.h"

/* Whether cg_access_log writes a line (CG_ACCESS_LOG on, and the threshold
 * lets INFO through; access_log.c): the Lambda runtime asks for the next
 * event with the response only when nothing is left to do after it. */
bool cg__access_log_writes(void);

#endif
