/* Core responses -> gateway responses (docs/design/gateway-events.md §7),
 * and whole requests through a small app and a front door (the test
 * client builds the event and runs it as `APP invoke` does). */
#include <criterion/criterion.h>

#include "cgate/testing.h"

#include "lambda/lambda_internal.h"

static struct cg_arena *arena;
static struct cg_response res;

static void setup(void)
{
    arena = cg_arena_new();
    cg_response_init(&res, arena);
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(lambda_response, .init = setup, .fini = teardown);

static void header(const char *name, const char *value)
{
    cr_assert_eq(cg_response_add_header(&res, cg_str_c(name), cg_str_c(value)), 0);
}

static const char *encoded(enum lambda_source source, bool multi_value)
{
    struct lambda_reply reply = { .source = source, .multi_value = multi_value };
    struct cg_buf out;
    cg_buf_init(&out, arena);
    cg__lambda_response_encode(&reply, &res, &out);
    cg_buf_putc(&out, '\0');
    return out.data;
}

/* Expected JSON is written with ' for ". */
static const char *json(const char *text)
{
    char *s = (char *)cg_arena_strdup(arena, cg_str_c(text)).ptr;
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    return s;
}

static void two_cookies(void)
{
    header("content-type", "text/plain; charset=utf-8");
    header("set-cookie", "a=1; Path=/");
    header("x-tag", "one");
    header("Set-Cookie", "b=2");
    header("x-tag", "two");
    cg_buf_puts(&res.body, "hi");
}

Test(lambda_response, rest_puts_repeats_in_multi_value_headers)
{
    two_cookies();
    cr_expect_str_eq(encoded(SRC_APIGW_REST, false),
                     json("{'statusCode':200,'headers':{'content-type':'text/plain; charset=utf-8'},"
                          "'multiValueHeaders':{'set-cookie':['a=1; Path=/','b=2'],'x-tag':['one','two']},"
                          "'body':'hi','isBase64Encoded':false}"));
}

Test(lambda_response, http_api_puts_set_cookie_in_cookies)
{
    two_cookies();
    const char *want = json("{'statusCode':200,'headers':{'content-type':'text/plain; charset=utf-8',"
                            "'x-tag':'one,two'},'cookies':['a=1; Path=/','b=2'],'body':'hi','isBase64Encoded':false}");
    cr_expect_str_eq(encoded(SRC_APIGW_HTTP, false), want);
    cr_expect_str_eq(encoded(SRC_FUNCTION_URL, false), want);
}

Test(lambda_response, alb_multi_value_mode)
{
    two_cookies();
    res.status = 404;
    cr_expect_str_eq(encoded(SRC_ALB, true),
                     json("{'statusCode':404,'statusDescription':'404 Not Found','multiValueHeaders':{"
                          "'content-type':['text/plain; charset=utf-8'],'set-cookie':['a=1; Path=/','b=2'],"
                          "'x-tag':['one','two']},'body':'hi','isBase64Encoded':false}"));
}

Test(lambda_response, alb_single_value_mode_varies_set_cookie_case)
{
    two_cookies();
    header("set-cookie", "c=3");
    cr_expect_str_eq(encoded(SRC_ALB, false),
                     json("{'statusCode':200,'statusDescription':'200 OK','headers':{"
                          "'content-type':'text/plain; charset=utf-8','set-cookie':'a=1; Path=/',"
                          "'Set-cookie':'b=2','sEt-cookie':'c=3','x-tag':'one,two'},'body':'hi',"
                          "'isBase64Encoded':false}"));
}

/* One header per name, statusDescription, Set-Cookie under varied casings:
 * VPC Lattice answers are shaped as ALB's in single-value mode, whichever
 * event version asked (gateway-events.md §7.7). */
Test(lambda_response, lattice_answers_as_alb_single_value)
{
    two_cookies();
    res.status = 201;
    const char *want = json("{'statusCode':201,'statusDescription':'201 Created','headers':{"
                            "'content-type':'text/plain; charset=utf-8','set-cookie':'a=1; Path=/',"
                            "'Set-cookie':'b=2','x-tag':'one,two'},'body':'hi','isBase64Encoded':false}");
    cr_expect_str_eq(encoded(SRC_LATTICE_V1, false), want);
    cr_expect_str_eq(encoded(SRC_LATTICE_V2, false), want);
}

Test(lambda_response, transfer_encoding_is_dropped)
{
    header("transfer-encoding", "chunked");
    cr_expect_str_eq(encoded(SRC_APIGW_HTTP, false),
                     json("{'statusCode':200,'headers':{},'cookies':[],'body':'','isBase64Encoded':false}"));
}

/* ---- binary bodies ---- */

static bool sent_as_base64(void)
{
    return strstr(encoded(SRC_APIGW_HTTP, false), "\"isBase64Encoded\":true") != NULL;
}

Test(lambda_response, binary_types_are_base64)
{
    header("content-type", "image/png");
    cg_buf_append(&res.body, "\x89PNG\x00\xff", 6);
    cr_expect_str_eq(encoded(SRC_APIGW_REST, false),
                     json("{'statusCode':200,'headers':{'content-type':'image/png'},'multiValueHeaders':{},"
                          "'body':'iVBORwD/','isBase64Encoded':true}"));
}

Test(lambda_response, text_types_are_text)
{
    static const char *const types[] = {
        "text/html; charset=utf-8", "application/json",         "application/problem+json", "image/svg+xml",
        "application/javascript",   "application/vnd.api+json", "application/xml",          "TEXT/CSV",
    };
    cg_buf_puts(&res.body, "{\"a\":1}");
    for (size_t i = 0; i < CG_LEN(types); i++) {
        cg_response_set_header(&res, CG_STR("content-type"), cg_str_c(types[i]));
        cr_expect_not(sent_as_base64(), "%s sent as base64", types[i]);
    }
    cg_response_set_header(&res, CG_STR("content-type"), CG_STR("application/octet-stream"));
    cr_expect(sent_as_base64());
}

Test(lambda_response, content_encoding_makes_text_binary)
{
    header("content-type", "application/json");
    header("content-encoding", "gzip");
    cg_buf_puts(&res.body, "{}");
    cr_expect(sent_as_base64());
    cg_response_set_header(&res, CG_STR("content-encoding"), CG_STR("identity"));
    cr_expect_not(sent_as_base64());
}

Test(lambda_response, untyped_body_is_text_only_when_utf8)
{
    cg_buf_puts(&res.body, "caf\xc3\xa9");
    cr_expect_not(sent_as_base64());
    cg_buf_putc(&res.body, '\xff');
    cr_expect(sent_as_base64());
}

Test(lambda_response, handler_override_wins)
{
    header("content-type", "application/octet-stream");
    cg_buf_puts(&res.body, "plain");
    res.body_encoding = CG_BODY_TEXT;
    cr_expect_not(sent_as_base64());
    cg_response_set_header(&res, CG_STR("content-type"), CG_STR("text/plain"));
    res.body_encoding = CG_BODY_BINARY;
    cr_expect(sent_as_base64());
}

Test(lambda_response, no_body_for_head_and_204)
{
    header("content-type", "application/json");
    cg_buf_puts(&res.body, "{}");
    struct lambda_reply reply = { .source = SRC_APIGW_HTTP, .head = true };
    struct cg_buf out;
    cg_buf_init(&out, arena);
    cg__lambda_response_encode(&reply, &res, &out);
    cg_buf_putc(&out, '\0');
    cr_expect(strstr(out.data, "\"body\":\"\""), "%s", out.data);
    res.status = 204;
    cr_expect(strstr(encoded(SRC_APIGW_HTTP, false), "\"body\":\"\""));
}

Test(lambda_response, over_six_megabytes_becomes_500)
{
    header("content-type", "text/plain");
    memset(cg_buf_reserve(&res.body, 7 << 20), 'x', 7 << 20);
    res.body.len = 7 << 20;
    const char *out = encoded(SRC_APIGW_REST, false);
    cr_expect_str_eq(out, json("{'statusCode':500,'headers':{'content-type':'application/json'},"
                               "'multiValueHeaders':{},'body':'{\\'detail\\':\\'Internal Server Error\\'}',"
                               "'isBase64Encoded':false}"));
}

/* ---- whole events through an app ---- */

static int set_cookies(struct cg_ctx *c)
{
    cg_add_header(c, "set-cookie", CG_STR("a=1"));
    cg_add_header(c, "set-cookie", CG_STR("b=2"));
    cg_str cookie = cg_request_cookie(cg_req(c), "session");
    return cg_send_text(c, 200, cookie.ptr ? cookie : CG_STR("none"));
}

static int bytes(struct cg_ctx *c)
{
    return cg_send(c, 200, "application/octet-stream", "\x00\x01\xfe", 3);
}

static int echo_body(struct cg_ctx *c)
{
    cg_str body = cg_req(c)->body;
    return cg_send(c, 200, "application/octet-stream", body.ptr, body.len);
}

static int huge(struct cg_ctx *c)
{
    size_t n = 7u << 20;
    char *text = cg_arena_alloc(cg_arena(c), n);
    memset(text, 'y', n);
    return cg_send(c, 200, "text/plain", text, n);
}

static const struct cg_route routes[] = {
    CG_GET("/cookies", set_cookies),
    CG_GET("/bytes", bytes),
    CG_POST("/echo", echo_body),
    CG_GET("/huge", huge),
};

/* The function's response JSON to a request through a front door. */
static const char *handle(enum cg_test_via via, const struct cg_test_req *req)
{
    struct cg_app *app = cg_app_new(NULL);
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    struct cg_test *client = cg_test_new(app);
    struct cg_test_req r = *req;
    r.via = via;
    struct cg_test_response *answer = cg_test_request(client, &r);
    cr_assert_neq(answer->status, 0, "%s", answer->body.ptr);
    const char *out = cg_arena_strdup(arena, answer->gateway).ptr;
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    return out;
}

#define REQ(...) (&(struct cg_test_req){ __VA_ARGS__ })

Test(lambda_response, two_cookies_in_and_two_set_cookie_out)
{
    cr_expect_str_eq(handle(CG_VIA_HTTP_API, REQ(.path = "/cookies",
                                                 .headers = (const char *[]){ "cookie: theme=dark; session=s1", NULL })),
                     json("{'statusCode':200,'headers':{'content-type':'text/plain; charset=utf-8'},"
                          "'cookies':['a=1','b=2'],'body':'s1','isBase64Encoded':false}"));
    cr_expect_str_eq(
        handle(CG_VIA_REST, REQ(.path = "/cookies", .headers = (const char *[]){ "Cookie: theme=dark", "Cookie: session=s2",
                                                                               NULL })),
        json("{'statusCode':200,'headers':{'content-type':'text/plain; charset=utf-8'},"
             "'multiValueHeaders':{'set-cookie':['a=1','b=2']},'body':'s2','isBase64Encoded':false}"));
}

Test(lambda_response, binary_in_and_out)
{
    cr_expect_str_eq(handle(CG_VIA_HTTP_API, REQ(.path = "/bytes")),
                     json("{'statusCode':200,'headers':{'content-type':'application/octet-stream'},'cookies':[],"
                          "'body':'AAH+','isBase64Encoded':true}"));
    cr_expect_str_eq(handle(CG_VIA_HTTP_API, REQ(.method = "POST", .path = "/echo", .body = "\xff\x00\x01\x02", .body_len = 4)),
                     json("{'statusCode':200,'headers':{'content-type':'application/octet-stream'},'cookies':[],"
                          "'body':'/wABAg==','isBase64Encoded':true}"));
}

Test(lambda_response, lattice_cookies_and_binary_through_the_app)
{
    const char *cookies = json("{'statusCode':200,'statusDescription':'200 OK','headers':{'set-cookie':'a=1',"
                               "'Set-cookie':'b=2','content-type':'text/plain; charset=utf-8'},'body':'s1',"
                               "'isBase64Encoded':false}");
    const char *const two_cookie_lines[] = { "Cookie: theme=dark", "Cookie: session=s1", NULL };
    cr_expect_str_eq(handle(CG_VIA_LATTICE_V1, REQ(.path = "/cookies", .headers = two_cookie_lines)), cookies);
    cr_expect_str_eq(handle(CG_VIA_LATTICE_V2, REQ(.path = "/cookies", .headers = two_cookie_lines)), cookies);
    const char *echoed = json("{'statusCode':200,'statusDescription':'200 OK','headers':{"
                              "'content-type':'application/octet-stream'},'body':'/wABAg==','isBase64Encoded':true}");
    for (enum cg_test_via via = CG_VIA_LATTICE_V1; via <= CG_VIA_LATTICE_V2; via++)
        cr_expect_str_eq(handle(via, REQ(.method = "POST", .path = "/echo?x=%20", .body = "\xff\x00\x01\x02",
                                         .body_len = 4)),
                         echoed);
}

Test(lambda_response, seven_megabytes_through_the_app_is_500)
{
    const char *out = handle(CG_VIA_ALB, REQ(.path = "/huge"));
    cr_expect_str_eq(out, json("{'statusCode':500,'statusDescription':'500 Internal Server Error',"
                               "'headers':{'content-type':'application/json'},"
                               "'body':'{\\'detail\\':\\'Internal Server Error\\'}','isBase64Encoded':false}"));
}

Test(lambda_response, not_found_keeps_fastapi_shape)
{
    cr_expect_str_eq(handle(CG_VIA_HTTP_API, REQ(.path = "/nope")),
                     json("{'statusCode':404,'headers':{'content-type':'application/json'},'cookies':[],"
                          "'body':'{\\'detail\\':\\'Not Found\\'}','isBase64Encoded':false}"));
}
