/* The request the calling thread is handling (cg_request_current), kept by
 * the core around the app's code: cg_app_handle, a stream function, deferred
 * work. */
#ifndef CGATE_CORE_REQUEST_INTERNAL_H
#define CGATE_CORE_REQUEST_INTERNAL_H

#include "cgate/request.h"

/* Make req the thread's current request (NULL: none); returns the one it
 * replaces, to be put back when req's code returns. */
const struct cg_request *cg__request_set_current(const struct cg_request *req);

#endif
