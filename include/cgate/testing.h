/* An in-process test client, as FastAPI's TestClient: build a request, run
 * it through the app as a transport would, read the answer. No socket, no
 * thread, no test framework: any one can assert on what it returns.
 *
 *   struct cg_test *t = cg_test_new(app);
 *   struct cg_test_response *r = cg_test_get(t, "/api/items?limit=2", NULL);
 *   assert(r->status == 200);
 *   assert(cg_str_eq_c(cg_test_header(r, "content-type"), "application/json"));
 *   r = cg_test_request(t, &(struct cg_test_req){
 *       .method = "POST", .path = "/api/items",
 *       .headers = (const char *[]){ "content-type: application/json", NULL },
 *       .body = "{\"name\":\"Hammer\"}", .via = CG_VIA_HTTP_API });
 *   assert(r->status == 422);
 *   assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "detail.0.loc.1")), "price"));
 *   cg_test_free(t);
 *
 * Each request goes through one front door (`via`): the core as the local
 * server runs it, or a Lambda event of one of the front doors, built as the
 * gateway builds it, run through the code `APP invoke` runs, and the
 * gateway's response decoded back. Everything the client returns lives in
 * its arena until cg_test_free.
 *
 * Link the library cgate_testing. */
#ifndef CGATE_TESTING_H
#define CGATE_TESTING_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "json.h"
#include "response.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_test;

/* The front door a request comes through. */
enum cg_test_via {
    CG_VIA_HTTP,         /* the core as the local server runs it (the default) */
    CG_VIA_REST,         /* API Gateway REST API: a proxy event (payload 1.0) */
    CG_VIA_HTTP_API,     /* API Gateway HTTP API: payload 2.0 */
    CG_VIA_FUNCTION_URL, /* a Lambda function URL */
    CG_VIA_ALB,          /* an Application Load Balancer (single-value headers, its default) */
    CG_VIA_LATTICE_V1,   /* a VPC Lattice service, event structure version 1 */
    CG_VIA_LATTICE_V2,   /* a VPC Lattice service, event structure version 2 */
};

struct cg_test_req {
    const char *method;         /* NULL: "GET" */
    const char *path;           /* the target as a client sends it, query included:
                                   "/api/items?limit=2" (percent-encoded) */
    const char *const *headers; /* "name: value" lines, NULL-terminated; NULL: none.
                                   Repeated names are sent repeated. */
    const char *body;           /* NULL: none */
    size_t body_len;            /* 0: strlen(body) */
    enum cg_test_via via;
    /* The id the transport gives the request (the local server's counter,
     * the Lambda invocation's id); NULL: none. */
    const char *request_id;
    /* API Gateway's stage in the URL ("prod": the app is mounted under
     * "/prod", its root path); NULL: none, as behind a custom domain. Other
     * front doors ignore it. */
    const char *stage;
};

struct cg_test_response {
    /* The status the client gets; 0 when the request never reached the app:
     * the app did not start, or the event was refused. `body` says why. */
    int status;
    /* As the client gets them, in order, repeats kept (Lambda: as the
     * gateway's response carries them, Set-Cookie from `cookies` included).
     * The transport's framing (content-length, date) is not added. */
    const struct cg_kv *headers;
    size_t nheaders;
    /* What the client reads: none for HEAD and statuses without content;
     * base64 undone. NUL-terminated, so that it can be compared as a C
     * string when it holds no NUL. */
    cg_str body;
    /* Lambda: the function's response JSON, as the gateway receives it; an
     * empty string via HTTP. NUL-terminated. */
    cg_str gateway;
    /* The response as the app made it, before the transport framed it
     * (its body_encoding, its body for HEAD); NULL when status is 0. */
    const struct cg_response *core;
    /* The client's own: the parsed body, on first use by cg_test_json. */
    struct cg_arena *arena_;
    const struct cg_json_value *json_;
    bool json_parsed_;
};

/* A client for app. The app stays the caller's: the first request starts
 * it (cg_app_start) unless it has started; stop and free it yourself, after
 * cg_test_free. Never NULL (out of memory aborts). */
struct cg_test *cg_test_new(struct cg_app *app);
/* Frees every response and request the client made, in one call. */
void cg_test_free(struct cg_test *t);
/* The client's arena: memory that lives until cg_test_free. */
struct cg_arena *cg_test_arena(struct cg_test *t);

/* Run one request. Returns the response, owned by the client (valid until
 * cg_test_free); never NULL. */
struct cg_test_response *cg_test_request(struct cg_test *t, const struct cg_test_req *req);
/* A GET of path (query included) with these header lines (or NULL),
 * through the HTTP front door. */
struct cg_test_response *cg_test_get(struct cg_test *t, const char *path, const char *const *headers);

/* The first header with this name (ASCII case-insensitive); ptr NULL when
 * there is none. cg_test_header_at gives the i-th of that name, and
 * cg_test_header_count how many there are. */
cg_str cg_test_header(const struct cg_test_response *r, const char *name);
cg_str cg_test_header_at(const struct cg_test_response *r, const char *name, size_t i);
size_t cg_test_header_count(const struct cg_test_response *r, const char *name);

/* A value of the JSON body, by a path of member names and array indexes
 * separated by dots: "detail.0.loc.1"; "" is the whole document. NULL when
 * the body is not JSON or holds no such value. Read it with
 * cg_json_as_str, cg_json_as_int or its fields (json.h); it lives in the
 * client's arena. */
const struct cg_json_value *cg_test_json(struct cg_test_response *r, const char *path);

#ifdef __cplusplus
}
#endif

#endif
