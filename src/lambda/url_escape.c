/* Percent-encoding of paths and query components, as the gateways put
 * decoded values back into wire form. */
#include "lambda/lambda_internal.h"

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

/* In a path: space, '?', '#', controls and non-ASCII are escaped, and a '%'
 * that does not start a valid escape (gateway-events.md §2.3). */
static bool path_needs_escape(cg_str s, size_t i)
{
    unsigned char c = (unsigned char)s.ptr[i];
    if (c == '%')
        return !(i + 2 < s.len && is_hex(s.ptr[i + 1]) && is_hex(s.ptr[i + 2]));
    return c <= ' ' || c >= 0x7f || c == '?' || c == '#';
}

static bool needs_escape(cg_str s, size_t i, enum url_escape mode)
{
    return mode == ESC_PATH ? path_needs_escape(s, i) : !is_unreserved((unsigned char)s.ptr[i]);
}

cg_str cg__lambda_url_escape(struct cg_arena *a, cg_str s, enum url_escape mode)
{
    size_t extra = 0;
    for (size_t i = 0; i < s.len; i++)
        extra += needs_escape(s, i, mode) ? 2 : 0;
    if (extra == 0)
        return s;
    static const char hex[] = "0123456789ABCDEF";
    char *o = cg_arena_alloc(a, s.len + extra + 1);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (needs_escape(s, i, mode)) {
            o[n++] = '%';
            o[n++] = hex[c >> 4];
            o[n++] = hex[c & 15];
        } else {
            o[n++] = (char)c;
        }
    }
    o[n] = '\0';
    return (cg_str){ o, n };
}
