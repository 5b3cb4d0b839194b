/* Lambda events -> core requests: every fixture of tests/fixtures/events
 * against expectations written here, then events of our own for the edge
 * cases of docs/design/gateway-events.md. When the AWS samples collected
 * beside the repository exist (CG_SHARED_FIXTURES_DIR), they are checked too;
 * without them that one test is skipped and everything else still runs. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "lambda/lambda_internal.h"

static struct cg_arena *arena;
static struct cg_request req;
static struct lambda_reply reply;
static char err[256];

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(lambda_events, .init = setup, .fini = teardown);

static int decode(cg_str json, const char *base_path)
{
    struct lambda_event ev;
    memset(&req, 0, sizeof req);
    req.arena = arena;
    if (cg__lambda_event_parse(arena, json, &ev, err, sizeof err) != 0)
        return -1;
    return cg__lambda_event_decode(&ev, cg_str_c(base_path), &req, &reply, err, sizeof err);
}

/* Events below are written with ' for " so that they stay readable. */
static int decode_event(const char *text, const char *base_path)
{
    cg_str json = cg_arena_strdup(arena, cg_str_c(text));
    for (size_t i = 0; i < json.len; i++)
        if (json.ptr[i] == '\'')
            ((char *)json.ptr)[i] = '"';
    return decode(json, base_path);
}

/* "a=1&b=2" (separator "&") or "a=1; b=2" (separator "; "), unescaped. */
static const char *joined(const struct cg_kv *kv, size_t n, const char *sep)
{
    struct cg_buf b;
    cg_buf_init(&b, arena);
    cg_buf_putc(&b, '\0');
    b.len = 0;
    for (size_t i = 0; i < n; i++)
        cg_buf_printf(&b, "%s%.*s=%.*s", i ? sep : "", (int)kv[i].name.len, kv[i].name.ptr, (int)kv[i].value.len,
                      kv[i].value.ptr);
    cg_buf_putc(&b, '\0');
    return b.data;
}

static bool has_header(const char *line)
{
    const char *colon = strstr(line, ": ");
    cg_str name = { line, (size_t)(colon - line) };
    for (size_t i = 0; i < req.nheaders; i++)
        if (cg_str_eq(req.headers[i].name, name) && cg_str_eq_c(req.headers[i].value, colon + 2))
            return true;
    return false;
}

#define expect_str(s, want)                                                                                   \
    cr_expect(cg_str_eq((s), cg_str_c(want)), "%s: got \"%.*s\", want \"%s\"", #s, (int)(s).len,          \
              (s).ptr ? (s).ptr : "", want)

/* ---- the fixtures ---- */

struct golden {
    const char *file;    /* under the fixtures' events/ */
    const char *refusal; /* refused with a message holding this; else decoded to: */
    const char *source, *method, *path, *raw_path, *query, *cookies, *body, *client, *root_path;
    size_t nheaders;
    const char *header; /* one "name: value" that must be there */
    /* Optional, checked when set: */
    const char *base_path;    /* CG_BASE_PATH for this event */
    const char *stage;        /* req->stage */
    const char *query_string; /* req->query_string */
    const char *scheme;       /* req->scheme */
    enum { ANY_MODE, SINGLE_VALUE, MULTI_VALUE } alb_mode; /* how the ALB wants its answer */
};

#define NOT_HTTP "not an API Gateway, function URL, ALB or VPC Lattice HTTP event"
#define V2_QUERY "parameter1=value1&parameter1=value2&parameter2=value"
#define SAM_HEADERS 18 /* the 18 multiValueHeaders of SAM's REST event */

/* The repository's own fixtures (tests/fixtures/events/README.md says where
 * each comes from). Every file there is listed here: see
 * every_fixture_is_checked. */
