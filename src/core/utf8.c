/* UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. */
#include "cgate/codec.h"
#include "core/utf8.h"

int cg__utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    int len;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        else if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90; /* overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* beyond U+10FFFF */
    } else {
        return -1;
    }
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n || s[i] < lo || s[i] > hi)
            return -i;
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

bool cg_utf8_valid(cg_str str)
{
    const unsigned char *s = (const unsigned char *)str.ptr;
    for (size_t i = 0; i < str.len;) {
        while (i < str.len && s[i] < 0x80) /* the common case, a byte at a time */
            i++;
        if (i == str.len)
            break;
        int n = cg__utf8_seq(s + i, str.len - i);
        if (n < 0)
            return false;
        i += (size_t)n;
    }
    return true;
}
