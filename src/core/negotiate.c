/* Reading list-valued request headers: the comma-separated elements, and
 * the q-values of Accept-Encoding (RFC 9110 §12.5.3), shared by the docs
 * pages and the compression middleware. */
#include <ctype.h>
#include <string.h>

#include "cgate/request.h"

cg_str cg_header_next_element(cg_str *list)
{
    const char *comma = memchr(list->ptr, ',', list->len);
    size_t len = comma ? (size_t)(comma - list->ptr) : list->len;
    cg_str element = { list->ptr, len };
    size_t skip = comma ? len + 1 : len;
    list->ptr += skip;
    list->len -= skip;
    return cg_str_trim(element);
}

/* RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ),
 * in thousandths; -1 when malformed. */
static int parse_qvalue(cg_str v)
{
    if (v.len == 0 || (v.ptr[0] != '0' && v.ptr[0] != '1') || v.len > 5 || (v.len > 1 && v.ptr[1] != '.'))
        return -1;
    int q = (v.ptr[0] - '0') * 1000;
    for (size_t i = 2, scale = 100; i < v.len; i++, scale /= 10) {
        if (!isdigit((unsigned char)v.ptr[i]))
            return -1;
        q += (v.ptr[i] - '0') * (int)scale;
    }
    return q <= 1000 ? q : -1;
}

/* An element's coding, and its q in thousandths (1000 without one, -1 when
 * malformed). Parameters other than q are ignored. */
static cg_str parse_element(cg_str element, int *q)
{
    const char *semi = memchr(element.ptr, ';', element.len);
    size_t coding_len = semi ? (size_t)(semi - element.ptr) : element.len;
    *q = 1000;
    while (semi) {
        const char *start = semi + 1, *end = element.ptr + element.len;
        semi = memchr(start, ';', (size_t)(end - start));
        cg_str param = cg_str_trim((cg_str){ start, (size_t)((semi ? semi : end) - start) });
        if (param.len >= 2 && (param.ptr[0] == 'q' || param.ptr[0] == 'Q') && param.ptr[1] == '=')
            *q = parse_qvalue((cg_str){ param.ptr + 2, param.len - 2 });
    }
    return cg_str_trim((cg_str){ element.ptr, coding_len });
}

static bool same_coding(cg_str listed, cg_str coding)
{
    if (cg_str_ieq(listed, CG_STR("x-gzip")))
        listed = CG_STR("gzip");
    return cg_str_ieq(listed, coding);
}

/* The q of coding's first element, or -1 when it is not listed. */
static int listed_q(cg_str header, cg_str coding)
{
    while (header.len) {
        int q;
        cg_str listed = parse_element(cg_header_next_element(&header), &q);
        if (same_coding(listed, coding))
            return q < 0 ? 0 : q;
    }
    return -1;
}

int cg_accept_encoding_q(cg_str header, cg_str coding)
{
    if (!header.ptr)
        return 0;
    int q = listed_q(header, coding);
    if (q < 0)
        q = listed_q(header, CG_STR("*"));
    return q < 0 ? 0 : q;
}