static const struct golden fixtures[] = {
    /* REST API, payload 1.0 */
    { "rest/sam-aws-proxy.json", NULL, "apigw-rest", "POST", "/path/to/resource", "/path/to/resource", "foo=bar", "",
      "{\"test\":\"body\"}", "127.0.0.1", "/prod", SAM_HEADERS,
      /* multiValueHeaders wins: SAM's two Host values differ */
      "Host: 0123456789.execute-api.us-east-1.amazonaws.com", .stage = "prod", .query_string = "foo=bar",
      .scheme = "https" },
    { "rest/sam-aws-proxy-get-encoded-path.json", NULL, "apigw-rest", "GET", "/items/a b", "/items/a%20b", "foo=bar",
      "", "", "127.0.0.1", "/prod", SAM_HEADERS, "User-Agent: Custom User Agent String", .stage = "prod" },
    { "rest/multi-value.json", NULL, "apigw-rest", "GET", "/items", "/items", "tag=a&tag=b&q=x+y z&empty=",
      "session=38afes7a8; theme=dark", "", "198.51.100.23", "/prod", 10, "X-Tenant: red", .stage = "prod",
      .query_string = "tag=a&tag=b&q=x%2By%20z&empty=" },
    { "rest/custom-domain-base-path.json", NULL, "apigw-rest", "PUT", "/items/42", "/items/42", "", "",
      "{\"name\":\"Hammer\",\"price\":9.5}", "203.0.113.50", "/v1", 6, "Content-Type: application/json",
      .base_path = "/v1", .stage = "live", .query_string = "" },
    { "rest/encoded-path.json", NULL, "apigw-rest", "GET", "/files/a b/c/d/A\xc3\xb1o", "/files/a%20b/c%2Fd/A%C3%B1o",
      "name=a&b=c", "", "", "192.0.2.44", "/v1", 4, "Host: k9l8m7n6o5.execute-api.us-east-1.amazonaws.com",
      .stage = "v1", .query_string = "name=a%26b%3Dc" },
    { "rest/http-api-payload-1.0.json", NULL, "apigw-rest", "POST", "/orders", "/orders", "dry_run=1", "",
      "{\"item_id\": 42}", "198.51.100.77", "", 8, "x-custom: first", .stage = "$default" },
    /* HTTP API, payload 2.0 */
    { "http-api/sam-http-api-proxy.json", NULL, "apigw-http", "POST", "/path/to/resource", "/path/to/resource",
      V2_QUERY, "=cookie1; =cookie2", "{\"test\":\"body\"}", "192.168.0.1", "", 4, "Header2: value1,value2",
      .stage = "$default", .query_string = V2_QUERY },
    { "http-api/get-cookies.json", NULL, "apigw-http", "GET", "/items", "/items", "limit=10&tag=a,b&tag=c&q=x+y z",
      "session=38afes7a8; theme=dark", "", "198.51.100.23", "", 11, "x-tenant: red,blue", .stage = "$default",
      .query_string = "limit=10&tag=a,b&tag=c&q=x%2By+z" },
    { "http-api/named-stage.json", NULL, "apigw-http", "DELETE", "/items/42", "/items/42", "", "", "", "203.0.113.9",
      "/dev", 8, "user-agent: curl/8.5.0", .stage = "dev", .query_string = "" },
    { "http-api/decoded-path.json", NULL, "apigw-http", "PUT", "/files/a b/A\xc3\xb1o 1", "/files/a%20b/A%C3%B1o%201",
      "", "", "Hello from a file", "192.0.2.10", "", 7, "content-type: text/plain; charset=utf-8" },
    /* function URLs */
    { "function-url/post-cookies.json", NULL, "function-url", "POST", "/api/items", "/api/items",
      "notify=1&tag=a&tag=b", "session=38afes7a8; theme=dark", "{\"name\":\"Hammer\",\"price\":9.5}",
      "198.51.100.200", "", 11, "cookie: session=38afes7a8; theme=dark", .stage = "$default" },
    { "function-url/get-encoded-path.json", NULL, "function-url", "GET", "/files/a b/c/d", "/files/a%20b/c%2Fd",
      "q=caf\xc3\xa9&page=2", "", "", "2001:db8::17", "", 9, "x-amzn-tls-version: TLSv1.3", .stage = "$default",
      .query_string = "q=caf%C3%A9&page=2" },
    { "function-url/base64-body.json", NULL, "function-url", "POST", "/upload", "/upload", "", "",
      "\x89PNG\r\n\x1a\n", "203.0.113.61", "", 10, "content-type: application/octet-stream" },
    /* ALB */
    { "alb/sam-alb-request.json", NULL, "alb", "POST", "/path/to/resource", "/path/to/resource", "query=1234ABCD",
      "", "{\"test\":\"body\"}", "72.12.164.125", "", 12, "x-imforwards: 20", .scheme = "http",
      .alb_mode = SINGLE_VALUE },
    { "alb/single-value-encoded-query.json", NULL, "alb", "GET", "/search/a b", "/search/a%20b",
      "q=b c&plus=b c&dir=/some/path/&tag=last", "session=38afes7a8; theme=dark", "", "203.0.113.50", "", 9,
      "x-forwarded-for: 198.51.100.1, 203.0.113.50", .query_string = "q=b%20c&plus=b+c&dir=%2Fsome%2Fpath%2F&tag=last",
      .scheme = "https", .alb_mode = SINGLE_VALUE },
    { "alb/multi-value.json", NULL, "alb", "POST", "/items", "/items", "tag=a&tag=b c&notify=1",
      "session=38afes7a8; theme=dark", "name=Hammer&price=9.5", "192.0.2.33", "", 11, "x-tenant: blue",
      .query_string = "tag=a&tag=b%20c&notify=1", .scheme = "http", .alb_mode = MULTI_VALUE },
    { "alb/health-check.json", NULL, "alb", "GET", "/api/health", "/api/health", "", "", "", "", "", 1,
      "user-agent: ELB-HealthChecker/2.0", .query_string = "", .alb_mode = SINGLE_VALUE },
    { "alb/multi-value-null-fields.json", NULL, "alb", "DELETE", "/items/42", "/items/42", "", "", "", "10.0.0.1", "",
      4, "x-forwarded-proto: http", .scheme = "http", .alb_mode = MULTI_VALUE },
    /* VPC Lattice: the path and the query as sent, the client from X-Forwarded-For, no stage */
    { "lattice/lattice-v1-get-query-cookies.json", NULL, "vpc-lattice", "GET", "/api/items", "/api/items",
      "limit=10&tag=c", "session=38afes7a8; theme=dark", "", "192.0.2.41", "", 6, "x-tenant: red, blue",
      .query_string = "limit=10&tag=c", .scheme = "https" },
    { "lattice/lattice-v1-post-json.json", NULL, "vpc-lattice", "POST", "/api/items", "/api/items", "", "",
      "{\"name\":\"Hammer\",\"price\":9.5}", "198.51.100.7", "", 6, "content-type: application/json",
      .query_string = "" },
    { "lattice/lattice-v1-base64-body.json", NULL, "vpc-lattice", "PUT", "/files/a b", "/files/a%20b",
      "q=b c&plus=x y", "", "\x89PNG\r\n\x1a\n", "192.0.2.99", "", 3,
      "x-forwarded-for: 198.51.100.1, 192.0.2.99", .query_string = "q=b%20c&plus=x+y" },
    { "lattice/lattice-v2-get-query-cookies.json", NULL, "vpc-lattice", "GET", "/api/items", "/api/items",
      "limit=10&tag=a&tag=c", "session=38afes7a8; theme=dark", "", "192.0.2.41", "", 8, "x-tenant: blue",
      .query_string = "limit=10&tag=a&tag=c", .scheme = "https" },
    { "lattice/lattice-v2-post-json.json", NULL, "vpc-lattice", "POST", "/api/items", "/api/items", "", "",
      "{\"name\":\"Hammer\",\"price\":9.5}", "198.51.100.7", "", 6, "content-length: 29", .query_string = "" },
    { "lattice/lattice-v2-base64-body.json", NULL, "vpc-lattice", "PUT", "/files/a b/c/d", "/files/a%20b/c%2Fd",
      "q=b c&plus=x y", "", "\x89PNG\r\n\x1a\n", "192.0.2.99", "", 3, "content-type: application/octet-stream",
      .query_string = "q=b%20c&plus=x+y" },
    /* events that are not HTTP requests */
    { "not-http/sam-apigateway-authorizer.json", "authorizer event (type TOKEN)" },
    { "not-http/sam-apigateway-request-authorizer.json", "authorizer event (type REQUEST)" },
    { "not-http/http-api-authorizer-v2.json", "authorizer event (type REQUEST)" },
    { "not-http/websocket-connect.json", "WebSocket" },
    { "not-http/websocket-message.json", "WebSocket" },
    { "not-http/sam-sqs-receive-message.json", NOT_HTTP },
    { "not-http/sam-s3-put.json", NOT_HTTP },
    { "not-http/sam-sns-notification.json", NOT_HTTP },
    { "not-http/sam-dynamodb-update.json", NOT_HTTP },
    { "not-http/sam-cloudwatch-scheduled-event.json", NOT_HTTP },
};

