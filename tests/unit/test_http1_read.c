/* The HTTP/1.1 response reader (src/net/http1_read.c): every rule of
 * http1_internal.h, each response fed whole, one byte per read, and in
 * random pieces, which must all give the same result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "net/http1_internal.h"

/* A stream over a string, given out in pieces of `piece` bytes (0: random
 * sizes from `seed`); after the string, a read fails with `error` (0: the
 * peer closes). */
struct feed {
    const char *data;
    size_t len, pos;
    size_t piece;
    unsigned seed;
    int error;
    int interrupts; /* reads that fail with EINTR first */
};

static ssize_t feed_read(void *stream, char *buf, size_t cap)
{
    struct feed *f = stream;
    if (f->interrupts > 0) {
        f->interrupts--;
        errno = EINTR;
        return -1;
    }
    if (f->pos == f->len && f->error) {
        errno = f->error;
        return -1;
    }
    size_t n = f->piece ? f->piece : 1 + (size_t)rand_r(&f->seed) % 64;
    if (n > cap)
        n = cap;
    if (n > f->len - f->pos)
        n = f->len - f->pos;
    memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    memset(buf + n, 'x', cap - n < 64 ? cap - n : 64); /* a read may scribble past what it returns */
    return (ssize_t)n;
}

/* What one read gave: the headers as "name=value;" ("name=value~;" when
 * cut), the body, the rest. */
struct result {
    enum http1_status st;
    int status;
    bool keep_alive;
    size_t received;
    const char *why;
    struct cg_buf headers, body;
};

static void on_header(void *ud, cg_str name, cg_str value, bool cut)
{
    struct cg_buf *b = ud;
    cr_assert_eq(value.ptr[value.len], '\0', "value not NUL-terminated");
    cr_assert(value.len <= HTTP1_MAX_VALUE);
    cg_buf_printf(b, "%.*s=%.*s%s;", (int)name.len, name.ptr, (int)value.len, value.ptr, cut ? "~" : "");
}

static void read_with(struct feed *f, struct result *out)
{
    cg_buf_init(&out->headers, NULL);
    cg_buf_init(&out->body, NULL);
    struct http1_response res = { .body = &out->body, .on_header = on_header, .ud = &out->headers };
    out->why = "";
    out->st = cg__http1_read_response(feed_read, f, &res, &out->why);
    out->status = res.status;
    out->keep_alive = res.keep_alive;
    out->received = res.received;
}

static void result_free(struct result *r)
{
    cg_buf_free(&r->headers);
    cg_buf_free(&r->body);
}

static bool same_result(const struct result *a, const struct result *b)
{
    return a->st == b->st && a->status == b->status && a->keep_alive == b->keep_alive &&
           strcmp(a->why, b->why) == 0 && cg_str_eq(cg_buf_str(&a->headers), cg_buf_str(&b->headers)) &&
           cg_str_eq(cg_buf_str(&a->body), cg_buf_str(&b->body));
}

/* Reads `wire` whole into *out, then one byte per read and in random
 * pieces (`splits` seeds), checking that each gives the same. */
static void read_all_ways(const char *wire, size_t len, int splits, struct result *out)
{
    struct feed whole = { .data = wire, .len = len, .piece = len ? len : 1 };
    read_with(&whole, out);
    cr_assert(out->received <= len);
    struct feed bytes = { .data = wire, .len = len, .piece = 1 };
    struct result r;
    read_with(&bytes, &r);
    cr_assert(same_result(out, &r), "one byte per read differs: %d vs %d (%s vs %s)", r.st, out->st, r.why,
              out->why);
    result_free(&r);
    for (int seed = 1; seed <= splits; seed++) {
        struct feed random = { .data = wire, .len = len, .seed = (unsigned)seed };
        read_with(&random, &r);
        cr_assert(same_result(out, &r), "random pieces (seed %d) differ: %d vs %d (%s vs %s)", seed, r.st, out->st,
                  r.why, out->why);
        result_free(&r);
    }
}

#define SPLITS 20

static void expect_ok(const char *wire, int status, const char *headers, const char *body, bool keep_alive)
{
    struct result r;
    read_all_ways(wire, strlen(wire), SPLITS, &r);
    cr_assert_eq(r.st, HTTP1_OK, "%s: %s", wire, r.why);
    cr_assert_eq(r.status, status);
    cr_assert(cg_str_eq(cg_buf_str(&r.headers), cg_str_c(headers)), "headers %.*s", (int)r.headers.len,
              r.headers.data);
    cr_assert(cg_str_eq(cg_buf_str(&r.body), cg_str_c(body)), "body %.*s", (int)r.body.len, r.body.data);
    cr_assert_eq(r.keep_alive, keep_alive, "keep_alive of %s", wire);
    result_free(&r);
}

