#include "cgate/str.h"

static inline unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool cg_str_ieq(cg_str a, cg_str b)
{
    if (a.len != b.len)
        return false;
    /* Names usually come as they are looked for (gateways lowercase them):
     * one memcmp settles most comparisons. */
    if (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0)
        return true;
    for (size_t i = 0; i < a.len; i++)
        if (ascii_lower((unsigned char)a.ptr[i]) != ascii_lower((unsigned char)b.ptr[i]))
            return false;
    return true;
}

cg_str cg_kv_find(const struct cg_kv *kv, size_t n, cg_str name)
{
    for (size_t i = 0; i < n; i++)
        if (cg_str_eq(kv[i].name, name))
            return kv[i].value;
    return (cg_str){ NULL, 0 };
}

cg_str cg_kv_ifind(const struct cg_kv *kv, size_t n, cg_str name)
{
    for (size_t i = 0; i < n; i++)
        if (cg_str_ieq(kv[i].name, name))
            return kv[i].value;
    return (cg_str){ NULL, 0 };
}

cg_str cg_str_trim(cg_str s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t'))
        s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}
