/* The local server's request path: bytes a client sends in, the bytes of
 * the responses out.
 *
 * The harness drives the server's own parser (http_parse.c: llhttp with the
 * server's callbacks and checks) and response writer (http_write.c) on a
 * struct conn that has no socket, and answers each request with
 * cg_app_handle on the fuzz app, as conn.c's answer_requests does. No
 * libuv loop or socket runs: an input costs microseconds instead of a
 * loopback round trip, and nothing depends on timing. What is left out is
 * conn.c itself (reads, timers, lingering close) and stream.c: a streamed
 * answer is collected with cg__stream_buffer, as the Lambda transport does.
 *
 * Input: one byte choosing how the rest arrives (0: in one read, else in
 * reads of that many bytes, so that a request is split anywhere, as TCP
 * may split it), then the bytes the client sends.
 *
 * Checked on every response: it is one complete, well-formed HTTP/1.1
 * response (llhttp, strict) that ends exactly where the next begins, and a
 * JSON body that is not compressed is valid JSON. */
#include <stdlib.h>
#include <string.h>

#include "core/stream_internal.h"
#include "fuzz.h"
#include "app.h"
#include "server/server_internal.h"

/* Limits smaller than the defaults, so that inputs reach them. */
#define FUZZ_MAX_HEADER 4096
#define FUZZ_MAX_BODY 16384

static struct server srv;
static struct worker worker = { .srv = &srv };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    srv.app = fuzz_app_new(NULL);
    if (!srv.app)
        abort();
    srv.opts = (struct cg_serve_opts){ .max_body = FUZZ_MAX_BODY, .max_header = FUZZ_MAX_HEADER, .quiet = true };
    strcpy(srv.id_prefix, "fuzz");
    return 0;
}

/* ---- the response check ---- */

struct response_check {
    bool head_only;
    bool complete;
    bool in_content_type, in_content_encoding;
    struct cg_buf content_type, content_encoding, body; /* heap */
};

static struct response_check *check_of(llhttp_t *p)
{
    return p->data;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    struct response_check *rc = check_of(p);
    cg_str name = { at, len };
    rc->in_content_type = cg_str_ieq(name, CG_STR("content-type"));
    rc->in_content_encoding = cg_str_ieq(name, CG_STR("content-encoding"));
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    struct response_check *rc = check_of(p);
    if (rc->in_content_type)
        cg_buf_append(&rc->content_type, at, len);
    if (rc->in_content_encoding)
        cg_buf_append(&rc->content_encoding, at, len);
    return 0;
}

/* 1: no body follows, whatever the headers say (a HEAD's response). */
static int on_headers_complete(llhttp_t *p)
{
    return check_of(p)->head_only ? 1 : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    cg_buf_append(&check_of(p)->body, at, len);
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    check_of(p)->complete = true;
    return HPE_PAUSED; /* anything after it belongs to no response */
}

static const llhttp_settings_t response_settings = {
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static bool is_json_type(cg_str type)
{
    return type.len >= 16 && memcmp(type.ptr, "application/json", 16) == 0;
}

/* The response queued in c->out[first..nout), joined. */
static void check_response(const struct conn *c, unsigned first)
{
    struct cg_buf wire;
    cg_buf_init(&wire, NULL);
    for (unsigned i = first; i < c->nout; i++)
        cg_buf_append(&wire, c->out[i].base, c->out[i].len);
    struct response_check rc = { .head_only = c->msg.head_only };
    cg_buf_init(&rc.content_type, NULL);
    cg_buf_init(&rc.content_encoding, NULL);
    cg_buf_init(&rc.body, NULL);
    llhttp_t parser;
    llhttp_init(&parser, HTTP_RESPONSE, &response_settings);
    parser.data = &rc;
    llhttp_errno_t err = llhttp_execute(&parser, wire.data, wire.len);
    FUZZ_CHECK(err == HPE_PAUSED && rc.complete, "not one well-formed response (%s): %.*s",
               llhttp_errno_name(err), (int)wire.len, wire.data);
    FUZZ_CHECK(llhttp_get_error_pos(&parser) == wire.data + wire.len, "bytes after the response: %.*s",
               (int)wire.len, wire.data);
    if (is_json_type(cg_buf_str(&rc.content_type)) && rc.content_encoding.len == 0 && !rc.head_only &&
        rc.body.len > 0)
        FUZZ_CHECK(fuzz_json_valid(cg_buf_str(&rc.body)), "a JSON body that is not JSON: %.*s",
                   (int)rc.body.len, rc.body.data);
    cg_buf_free(&rc.content_type);
    cg_buf_free(&rc.content_encoding);
    cg_buf_free(&rc.body);
    cg_buf_free(&wire);
}

/* ---- answering, as conn.c ---- */

static void answer_request(struct conn *c)
{
    struct cg_request req;
    struct cg_response res;
    cg__http_request_fill(c, &req);
    cg_response_init(&res, c->arena);
    cg_app_handle(srv.app, &req, &res);
    cg__stream_buffer(&res, &req);
    unsigned first = c->nout;
    if (!c->msg.keep_alive)
        c->closing = true;
    cg__http_queue_response(c, &res);
    check_response(c, first);
    cg_request_run_deferred(&req);
}

/* Answer every complete request in the input received so far. */
static void answer_requests(struct conn *c)
{
    while (!c->closing) {
        enum parse_result r = cg__http_parse_next(c);
        if (r == PARSE_NEED_MORE)
            break;
        if (r == PARSE_ERROR) {
            unsigned first = c->nout;
            cg__http_queue_error(c, c->msg.error_status);
            check_response(c, first);
            break;
        }
        answer_request(c);
        c->nout = 0; /* "sent" */
        cg_arena_reset(c->arena);
    }
    if (!c->closing && cg__http_wants_continue(c)) {
        unsigned first = c->nout;
        cg__http_queue_continue(c);
        check_response(c, first);
    }
    c->nout = 0;
    cg_arena_reset(c->arena);
    cg__http_discard_parsed(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    size_t read_size = fuzz_byte(&in);
    struct conn *c = cg_xmalloc(sizeof *c);
    *c = (struct conn){ .w = &worker, .arena = cg_arena_new(), .peer_port = 40000 };
    strcpy(c->peer_addr, "127.0.0.1");
    c->peer = cg_str_c(c->peer_addr);
    cg_buf_init(&c->in, NULL);
    cg__http_parser_setup(c);
    /* After a response that closes, the server reads nothing more. */
    while (in.n > 0 && !c->closing) {
        size_t n = read_size && read_size < in.n ? read_size : in.n;
        memcpy(cg_buf_reserve(&c->in, n), in.p, n);
        c->in.len += n;
        in.p += n;
        in.n -= n;
        answer_requests(c);
    }
    cg_buf_free(&c->in);
    cg__http_msg_free(&c->msg);
    cg_arena_free(c->arena);
    free(c);
    return 0;
}