/* The reader refuses `wire` with a *why that holds `why`. */
static void expect_bad_len(const char *wire, size_t len, const char *why)
{
    struct result r;
    read_all_ways(wire, len, SPLITS, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE, "%.*s read as %d", (int)len, wire, r.st);
    cr_assert(strstr(r.why, why), "why: \"%s\", expected \"%s\"", r.why, why);
    result_free(&r);
}

static void expect_bad(const char *wire, const char *why)
{
    expect_bad_len(wire, strlen(wire), why);
}

static void expect_closed(const char *wire)
{
    struct result r;
    read_all_ways(wire, strlen(wire), SPLITS, &r);
    cr_assert_eq(r.st, HTTP1_CLOSED, "%s read as %d (%s)", wire, r.st, r.why);
    cr_assert_eq(r.received, strlen(wire));
    result_free(&r);
}

Test(http1_read, status_line_headers_and_body)
{
    expect_ok("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Id:  abc \t\r\nContent-Length: 2\r\n\r\n{}",
              200, "Content-Type=application/json;X-Id=abc;Content-Length=2;", "{}", true);
    expect_ok("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n", 202, "Content-Length=0;", "", true);
    /* names as sent; an empty value; every tchar; HTAB inside a value; obs-text */
    expect_ok("HTTP/1.1 404 Not Found\r\nx-EMPTY:\r\n!#$%&'*+-.^_`|~09aZ: a\tb\r\nX-T: caf\xc3\xa9\r\n"
              "Content-Length: 1\r\n\r\nx",
              404, "x-EMPTY=;!#$%&'*+-.^_`|~09aZ=a\tb;X-T=caf\xc3\xa9;Content-Length=1;", "x", true);
    /* no reason phrase, with or without its SP; a reason with obs-text and HTAB */
    expect_ok("HTTP/1.1 204\r\n\r\n", 204, "", "", true);
    expect_ok("HTTP/1.1 204 \r\n\r\n", 204, "", "", true);
    expect_ok("HTTP/1.1 200 \xe9t\xe9\tok\r\nContent-Length: 0\r\n\r\n", 200, "Content-Length=0;", "", true);
    expect_ok("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n", 599, "Content-Length=0;", "", true);
}

