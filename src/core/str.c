#include "cgate/str.h"

#include <stdint.h>

/* The eight bytes of x with their ASCII capitals made small: per byte,
 * 'A'..'Z' are told apart by two additions that cannot carry into the next
 * byte (the byte's top bit is masked first; bytes with it set are not
 * ASCII and stay as they are). */
static uint64_t ascii_lower8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, tops = 0x8080808080808080u;
    uint64_t low7 = x & ~tops;
    uint64_t above_z = low7 + ones * (0x7f - 'Z'); /* top bit: byte > 'Z' */
    uint64_t from_a = low7 + ones * (0x80 - 'A');  /* top bit: byte >= 'A' */
    uint64_t capitals = (from_a ^ above_z) & ~x & tops;
    return x | capitals >> 2; /* 0x80 >> 2: the case bit */
}

static bool same_word(const char *a, const char *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y || ascii_lower8(x) == ascii_lower8(y);
}

/* Eight bytes at a time, the last eight overlapping the word before them:
 * header names are compared on every request. */
bool cg__str_ieq_n(cg_str a, cg_str b)
{
    if (a.len < 8) {
        uint64_t x = 0, y = 0;
        for (size_t i = 0; i < a.len; i++) {
            x = x << 8 | (unsigned char)a.ptr[i];
            y = y << 8 | (unsigned char)b.ptr[i];
        }
        return x == y || ascii_lower8(x) == ascii_lower8(y);
    }
    for (size_t i = 0; a.len - i > 8; i += 8)
        if (!same_word(a.ptr + i, b.ptr + i))
            return false;
    return same_word(a.ptr + a.len - 8, b.ptr + a.len - 8);
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
