/* What response.c offers the core and the transports beyond
 * cgate/response.h: the framework's own error body, and the token rule of
 * header names and methods. */
#ifndef CGATE_CORE_RESPONSE_INTERNAL_H
#define CGATE_CORE_RESPONSE_INTERNAL_H

#include <stdbool.h>

#include "cgate/response.h"

/* {"detail": "..."} with this status, replacing whatever the response held. */
void cg__response_detail(struct cg_response *res, int status, const char *detail);
/* An HTTP token (RFC 9110 §5.6.2): a header name, a method. */
bool cg__is_token(cg_str s);

#endif
