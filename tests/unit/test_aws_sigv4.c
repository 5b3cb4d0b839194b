/* SigV4's canonical pieces: URI encoding, the canonical URI and query,
 * header value trimming, and AWS's documented IAM ListUsers example.
 * Whole signatures are compared with botocore's in test_aws.py. */
#include <criterion/criterion.h>

#include "aws/aws_internal.h"

static struct cg_buf out;

static void setup(void)
{
    cg_buf_init(&out, NULL);
}

static void teardown(void)
{
    cg_buf_free(&out);
}

TestSuite(sigv4, .init = setup, .fini = teardown);

#define assert_out(expected)                                                                         \
    cr_assert(cg_str_eq(cg_buf_str(&out), CG_STR(expected)), "got '%.*s', want '%s'", (int)out.len, \
              out.data ? out.data : "", expected)

Test(sigv4, uri_encode_keeps_only_unreserved)
{
    cg__sigv4_uri_encode(&out, CG_STR("aZ09-_.~ /+=%\xc3\xa9*"), false);
    assert_out("aZ09-_.~%20%2F%2B%3D%25%C3%A9%2A");
}

Test(sigv4, uri_encode_may_keep_slashes)
{
    cg__sigv4_uri_encode(&out, CG_STR("/a b/c"), true);
    assert_out("/a%20b/c");
}

Test(sigv4, canonical_uri_of_an_empty_path_is_a_slash)
{
    cg__sigv4_canonical_uri(&out, CG_STR(""));
    assert_out("/");
}

Test(sigv4, canonical_uri_removes_dot_and_empty_segments)
{
    cg__sigv4_canonical_uri(&out, CG_STR("/a/./b/../c//d/"));
    assert_out("/a/c/d/");
}

Test(sigv4, canonical_uri_cannot_climb_above_the_root)
{
    cg__sigv4_canonical_uri(&out, CG_STR("/../../x"));
    assert_out("/x");
}

Test(sigv4, canonical_uri_encodes_a_second_time)
{
    cg__sigv4_canonical_uri(&out, CG_STR("/d%20e/~f"));
    assert_out("/d%2520e/~f");
}

Test(sigv4, query_pairs_are_encoded_then_sorted_by_name_then_value)
{
    const struct cg_kv q[] = {
        { CG_STR("b"), CG_STR("x y") }, { CG_STR("a"), CG_STR("2") }, { CG_STR("a"), CG_STR("1") },
        { CG_STR("Z"), CG_STR("") },    { CG_STR("c/d"), CG_STR("+") },
    };
    cg_aws_query_string(&out, q, CG_LEN(q));
    assert_out("Z=&a=1&a=2&b=x%20y&c%2Fd=%2B");
}

Test(sigv4, no_query_is_empty)
{
    cg_aws_query_string(&out, NULL, 0);
    assert_out("");
}

Test(sigv4, header_values_are_trimmed_and_blanks_squeezed)
{
    cg__sigv4_trim_value(&out, CG_STR("  a   b\t\tc  "));
    assert_out("a b c");
}

Test(sigv4, header_value_of_blanks_only_is_empty)
{
    cg__sigv4_trim_value(&out, CG_STR(" \t "));
    assert_out("");
}

/* docs.aws.amazon.com, "Create a canonical request" (IAM ListUsers). */
Test(sigv4, canonical_request_of_the_aws_example)
{
    const struct cg_kv q[] = { { CG_STR("Version"), CG_STR("2010-05-08") }, { CG_STR("Action"), CG_STR("ListUsers") } };
    const struct cg_kv h[] = { { CG_STR("Content-Type"), CG_STR("application/x-www-form-urlencoded; charset=utf-8") } };
    struct cg_aws_request req = { .method = "GET", .path = CG_STR("/"), .query = q, .nquery = 2, .headers = h,
                                  .nheaders = 1 };
    struct cg_buf names;
    cg_buf_init(&names, NULL);
    cg__sigv4_canonical_request(&req, CG_STR("iam.amazonaws.com"), "20150830T123600Z", (cg_str){ NULL, 0 }, &out,
                                &names);
    assert_out("GET\n/\nAction=ListUsers&Version=2010-05-08\n"
               "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
               "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
               "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cg_buf_free(&names);
}

Test(sigv4, signature_of_the_aws_example)
{
    const struct cg_kv q[] = { { CG_STR("Version"), CG_STR("2010-05-08") }, { CG_STR("Action"), CG_STR("ListUsers") } };
    const struct cg_kv h[] = { { CG_STR("Content-Type"), CG_STR("application/x-www-form-urlencoded; charset=utf-8") } };
    struct cg_aws_request req = { .method = "GET", .path = CG_STR("/"), .query = q, .nquery = 2, .headers = h,
                                  .nheaders = 1 };
    struct cg_aws_credentials creds = { CG_STR("AKIDEXAMPLE"), CG_STR("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") };
    cg_aws_sign(&creds, "us-east-1", "iam", CG_STR("iam.amazonaws.com"), 1440938160, &req, &out);
    assert_out("X-Amz-Date: 20150830T123600Z\r\n"
               "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
               "SignedHeaders=content-type;host;x-amz-date, "
               "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n");
}

Test(sigv4, endpoint_parsing)
{
    struct aws_endpoint ep;
    char err[256];
    cr_assert_eq(cg__aws_endpoint_parse("https://dynamodb.eu-west-1.amazonaws.com", &ep, err, sizeof err), 0);
    cr_assert(ep.tls && ep.port == 443);
    cr_assert_str_eq(ep.host_header, "dynamodb.eu-west-1.amazonaws.com");
    cr_assert_eq(cg__aws_endpoint_parse("http://127.0.0.1:8000/", &ep, err, sizeof err), 0);
    cr_assert(!ep.tls && ep.port == 8000);
    cr_assert_str_eq(ep.host_header, "127.0.0.1:8000");
    cr_assert_eq(cg__aws_endpoint_parse("https://[::1]:443", &ep, err, sizeof err), 0);
    cr_assert_str_eq(ep.host, "::1");
    cr_assert_str_eq(ep.host_header, "[::1]");
    cr_assert_eq(cg__aws_endpoint_parse("http://10.0.0.1:8000", &ep, err, sizeof err), -1);
    cr_assert_eq(cg__aws_endpoint_parse("ftp://x", &ep, err, sizeof err), -1);
    cr_assert_eq(cg__aws_endpoint_parse("https://host:99999", &ep, err, sizeof err), -1);
}
