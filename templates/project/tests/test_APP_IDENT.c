/* The app's tests, through cgate's in-process test client (cgate/testing.h):
 * each request is a function call into the app, the way the local server or
 * a Lambda front door would make it. Plain C and assert(): `make test` needs
 * nothing beyond cgate itself. */
#undef NDEBUG /* assert() must check in every build type */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/testing.h>

#include "APP_IDENT.h"

static struct cg_app *app;
static struct cg_test *client;

static void start(void)
{
    setenv("APP_UPPER_DB", ":memory:", 1); /* a fresh database for each run */
    app = APP_IDENT_app_new();
    assert(app);
    client = cg_test_new(app); /* its first request starts the app */
}

static void stop(void)
{
    cg_test_free(client); /* and every response it returned */
    cg_app_stop(app);
    cg_app_free(app);
}

static struct cg_test_response *call(const char *method, const char *path, const char *body)
{
    return cg_test_request(client, &(struct cg_test_req){
        .method = method,
        .path = path,
        .body = body,
        .headers = (const char *[]){ "content-type: application/json", NULL },
    });
}

static int64_t json_int(struct cg_test_response *r, const char *path)
{
    int64_t v = -1;
    bool is_int = cg_json_as_int(cg_test_json(r, path), &v);
    assert(is_int);
    return v;
}

static void test_health(void)
{
    struct cg_test_response *r = cg_test_get(client, "/api/health", NULL);
    assert(r->status == 200);
    assert(strcmp(r->body.ptr, "{\"status\":\"healthy\"}") == 0);
}

static void test_create_read_replace_delete(void)
{
    struct cg_test_response *r = call("POST", "/api/APP_NAME", "{\"name\":\"first\"}");
    assert(r->status == 201);
    assert(json_int(r, "quantity") == 1); /* the default */
    assert(cg_str_eq_c(cg_test_header(r, "location"), "/api/APP_NAME/1"));

    r = call("PUT", "/api/APP_NAME/1", "{\"name\":\"renamed\",\"quantity\":3}");
    assert(r->status == 200);
    r = cg_test_get(client, "/api/APP_NAME/1", NULL);
    assert(r->status == 200);
    assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "name")), "renamed"));
    assert(json_int(r, "quantity") == 3);

    assert(call("DELETE", "/api/APP_NAME/1", NULL)->status == 204);
    assert(cg_test_get(client, "/api/APP_NAME/1", NULL)->status == 404);
}

static void test_list_pages(void)
{
    call("POST", "/api/APP_NAME", "{\"name\":\"a\"}");
    call("POST", "/api/APP_NAME", "{\"name\":\"b\"}");
    struct cg_test_response *r = cg_test_get(client, "/api/APP_NAME?limit=1&offset=1", NULL);
    assert(r->status == 200);
    assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "0.name")), "b"));
    assert(cg_test_json(r, "1") == NULL);
}

/* Invalid input never reaches a handler: a 422 in FastAPI's format. */
static void test_invalid_input_is_a_422(void)
{
    struct cg_test_response *r = call("POST", "/api/APP_NAME", "{\"name\":\"\",\"quantity\":-1}");
    assert(r->status == 422);
    assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "detail.0.type")), "string_too_short"));
    assert(cg_str_eq_c(cg_json_as_str(cg_test_json(r, "detail.1.type")), "greater_than_equal"));
    assert(cg_test_get(client, "/api/APP_NAME/0", NULL)->status == 422);
}

/* The same request through each Lambda front door answers alike. */
static void test_every_front_door(void)
{
    static const enum cg_test_via doors[] = { CG_VIA_REST, CG_VIA_HTTP_API,   CG_VIA_FUNCTION_URL,
                                              CG_VIA_ALB,  CG_VIA_LATTICE_V1, CG_VIA_LATTICE_V2 };
    for (size_t i = 0; i < CG_LEN(doors); i++) {
        struct cg_test_response *r = cg_test_request(client, &(struct cg_test_req){
            .path = "/api/health",
            .via = doors[i],
        });
        assert(r->status == 200);
    }
}

int main(void)
{
    start();
    test_health();
    test_create_read_replace_delete();
    test_list_pages();
    test_invalid_input_is_a_422();
    test_every_front_door();
    stop();
    return 0;
}
