/* One HTTP/1.1 response read by a strict hand-written reader; see
 * http1_internal.h for the rules and docs/design/runtime-api.md §14 for why.
 *
 * The head is read into a fixed buffer and taken a line at a time: one
 * vector scan per line finds its end (the first control character: the CR
 * of its CRLF when the line is valid) and so checks every byte of it at
 * once; a second checks the header name (the token table settles what is
 * not a letter, a digit or '-'). Header values are handed out in place,
 * never copied. A body of known length goes straight from the stream into
 * the tail of res->body. */
#include <errno.h>
#include <stdint.h>

#include "core/bytes16.h"
#include "net/http1_internal.h"

#define BODY_STEP (1u << 20)  /* the most reserved at once for a body whose length is only claimed */
#define CLOSE_STEP 16384      /* reserved per read of a body read until the peer closes */

struct reader {
    http1_read_fn read;
    void *stream;
    struct http1_response *res;
    const char **why;
    struct http1_buffer *b; /* res->buffer, or one of read_alone's */
    size_t head_left;       /* how many more bytes the heads (or the trailers) may take */
};

/* What a head says about its response. */
struct head {
    int status;
    bool http10;
    bool close;             /* Connection: close */
    bool keep_alive;        /* Connection: keep-alive (what HTTP/1.0 needs) */
    bool chunked;
    bool has_length;
    size_t length;
};

static enum http1_status bad(struct reader *r, const char *why)
{
    *r->why = why;
    return HTTP1_BAD_RESPONSE;
}

/* ---- scanning ---- */

typedef uint8_t bytes16 __attribute__((vector_size(16)));

static inline bytes16 load16(const char *p)
{
    return (bytes16)cg__load16(p);
}

/* The index of the first byte set in a comparison's result, or 16. */
static inline size_t first_set(bytes16 hits)
{
    return cg__first_marked16((cg__bytes16)hits);
}

/* The offset of the first byte at p that no line of a head may hold, or
 * 32: a control character other than HTAB (so CR and LF), or DEL. HTAB,
 * rare, is told apart by the caller, which keeps the test to two
 * comparisons per 16 bytes. */
static inline size_t stop_in_32(const char *p)
{
    bytes16 lo = load16(p), hi = load16(p + 16);
    size_t n = first_set((bytes16)(lo < ' ') | (bytes16)(lo == 0x7f));
    return n < 16 ? n : 16 + first_set((bytes16)(hi < ' ') | (bytes16)(hi == 0x7f));
}

/* The number of bytes at p before the first one that no line of a head may
 * hold. Reads 32 bytes at a time, and relies on zeros up to 31 bytes past
 * the data (HTTP1_PAD), which end every scan. */
static inline size_t printable_run(const char *p)
{
    for (size_t i = 0;;) {
        size_t n = stop_in_32(p + i);
        i += n;
        if (n == 32)
            continue;
        if (p[i] != '\t')
            return i;
        i++; /* HTAB: allowed, the scan goes on */
    }
}

/* tchar (RFC 9110 §5.6.2): the bytes of a header name. */
static const bool tchar[256] = {
    ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
    ['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true, ['*'] = true,
    ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true,
    ['~'] = true,
};

/* The number of tchars at p. Letters, digits and '-', all that names
 * usually hold, are taken 16 at a time; the table settles the rest. A
 * line's CR (or the pad) ends the scan. */
static inline size_t token_run(const char *p)
{
    size_t i = 0;
    for (size_t n = 16; n == 16; i += n) {
        bytes16 v = load16(p + i);
        bytes16 letter = (bytes16)((v | 0x20) - 'a') < 26, digit = (bytes16)(v - '0') < 10;
        n = first_set(~((bytes16)(letter | digit) | (bytes16)(v == '-')));
    }
    while (tchar[(uint8_t)p[i]])
        i++;
    return i;
}

static inline bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static inline cg_str trim_ows(const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end && is_ows(*p))
        p++;
    while (end > p && is_ows(end[-1]))
        end--;
    return (cg_str){ p, (size_t)(end - p) };
}

/* ---- reading lines ---- */

static ssize_t read_some(struct reader *r, char *dst, size_t cap)
{
    ssize_t n;
    while ((n = r->read(r->stream, dst, cap)) < 0 && errno == EINTR)
        ;
    if (n > 0)
        r->res->received += (size_t)n;
    return n;
}

