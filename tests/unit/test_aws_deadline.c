/* An AWS call ends before the deadline of the request being handled: the
 * arithmetic (cg__aws_call_limit), the current request the core keeps
 * around a handler (cg_request_current), and cg_aws_call bounded by it
 * against a loopback socket that never answers. */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "aws/aws_internal.h"
#include "cgate/cgate.h"

#define NOW 1000000u /* monotonic ms */

Test(call_limit, without_a_request_deadline_the_call_timeout_bounds)
{
    struct aws_call_limit l = cg__aws_call_limit(NOW, 30000, INT64_MAX, 200);
    cr_expect_eq(l.deadline_ms, NOW + 30000);
    cr_expect_not(l.by_request);
}

Test(call_limit, a_far_deadline_leaves_the_call_timeout)
{
    struct aws_call_limit l = cg__aws_call_limit(NOW, 3000, 3200, 200);
    cr_expect_eq(l.deadline_ms, NOW + 3000, "3200 - 200 is not less than 3000");
    cr_expect_not(l.by_request);
}

Test(call_limit, a_near_deadline_cuts_the_call_short_by_the_margin)
{
    struct aws_call_limit l = cg__aws_call_limit(NOW, 30000, 2000, 200);
    cr_expect_eq(l.deadline_ms, NOW + 1800);
    cr_expect(l.by_request);
}

Test(call_limit, a_deadline_within_the_margin_or_past_leaves_no_time)
{
    cr_expect_eq(cg__aws_call_limit(NOW, 30000, 150, 200).deadline_ms, NOW);
    cr_expect_eq(cg__aws_call_limit(NOW, 30000, 200, 200).deadline_ms, NOW);
    struct aws_call_limit past = cg__aws_call_limit(NOW, 30000, -5000, 200);
    cr_expect_eq(past.deadline_ms, NOW);
    cr_expect(past.by_request);
}

/* ---- through a handler ---- */

static struct cg_aws *aws;
static int silent_fd = -1; /* listens, never accepts: connects succeed, no answer comes */
static const struct cg_request *seen;
static char failure[512];
static double call_ms;

static int64_t epoch_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static double monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int call_aws(struct cg_ctx *c)
{
    seen = cg_request_current();
    struct cg_aws_request req = { .method = "POST", .path = CG_STR("/"), .body = CG_STR("{}") };
    struct cg_aws_response res = { 0 };
    cg_buf_init(&res.body, NULL);
    double start = monotonic_ms();
    int rc = cg_aws_call(aws, &req, &res, failure, sizeof failure);
    call_ms = monotonic_ms() - start;
    cg_buf_free(&res.body);
    return cg_send_json_raw(c, rc == 0 ? 200 : 503, CG_STR("{}"));
}

static const struct cg_route routes[] = { CG_POST("/call", call_aws) };

static void setup(void)
{
    silent_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    cr_assert(bind(silent_fd, (struct sockaddr *)&addr, sizeof addr) == 0 && listen(silent_fd, 16) == 0);
    getsockname(silent_fd, (struct sockaddr *)&addr, &len);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u", ntohs(addr.sin_port));
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("AWS_ACCESS_KEY_ID", "testing", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    unsetenv("CG_AWS_DEADLINE_MARGIN_MS");
    char err[256];
    aws = cg_aws_new(&(struct cg_aws_opts){ .service = "dynamodb", .endpoint = url, .call_timeout_ms = 30000 },
                     err, sizeof err);
    cr_assert_not_null(aws, "%s", err);
}

static void teardown(void)
{
    cg_aws_free(aws);
    close(silent_fd);
}

/* The request through the app, as Lambda hands it over: deadline_ms is
 * Unix epoch time. */
static int handle(int64_t deadline_ms)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "t", .version = "1" });
    cg_app_routes(app, routes, CG_LEN(routes));
    cr_assert_eq(cg_app_start(app), 0);
    struct cg_arena *arena = cg_arena_new();
    struct cg_request req = { .method = CG_STR("POST"), .raw_path = CG_STR("/call"), .arena = arena,
                              .deadline_ms = deadline_ms };
    struct cg_response res;
    cg_response_init(&res, arena);
    cg_app_handle(app, &req, &res);
    cr_expect_eq(seen, &req, "the handler's request is the current one");
    cr_expect_null(cg_request_current(), "and none once it has returned");
    cg_arena_free(arena);
    cg_app_free(app);
    return res.status;
}

TestSuite(deadline, .init = setup, .fini = teardown, .timeout = 20);

Test(deadline, a_call_ends_a_margin_before_the_request_deadline)
{
    cr_expect_eq(handle(epoch_ms() + 1000), 503);
    cr_expect(call_ms > 700 && call_ms < 1000, "ended after %.0f ms: 1000 less the 200 ms margin", call_ms);
    cr_expect(strstr(failure, "before the request's deadline (Lambda: the invocation's"), "%s", failure);
}

Test(deadline, a_deadline_within_the_margin_is_not_attempted)
{
    cr_expect_eq(handle(epoch_ms() + 100), 503);
    cr_expect_lt(call_ms, 50);
    cr_expect(strstr(failure, "not attempted"), "%s", failure);
}