/* A cross-check: the AWS samples that aws-lambda-go and aws-lambda-rust-runtime
 * ship (kept outside the repository, in CG_SHARED_FIXTURES_DIR/events). */
#define GO(f)   "aws-lambda-go/" f
#define RUST(f) "aws-lambda-rust-runtime/" f
#define V1_BODY "{\r\n\t\"a\": 1\r\n}"

static const struct golden shared_fixtures[] = {
    { GO("alb-lambda-target-request-headers-only.json"), NULL, "alb", "GET", "/", "/", "key=hello", "", "",
      "25.12.198.67", "", 10, "x-myheader: 123" },
    { GO("alb-lambda-target-request-multivalue-headers.json"), NULL, "alb", "GET", "/", "/", "key=hello", "", "",
      "72.21.198.67", "", 10, "x-imforwards: 20" },
    { GO("apigw-custom-auth-request-type-request.json"), "authorizer" },
    { GO("apigw-custom-auth-request.json"), "authorizer" },
    { GO("apigw-request.json"), NULL, "apigw-rest", "POST", "/hello/world", "/hello/world", "name=me", "", V1_BODY,
      "192.168.196.186", "", 19, "headerName: headerValue" },
    { GO("apigw-restapi-openapi-request.json"), NULL, "apigw-rest", "POST", "/hello/world", "/hello/world",
      "name=me", "", V1_BODY, "192.168.196.186", "", 19, "Content-Type: application/json" },
    { GO("apigw-v2-custom-authorizer-v1-request.json"), "authorizer" },
    { GO("apigw-v2-custom-authorizer-v2-request.json"), "authorizer" },
    { GO("apigw-v2-request-iam.json"), NULL, "apigw-http", "GET", "/my/path", "/my/path", V2_QUERY,
      "=cookie1; =cookie2", V1_BODY, "IP", "", 4, "cookie: cookie1; cookie2" },
    { GO("apigw-v2-request-jwt-authorizer.json"), NULL, "apigw-http", "GET", "/my/path", "/my/path", V2_QUERY,
      "=cookie1; =cookie2", V1_BODY, "IP", "", 4, "Header2: value2" },
    { GO("apigw-v2-request-lambda-authorizer.json"), NULL, "apigw-http", "GET", "/my/path", "/my/path", V2_QUERY,
      "=cookie1; =cookie2", V1_BODY, "IP", "", 4, "Header1: value1" },
    { GO("apigw-v2-request-no-authorizer.json"), NULL, "apigw-http", "GET", "/", "/", "", "", "", "1.2.3.4", "", 8,
      "user-agent: curl/7.58.0" },
    { GO("apigw-websocket-request-disconnect.json"), "WebSocket" },
    { GO("apigw-websocket-request-send-message.json"), "WebSocket" },
    { GO("apigw-websocket-request.json"), "WebSocket" },
    { GO("lambda-urls-request.json"), NULL, "function-url", "POST", "/my/path", "/my/path", V2_QUERY,
      "=cookie1; =cookie2", "Hello from client!", "123.123.123.123", "", 4, "header2: value1,value2" },
    { RUST("alb_health_check.json"), NULL, "alb", "GET", "/", "/", "", "", "", "", "", 1,
      "user-agent: ELB-HealthChecker/2.0" },
    { RUST("alb_multi_value_request.json"), NULL, "alb", "GET", "/", "/",
      "myKey=val1&myKey=val2&myOtherKey=val3&myOtherKey=val4", "name1=value1; name2=value2", "request_body",
      "72.21.198.66", "", 11, "cookie: name2=value2" },
    { RUST("alb_multi_value_request_encoded_query_parameters.json"), NULL, "alb", "GET", "/", "/",
      "myKey=?showAll=true&myKey=?showAll=false", "name1=value1; name2=value2", "request_body", "72.21.198.66", "",
      11, "accept-language: en-US,en;q=0.8" },
    { RUST("alb_no_host.json"), NULL, "alb", "GET", "/v1/health/", "/v1/health/", "", "", "", "", "", 1,
      "user-agent: ELB-HealthChecker/2.0" },
    { RUST("alb_request.json"), NULL, "alb", "GET", "/", "/", "myKey=val2", "=cookies", "request_body",
      "72.21.198.66", "", 10, "cookie: cookies" },
    { RUST("alb_request_encoded_query_parameters.json"), NULL, "alb", "GET", "/", "/", "myKey=?showAll=true",
      "=cookies", "request_body", "72.21.198.66", "", 10, "host: lambda-846800462-us-east-2.elb.amazonaws.com" },
    { RUST("apigw_multi_value_proxy_request.json"), NULL, "apigw-rest", "POST", "/hello/world", "/hello/world",
      "name=me&multiValueName=you&multiValueName=me", "", V1_BODY, "192.168.196.186", "", 19,
      "User-Agent: PostmanRuntime/2.4.5" },
    { RUST("apigw_no_host.json"), NULL, "apigw-rest", "GET", "/hello", "/hello", "name=me", "", "", "192.168.100.1",
      "", 16, "Accept-Language: en-US,en;q=0.8" },
    { RUST("apigw_proxy_request.json"), NULL, "apigw-rest", "GET", "/hello", "/hello", "name=me", "", "",
      "192.168.100.1", "", 17, "Accept-Language: en-US,en;q=0.8" },
    /* An HTTP API event: its rawPath arrives decoded, the raw form is re-escaped. */
    { RUST("apigw_request_path_with_space.json"), NULL, "apigw-http", "POST", "/my/path-with space",
      "/my/path-with%20space", V2_QUERY, "cookie1=value1; cookie2=value2", "Hello from Lambda", "IP", "", 4,
      "cookie: cookie1=value1; cookie2=value2" },
    { RUST("apigw_v2_proxy_request.json"), NULL, "apigw-http", "POST", "/my/path", "/my/path", V2_QUERY,
      "cookie1=value1; cookie2=value2", "Hello from Lambda", "IP", "", 4, "Header1: value1" },
    { RUST("apigw_v2_proxy_request_minimal.json"), NULL, "apigw-http", "GET", "/", "/", "", "", "", "65.78.31.245",
      "", 8, "x-forwarded-for: 65.78.31.245" },
    /* The named stage leaves rawPath for root_path. */
    { RUST("apigw_v2_proxy_request_with_stage_in_path.json"), NULL, "apigw-http", "POST", "/my/path", "/my/path",
      V2_QUERY, "cookie1=value1; cookie2=value2", "Hello from Lambda", "IP", "/Prod", 4, "Header2: value2" },
    { RUST("apigw_v2_sam_local.json"), NULL, "apigw-http", "GET", "/hello", "/hello", "", "", "", "127.0.0.1", "",
      14, "Host: 127.0.0.1:3000" },
    /* Its cookie header is replaced by cookies[], not doubled. */
    { RUST("lambda_function_url_request.json"), NULL, "function-url", "GET", "/my/path", "/my/path", V2_QUERY,
      "test=hi", "", "65.78.31.245", "", 10, "cookie: test=hi" },
};

