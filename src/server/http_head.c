/* Decisions on a complete request head, before its body: the limits, the
 * HTTP version, Host (RFC 9112 §3.2), the transfer codings (§6), the
 * asterisk form (§3.2.4) and Expect (RFC 9110 §10.1.1). http_parse.c calls
 * cg__http_check_head when llhttp pauses at the end of the headers. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "server/server_internal.h"

/* The Transfer-Encoding lines, read as one list (RFC 9110 §5.3). */
struct codings {
    bool present;
    int chunked;       /* how many times chunked is listed */
    bool chunked_last; /* the final coding is chunked */
    bool others;       /* some coding other than chunked */
};

/* Empty list elements are ignored (RFC 9110 §5.6.1); a coding with
 * parameters is not chunked. */
static void add_codings(struct codings *t, cg_str list)
{
    const char *p = list.ptr, *end = list.ptr + list.len;
    t->present = true;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        cg_str coding = cg_str_trim((cg_str){ p, (size_t)(stop - p) });
        p = comma ? comma + 1 : end;
        if (coding.len == 0)
            continue;
        bool chunked = cg_str_ieq(coding, CG_STR("chunked"));
        t->chunked += chunked;
        t->others |= !chunked;
        t->chunked_last = chunked;
    }
}

/* The request headers the server itself acts on. */
struct head_fields {
    int hosts;
    cg_str host;   /* the last one */
    cg_str expect; /* ptr NULL when absent */
    struct codings codings;
};

static struct head_fields scan_headers(const struct conn *c)
{
    struct head_fields f = { 0 };
    for (size_t i = 0; i < c->msg.nheaders; i++) {
        cg_str name = http_span(c, c->msg.headers[i].name);
        cg_str value = http_trim_end(http_span(c, c->msg.headers[i].value));
        if (cg_str_ieq(name, CG_STR("host"))) {
            f.hosts++;
            f.host = value;
        } else if (cg_str_ieq(name, CG_STR("transfer-encoding"))) {
            add_codings(&f.codings, value);
        } else if (!f.expect.ptr && cg_str_ieq(name, CG_STR("expect"))) {
            f.expect = value;
        }
    }
    return f;
}

/* RFC 3986 §2.2, §2.3: unreserved and sub-delims, the characters of a
 * reg-name besides percent-encoding. */
static bool is_reg_name_char(char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return true;
    return ch && strchr("-._~!$&'()*+,;=", ch);
}

static const char *skip_reg_name(const char *p, const char *end)
{
    while (p < end) {
        if (*p == '%' && end - p >= 3 && isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2]))
            p += 3;
        else if (is_reg_name_char(*p))
            p++;
        else
            break;
    }
    return p;
}

/* "[" IPv6address "]", where p is; NULL when there is none. (RFC 3986's
 * IPvFuture is refused: no such address version exists.) */
static const char *skip_ipv6_literal(const char *p, const char *end)
{
    const char *close = memchr(p, ']', (size_t)(end - p));
    char text[INET6_ADDRSTRLEN];
    if (!close || close - p > (ptrdiff_t)sizeof text)
        return NULL;
    size_t len = (size_t)(close - p - 1);
    memcpy(text, p + 1, len);
    text[len] = '\0';
    struct in6_addr addr;
    return inet_pton(AF_INET6, text, &addr) == 1 ? close + 1 : NULL;
}

/* RFC 9112 §3.2: Host = uri-host [ ":" port ], uri-host being an IPv6
 * address in brackets or a reg-name (IPv4 addresses included; RFC 3986
 * §3.2.2) and port *DIGIT. Sets the length of uri-host: the domain. */
static bool parse_host(cg_str host, size_t *name_len)
{
    const char *p = host.ptr, *end = host.ptr + host.len;
    p = p < end && *p == '[' ? skip_ipv6_literal(p, end) : skip_reg_name(p, end);
    if (!p)
        return false;
    *name_len = (size_t)(p - host.ptr);
    if (p < end && *p == ':')
        for (p++; p < end && *p >= '0' && *p <= '9'; p++)
            ;
    return p == end;
}

/* RFC 9112 §3.2: one Host in HTTP/1.1, at most one before, and a valid one. */
static int check_host(struct http_msg *m, const struct head_fields *f)
{
    if (f->hosts > 1 || (f->hosts == 0 && !m->http10))
        return 400;
    if (f->hosts == 1 && !parse_host(f->host, &m->host_len))
        return 400;
    return 0;
}

/* Chunked is the only transfer coding the server implements. */
static int check_transfer_codings(const struct http_msg *m, const struct codings *t)
{
    if (!t->present)
        return 0;
    /* RFC 9112 §6.1: in HTTP/1.0 the framing is then faulty (a 1.0
     * recipient may read the body otherwise). */
    if (m->http10)
        return 400;
    /* RFC 9112 §6.3: unless chunked is the final coding, the body's length
     * cannot be known; §6.1: chunked is applied once at most. */
    if (!t->chunked_last || t->chunked > 1)
        return 400;
    /* RFC 9112 §6.1: a coding the server does not understand. */
    return t->others ? 501 : 0;
}

/* RFC 9112 §3.2.4: the asterisk form ("*") is for OPTIONS alone, and asks
 * about the server rather than a resource (RFC 9110 §9.3.7). */
static int check_asterisk_form(struct conn *c)
{
    if (!cg_str_eq(http_span(c, c->msg.target), CG_STR("*")))
        return 0;
    if (llhttp_get_method(&c->parser) != HTTP_OPTIONS)
        return 400;
    c->msg.about_server = true;
    return 0;
}

static int check_expect(struct http_msg *m, cg_str expect)
{
    if (!expect.ptr)
        return 0;
    if (!cg_str_ieq(expect, CG_STR("100-continue")))
        return 417;
    m->expect_continue = !m->http10; /* RFC 9110 §10.1.1: ignored in HTTP/1.0 */
    return 0;
}

int cg__http_check_head(struct conn *c)
{
    struct http_msg *m = &c->msg;
    llhttp_t *p = &c->parser;
    const struct cg_serve_opts *o = &c->w->srv->opts;
    m->headers_done = true;
    m->body.off = c->parsed - m->start;
    if (m->body.off > o->max_header)
        return 431;
    if (llhttp_get_http_major(p) != 1)
        return 505;
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > o->max_body)
        return 413;
    m->http10 = llhttp_get_http_minor(p) == 0;
    /* Upgrade and CONNECT are not supported: answer, then close. */
    m->keep_alive = llhttp_should_keep_alive(p) && !llhttp_get_upgrade(p);
    m->head_only = llhttp_get_method(p) == HTTP_HEAD;
    struct head_fields f = scan_headers(c);
    int status = check_host(m, &f);
    if (!status)
        status = check_transfer_codings(m, &f.codings);
    if (!status)
        status = check_asterisk_form(c);
    if (!status)
        status = check_expect(m, f.expect);
    return status;
}
