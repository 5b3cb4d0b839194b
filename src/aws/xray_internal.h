/* X-Ray inside the AWS client (xray.c): the trace header of each call and
 * a subsegment around it. */
#ifndef CGATE_AWS_XRAY_INTERNAL_H
#define CGATE_AWS_XRAY_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cgate/aws.h"
#include "cgate/xray.h"

struct xray_trace;

struct cg_xray_span {
    char id[17];                  /* 16 hex digits */
    char parent_id[17];
    char name[201];
    uint64_t start_us;            /* epoch microseconds */
    struct cg_xray_span *outer;   /* the innermost open span before this one */
    struct xray_trace *trace;     /* NULL: not traced (nothing to send) */
};

/* Open the subsegment of an AWS call of `service` (the signing name) when
 * the thread's request is traced; call->trace stays NULL otherwise. */
void cg__xray_call_begin(struct cg_xray_span *call, const char *service);
/* "X-Amzn-Trace-Id: ...\r\n" for the call: the call's subsegment as its
 * parent when traced, else the request's header as it came (Lambda's
 * _X_AMZN_TRACE_ID); nothing outside a request without one. */
void cg__xray_trace_header(const struct cg_xray_span *call, struct cg_buf *out);
/* Close and send the call's subsegment: the operation (from X-Amz-Target),
 * the region, the status and retries; answered false when no response came. */
void cg__xray_call_end(struct cg_xray_span *call, const struct cg_aws_request *req, const char *region,
                       const struct cg_aws_response *res, bool answered);

#endif