static bool read_fixture(const char *dir, const char *file, cg_str *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    struct cg_buf b;
    cg_buf_init(&b, arena);
    size_t n;
    while ((n = fread(cg_buf_reserve(&b, 4096), 1, 4096, f)) > 0)
        b.len += n;
    fclose(f);
    *out = cg_buf_str(&b);
    return true;
}

/* One fixture against its expectations; every mismatch is reported. */
static void check_golden(const char *dir, const struct golden *g)
{
    cg_str json;
    if (!read_fixture(dir, g->file, &json)) {
        cr_expect_fail("cannot read %s/%s", dir, g->file);
        return;
    }
    int rc = decode(json, g->base_path ? g->base_path : "");
    if (g->refusal) {
        cr_expect_eq(rc, -1, "%s: decoded, but it is not an HTTP request", g->file);
        cr_expect(rc == 0 || strstr(err, g->refusal), "%s: refused with \"%s\", want \"%s\"", g->file, err,
                  g->refusal);
        return;
    }
    if (rc != 0) {
        cr_expect_fail("%s: refused: %s", g->file, err);
        return;
    }
    cr_log_info("%s", g->file);
    expect_str(req.source, g->source);
    expect_str(req.method, g->method);
    expect_str(req.path, g->path);
    expect_str(req.raw_path, g->raw_path);
    cr_expect_str_eq(joined(req.query, req.nquery, "&"), g->query, "%s: query", g->file);
    cr_expect_str_eq(joined(req.cookies, req.ncookies, "; "), g->cookies, "%s: cookies", g->file);
    expect_str(req.body, g->body);
    expect_str(req.client_addr, g->client);
    expect_str(req.root_path, g->root_path);
    cr_expect_eq(req.nheaders, g->nheaders, "%s: %zu headers, want %zu", g->file, req.nheaders, g->nheaders);
    cr_expect(has_header(g->header), "%s: no header \"%s\"", g->file, g->header);
    cr_expect(req.event.len == json.len && req.method_id != 0);
    if (g->stage)
        expect_str(req.stage, g->stage);
    if (g->query_string)
        expect_str(req.query_string, g->query_string);
    if (g->scheme)
        expect_str(req.scheme, g->scheme);
    if (g->alb_mode != ANY_MODE)
        cr_expect_eq(reply.multi_value, g->alb_mode == MULTI_VALUE, "%s: multi-value mode %d", g->file,
                     reply.multi_value);
}