/* Buffer more bytes, the untaken ones first moved to the front. */
static enum http1_status fill(struct reader *r)
{
    if (r->b->pos > 0) {
        memmove(r->b->data, r->b->data + r->b->pos, r->b->end - r->b->pos);
        r->b->end -= r->b->pos;
        r->b->pos = 0;
    }
    ssize_t n = read_some(r, r->b->data + r->b->end, HTTP1_MAX_HEAD - r->b->end);
    if (n <= 0)
        return n == 0 ? HTTP1_CLOSED : HTTP1_READ_ERROR;
    r->b->end += (size_t)n;
    memset(r->b->data + r->b->end, 0, HTTP1_PAD);
    return HTTP1_OK;
}

/* The next line, without its CRLF (which follows it in the buffer), read
 * from the stream as needed. With its CRLF it may take `limit` bytes at
 * most (limit <= HTTP1_MAX_HEAD), else it is refused as `too_long`. Each
 * check is made as soon as the bytes it needs are buffered, and in the same
 * order, so that how the stream cuts its bytes never changes the verdict. */
static inline __attribute__((always_inline)) enum http1_status read_line(struct reader *r, cg_str *line, size_t limit,
                                                                         const char *too_long)
{
    for (;;) {
        const char *p = r->b->data + r->b->pos;
        size_t buffered = r->b->end - r->b->pos;
        size_t n = printable_run(p); /* at most `buffered`: the pad stops it */
        if (n + 2 > limit)
            return bad(r, too_long);
        if (n < buffered && p[n] != '\r')
            return bad(r, p[n] == '\n' ? "bare LF as a line end (CRLF required)"
                                       : "control character in a line of the response");
        if (n + 1 < buffered) {
            if (p[n + 1] != '\n')
                return bad(r, "CR not followed by LF");
            *line = (cg_str){ p, n };
            r->b->pos += n + 2;
            return HTTP1_OK;
        }
        enum http1_status st = fill(r);
        if (st != HTTP1_OK)
            return st;
    }
}

#define DIGITS(n) #n
#define DECIMAL(n) DIGITS(n)
#define HEAD_TOO_LONG "response head over " DECIMAL(HTTP1_MAX_HEAD) " bytes"
#define TRAILERS_TOO_LONG "trailers over " DECIMAL(HTTP1_MAX_HEAD) " bytes"

static inline enum http1_status read_head_line(struct reader *r, cg_str *line, const char *too_long)
{
    enum http1_status st = read_line(r, line, r->head_left, too_long);
    if (st == HTTP1_OK)
        r->head_left -= line->len + 2;
    return st;
}

/* ---- the head ---- */

/* HTTP/1.x SP 3DIGIT [SP reason-phrase]: the SP before an empty reason may
 * be missing, as some servers send it. The line holds no control
 * character but HTAB (read_line). */
