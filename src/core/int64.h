/* Whether a double holds a whole number that fits an int64: the JSON writer
 * prints such numbers without ".0", and the value checks take them as ints. */
#ifndef CGATE_CORE_INT64_H
#define CGATE_CORE_INT64_H

#include <stdbool.h>
#include <stdint.h>

/* Not libm's trunc(): the core then needs no libm, and a bootstrap without
 * SQLite links libc alone. */
static inline bool cg_is_int64(double v)
{
    return v >= -0x1p63 && v < 0x1p63 && (double)(int64_t)v == v;
}

#endif