/* Criterion runs each parameter in a new process, where pointers copied
 * from this one mean nothing: the parameter is an index into the table. */
ParameterizedTestParameters(lambda_events, fixture)
{
    static size_t indices[CG_LEN(fixtures)];
    for (size_t i = 0; i < CG_LEN(fixtures); i++)
        indices[i] = i;
    return cr_make_param_array(size_t, indices, CG_LEN(indices));
}

ParameterizedTest(size_t *index, lambda_events, fixture)
{
    check_golden(CG_EVENT_FIXTURES_DIR, &fixtures[*index]);
}

/* A fixture added to the folder but not to the table would prove nothing. */
Test(lambda_events, every_fixture_is_checked)
{
    static const char *const folders[] = { "rest", "http-api", "function-url", "alb", "lattice", "not-http" };
    size_t found = 0;
    for (size_t i = 0; i < CG_LEN(folders); i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", CG_EVENT_FIXTURES_DIR, folders[i]);
        DIR *dir = opendir(path);
        cr_assert_not_null(dir, "cannot open %s", path);
        for (struct dirent *e; (e = readdir(dir));) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0)
                continue;
            char file[512];
            snprintf(file, sizeof file, "%s/%s", folders[i], e->d_name);
            bool listed = false;
            for (size_t j = 0; j < CG_LEN(fixtures) && !listed; j++)
                listed = strcmp(fixtures[j].file, file) == 0;
            cr_expect(listed, "%s is not in the fixtures table", file);
            found++;
        }
        closedir(dir);
    }
    cr_expect_eq(found, CG_LEN(fixtures), "%zu fixture files, %zu in the table", found, CG_LEN(fixtures));
}

TestSuite(lambda_events_shared, .init = setup, .fini = teardown);

Test(lambda_events_shared, aws_samples)
{
    struct stat st;
    if (stat(CG_SHARED_FIXTURES_DIR "/events", &st) != 0)
        cr_skip_test("no AWS samples at %s/events: the cross-check is skipped, the repository's fixtures ran",
                     CG_SHARED_FIXTURES_DIR);
    for (size_t i = 0; i < CG_LEN(shared_fixtures); i++)
        check_golden(CG_SHARED_FIXTURES_DIR "/events", &shared_fixtures[i]);
}

/* ---- paths ---- */

Test(lambda_events, rest_path_is_decoded_and_kept_raw)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/files/a%20b/c%2Fd/A%C3%B1o','requestContext':{}}", ""),
                 0, "%s", err);
    expect_str(req.raw_path, "/files/a%20b/c%2Fd/A%C3%B1o");
    expect_str(req.path, "/files/a b/c/d/A\xc3\xb1o");
    expect_str(req.source, "apigw-rest");
}

Test(lambda_events, http_api_path_is_reescaped)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/A\\u00f1o 1/x?y#z%','requestContext':{'http':{'method':"
                              "'GET'},'stage':'$default'}}",
                              ""),
                 0, "%s", err);
    expect_str(req.path, "/A\xc3\xb1o 1/x?y#z%");
    expect_str(req.raw_path, "/A%C3%B1o%201/x%3Fy%23z%25");
}

Test(lambda_events, function_url_path_is_encoded)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/a%2Fb/%20','requestContext':{'http':{'method':'GET'},"
                              "'domainName':'x.lambda-url.eu-west-1.on.aws'}}",
                              ""),
                 0, "%s", err);
    expect_str(req.source, "function-url");
    expect_str(req.raw_path, "/a%2Fb/%20");
    expect_str(req.path, "/a/b/ ");
}

/* A function URL has no stages, yet its event says "$default", the placeholder
 * AWS documents for requestContext.stage (Lambda developer guide, "Invoking
 * Lambda function URLs", request payload format): req->stage passes it on. */
Test(lambda_events, function_url_stage_is_the_default_placeholder)
{
    cr_assert_eq(decode_event("{'version':'2.0','routeKey':'$default','rawPath':'/my/path','requestContext':{"
                              "'http':{'method':'GET'},'domainName':'x.lambda-url.us-west-2.on.aws',"
                              "'routeKey':'$default','stage':'$default'}}",
                              ""),
                 0, "%s", err);
    expect_str(req.source, "function-url");
    expect_str(req.stage, "$default");
    expect_str(req.root_path, "");
    expect_str(req.path, "/my/path");
}

Test(lambda_events, empty_or_missing_path_is_root)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'','requestContext':{}}", ""), 0);
    expect_str(req.path, "/");
    cr_assert_eq(decode_event("{'version':'2.0','requestContext':{'http':{'method':'GET'}}}", ""), 0);
    expect_str(req.path, "/");
    expect_str(req.raw_path, "/");
}

