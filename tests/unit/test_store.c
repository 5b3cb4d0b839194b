/* The SQLite item store of the items example. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static char dir[64];
static char db_path[96];
static struct cg_arena *arena;

static void setup(void)
{
    strcpy(dir, "/tmp/cgate-store-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    snprintf(db_path, sizeof db_path, "%s/items.db", dir);
    arena = cg_arena_new();
}

static void remove_file(const char *suffix)
{
    char path[128];
    snprintf(path, sizeof path, "%s%s", db_path, suffix);
    unlink(path);
}

static void teardown(void)
{
    cg_arena_free(arena);
    remove_file("");
    remove_file("-wal");
    remove_file("-shm");
    rmdir(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

static struct store *open_at(const char *path)
{
    struct store *s = NULL;
    char err[256] = "";
    cr_assert_eq(store_sqlite_open(path, &s, err, sizeof err), 0, "open %s: %s", path, err);
    return s;
}

static struct item make_item(const char *name, double price, const char *description)
{
    return (struct item){ .name = cg_str_c(name), .price = price,
                          .description = cg_str_c(description) };
}

static int64_t add(struct store *s, const char *name, double price, const char *description)
{
    struct item it = make_item(name, price, description);
    cr_assert_eq(store_create(s, &it), STORE_OK, "%s", store_last_error(s));
    return it.id;
}

static void assert_str(cg_str got, const char *want)
{
    if (!want) {
        cr_assert_null(got.ptr);
        return;
    }
    cr_assert_not_null(got.ptr);
    cr_assert_eq(got.len, strlen(want));
    cr_assert_eq(memcmp(got.ptr, want, got.len), 0, "got %.*s, want %s", (int)got.len, got.ptr,
                 want);
}

static void assert_item(struct store *s, int64_t id, const char *name, double price,
                        const char *description)
{
    struct item got;
    cr_assert_eq(store_get(s, arena, id, &got), STORE_OK, "get %lld", (long long)id);
    cr_assert_eq(got.id, id);
    assert_str(got.name, name);
    cr_assert_eq(got.price, price);
    assert_str(got.description, description);
}

Test(store, create_then_get)
{
    struct store *s = open_at(db_path);
    int64_t a = add(s, "Hammer", 9.5, "Claw hammer");
    int64_t b = add(s, "Nail", 0.01, NULL);
    cr_assert_eq(a, 1);
    cr_assert_eq(b, 2);
    assert_item(s, a, "Hammer", 9.5, "Claw hammer");
    assert_item(s, b, "Nail", 0.01, NULL);
    store_close(s);
}

Test(store, file_is_in_wal_mode)
{
    struct store *s = open_at(db_path);
    add(s, "Logged", 1, NULL);
    char wal[128];
    snprintf(wal, sizeof wal, "%s-wal", db_path);
    cr_assert_eq(access(wal, F_OK), 0, "no %s", wal);
    store_close(s);
}

Test(store, empty_description_is_not_null)
{
    struct store *s = open_at(db_path);
    int64_t id = add(s, "Thing", 1, "");
    assert_item(s, id, "Thing", 1, "");
    store_close(s);
}

Test(store, strings_keep_utf8_and_nul_bytes)
{
    struct store *s = open_at(db_path);
    struct item it = { .name = { "a\0b", 3 }, .price = 2, .description = CG_STR("café ☕") };
    cr_assert_eq(store_create(s, &it), STORE_OK);
    struct item got;
    cr_assert_eq(store_get(s, arena, it.id, &got), STORE_OK);
    cr_assert_eq(got.name.len, 3);
    cr_assert_eq(memcmp(got.name.ptr, "a\0b", 3), 0);
    assert_str(got.description, "café ☕");
    store_close(s);
}

Test(store, get_unknown_is_not_found)
{
    struct store *s = open_at(db_path);
    struct item got;
    cr_assert_eq(store_get(s, arena, 1, &got), STORE_NOT_FOUND);
    cr_assert_eq(store_get(s, arena, -5, &got), STORE_NOT_FOUND);
    store_close(s);
}

static struct page list_after(struct store *s, int64_t after, int64_t offset, int64_t limit)
{
    struct page page = { .n = 99 };
    cr_assert_eq(store_list(s, arena, after, offset, limit, &page), STORE_OK);
    return page;
}

static void assert_list(struct store *s, int64_t limit, int64_t offset, size_t want_n,
                        int64_t first_id)
{
    struct page page = list_after(s, 0, offset, limit);
    cr_assert_eq(page.n, want_n, "limit %lld offset %lld: %zu items", (long long)limit,
                 (long long)offset, page.n);
    for (size_t i = 0; i < page.n; i++)
        cr_assert_eq(page.items[i].id, first_id + (int64_t)i);
}

Test(store, list_pages_in_id_order)
{
    struct store *s = open_at(db_path);
    char name[16];
    for (int i = 1; i <= 45; i++) {
        snprintf(name, sizeof name, "item %d", i);
        add(s, name, i, NULL);
    }
    assert_list(s, 20, 0, 20, 1);
    assert_list(s, 20, 40, 5, 41);
    assert_list(s, 100, 0, 45, 1);
    assert_list(s, 1, 44, 1, 45);
    assert_list(s, 10, 45, 0, 0);
    struct page page = list_after(s, 0, 1, 3);
    assert_str(page.items[2].name, "item 4");
    cr_assert_eq(page.items[2].price, 4);
    store_close(s);
}

/* A page after an id starts past it, deleted ids or not, and says whether
 * another follows: only when an item is left after its last one. */
