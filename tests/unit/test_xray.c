/* X-Ray subsegments of an app's own spans, through the in-process client,
 * received by a UDP socket standing for the daemon. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "cgate/xray.h"

#define ROOT   "1-5bef4de7-0123456789abcdef01234567"
#define PARENT "9a9197af755a6419"

static int daemon_fd;
static char daemon_address[32];

static void setup(void)
{
    daemon_fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    cr_assert_eq(bind(daemon_fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(daemon_fd, (struct sockaddr *)&a, &len);
    snprintf(daemon_address, sizeof daemon_address, "127.0.0.1:%d", ntohs(a.sin_port));
    struct timeval wait = { .tv_usec = 200000 };
    setsockopt(daemon_fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
}

static void teardown(void)
{
    close(daemon_fd);
}

TestSuite(xray, .init = setup, .fini = teardown);

/* The next datagram's document, or ptr NULL when none came. */
static cg_str receive(struct cg_arena *a)
{
    char buf[4096];
    ssize_t n = recv(daemon_fd, buf, sizeof buf, 0);
    if (n <= 0)
        return (cg_str){ NULL, 0 };
    const char *header = "{\"format\":\"json\",\"version\":1}\n";
    cr_assert(n > (ssize_t)strlen(header) && memcmp(buf, header, strlen(header)) == 0);
    return cg_arena_strdup(a, (cg_str){ buf + strlen(header), (size_t)n - strlen(header) });
}

static cg_str member(struct cg_arena *a, cg_str doc, const char *name)
{
    return cg_json_as_str(cg_json_member(cg_json_parse(a, doc, 8, NULL), name));
}

static int spans(struct cg_ctx *c)
{
    struct cg_xray_span *outer = cg_xray_begin(c, "render {page}");
    struct cg_xray_span *inner = cg_xray_begin(c, "query");
    cg_xray_end(inner);
    cg_xray_end(outer);
    return cg_send_text(c, 200, cg_str_c(outer ? "traced" : "untraced"));
}

static const struct cg_route routes[] = { CG_GET("/spans", spans) };

static struct cg_test_response *get(struct cg_test *t, const char *trace_header)
{
    return cg_test_get(t, "/spans", (const char *[]){ trace_header, NULL });
}

Test(xray, spans_nest_under_the_handler_and_the_trace_header)
{
    struct cg_app *app = cg_app_new(NULL);
    cg_app_routes(app, routes, 1);
    cr_assert_eq(cg_app_use_xray(app, &(struct cg_xray_opts){ .daemon_address = daemon_address }), 0);
    struct cg_test *t = cg_test_new(app);
    struct cg_arena *a = cg_arena_new();
    struct cg_test_response *r = get(t, "x-amzn-trace-id: Root=" ROOT ";Parent=" PARENT ";Sampled=1");
    cr_assert_str_eq(r->body.ptr, "traced");
    cg_str inner = receive(a), outer = receive(a), handler = receive(a);
    cr_assert(inner.ptr && outer.ptr && handler.ptr, "three subsegments");
    cr_assert(cg_str_eq_c(member(a, inner, "name"), "query"));
    cr_assert(cg_str_eq_c(member(a, outer, "name"), "render _page_"), "names keep X-Ray's characters");
    cr_assert(cg_str_eq_c(member(a, handler, "name"), "## spans"));
    cr_assert(cg_str_eq(member(a, inner, "parent_id"), member(a, outer, "id")));
    cr_assert(cg_str_eq(member(a, outer, "parent_id"), member(a, handler, "id")));
    cr_assert(cg_str_eq_c(member(a, handler, "parent_id"), PARENT));
    cr_assert(cg_str_eq_c(member(a, inner, "trace_id"), ROOT));
    cr_assert_null(receive(a).ptr, "nothing more");
    cg_arena_free(a);
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

Test(xray, unsampled_absent_or_malformed_headers_send_nothing)
{
    struct cg_app *app = cg_app_new(NULL);
    cg_app_routes(app, routes, 1);
    cr_assert_eq(cg_app_use_xray(app, &(struct cg_xray_opts){ .daemon_address = daemon_address }), 0);
    struct cg_test *t = cg_test_new(app);
    struct cg_arena *a = cg_arena_new();
    const char *const headers[] = {
        "x-amzn-trace-id: Root=" ROOT ";Parent=" PARENT ";Sampled=0",
        "x-amzn-trace-id: Root=" ROOT ";Parent=" PARENT,
        "x-amzn-trace-id: Root=1-xyz;Parent=" PARENT ";Sampled=1",
        "x-amzn-trace-id: Root=" ROOT ";Parent=9A9197AF755A641;Sampled=1",
        "x-other: 1",
    };
    for (size_t i = 0; i < CG_LEN(headers); i++) {
        cr_assert_str_eq(get(t, headers[i])->body.ptr, "untraced", "%s", headers[i]);
        cr_assert_null(receive(a).ptr, "%s", headers[i]);
    }
    cg_arena_free(a);
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

Test(xray, without_the_middleware_spans_are_null)
{
    struct cg_app *app = cg_app_new(NULL);
    cg_app_routes(app, routes, 1);
    struct cg_test *t = cg_test_new(app);
    cr_assert_str_eq(get(t, "x-amzn-trace-id: Root=" ROOT ";Parent=" PARENT ";Sampled=1")->body.ptr, "untraced");
    cg_test_free(t);
    cg_app_stop(app);
    cg_app_free(app);
}

Test(xray, a_daemon_address_that_is_not_one_is_a_start_up_error)
{
    const char *const bad[] = { "localhost:2000", "127.0.0.1", "127.0.0.1:99999", "tcp:127.0.0.1:2000",
                                "127.0.0.1:2000x", "127.0.0.1:", ":2000", "127.0.0.1:0", "1.2.3:2000" };
    for (size_t i = 0; i < CG_LEN(bad); i++) {
        struct cg_app *app = cg_app_new(NULL);
        cr_assert_eq(cg_app_use_xray(app, &(struct cg_xray_opts){ .daemon_address = bad[i] }), -1, "%s", bad[i]);
        cr_assert(strstr(cg_app_error(app), "AWS_XRAY_DAEMON_ADDRESS"), "%s", cg_app_error(app));
        cg_app_free(app);
    }
}

Test(xray, both_forms_of_a_daemon_address_are_taken)
{
    const char *const good[] = { "127.0.0.1:2000", "udp:169.254.79.129:2000 tcp:169.254.79.129:2000",
                                 "10.0.0.1:65535 " };
    for (size_t i = 0; i < CG_LEN(good); i++) {
        struct cg_app *app = cg_app_new(NULL);
        cr_assert_eq(cg_app_use_xray(app, &(struct cg_xray_opts){ .daemon_address = good[i] }), 0, "%s", good[i]);
        cg_app_free(app);
    }
}
