/* The test client's pieces (include/cgate/testing.h):
 *
 *   testing.c   the client, the request as every front door starts from
 *               it, the HTTP path, reading responses
 *   events.c    the Lambda path: an event per front door built from the
 *               request, run as `APP invoke` runs it, the gateway's
 *               response decoded back */
#ifndef CGATE_TESTING_INTERNAL_H
#define CGATE_TESTING_INTERNAL_H

#include "cgate/testing.h"
#include "core/transport.h"

/* A request split as a client sends it, in the client's arena. */
struct test_input {
    cg_str method;
    cg_str raw_path;         /* percent-encoded, as sent */
    cg_str query_string;     /* without '?' */
    struct cg_kv *headers;   /* in order, names as given, values trimmed */
    size_t nheaders;
    cg_str body;
    cg_str request_id;       /* empty for none */
    cg_str stage;            /* ptr NULL for none */
};

/* Run `in` through the Lambda front door `via` into r (status 0 and the
 * reason in its body when the event is refused). */
void cg__testing_run_lambda(const struct cg_app *app, struct cg_arena *a, const struct test_input *in,
                            enum cg_test_via via, struct cg_test_response *r);

#endif