Test(lambda_events, trailing_slash_is_kept)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/items/','requestContext':{}}", ""), 0);
    expect_str(req.path, "/items/");
}

/* ---- stages and base paths ---- */

#define V2_AT(path, stage) \
    "{'version':'2.0','rawPath':'" path "','requestContext':{'http':{'method':'GET'},'stage':'" stage "'}}"

Test(lambda_events, named_stage_is_stripped_on_whole_segments)
{
    cr_assert_eq(decode_event(V2_AT("/dev/items", "dev"), ""), 0);
    expect_str(req.path, "/items");
    expect_str(req.root_path, "/dev");
    expect_str(req.stage, "dev");
    cr_assert_eq(decode_event(V2_AT("/dev", "dev"), ""), 0);
    expect_str(req.path, "/");
    expect_str(req.raw_path, "/");
    cr_assert_eq(decode_event(V2_AT("/development/x", "dev"), ""), 0);
    expect_str(req.path, "/development/x");
    expect_str(req.root_path, "");
    cr_assert_eq(decode_event(V2_AT("/$default/x", "$default"), ""), 0);
    expect_str(req.path, "/$default/x");
}

/* The stage stays out of the path (even a path that looks like it) and
 * becomes the root path, from requestContext.path. */
Test(lambda_events, rest_never_adds_or_strips_the_stage)
{
    cr_assert_eq(
        decode_event("{'httpMethod':'GET','path':'/prod/x','requestContext':{'stage':'prod','path':'/prod/prod/x'}}",
                     ""),
        0);
    expect_str(req.path, "/prod/x");
    expect_str(req.root_path, "/prod");
    expect_str(req.stage, "prod");
}

Test(lambda_events, rest_root_path_comes_from_the_context_path)
{
    static const struct {
        const char *event, *root_path;
    } cases[] = {
        { "{'httpMethod':'GET','path':'/','requestContext':{'stage':'prod','path':'/prod/'}}", "/prod" },
        { "{'httpMethod':'GET','path':'/','requestContext':{'stage':'prod','path':'/prod'}}", "/prod" },
        { "{'httpMethod':'GET','path':'/a%20b','requestContext':{'stage':'v1','path':'/v1/a%20b'}}", "/v1" },
        /* a custom domain: the context path is the path, no prefix */
        { "{'httpMethod':'GET','path':'/x','requestContext':{'stage':'prod','path':'/x'}}", "" },
        /* not a suffix: nothing is guessed */
        { "{'httpMethod':'GET','path':'/x','requestContext':{'stage':'prod','path':'/prod/y'}}", "" },
        { "{'httpMethod':'GET','path':'/x','requestContext':{'stage':'prod'}}", "" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        cr_assert_eq(decode_event(cases[i].event, ""), 0, "case %zu", i);
        expect_str(req.root_path, cases[i].root_path);
    }
}

Test(lambda_events, authorizer_and_domain_are_kept)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','headers':{'Host':'h.example'},"
                              "'requestContext':{'domainName':'api.example','authorizer':{'claims':{'sub':'u1'},"
                              "'n':[1,{'x':2}]},'stage':'s'}}",
                              ""),
                 0);
    expect_str(req.authorizer, "{\"claims\":{\"sub\":\"u1\"},\"n\":[1,{\"x\":2}]}");
    expect_str(req.domain, "api.example");
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','headers':{'Host':'h.example'},'requestContext':{}}", ""),
                 0);
    cr_assert_null(req.authorizer.ptr);
    expect_str(req.domain, "h.example");
}

Test(lambda_events, base_path_is_stripped_on_whole_segments_once)
{
    const char *at_api = "{'httpMethod':'GET','path':'/api/api/items','requestContext':{}}";
    cr_assert_eq(decode_event(at_api, "/api"), 0);
    expect_str(req.path, "/api/items");
    expect_str(req.raw_path, "/api/items");
    expect_str(req.root_path, "/api");
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/api','requestContext':{}}", "/api"), 0);
    expect_str(req.path, "/");
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/apiary','requestContext':{}}", "/api"), 0);
    expect_str(req.path, "/apiary");
    expect_str(req.root_path, "");
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/v1/api/x','requestContext':{}}", "/v1/api"), 0);
    expect_str(req.path, "/x");
    expect_str(req.root_path, "/v1/api");
}

Test(lambda_events, base_path_is_not_stripped_across_an_escaped_slash)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/api%2Fx/y','requestContext':{}}", "/api"), 0);
    expect_str(req.path, "/api/x/y");
    expect_str(req.raw_path, "/api%2Fx/y");
    expect_str(req.root_path, "");
}

Test(lambda_events, stage_then_base_path)
{
    cr_assert_eq(decode_event(V2_AT("/dev/api/items", "dev"), "/api"), 0);
    expect_str(req.path, "/items");
    expect_str(req.root_path, "/dev/api");
}

/* ---- query ---- */

Test(lambda_events, rest_query_values_are_decoded_and_reencoded)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','requestContext':{},"
                              "'queryStringParameters':{'q':'x+y','empty':''},"
                              "'multiValueQueryStringParameters':{'q':['a b','x+y'],'empty':[''],'&':['=']}}",
                              ""),
                 0);
    cr_expect_str_eq(joined(req.query, req.nquery, "&"), "q=a b&q=x+y&empty=&&==");
    expect_str(req.query_string, "q=a%20b&q=x%2By&empty=&%26=%3D");
}

