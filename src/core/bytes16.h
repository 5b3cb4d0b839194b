/* Sixteen bytes at a time, portably: GCC's vector extensions (SSE2 on
 * x86-64, NEON on arm64) for the comparisons, and x86's one-instruction
 * byte mask where there is one to find the first hit. Shared by the JSON
 * scanner (json_scan.c) and the HTTP/1.1 response reader
 * (src/net/http1_read.c). CG_BYTES16_PORTABLE forces the generic path on
 * x86 too, so that the unit tests run the code arm64 runs. */
#ifndef CGATE_BYTES16_H
#define CGATE_BYTES16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && !defined(CG_BYTES16_PORTABLE)
#define CG_BYTES16_MOVEMASK 1
#include <emmintrin.h>
#endif

/* Signed, as comparisons' results are (each byte 0 or all ones). */
typedef signed char cg__bytes16 __attribute__((vector_size(16)));

static inline cg__bytes16 cg__load16(const void *p)
{
    cg__bytes16 x;
    memcpy(&x, p, sizeof x);
    return x;
}

/* The offset in memory order of the first nonzero byte of a nonzero word
 * loaded from memory. */
static inline size_t cg__first_nonzero_byte(uint64_t word)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return (size_t)__builtin_ctzll(word) / 8;
#else
    return (size_t)__builtin_clzll(word) / 8;
#endif
}

/* The offset of the first byte of marks that is all ones, or 16. */
static inline size_t cg__first_marked16(cg__bytes16 marks)
{
#ifdef CG_BYTES16_MOVEMASK
    unsigned mask = (unsigned)_mm_movemask_epi8((__m128i)marks);
    return mask ? (size_t)__builtin_ctz(mask) : 16;
#else
    uint64_t half[2];
    memcpy(half, &marks, sizeof half);
    if (half[0])
        return cg__first_nonzero_byte(half[0]);
    return half[1] ? 8 + cg__first_nonzero_byte(half[1]) : 16;
#endif
}

/* How many of the eight bytes at p equal c, in memory order, before the
 * first that does not; 8 when all do. A word at once, for runs too short
 * for a block to pay (the JSON scanner's indentation). */
static inline size_t cg__run8(const void *p, unsigned char c)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    x ^= 0x0101010101010101ULL * c; /* the bytes equal to c are now zero */
    return x ? cg__first_nonzero_byte(x) : 8;
}

#endif