static enum http1_status parse_status_line(struct reader *r, cg_str line, struct head *h)
{
    const char *p = line.ptr;
    if (line.len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') || p[8] != ' ')
        return bad(r, "not an HTTP/1.1 or HTTP/1.0 status line");
    if ((unsigned)(p[9] - '0') > 9 || (unsigned)(p[10] - '0') > 9 || (unsigned)(p[11] - '0') > 9 ||
        (line.len > 12 && p[12] != ' '))
        return bad(r, "status code not three digits");
    h->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (h->status < 100 || h->status > 599)
        return bad(r, "status code out of 100-599");
    if (h->status == 101)
        return bad(r, "101 Switching Protocols, but no upgrade was asked");
    h->http10 = p[7] == '0';
    return HTTP1_OK;
}

/* name ":" OWS value OWS, the name a token (RFC 9112 §5). The line is
 * followed by its CR, which stops the name's scan. */
static inline enum http1_status split_field(struct reader *r, cg_str line, cg_str *name, cg_str *value)
{
    const char *p = line.ptr;
    if (is_ows(p[0]))
        return bad(r, "obs-fold (a header line starting with whitespace) refused");
    size_t i = token_run(p);
    if (i == line.len)
        return bad(r, "header line without ':'");
    if (p[i] != ':')
        return bad(r, "header name not a token (RFC 9110 §5.6.2)");
    if (i == 0)
        return bad(r, "header line without a name");
    *name = (cg_str){ p, i };
    *value = trim_ows(p + i + 1, line.len - i - 1);
    return HTTP1_OK;
}

/* Content-Length: one decimal number; repeated, always the same. */
static enum http1_status parse_length(struct reader *r, cg_str value, struct head *h)
{
    size_t n = 0;
    if (value.len == 0)
        return bad(r, "empty Content-Length");
    for (size_t i = 0; i < value.len; i++) {
        unsigned digit = (unsigned)(value.ptr[i] - '0');
        if (digit > 9)
            return bad(r, "Content-Length not a decimal number");
        if (n > (SIZE_MAX - digit) / 10)
            return bad(r, "Content-Length too large");
        n = n * 10 + digit;
    }
    if (h->has_length && n != h->length)
        return bad(r, "Content-Length headers that disagree");
    h->has_length = true;
    h->length = n;
    return HTTP1_OK;
}

static void parse_connection(cg_str value, struct head *h)
{
    while (value.len > 0) {
        const char *comma = memchr(value.ptr, ',', value.len);
        size_t n = comma ? (size_t)(comma - value.ptr) : value.len;
        cg_str option = trim_ows(value.ptr, n);
        if (cg_str_ieq(option, CG_STR("close")))
            h->close = true;
        else if (cg_str_ieq(option, CG_STR("keep-alive")))
            h->keep_alive = true;
        value.ptr += comma ? n + 1 : n;
        value.len -= comma ? n + 1 : n;
    }
}

/* The headers that frame the message; names are looked up by length first. */
static enum http1_status note_header(struct reader *r, cg_str name, cg_str value, struct head *h)
{
    if (name.len == 14 && cg_str_ieq(name, CG_STR("Content-Length")))
        return parse_length(r, value, h);
    if (name.len == 17 && cg_str_ieq(name, CG_STR("Transfer-Encoding"))) {
        if (!cg_str_ieq(value, CG_STR("chunked")))
            return bad(r, "Transfer-Encoding other than chunked");
        if (h->chunked)
            return bad(r, "Transfer-Encoding: chunked given twice");
        h->chunked = true;
    } else if (name.len == 10 && cg_str_ieq(name, CG_STR("Connection"))) {
        parse_connection(value, h);
    }
    return HTTP1_OK;
}

/* Values longer than HTTP1_MAX_VALUE go out cut; each is NUL-terminated in
 * place, over its trailing OWS or CR: the line has been read. */
static void report_header(struct http1_response *res, cg_str name, cg_str value)
{
    bool cut = value.len > HTTP1_MAX_VALUE;
    if (cut)
        value.len = HTTP1_MAX_VALUE;
    ((char *)value.ptr)[value.len] = '\0'; /* a byte of the reader's own buffer */
    res->on_header(res->ud, name, value, cut);
}

/* One head: the status line and the headers. Those of an interim (1xx)
 * response are not reported. */
static enum http1_status read_head(struct reader *r, struct head *h)
{
    *h = (struct head){ 0 };
    cg_str line, name, value;
    enum http1_status st = read_head_line(r, &line, HEAD_TOO_LONG);
    if (st == HTTP1_OK)
        st = parse_status_line(r, line, h);
    while (st == HTTP1_OK && (st = read_head_line(r, &line, HEAD_TOO_LONG)) == HTTP1_OK && line.len > 0) {
        st = split_field(r, line, &name, &value);
        if (st == HTTP1_OK)
            st = note_header(r, name, value, h);
        if (st == HTTP1_OK && h->status >= 200 && r->res->on_header)
            report_header(r->res, name, value);
    }
    if (st == HTTP1_OK && h->chunked && h->has_length)
        return bad(r, "both Content-Length and Transfer-Encoding");
    if (st == HTTP1_OK && h->chunked && h->http10)
        return bad(r, "Transfer-Encoding in an HTTP/1.0 response (RFC 9112 §6.1)");
    return st;
}

/* ---- the body ---- */

/* n bytes into res->body: those buffered, then straight from the stream
 * into the body's tail. */
static enum http1_status read_exact(struct reader *r, size_t n)
{
    struct cg_buf *body = r->res->body;
    size_t buffered = r->b->end - r->b->pos;
    size_t taken = n < buffered ? n : buffered;
    cg_buf_reserve(body, n < BODY_STEP ? n : BODY_STEP); /* a claimed length is not yet memory to take */
    cg_buf_append(body, r->b->data + r->b->pos, taken);
    r->b->pos += taken;
    n -= taken;
    while (n > 0) {
        size_t want = n < BODY_STEP ? n : BODY_STEP;
        ssize_t got = read_some(r, cg_buf_reserve(body, want), want);
        if (got <= 0)
            return got == 0 ? HTTP1_CLOSED : HTTP1_READ_ERROR;
        body->len += (size_t)got;
        n -= (size_t)got;
    }
    return HTTP1_OK;
}

static enum http1_status read_to_close(struct reader *r)
{
    struct cg_buf *body = r->res->body;
    cg_buf_append(body, r->b->data + r->b->pos, r->b->end - r->b->pos);
    r->b->pos = r->b->end;
    for (;;) {
        char *tail = cg_buf_reserve(body, CLOSE_STEP);
        ssize_t got = read_some(r, tail, body->cap - body->len);
        if (got <= 0)
            return got == 0 ? HTTP1_OK : HTTP1_READ_ERROR;
        body->len += (size_t)got;
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* chunk-size [BWS ";" chunk-ext]: the extensions are skipped (read_line
 * has checked their bytes). */
static enum http1_status parse_chunk_size(struct reader *r, cg_str line, size_t *size)
{
    size_t i = 0, n = 0;
    for (int d; i < line.len && (d = hex_digit(line.ptr[i])) >= 0; i++) {
        if (n > SIZE_MAX >> 4)
            return bad(r, "chunk size too large");
        n = n << 4 | (size_t)d;
    }
    if (i == 0)
        return bad(r, "chunk size not hexadecimal");
    while (i < line.len && is_ows(line.ptr[i]))
        i++;
    if (i < line.len && line.ptr[i] != ';')
        return bad(r, "chunk size followed by something other than an extension");
    *size = n;
    return HTTP1_OK;
}

/* Trailer fields are checked as headers are, then dropped. */
static enum http1_status read_trailers(struct reader *r)
{
    r->head_left = HTTP1_MAX_HEAD;
    cg_str line, name, value;
    enum http1_status st;
    while ((st = read_head_line(r, &line, TRAILERS_TOO_LONG)) == HTTP1_OK && line.len > 0)
        if ((st = split_field(r, line, &name, &value)) != HTTP1_OK)
            return st;
    return st;
}

static enum http1_status read_chunked(struct reader *r)
{
    for (;;) {
        cg_str line;
        size_t size;
        enum http1_status st = read_line(r, &line, HTTP1_MAX_HEAD, "chunk-size line over " DECIMAL(HTTP1_MAX_HEAD) " bytes");
        if (st == HTTP1_OK)
            st = parse_chunk_size(r, line, &size);
        if (st != HTTP1_OK)
            return st;
        if (size == 0)
            return read_trailers(r);
        if ((st = read_exact(r, size)) != HTTP1_OK ||
            (st = read_line(r, &line, 2, "chunk data longer than its size")) != HTTP1_OK)
            return st;
    }
}

/* RFC 9112 §6.3: no body after HEAD (never sent here), 1xx, 204 and 304;
 * else chunked, Content-Length, or everything until the peer closes. */
static enum http1_status read_body(struct reader *r, struct head *h)
{
    if (h->status == 204 || h->status == 304)
        return HTTP1_OK;
    if (h->chunked)
        return read_chunked(r);
    if (h->has_length)
        return read_exact(r, h->length);
    h->close = true; /* the end of the body was the end of the connection */
    return read_to_close(r);
}

static enum http1_status read_response(http1_read_fn read, void *stream, struct http1_response *res,
                                       struct http1_buffer *b, const char **why)
{
    struct reader r = { .read = read, .stream = stream, .res = res, .why = why, .b = b, .head_left = HTTP1_MAX_HEAD };
    memset(b->data + b->end, 0, HTTP1_PAD);
    res->status = 0;
    res->keep_alive = false;
    res->received = b->end - b->pos;
    res->body->len = 0;
    struct head h;
    enum http1_status st;
    do /* interim responses (100 Continue...) are skipped */
        st = read_head(&r, &h);
    while (st == HTTP1_OK && h.status < 200);
    if (st == HTTP1_OK)
        st = read_body(&r, &h);
    if (st != HTTP1_OK) {
        b->pos = b->end = 0;
        return st;
    }
    res->status = h.status;
    res->keep_alive = h.http10 ? h.keep_alive && !h.close : !h.close;
    return HTTP1_OK;
}

/* A buffer for this response alone, in a frame of its own: a caller that
 * keeps its buffer does not push its stack 16 KB deeper (pages a cold start
 * would touch). */
static __attribute__((noinline)) enum http1_status read_alone(http1_read_fn read, void *stream,
                                                              struct http1_response *res, const char **why)
{
    struct http1_buffer b; /* not initialized whole: that would zero its 16 KB */
    b.pos = b.end = 0;
    return read_response(read, stream, res, &b, why);
}

enum http1_status cg__http1_read_response(http1_read_fn read, void *stream, struct http1_response *res,
                                          const char **why)
{
    if (!res->buffer)
        return read_alone(read, stream, res, why);
    return read_response(read, stream, res, res->buffer, why);
}
