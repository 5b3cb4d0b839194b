/* The HTTP/1.1 response reader both AWS-facing clients use
 * (src/net/http1_read.c), on whatever a peer may send.
 *
 * Input: one byte seeding the sizes of the reads, then the bytes of the
 * stream. The stream is read three times: whole (as far as the reader asks
 * at once), one byte per read, and in pieces of 1 to 256 bytes drawn from
 * the seed; after its last byte the peer closes.
 *
 * Checked: the three readings agree (outcome, *why, status, keep-alive,
 * every header reported, body), so no boundary inside a line, a chunk size
 * or a body changes anything; the reader never reads past the stream nor
 * claims more than it read; a response read has a final status (200-599)
 * and no body when 204 or 304; every header reported has a token for a
 * name and a NUL-terminated value of at most HTTP1_MAX_VALUE bytes, without
 * control characters (but HTAB) or surrounding whitespace; a refusal says
 * why. Then the stream is read again as pipelined responses through one
 * kept buffer (as the Runtime API client reads them), whole and one byte
 * per read: the first response reads as above, and both readings agree on
 * every response that follows. */
#include <stdlib.h>

#include "fuzz.h"
#include "net/http1_internal.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet_logs();
    return 0;
}

struct stream {
    cg_str data;
    size_t pos;
    size_t piece;   /* bytes per read; 0: random sizes */
    uint32_t state; /* xorshift32 state for the random sizes */
};

static ssize_t stream_read(void *s, char *buf, size_t cap)
{
    struct stream *st = s;
    size_t n = st->piece;
    if (n == 0) {
        st->state ^= st->state << 13;
        st->state ^= st->state >> 17;
        st->state ^= st->state << 5;
        n = 1 + st->state % 256;
    }
    size_t left = st->data.len - st->pos;
    n = n < cap ? n : cap;
    n = n < left ? n : left;
    memcpy(buf, st->data.ptr + st->pos, n);
    st->pos += n;
    return (ssize_t)n;
}

static bool is_tchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Each header checked, then recorded as name, value, cut flag, NUL. */
static void on_header(void *ud, cg_str name, cg_str value, bool cut)
{
    FUZZ_CHECK(name.len > 0, "empty header name");
    for (size_t i = 0; i < name.len; i++)
        FUZZ_CHECK(is_tchar((unsigned char)name.ptr[i]), "byte %#x in a header name", (unsigned char)name.ptr[i]);
    FUZZ_CHECK(value.len <= HTTP1_MAX_VALUE && value.ptr[value.len] == '\0', "value of %zu bytes", value.len);
    for (size_t i = 0; i < value.len; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        FUZZ_CHECK((c >= 0x20 && c != 0x7f) || c == '\t', "byte %#x in a header value", c);
    }
    if (value.len > 0) {
        FUZZ_CHECK(value.ptr[0] != ' ' && value.ptr[0] != '\t', "value with leading whitespace");
        FUZZ_CHECK(cut || (value.ptr[value.len - 1] != ' ' && value.ptr[value.len - 1] != '\t'),
                   "value with trailing whitespace");
    }
    struct cg_buf *b = ud;
    cg_buf_append_str(b, name);
    cg_buf_putc(b, ':');
    cg_buf_append_str(b, value);
    cg_buf_putc(b, cut ? '~' : '\0');
}

struct reading {
    enum http1_status st;
    const char *why;
    int status;
    bool keep_alive;
    struct cg_buf headers, body;
};

static void read_stream(struct stream *s, struct reading *r)
{
    cg_buf_init(&r->headers, NULL);
    cg_buf_init(&r->body, NULL);
    struct http1_response res = { .body = &r->body, .on_header = on_header, .ud = &r->headers };
    r->why = NULL;
    r->st = cg__http1_read_response(stream_read, s, &res, &r->why);
    r->status = res.status;
    r->keep_alive = res.keep_alive;
    FUZZ_CHECK(res.received == s->pos, "received %zu, read %zu", res.received, s->pos);
    FUZZ_CHECK(r->st != HTTP1_READ_ERROR, "a read error from a stream that has none");
    FUZZ_CHECK(r->st != HTTP1_BAD_RESPONSE || (r->why && *r->why), "a refusal without a reason");
    if (r->st != HTTP1_OK)
        return;
    FUZZ_CHECK(r->status >= 200 && r->status <= 599, "final status %d", r->status);
    FUZZ_CHECK(r->body.len <= s->data.len, "a body of %zu bytes from %zu", r->body.len, s->data.len);
    FUZZ_CHECK((r->status != 204 && r->status != 304) || r->body.len == 0, "a body after %d", r->status);
}