Test(http1_read, bad_status_lines)
{
    expect_bad("HTTP/2.0 200 OK\r\n\r\n", "not an HTTP/1.1 or HTTP/1.0 status line");
    expect_bad("HTTP/1.2 200 OK\r\n\r\n", "not an HTTP/1.1 or HTTP/1.0 status line");
    expect_bad("http/1.1 200 OK\r\n\r\n", "not an HTTP/1.1 or HTTP/1.0 status line");
    expect_bad("HTTP/1.1  200 OK\r\n\r\n", "status code not three digits");
    expect_bad("HTTP/1.1 20 OK\r\n\r\n", "status code not three digits");
    expect_bad("HTTP/1.1 2000 OK\r\n\r\n", "status code not three digits");
    expect_bad("HTTP/1.1 200OK\r\n\r\n", "status code not three digits");
    expect_bad("HTTP/1.1 20x OK\r\n\r\n", "status code not three digits");
    expect_bad("HTTP/1.1 099 X\r\n\r\n", "status code out of 100-599");
    expect_bad("HTTP/1.1 600 X\r\n\r\n", "status code out of 100-599");
    expect_bad("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "no upgrade was asked");
    expect_bad("HTTP/1.1\r\n\r\n", "not an HTTP/1.1 or HTTP/1.0 status line");
    expect_bad("\r\n", "not an HTTP/1.1 or HTTP/1.0 status line");
}

Test(http1_read, line_ends_and_control_characters)
{
    expect_bad("HTTP/1.1 200 OK\nContent-Length: 0\n\n", "bare LF");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n", "bare LF");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n", "bare LF");
    expect_bad("HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", "CR not followed by LF");
    expect_bad("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "CR not followed by LF");
    static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";
    expect_bad_len(nul, sizeof nul - 1, "control character");
    expect_bad("HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n", "control character");
    expect_bad("HTTP/1.1 200 OK\r\nX: \x1b[31m\r\n\r\n", "control character");
    expect_bad("HTTP/1.1 200 O\x01K\r\n\r\n", "control character");
}

Test(http1_read, header_names)
{
    expect_bad("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "header name not a token");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", "header name not a token");
    expect_bad("HTTP/1.1 200 OK\r\nBad(Name): x\r\n\r\n", "header name not a token");
    expect_bad("HTTP/1.1 200 OK\r\nB\xc3\xa4" "d: x\r\n\r\n", "header name not a token");
    expect_bad("HTTP/1.1 200 OK\r\n: x\r\n\r\n", "header line without a name");
    expect_bad("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "header line without ':'");
    expect_bad("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", "obs-fold");
    expect_bad("HTTP/1.1 200 OK\r\nX: a\r\n\tb\r\n\r\n", "obs-fold");
    expect_bad("HTTP/1.1 200 OK\r\n X: a\r\n\r\n", "obs-fold");
}

/* A head of exactly `size` bytes: the status line, filler headers, the end. */
static char *head_of_size(size_t size)
{
    const char *start = "HTTP/1.1 204 No Content\r\n";
    char *head = malloc(size + 1);
    size_t len = strlen(start);
    memcpy(head, start, len);
    for (size_t left; (left = size - len - 2) > 0;) { /* lines "X: vvv\r\n" of 5 to 1000 bytes */
        size_t line = left > 1000 ? 1000 : left;
        if (left - line > 0 && left - line < 5)
            line -= 5;
        memcpy(head + len, "X: ", 3);
        memset(head + len + 3, 'v', line - 5);
        memcpy(head + len + line - 2, "\r\n", 2);
        len += line;
    }
    memcpy(head + len, "\r\n", 3);
    return head;
}

Test(http1_read, head_size_bound)
{
    char *head = head_of_size(HTTP1_MAX_HEAD);
    struct result r;
    read_all_ways(head, strlen(head), 2, &r);
    cr_assert_eq(r.st, HTTP1_OK, "%s", r.why);
    result_free(&r);
    free(head);
    head = head_of_size(HTTP1_MAX_HEAD + 1);
    read_all_ways(head, strlen(head), 2, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE);
    cr_assert_str_eq(r.why, "response head over 16384 bytes");
    result_free(&r);
    free(head);
    /* one line longer than the bound, never ending */
    char *endless = malloc(40000);
    memcpy(endless, "HTTP/1.1 200 OK\r\nX: ", 20);
    memset(endless + 20, 'a', 40000 - 20);
    read_all_ways(endless, 40000, 2, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE);
    cr_assert_str_eq(r.why, "response head over 16384 bytes");
    result_free(&r);
    free(endless);
}

Test(http1_read, long_values_are_cut)
{
    char wire[4096];
    char value[2001];
    memset(value, 'v', 2000);
    value[2000] = '\0';
    snprintf(wire, sizeof wire, "HTTP/1.1 200 OK\r\nX-Long: %s\r\nX-Max: %.1023s\r\nContent-Length: 0\r\n\r\n", value,
             value);
    char expected[4096];
    snprintf(expected, sizeof expected, "X-Long=%.1023s~;X-Max=%.1023s;Content-Length=0;", value, value);
    expect_ok(wire, 200, expected, "", true);
}

Test(http1_read, content_length)
{
    expect_ok("HTTP/1.1 200 OK\r\ncontent-length: 3\r\nCONTENT-LENGTH: 3\r\n\r\nabcdef", 200,
              "content-length=3;CONTENT-LENGTH=3;", "abc", true);
    expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 007\r\n\r\n1234567", 200, "Content-Length=007;", "1234567", true);
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "disagree");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", "not a decimal number");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a decimal number");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx", "not a decimal number");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", "not a decimal number");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "empty Content-Length");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n", "Content-Length too large");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "Content-Length too large");
    /* a length that fits but is never sent: the peer closes first */
    expect_closed("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc");
    expect_bad("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
               "both Content-Length and Transfer-Encoding");
}

