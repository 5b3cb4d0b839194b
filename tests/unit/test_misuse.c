/* Misuse of the handler API and statuses no response may have: a 500 on
 * every front door, with nothing of the handler's answer (misuse_app.c;
 * tests/integration/test_misuse.py checks the log lines). */
#include <criterion/criterion.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "misuse_app.h"

static struct cg_app *app;
static struct cg_test *client;

static void setup(void)
{
    app = misuse_app_new();
    cr_assert(app);
    client = cg_test_new(app);
}

static void teardown(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
}

TestSuite(misuse, .init = setup, .fini = teardown);

static const enum cg_test_via vias[] = { CG_VIA_HTTP, CG_VIA_HTTP_API, CG_VIA_REST, CG_VIA_FUNCTION_URL, CG_VIA_ALB };

/* path answers `status` on every front door; a 500 is the core's, without
 * the handler's header. */
static void assert_status(const char *path, int status)
{
    for (size_t i = 0; i < CG_LEN(vias); i++) {
        struct cg_test_response *r = cg_test_request(client, &(struct cg_test_req){ .path = path, .via = vias[i] });
        cr_assert_eq(r->status, status, "%s via %d: %d %.*s", path, (int)vias[i], r->status, (int)r->body.len,
                     r->body.ptr);
        if (status == 500) {
            cr_assert_str_eq(r->body.ptr, "{\"detail\":\"Internal Server Error\"}");
            cr_assert_null(cg_test_header(r, "x-handler").ptr, "%s via %d", path, (int)vias[i]);
        }
    }
}

Test(misuse, cg_body_on_a_route_without_a_body_is_a_500)
{
    assert_status("/body", 500);
}

Test(misuse, cg_params_on_a_route_without_typed_parameters_is_a_500)
{
    assert_status("/params", 500);
}

Test(misuse, a_getter_of_an_undeclared_name_is_a_500)
{
    assert_status("/typo", 500);
}

Test(misuse, a_getter_of_another_kind_than_the_declaration_is_a_500)
{
    assert_status("/kind", 500);
}

Test(misuse, a_list_item_past_the_end_is_a_500)
{
    assert_status("/item?tag=a", 500);
}

Test(misuse, a_stream_started_after_a_misuse_is_dropped_for_the_500)
{
    assert_status("/streamed", 500);
}

Test(misuse, a_handler_status_outside_200_to_599_is_a_500)
{
    assert_status("/status/42", 500);
    assert_status("/status/100", 500);
    assert_status("/status/199", 500);
    assert_status("/status/600", 500);
    assert_status("/status/200", 200);
    assert_status("/status/204", 204);
    assert_status("/status/599", 599);
}

Test(misuse, a_middleware_status_outside_200_to_599_is_a_500)
{
    assert_status("/middleware/42", 500);
    assert_status("/middleware/1000", 500);
    assert_status("/middleware/201", 201);
}