Test(store, list_pages_after_an_id)
{
    struct store *s = open_at(db_path);
    for (int i = 1; i <= 10; i++)
        add(s, "item", i, NULL);
    cr_assert_eq(store_remove(s, 5), STORE_OK);
    struct page page = list_after(s, 3, 0, 3);
    cr_assert_eq(page.n, 3);
    cr_assert_eq(page.items[0].id, 4);
    cr_assert_eq(page.items[2].id, 7);
    cr_assert(page.more);
    cr_assert_eq(page.next_after, 7);
    page = list_after(s, 7, 0, 3);
    cr_assert_eq(page.n, 3);
    cr_assert_not(page.more, "10 is the last item: no page after it");
    page = list_after(s, 6, 1, 2);
    cr_assert_eq(page.items[0].id, 8, "the offset counts from the cursor");
    cr_assert_eq(list_after(s, 10, 0, 5).n, 0);
    store_close(s);
}

Test(store, list_of_empty_store)
{
    struct store *s = open_at(db_path);
    assert_list(s, 20, 0, 0, 0);
    store_close(s);
}

Test(store, replace_overwrites_every_field)
{
    struct store *s = open_at(db_path);
    int64_t id = add(s, "Old", 1, "old text");
    struct item it = make_item("New", 2.25, NULL);
    it.id = id;
    cr_assert_eq(store_replace(s, &it), STORE_OK);
    assert_item(s, id, "New", 2.25, NULL);
    it.id = id + 1;
    cr_assert_eq(store_replace(s, &it), STORE_NOT_FOUND);
    store_close(s);
}

Test(store, remove_then_not_found)
{
    struct store *s = open_at(db_path);
    int64_t id = add(s, "Gone", 1, NULL);
    int64_t kept = add(s, "Kept", 1, NULL);
    cr_assert_eq(store_remove(s, id), STORE_OK);
    struct item got;
    cr_assert_eq(store_get(s, arena, id, &got), STORE_NOT_FOUND);
    cr_assert_eq(store_remove(s, id), STORE_NOT_FOUND);
    assert_item(s, kept, "Kept", 1, NULL);
    store_close(s);
}

Test(store, ids_of_removed_items_are_not_reused)
{
    struct store *s = open_at(db_path);
    int64_t id = add(s, "Last", 1, NULL);
    cr_assert_eq(store_remove(s, id), STORE_OK);
    cr_assert_eq(add(s, "Next", 1, NULL), id + 1);
    store_close(s);
}

Test(store, data_survives_close_and_reopen)
{
    struct store *s = open_at(db_path);
    int64_t a = add(s, "Kept", 3.5, "on disk");
    int64_t b = add(s, "Removed", 1, NULL);
    cr_assert_eq(store_remove(s, b), STORE_OK);
    store_close(s);

    s = open_at(db_path);
    assert_item(s, a, "Kept", 3.5, "on disk");
    assert_list(s, 20, 0, 1, a);
    cr_assert_eq(add(s, "After", 1, NULL), b + 1);
    store_close(s);
}

Test(store, bad_path_fails_with_a_message)
{
    struct store *s = NULL;
    char err[256] = "";
    cr_assert_eq(store_sqlite_open("/nonexistent-dir/items.db", &s, err, sizeof err), -1);
    cr_assert_null(s);
    cr_assert(strstr(err, "unable to open") != NULL, "err: %s", err);
}

Test(store, a_file_that_is_not_a_database_fails)
{
    FILE *f = fopen(db_path, "w");
    cr_assert_not_null(f);
    fputs("this is not an SQLite database, not even close; it is long enough to be read\n", f);
    fclose(f);
    struct store *s = NULL;
    char err[256] = "";
    cr_assert_eq(store_sqlite_open(db_path, &s, err, sizeof err), -1);
    cr_assert(strstr(err, "not a database") != NULL, "err: %s", err);
}

Test(store, memory_stores_are_private)
{
    struct store *a = open_at(":memory:");
    struct store *b = open_at(":memory:");
    add(a, "Only in a", 1, NULL);
    assert_list(a, 20, 0, 1, 1);
    assert_list(b, 20, 0, 0, 0);
    store_close(a);
    store_close(b);
}

/* ---- several threads, each with its own connection ---- */

#define THREADS 4
#define PER_THREAD 50

struct worker {
    pthread_t thread;
    struct store *store;
    int64_t ids[PER_THREAD];
    int failures;
};

static void *create_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        struct item it = make_item("concurrent", i + 1, NULL);
        if (store_create(w->store, &it) != STORE_OK) {
            w->failures++;
            continue;
        }
        w->ids[i] = it.id;
    }
    return NULL;
}

static void run_workers(struct store *s)
{
    struct worker w[THREADS] = { 0 };
    for (int t = 0; t < THREADS; t++) {
        w[t].store = s;
        cr_assert_eq(pthread_create(&w[t].thread, NULL, create_many, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(w[t].thread, NULL);
        cr_assert_eq(w[t].failures, 0);
    }
    /* Every id is distinct and readable from this thread's connection. */
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < PER_THREAD; i++) {
            struct item got;
            cr_assert_eq(store_get(s, arena, w[t].ids[i], &got), STORE_OK);
            cr_assert_eq(got.price, i + 1);
        }
    }
    assert_list(s, 100, THREADS * PER_THREAD - 10, 10, THREADS * PER_THREAD - 9);
}

Test(store, concurrent_writers_on_a_file)
{
    struct store *s = open_at(db_path);
    run_workers(s);
    store_close(s);
}

Test(store, memory_store_is_shared_by_threads)
{
    struct store *s = open_at(":memory:");
    run_workers(s);
    store_close(s);
}