Test(http1_read, chunked)
{
    expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n1;name=value;x\r\n,\r\nA \t;ext\r\n0123456789\r\n00\r\n\r\n",
              200, "Transfer-Encoding=chunked;", "hello,0123456789", true);
    /* trailers read and dropped; hex in both cases; a kept-alive close */
    expect_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n"
              "1a\r\nabcdefghijklmnopqrstuvwxyz\r\n1A\r\nABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n0\r\nX-Sum: 1\r\nX-T: 2\r\n\r\n",
              200, "Transfer-Encoding=Chunked;Connection=close;",
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", false);
    const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    char wire[512];
    static const struct {
        const char *rest, *why;
    } bad[] = {
        { "g\r\n", "chunk size not hexadecimal" },
        { "\r\n", "chunk size not hexadecimal" },
        { ";x\r\n", "chunk size not hexadecimal" },
        { "5 x\r\nhello\r\n0\r\n\r\n", "other than an extension" },
        { "10000000000000000\r\n", "chunk size too large" },
        { "3\r\nhello\r\n0\r\n\r\n", "chunk data longer than its size" },
        { "5\r\nhello0\r\n\r\n", "chunk data longer than its size" },
        { "5\r\nhello\n0\r\n\r\n", "bare LF" },
        { "0\r\nBad Trailer: x\r\n\r\n", "header name not a token" },
        { "0\r\n folded\r\n\r\n", "obs-fold" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(wire, sizeof wire, "%s%s", h, bad[i].rest);
        expect_bad(wire, bad[i].why);
    }
    expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "Transfer-Encoding other than chunked");
    expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "Transfer-Encoding other than chunked");
    expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "Transfer-Encoding other than chunked");
    expect_bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
               "chunked given twice");
    expect_bad("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "in an HTTP/1.0 response");
    expect_closed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
    expect_closed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    expect_closed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: 1\r\n");
}

Test(http1_read, chunked_trailers_and_size_lines_are_bounded)
{
    const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    size_t hlen = strlen(h), len = hlen + 20000;
    char *wire = malloc(len);
    memcpy(wire, h, hlen);
    memcpy(wire + hlen, "0\r\nX: ", 6);
    memset(wire + hlen + 6, 't', len - hlen - 6);
    struct result r;
    read_all_ways(wire, len, 2, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE);
    cr_assert_str_eq(r.why, "trailers over 16384 bytes");
    result_free(&r);
    memcpy(wire + hlen, "1;", 2);
    memset(wire + hlen + 2, 'e', len - hlen - 2);
    read_all_ways(wire, len, 2, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE);
    cr_assert_str_eq(r.why, "chunk-size line over 16384 bytes");
    result_free(&r);
    free(wire);
}

Test(http1_read, responses_without_a_body)
{
    /* 204 and 304 have none whatever their headers say; what follows is dropped */
    expect_ok("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", 204, "Content-Length=5;", "", true);
    expect_ok("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", 304, "Transfer-Encoding=chunked;",
              "", true);
}

Test(http1_read, interim_responses_are_skipped)
{
    expect_ok("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200,
              "Content-Length=2;", "ok", true);
    expect_ok("HTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
              "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
              201, "Content-Length=0;Connection=close;", "", false);
    /* interim heads count in the bound */
    size_t n = HTTP1_MAX_HEAD / 25 + 1, len = n * 25;
    char *wire = malloc(len + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(wire + i * 25, "HTTP/1.1 100 Continue\r\n\r\n", 25);
    struct result r;
    read_all_ways(wire, len, 2, &r);
    cr_assert_eq(r.st, HTTP1_BAD_RESPONSE);
    cr_assert_str_eq(r.why, "response head over 16384 bytes");
    result_free(&r);
    free(wire);
}

Test(http1_read, keep_alive)
{
    expect_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "Content-Length=0;", "", true);
    expect_ok("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n", 200,
              "Connection=Close;Content-Length=0;", "", false);
    expect_ok("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", 200,
              "Connection=keep-alive, close;Content-Length=0;", "", false);
    expect_ok("HTTP/1.1 200 OK\r\nConnection: upgrade\r\nContent-Length: 0\r\n\r\n", 200,
              "Connection=upgrade;Content-Length=0;", "", true);
    expect_ok("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 200, "Content-Length=0;", "", false);
    expect_ok("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", 200,
              "Connection=Keep-Alive;Content-Length=0;", "", true);
    expect_ok("HTTP/1.0 200 OK\r\nConnection: foo ,keep-alive\r\nContent-Length: 0\r\n\r\n", 200,
              "Connection=foo ,keep-alive;Content-Length=0;", "", true);
    /* a body read until the close: never kept */
    expect_ok("HTTP/1.1 200 OK\r\n\r\nuntil the end", 200, "", "until the end", false);
    expect_ok("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nto the end", 200, "Connection=keep-alive;",
              "to the end", false);
}

Test(http1_read, the_peer_closing_early)
{
    expect_closed("");
    expect_closed("HTTP/1.1 200");
    expect_closed("HTTP/1.1 200 OK\r");
    expect_closed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n");
    expect_closed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r");
    expect_closed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhell");
    expect_closed("HTTP/1.1 100 Continue\r\n\r\n");
}

Test(http1_read, read_errors_and_interrupts)
{
    const char *wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
    struct feed f = { .data = wire, .len = strlen(wire), .piece = 7, .error = ECONNRESET };
    struct result r;
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_READ_ERROR);
    cr_assert_eq(errno, ECONNRESET);
    cr_assert_eq(r.received, strlen(wire));
    result_free(&r);
    /* a body read until the close ends with the close, not with an error */
    wire = "HTTP/1.1 200 OK\r\n\r\npart";
    f = (struct feed){ .data = wire, .len = strlen(wire), .piece = 7, .error = ECONNRESET };
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_READ_ERROR);
    result_free(&r);
    wire = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
    f = (struct feed){ .data = wire, .len = strlen(wire), .piece = 3, .interrupts = 3 };
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_OK);
    cr_assert(cg_str_eq(cg_buf_str(&r.body), CG_STR("hello")));
    result_free(&r);
}

