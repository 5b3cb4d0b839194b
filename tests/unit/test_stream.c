/* Streamed responses in the core: the writers, Server-Sent Events, and the
 * buffered fallback that HTTP APIs, ALB and invoke use. */
#include <criterion/criterion.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/stream_internal.h"

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(stream, .init = setup, .fini = teardown);

/* A sink that records every chunk as "[chunk]" and refuses after `limit`. */
struct recorder {
    struct cg_buf out;
    int chunks, limit;
};

static int record(void *state, const void *data, size_t len)
{
    struct recorder *r = state;
    if (r->chunks == r->limit)
        return -1;
    r->chunks++;
    cg_buf_putc(&r->out, '[');
    cg_buf_append(&r->out, data, len);
    cg_buf_putc(&r->out, ']');
    return 0;
}

static const char *run(cg_stream_fn fn, void *arg, int limit, int *rc, struct cg_stream *s)
{
    static const struct cg_request req = { .method = CG_STR("GET"), .path = CG_STR("/s") };
    struct cg_response res;
    cg_response_init(&res, arena);
    res.stream = (struct cg_stream_body){ fn, arg };
    struct recorder r = { .limit = limit };
    cg_buf_init(&r.out, arena);
    *rc = cg__stream_run(s, &res, &req, (struct cg_stream_sink){ record, &r });
    return cg_arena_strdup(arena, cg_buf_str(&r.out)).ptr;
}

static int three_lines(struct cg_stream *s, void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        if (cg_stream_printf(s, "line %d\n", i) != 0)
            return -1;
    cg_stream_write(s, "", 0); /* skipped: it would end a chunked body */
    return 0;
}

Test(stream, chunks_reach_the_sink_in_order)
{
    struct cg_stream s;
    int rc;
    cr_assert_str_eq(run(three_lines, NULL, 100, &rc, &s), "[line 0\n][line 1\n][line 2\n]");
    cr_assert_eq(rc, 0);
}

Test(stream, a_gone_client_stops_the_writer)
{
    struct cg_stream s;
    int rc;
    cr_assert_str_eq(run(three_lines, NULL, 1, &rc, &s), "[line 0\n]");
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(s.failure, "the client went away");
    cr_assert_eq(cg_stream_puts(&s, "more"), -1);
}

static int big_printf(struct cg_stream *s, void *arg)
{
    (void)arg;
    char pad[2000];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    return cg_stream_printf(s, "<%s>", pad);
}

Test(stream, printf_takes_long_text)
{
    struct cg_stream s;
    int rc;
    const char *out = run(big_printf, NULL, 100, &rc, &s);
    cr_assert_eq(rc, 0);
    cr_assert_eq(strlen(out), 2003);
}

static int events(struct cg_stream *s, void *arg)
{
    (void)arg;
    cg_sse_send(s, "tick", CG_STR("one"), "1");
    cg_sse_send(s, NULL, CG_STR("a\nb\r\nc\rd\n"), NULL);
    cg_sse_comment(s, "keep-alive");
    return cg_sse_send(s, NULL, CG_STR(""), NULL);
}

Test(stream, server_sent_events_are_framed)
{
    struct cg_stream s;
    int rc;
    cr_assert_str_eq(run(events, NULL, 100, &rc, &s),
                     "[event: tick\nid: 1\ndata: one\n\n]"
                     "[data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n]"
                     "[: keep-alive\n\n]"
                     "[data: \n\n]");
    cr_assert_eq(rc, 0);
}

static int bad_event_name(struct cg_stream *s, void *arg)
{
    (void)arg;
    return cg_sse_send(s, "x\ny", CG_STR("data"), NULL);
}

Test(stream, a_line_break_in_a_field_fails_the_stream)
{
    struct cg_stream s;
    int rc;
    cr_assert_str_eq(run(bad_event_name, NULL, 100, &rc, &s), "");
    cr_assert_eq(rc, -1);
    cr_assert_str_eq(s.failure, "an SSE event name or id holds a line break");
}

static int half_then_fail(struct cg_stream *s, void *arg)
{
    (void)arg;
    cg_stream_puts(s, "half");
    return cg_stream_fail(s, "disk on fire (%d)", 42);
}

Test(stream, buffering_collects_the_body)
{
    static const struct cg_request req = { .method = CG_STR("GET"), .path = CG_STR("/s") };
    struct cg_response res;
    cg_response_init(&res, arena);
    cg_response_add_header(&res, CG_STR("content-type"), CG_STR("text/plain"));
    res.stream = (struct cg_stream_body){ three_lines, NULL };
    cg__stream_buffer(&res, &req);
    cr_assert_null(res.stream.fn);
    cr_assert_eq(res.status, 200);
    cr_assert_str_eq(cg_arena_strdup(arena, cg_buf_str(&res.body)).ptr, "line 0\nline 1\nline 2\n");
    cr_assert_str_eq(cg_arena_strdup(arena, cg_response_header(&res, "content-type")).ptr, "text/plain");
}

Test(stream, a_failure_while_buffering_is_a_500)
{
    static const struct cg_request req = { .method = CG_STR("GET"), .path = CG_STR("/s") };
    struct cg_response res;
    cg_response_init(&res, arena);
    cg_response_add_header(&res, CG_STR("x-partial"), CG_STR("1"));
    res.stream = (struct cg_stream_body){ half_then_fail, NULL };
    cg__stream_buffer(&res, &req);
    cr_assert_eq(res.status, 500);
    cr_assert_str_eq(cg_arena_strdup(arena, cg_buf_str(&res.body)).ptr, "{\"detail\":\"Internal Server Error\"}");
    cr_assert_null(cg_response_header(&res, "x-partial").ptr);
}
