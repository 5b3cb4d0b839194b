/* Responses: headers as handlers and middleware set them, and the
 * framework's own error body. */
#include <stdint.h>
#include <string.h>

#include "cgate/cgate.h"
#include "core/response_internal.h"

void cg_response_init(struct cg_response *r, struct cg_arena *arena)
{
    r->status = 200;
    r->body_encoding = CG_BODY_AUTO;
    r->headers = NULL;
    r->nheaders = 0;
    r->headers_cap = 0;
    r->arena = arena;
    cg_buf_init(&r->body, arena);
    r->stream = (struct cg_stream_body){ 0 };
}

void cg__response_detail(struct cg_response *res, int status, const char *detail)
{
    res->status = status;
    res->body.len = 0;
    if (!cg_status_allows_body(status))
        return;
    cg_response_set_header(res, CG_STR("content-type"), CG_STR("application/json"));
    struct cg_json j;
    cg_json_init(&j, &res->body);
    cg_json_obj_begin(&j);
    cg_json_key(&j, "detail");
    cg_json_cstr(&j, detail);
    cg_json_obj_end(&j);
}

/* RFC 9110 token characters: one load per byte of a name. */
static const bool token_chars[256] = {
    ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
    ['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true, ['*'] = true,
    ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true,
    ['~'] = true,
};

bool cg__is_token(cg_str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!token_chars[(unsigned char)s.ptr[i]])
            return false;
    return true;
}

/* Whether one of the eight bytes at p is below 0x20 or DEL: the classic
 * "has a byte less than" and "has a zero byte" tests on a 64-bit word,
 * exact as yes-or-no answers. */
static bool has_control8(const char *p)
{
    const uint64_t ones = 0x0101010101010101u, tops = 0x8080808080808080u;
    uint64_t w;
    memcpy(&w, p, sizeof w);
    uint64_t del = w ^ ones * 0x7f;
    return (((w - ones * 0x20) & ~w) | ((del - ones) & ~del)) & tops;
}

/* RFC 9110 §5.5: visible characters, spaces, tabs and obs-text only. CR,
 * LF and NUL would end the header block early; any other control makes
 * strict clients (llhttp, h11) refuse the whole response. Eight bytes at
 * a time while none is a control; from a word with one (a tab, mostly),
 * byte by byte. */
static bool valid_value(cg_str value)
{
    size_t i = 0;
    while (value.len - i >= 8 && !has_control8(value.ptr + i))
        i += 8;
    for (; i < value.len; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* s at p, NUL-terminated as cg_arena_strdup leaves it; returns the copy. */
static cg_str put_str(char *p, cg_str s)
{
    if (s.len)
        memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return (cg_str){ p, s.len };
}

int cg_response_add_header(struct cg_response *r, cg_str name, cg_str value)
{
    if (!cg__is_token(name) || !valid_value(value)) {
        cg_error("refused response header %.*s: invalid name or a control character in its value",
                 (int)(name.len > 64 ? 64 : name.len), name.ptr ? name.ptr : "");
        return -1;
    }
    if (r->nheaders == r->headers_cap) {
        size_t cap = r->headers_cap ? r->headers_cap * 2 : 8;
        r->headers = cg_arena_realloc(r->arena, r->headers, r->headers_cap * sizeof *r->headers,
                                      cap * sizeof *r->headers);
        r->headers_cap = cap;
    }
    /* One block for both copies. */
    char *copies = cg_arena_alloc(r->arena, name.len + value.len + 2);
    r->headers[r->nheaders].name = put_str(copies, name);
    r->headers[r->nheaders].value = put_str(copies + name.len + 1, value);
    r->nheaders++;
    return 0;
}

int cg_response_set_header(struct cg_response *r, cg_str name, cg_str value)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        if (!cg_str_ieq(r->headers[i].name, name))
            r->headers[kept++] = r->headers[i];
    r->nheaders = kept;
    return cg_response_add_header(r, name, value);
}

cg_str cg_response_header(const struct cg_response *r, const char *name)
{
    return cg_kv_ifind(r->headers, r->nheaders, cg_str_c(name));
}

bool cg_status_allows_body(int status)
{
    return !(status < 200 || status == 204 || status == 205 || status == 304);
}

const char *cg_status_phrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a Teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}