Test(http1_read, stops_at_the_end_of_the_response)
{
    const char *wire = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 500 Later\r\n\r\n";
    struct feed f = { .data = wire, .len = strlen(wire), .piece = 1 };
    struct result r;
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_OK);
    cr_assert_eq(r.received, strlen(wire) - strlen("HTTP/1.1 500 Later\r\n\r\n"), "read past the body");
    result_free(&r);
}

/* A body far larger than the reader's buffer, of known length and chunked. */
Test(http1_read, large_bodies)
{
    size_t size = 3 << 20;
    char *wire = malloc(size + 200);
    int head = sprintf(wire, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", size);
    for (size_t i = 0; i < size; i++)
        wire[head + i] = (char)('a' + i % 26);
    struct feed f = { .data = wire, .len = head + size, .piece = 65536 };
    struct result r;
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_OK, "%s", r.why);
    cr_assert_eq(r.body.len, size);
    cr_assert_eq(memcmp(r.body.data, wire + head, size), 0);
    result_free(&r);
    /* the same bytes, chunked in two */
    head = sprintf(wire, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", size - 10);
    for (size_t i = 0; i < size - 10; i++)
        wire[head + i] = (char)('a' + i % 26);
    size_t len = head + size - 10 + (size_t)sprintf(wire + head + size - 10, "\r\na\r\n0123456789\r\n0\r\n\r\n");
    f = (struct feed){ .data = wire, .len = len, .seed = 7 };
    read_with(&f, &r);
    cr_assert_eq(r.st, HTTP1_OK, "%s", r.why);
    cr_assert_eq(r.body.len, size);
    cr_assert_eq(memcmp(r.body.data + size - 10, "0123456789", 10), 0);
    result_free(&r);
    free(wire);
}

/* Random valid responses, each read whole, bytewise and in random pieces. */
Test(http1_read, random_responses)
{
    unsigned seed = 19;
    static const int statuses[] = { 200, 201, 202, 400, 404, 409, 500, 503 };
    struct cg_buf wire, body;
    cg_buf_init(&wire, NULL);
    cg_buf_init(&body, NULL);
    for (int round = 0; round < 200; round++) {
        wire.len = body.len = 0;
        cg_buf_printf(&wire, "HTTP/1.1 %d R\r\n", statuses[rand_r(&seed) % 8]);
        for (int i = 0, n = rand_r(&seed) % 8; i < n; i++)
            cg_buf_printf(&wire, "X-H%d:%*s%d\r\n", i, rand_r(&seed) % 3, "", rand_r(&seed));
        size_t size = (size_t)rand_r(&seed) % 300;
        for (size_t i = 0; i < size; i++)
            cg_buf_putc(&body, (char)rand_r(&seed));
        bool chunked = rand_r(&seed) % 2;
        if (!chunked) {
            cg_buf_printf(&wire, "Content-Length: %zu\r\n\r\n", size);
            cg_buf_append(&wire, body.data, size);
        } else {
            cg_buf_puts(&wire, "Transfer-Encoding: chunked\r\n\r\n");
            for (size_t at = 0, piece; at < size; at += piece) {
                piece = 1 + (size_t)rand_r(&seed) % (size - at);
                cg_buf_printf(&wire, "%zx\r\n", piece);
                cg_buf_append(&wire, body.data + at, piece);
                cg_buf_puts(&wire, "\r\n");
            }
            cg_buf_puts(&wire, "0\r\n\r\n");
        }
        struct result r;
        read_all_ways(wire.data, wire.len, 3, &r);
        cr_assert_eq(r.st, HTTP1_OK, "%s", r.why);
        cr_assert(cg_str_eq(cg_buf_str(&r.body), cg_buf_str(&body)));
        cr_assert_eq(r.received, wire.len);
        result_free(&r);
    }
    cg_buf_free(&wire);
    cg_buf_free(&body);
}

Test(http1_read, without_a_header_callback)
{
    const char *wire = "HTTP/1.1 200 OK\r\nX-Long: vvvvvvvvvv\r\nContent-Length: 2\r\n\r\nok";
    struct feed f = { .data = wire, .len = strlen(wire), .piece = 5 };
    struct cg_buf body;
    cg_buf_init(&body, NULL);
    struct http1_response res = { .body = &body };
    const char *why = "";
    cr_assert_eq(cg__http1_read_response(feed_read, &f, &res, &why), HTTP1_OK);
    cr_assert(cg_str_eq(cg_buf_str(&body), CG_STR("ok")));
    cg_buf_free(&body);
}

/* ---- pipelined responses: a buffer kept from one read to the next ---- */

static const char pipelined[] = "HTTP/1.1 202 Accepted\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}"
                                "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-2\r\nContent-Length: 5\r\n\r\nhello"
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

/* Reads the three responses of `pipelined` through one kept buffer, the
 * stream giving `piece` bytes per read (0: random pieces). */
static void read_pipelined(size_t piece, unsigned seed)
{
    struct feed f = { .data = pipelined, .len = sizeof pipelined - 1, .piece = piece, .seed = seed };
    static struct http1_buffer kept;
    kept.pos = kept.end = 0;
    const struct { int status; const char *headers, *body; } want[] = {
        { 202, "Content-Length=15;", "{\"status\":\"OK\"}" },
        { 200, "Lambda-Runtime-Aws-Request-Id=r-2;Content-Length=5;", "hello" },
        { 200, "Transfer-Encoding=chunked;", "abc" },
    };
    for (size_t i = 0; i < CG_LEN(want); i++) {
        struct result r;
        cg_buf_init(&r.headers, NULL);
        cg_buf_init(&r.body, NULL);
        struct http1_response res = { .body = &r.body, .on_header = on_header, .ud = &r.headers, .buffer = &kept };
        const char *why = "";
        cr_assert_eq(cg__http1_read_response(feed_read, &f, &res, &why), HTTP1_OK, "response %zu: %s", i, why);
        cr_assert_eq(res.status, want[i].status);
        cr_assert(res.keep_alive);
        cr_assert(cg_str_eq(cg_buf_str(&r.headers), cg_str_c(want[i].headers)), "headers %.*s", (int)r.headers.len,
                  r.headers.data);
        cr_assert(cg_str_eq(cg_buf_str(&r.body), cg_str_c(want[i].body)), "body %.*s", (int)r.body.len, r.body.data);
        result_free(&r);
    }
    cr_assert_eq(kept.pos, kept.end, "bytes left after the last response");
    cr_assert_eq(f.pos, f.len);
}

Test(http1_read, pipelined_responses_through_a_kept_buffer)
{
    read_pipelined(sizeof pipelined - 1, 0); /* all three in one read */
    read_pipelined(1, 0);
    read_pipelined(7, 0);
    for (unsigned seed = 1; seed <= SPLITS; seed++)
        read_pipelined(0, seed);
}

Test(http1_read, a_failed_read_empties_the_kept_buffer)
{
    const char *wire = "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    struct feed f = { .data = wire, .len = strlen(wire), .piece = strlen(wire) };
    static struct http1_buffer kept;
    struct cg_buf body;
    cg_buf_init(&body, NULL);
    struct http1_response res = { .body = &body, .buffer = &kept };
    const char *why = "";
    cr_assert_eq(cg__http1_read_response(feed_read, &f, &res, &why), HTTP1_BAD_RESPONSE);
    cr_assert_eq(kept.pos, 0);
    cr_assert_eq(kept.end, 0);
    cg_buf_free(&body);
}