Test(lambda_events, rest_query_falls_back_to_single_values)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','requestContext':{},"
                              "'queryStringParameters':{'a':'1'},'multiValueQueryStringParameters':null}",
                              ""),
                 0);
    cr_expect_str_eq(joined(req.query, req.nquery, "&"), "a=1");
}

Test(lambda_events, http_api_query_is_verbatim)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','rawQueryString':'a=1,2&a=3&b=x%2By+z',"
                              "'queryStringParameters':{'a':'1,2,3'},'requestContext':{'http':{'method':'GET'}}}",
                              ""),
                 0);
    expect_str(req.query_string, "a=1,2&a=3&b=x%2By+z");
    cr_expect_str_eq(joined(req.query, req.nquery, "&"), "a=1,2&a=3&b=x+y z");
}

Test(lambda_events, alb_query_is_undecoded_as_sent)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','requestContext':{'elb':{}},"
                              "'queryStringParameters':{'q2':'b+c','q3':'b%20c','q5':'%2Fsome%2Fpath%2F'}}",
                              ""),
                 0);
    expect_str(req.query_string, "q2=b+c&q3=b%20c&q5=%2Fsome%2Fpath%2F");
    cr_expect_str_eq(joined(req.query, req.nquery, "&"), "q2=b c&q3=b c&q5=/some/path/");
    cr_expect_not(reply.multi_value);
}

/* Lattice events are told by their own keys; each near miss is refused or
 * taken for what it is (§1.1). */
Test(lambda_events, lattice_is_recognised_strictly)
{
    static const struct {
        const char *event, *source_or_refusal;
    } cases[] = {
        { "{'raw_path':'/x','method':'GET'}", "vpc-lattice" },
        { "{'version':'2.0','path':'/x','method':'GET','requestContext':{'targetGroupArn':'arn'}}", "vpc-lattice" },
        /* a requestContext: not version 1, and not any other source either */
        { "{'raw_path':'/x','method':'GET','requestContext':{}}", NOT_HTTP },
        /* version 2 needs both its version and the target group */
        { "{'path':'/x','method':'GET','requestContext':{'targetGroupArn':'arn'}}", NOT_HTTP },
        { "{'version':'1.0','path':'/x','method':'GET','requestContext':{'targetGroupArn':'arn'}}", NOT_HTTP },
        /* ALB's target group is under requestContext.elb */
        { "{'version':'2.0','path':'/x','httpMethod':'GET','requestContext':{'elb':{'targetGroupArn':'arn'}}}",
          "alb" },
        /* an HTTP API event that happens to carry a method key is still one */
        { "{'version':'2.0','rawPath':'/x','method':'GET','requestContext':{'http':{'method':'GET'}}}",
          "apigw-http" },
        { "{'raw_path':'/x'}", "the vpc-lattice event has no HTTP method" },
        { "{'version':'2.0','path':'/x','requestContext':{'targetGroupArn':'arn'}}",
          "the vpc-lattice event has no HTTP method" },
    };
    for (size_t i = 0; i < CG_LEN(cases); i++) {
        const char *want = cases[i].source_or_refusal;
        int rc = decode_event(cases[i].event, "");
        if (strchr(want, ' ')) {
            cr_expect_eq(rc, -1, "case %zu accepted", i);
            cr_expect(rc == 0 || strstr(err, want), "case %zu: %s", i, err);
        } else {
            cr_expect_eq(rc, 0, "case %zu: %s", i, err);
            cr_expect(rc != 0 || cg_str_eq_c(req.source, want), "case %zu: %.*s", i, (int)req.source.len,
                      req.source.ptr);
        }
    }
}

Test(lambda_events, lattice_has_no_stage_and_takes_the_base_path)
{
    cr_assert_eq(decode_event("{'version':'2.0','path':'/api/items','method':'GET','headers':{'host':['h.example']},"
                              "'requestContext':{'targetGroupArn':'arn','region':'us-east-1'}}",
                              "/api"),
                 0, "%s", err);
    expect_str(req.path, "/items");
    expect_str(req.root_path, "/api");
    cr_expect_null(req.stage.ptr);
    expect_str(req.domain, "h.example");
    expect_str(req.event_context, "{\"targetGroupArn\":\"arn\",\"region\":\"us-east-1\"}");
}

/* ---- headers, cookies, body, client ---- */

Test(lambda_events, rest_repeated_headers_come_from_multi_value)
{
    cr_assert_eq(decode_event("{'httpMethod':'GET','path':'/','requestContext':{},"
                              "'headers':{'X-Multi':'b','Host':'h'},"
                              "'multiValueHeaders':{'X-Multi':['a','b'],'Host':['h'],'cookie':['a=1','b=2']}}",
                              ""),
                 0);
    cr_expect_eq(req.nheaders, 5);
    cr_expect(has_header("X-Multi: a") && has_header("X-Multi: b"));
    cr_expect_str_eq(joined(req.cookies, req.ncookies, "; "), "a=1; b=2");
}

/* headers is skipped for multiValueHeaders, and read after all when that
 * is empty, absent or null, wherever it comes; strict inside either way. */
