/* UTF-8 as the core reads it (utf8.c): the JSON scanner, the JSON writer and
 * the value checks step through text one sequence at a time. Whether a
 * whole string is valid is public: cg_utf8_valid (cgate/codec.h). */
#ifndef CGATE_CORE_UTF8_H
#define CGATE_CORE_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the valid UTF-8 sequence at s, or minus the length
 * of its maximal invalid prefix, which stands for one U+FFFD as in Python's
 * decode(errors="replace"). Needs n > 0. */
int cg__utf8_seq(const unsigned char *s, size_t n);

#endif