static void check_same(const struct reading *a, const struct reading *b, const char *how)
{
    FUZZ_CHECK(a->st == b->st, "%s: outcome %d, whole %d", how, b->st, a->st);
    if (a->st == HTTP1_BAD_RESPONSE)
        FUZZ_CHECK(strcmp(a->why, b->why) == 0, "%s: \"%s\", whole \"%s\"", how, b->why, a->why);
    if (a->st != HTTP1_OK)
        return;
    FUZZ_CHECK(a->status == b->status && a->keep_alive == b->keep_alive, "%s: status or keep-alive differ", how);
    FUZZ_CHECK(cg_str_eq(cg_buf_str(&a->headers), cg_buf_str(&b->headers)), "%s: headers differ", how);
    FUZZ_CHECK(cg_str_eq(cg_buf_str(&a->body), cg_buf_str(&b->body)), "%s: bodies differ", how);
}

static void reading_free(struct reading *r)
{
    cg_buf_free(&r->headers);
    cg_buf_free(&r->body);
}

#define MAX_PIPELINED 4

/* Responses read one after another through one kept buffer, until one is
 * not read whole, the stream and the buffer are used up, or MAX_PIPELINED
 * of them: how many were read into r. */
static size_t read_pipelined(struct stream *s, struct reading r[MAX_PIPELINED])
{
    static struct http1_buffer kept;
    kept.pos = kept.end = 0;
    size_t n = 0;
    do {
        cg_buf_init(&r[n].headers, NULL);
        cg_buf_init(&r[n].body, NULL);
        struct http1_response res = { .body = &r[n].body, .on_header = on_header, .ud = &r[n].headers,
                                      .buffer = &kept };
        r[n].why = NULL;
        r[n].st = cg__http1_read_response(stream_read, s, &res, &r[n].why);
        r[n].status = res.status;
        r[n].keep_alive = res.keep_alive;
        FUZZ_CHECK(kept.pos <= kept.end && kept.end <= HTTP1_MAX_HEAD, "kept bytes %zu..%zu", kept.pos, kept.end);
        FUZZ_CHECK(r[n].st == HTTP1_OK || kept.pos == kept.end, "bytes kept after a failed read");
    } while (r[n++].st == HTTP1_OK && n < MAX_PIPELINED && (kept.pos < kept.end || s->pos < s->data.len));
    return n;
}

static void check_pipelined(cg_str wire, const struct reading *alone)
{
    struct stream whole = { wire, 0, wire.len ? wire.len : 1, 0 };
    struct stream bytes = { wire, 0, 1, 0 };
    struct reading a[MAX_PIPELINED], b[MAX_PIPELINED];
    size_t na = read_pipelined(&whole, a), nb = read_pipelined(&bytes, b);
    check_same(alone, &a[0], "the first pipelined response");
    FUZZ_CHECK(na == nb, "%zu pipelined responses read whole, %zu one byte per read", na, nb);
    for (size_t i = 0; i < na; i++) {
        check_same(&a[i], &b[i], "pipelined, one byte per read");
        reading_free(&a[i]);
        reading_free(&b[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in = { (const char *)data, size };
    uint32_t seed = fuzz_byte(&in) | 0x100u; /* xorshift32 needs a non-zero state */
    cg_str wire = fuzz_rest(&in);
    struct stream whole = { wire, 0, wire.len ? wire.len : 1, 0 };
    struct stream bytes = { wire, 0, 1, 0 };
    struct stream pieces = { wire, 0, 0, seed };
    struct reading a, b, c;
    read_stream(&whole, &a);
    read_stream(&bytes, &b);
    read_stream(&pieces, &c);
    check_same(&a, &b, "one byte per read");
    check_same(&a, &c, "random pieces");
    check_pipelined(wire, &a);
    reading_free(&a);
    reading_free(&b);
    reading_free(&c);
    return 0;
}