Test(lambda_events, rest_headers_are_read_when_multi_value_has_none)
{
    static const char *const multi[] = { "", ",'multiValueHeaders':{}", ",'multiValueHeaders':null" };
    for (size_t i = 0; i < CG_LEN(multi); i++) {
        char event[256];
        snprintf(event, sizeof event,
                 "{'httpMethod':'GET','path':'/','requestContext':{},'headers':{'X-One':'a','Host':'h'}%s}", multi[i]);
        cr_assert_eq(decode_event(event, ""), 0, "%s", err);
        cr_expect_eq(req.nheaders, 2, "%s", event);
        cr_expect(has_header("X-One: a") && has_header("Host: h"), "%s", event);
    }
    cr_expect_eq(decode_event("{'httpMethod':'GET','path':'/','requestContext':{},"
                              "'headers':{'X-One':'\\ud800'},'multiValueHeaders':{'X-One':['a']}}",
                              ""),
                 -1);
    cr_expect(strstr(err, "surrogate"), "%s", err);
}

Test(lambda_events, http_api_cookies_become_one_header)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','cookies':['a=1','b=2'],"
                              "'headers':{'x-two':'first,second'},'requestContext':{'http':{'method':'GET'}}}",
                              ""),
                 0);
    cr_expect(has_header("cookie: a=1; b=2"));
    cr_expect(has_header("x-two: first,second"));
    cr_expect_str_eq(joined(req.cookies, req.ncookies, "; "), "a=1; b=2");
}

Test(lambda_events, function_url_cookie_header_is_replaced)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','cookies':['a=1','b=2'],"
                              "'headers':{'cookie':'a=1; b=2','host':'x'},"
                              "'requestContext':{'http':{'method':'GET'},"
                              "'domainName':'x.lambda-url.us-east-1.on.aws'}}",
                              ""),
                 0);
    cr_expect_eq(req.nheaders, 2);
    cr_expect_str_eq(joined(req.cookies, req.ncookies, "; "), "a=1; b=2");
}

Test(lambda_events, alb_null_fields_are_normal)
{
    cr_assert_eq(decode_event("{'httpMethod':'POST','path':'/x','requestContext':{'elb':{'targetGroupArn':'arn'}},"
                              "'headers':null,'queryStringParameters':null,'body':null,'isBase64Encoded':null,"
                              "'multiValueHeaders':{'x-forwarded-for':['203.0.113.9, 10.0.0.1'],'x-null':null},"
                              "'multiValueQueryStringParameters':{'a':['1','2']}}",
                              ""),
                 0, "%s", err);
    expect_str(req.body, "");
    expect_str(req.client_addr, "10.0.0.1");
    expect_str(req.query_string, "a=1&a=2");
    cr_expect_eq(req.nheaders, 1);
    cr_expect(reply.multi_value);
    expect_str(req.scheme, "http");
}

Test(lambda_events, base64_body_is_decoded)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','body':'AAEC/w==','isBase64Encoded':true,"
                              "'requestContext':{'http':{'method':'POST'}}}",
                              ""),
                 0);
    cr_assert_eq(req.body.len, 4);
    cr_expect(memcmp(req.body.ptr, "\x00\x01\x02\xff", 4) == 0);
}

Test(lambda_events, invalid_base64_body_is_refused)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','body':'a$b=','isBase64Encoded':true,"
                              "'requestContext':{'http':{'method':'POST'}}}",
                              ""),
                 -1);
    cr_expect(strstr(err, "base64"), "%s", err);
}

Test(lambda_events, client_address_origin_and_host)
{
    cr_assert_eq(decode_event("{'version':'2.0','rawPath':'/','headers':{'x-forwarded-proto':'http',"
                              "'x-forwarded-port':'8080'},'requestContext':{'http':{'method':'GET','sourceIp':"
                              "'192.168.0.1/32'},'domainName':'abc.execute-api.eu-west-1.amazonaws.com'}}",
                              ""),
                 0);
    expect_str(req.client_addr, "192.168.0.1");
    expect_str(req.scheme, "http");
    cr_expect_eq(req.server_port, 8080);
    cr_expect(has_header("host: abc.execute-api.eu-west-1.amazonaws.com"));
    expect_str(req.event_context,
               "{\"http\":{\"method\":\"GET\",\"sourceIp\":\"192.168.0.1/32\"},\"domainName\":\"abc.execute-api.eu-"
               "west-1.amazonaws.com\"}");
}

Test(lambda_events, escaped_strings_are_copied)
{
    cr_assert_eq(decode_event("{'httpMethod':'G\\u0045T','path':'/a\\/b','requestContext':{},"
                              "'headers':{'x-q':'say \\'hi\\''}}",
                              ""),
                 0);
    expect_str(req.method, "GET");
    expect_str(req.path, "/a/b");
    cr_expect(has_header("x-q: say \"hi\""));
}

/* ---- refusals ---- */

Test(lambda_events, non_http_events_are_refused)
{
    static const char *const events[] = {
        "{'Records':[{'eventSource':'aws:s3'}]}",
        "{'source':'aws.events','detail-type':'Scheduled Event'}",
        "{'version':'2.0','requestContext':{'http':{}}}",
        "[]",
        "'a string'",
    };
    for (size_t i = 0; i < CG_LEN(events); i++) {
        cr_expect_eq(decode_event(events[i], ""), -1, "%s was accepted", events[i]);
        cr_expect(err[0], "no message for %s", events[i]);
    }
}

Test(lambda_events, malformed_json_is_refused)
{
    cr_assert_eq(decode(CG_STR("{\"version\":\"2.0\","), ""), -1);
    cr_expect(strstr(err, "not valid JSON"), "%s", err);
    cr_assert_eq(decode(CG_STR("{\"a\":\"\xff\"}"), ""), -1, "invalid UTF-8 accepted");
    cr_assert_eq(decode(CG_STR(""), ""), -1);
}
