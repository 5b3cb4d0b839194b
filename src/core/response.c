/* Responses: headers as handlers and middleware set them, and the
 * framework's own error body. */
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

/* RFC 9110 token characters. */
static bool is_token_char(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return true;
    if (c >= 'A' && c <= 'Z')
        return true;
    if (c >= '0' && c <= '9')
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool cg__is_token(cg_str s)
{
    if (s.len == 0)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (!is_token_char((unsigned char)s.ptr[i]))
            return false;
    return true;
}

/* RFC 9110 §5.5: visible characters, spaces, tabs and obs-text only. CR,
 * LF and NUL would end the header block early; any other control makes
 * strict clients (llhttp, h11) refuse the whole response. */
static bool valid_value(cg_str value)
{
    for (size_t i = 0; i < value.len; i++) {
        unsigned char c = (unsigned char)value.ptr[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
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
    r->headers[r->nheaders].name = cg_arena_strdup(r->arena, name);
    r->headers[r->nheaders].value = cg_arena_strdup(r->arena, value);
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
