/* The per-request arena: alignment, growth, in-place realloc, reset, and,
 * under AddressSanitizer, the poisoning of every byte no allocation holds. */
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "cgate/arena.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif

#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#define POISONED(p) __asan_address_is_poisoned(p)
#else
#define POISONED(p) (cr_skip_test("not an AddressSanitizer build"), 0)
#endif

static struct cg_arena *arena;

static void setup(void)
{
    arena = cg_arena_new();
}

static void teardown(void)
{
    cg_arena_free(arena);
}

TestSuite(arena, .init = setup, .fini = teardown);

Test(arena, allocations_are_aligned_and_distinct)
{
    char *a = cg_arena_alloc(arena, 3);
    char *b = cg_arena_alloc(arena, 5);
    cr_assert_eq((uintptr_t)a % 16, 0);
    cr_assert_eq((uintptr_t)b % 16, 0);
    cr_assert_geq(b - a, 16);
}

Test(arena, large_blocks_and_many_small_ones)
{
    char *big = cg_arena_alloc(arena, 100000);
    memset(big, 'x', 100000);
    for (int i = 0; i < 2000; i++)
        memset(cg_arena_alloc(arena, 24), i, 24);
    cr_assert_eq(big[99999], 'x');
}

Test(arena, realloc_of_the_last_block_grows_in_place)
{
    char *p = cg_arena_alloc(arena, 10);
    memcpy(p, "0123456789", 10);
    char *q = cg_arena_realloc(arena, p, 10, 40);
    cr_assert_eq(q, p);
    cr_assert_eq(memcmp(q, "0123456789", 10), 0);
    cg_arena_alloc(arena, 1);
    char *r = cg_arena_realloc(arena, q, 40, 80); /* no longer the last: copied */
    cr_assert_neq(r, q);
    cr_assert_eq(memcmp(r, "0123456789", 10), 0);
}

Test(arena, bytes_past_an_allocation_are_poisoned)
{
    char *p = cg_arena_alloc(arena, 10);
    cr_assert(!POISONED(p));
    cr_assert(!POISONED(p + 9));
    cr_assert(POISONED(p + 10), "the alignment padding after a block");
    cr_assert(POISONED(p + 100), "the chunk's free space");
}

Test(arena, in_place_realloc_moves_the_poisoned_edge)
{
    char *p = cg_arena_alloc(arena, 10);
    p = cg_arena_realloc(arena, p, 10, 30);
    cr_assert(!POISONED(p + 29));
    cr_assert(POISONED(p + 30));
    p = cg_arena_realloc(arena, p, 30, 12);
    cr_assert(!POISONED(p + 11));
    cr_assert(POISONED(p + 12), "shrunk in place: the bytes given back");
}

Test(arena, a_reset_poisons_what_was_given_out)
{
    char *small = cg_arena_alloc(arena, 64);
    cg_arena_alloc(arena, 20000); /* a chunk of its own, freed by the reset */
    cr_assert(!POISONED(small));
    cg_arena_reset(arena);
    cr_assert(POISONED(small), "memory of the previous request");
    char *again = cg_arena_alloc(arena, 8);
    cr_assert(!POISONED(again));
}
