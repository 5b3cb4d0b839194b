/* The item store: what the items app needs from a database, behind a small
 * table of operations, with a SQLite and a DynamoDB backend. ITEMS_STORE
 * selects the backend in app.c.
 *
 * Every operation returns STORE_OK, STORE_NOT_FOUND (get, replace, remove),
 * STORE_BUSY (the database is there but cannot take it now: locked past
 * the busy timeout, disk full, throttled past the retries; worth retrying
 * later), STORE_UNKNOWN (create, replace, remove: no answer of the
 * database told the outcome, and reading the item back does not show the
 * write, which may still have been applied, or may yet be) or STORE_ERROR;
 * after the last three, store_last_error() says why. */
#ifndef ITEMS_STORE_H
#define ITEMS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cgate/arena.h>
#include <cgate/str.h>

/* What a client sends for POST and PUT. */
struct item_in {
    cg_str name;
    double price;
    cg_str description; /* ptr NULL: absent */
};

/* An item as stored and as answered. */
struct item {
    int64_t id;
    cg_str name;
    double price;
    cg_str description; /* ptr NULL: absent (sent as null) */
};

enum { STORE_OK = 0, STORE_NOT_FOUND = -1, STORE_BUSY = -2, STORE_ERROR = -3, STORE_UNKNOWN = -4 };

/* A page of the list: items in id order. When `more`, the next page holds
 * the items whose ids are above next_after (the last item's id, or further
 * when the store looked past it and found nothing). */
struct page {
    struct item *items;
    size_t n;
    bool more;
    int64_t next_after;
};

struct store;

struct store_ops {
    void (*close)(struct store *s);
    /* Store a new item and set it->id. */
    int (*create)(struct store *s, struct item *it);
    /* Strings of the result are copied into `a`. */
    int (*get)(struct store *s, struct cg_arena *a, int64_t id, struct item *out);
    /* Up to `limit` items whose ids are above `after`, ordered by id,
     * skipping the first `offset` of them; the array and its strings live
     * in `a`. A page may hold fewer than `limit` items and still have more
     * after it (store_dynamodb.c bounds what one page reads). */
    int (*list)(struct store *s, struct cg_arena *a, int64_t after, int64_t offset, int64_t limit,
                struct page *out);
    /* Replace every field of the item it->id. */
    int (*replace)(struct store *s, const struct item *it);
    int (*remove)(struct store *s, int64_t id);
    /* Why the last failed call made by this thread failed. */
    const char *(*last_error)(void);
};

/* Safe to use from several threads at once; close only after the last
 * call of every thread has returned. */
struct store {
    const struct store_ops *ops;
};

/* Open (creating it if needed) the SQLite database at `path`; ":memory:"
 * gives a private in-memory database shared by all threads of this store.
 * Returns 0, or -1 with a message in err. */
int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen);

/* How store_dynamodb_open treats the table before the first request. */
enum table_check {
    TABLE_TRUSTED, /* assume it exists: a missing table fails each request */
    TABLE_CHECKED, /* describe it, and fail when it is missing or not active */
    TABLE_CREATED, /* describe it, and create it when it is missing */
};

/* Use the DynamoDB table `table` (store_dynamodb.c describes its layout).
 * Credentials, region and endpoint come from the environment (docs/aws.md).
 * Returns 0, or -1 with a message in err. */
int store_dynamodb_open(const char *table, enum table_check check, struct store **out, char *err, size_t errlen);

static inline void store_close(struct store *s)
{
    s->ops->close(s);
}

static inline int store_create(struct store *s, struct item *it)
{
    return s->ops->create(s, it);
}

static inline int store_get(struct store *s, struct cg_arena *a, int64_t id, struct item *out)
{
    return s->ops->get(s, a, id, out);
}

static inline int store_list(struct store *s, struct cg_arena *a, int64_t after, int64_t offset, int64_t limit,
                             struct page *out)
{
    return s->ops->list(s, a, after, offset, limit, out);
}

static inline int store_replace(struct store *s, const struct item *it)
{
    return s->ops->replace(s, it);
}

static inline int store_remove(struct store *s, int64_t id)
{
    return s->ops->remove(s, id);
}

static inline const char *store_last_error(const struct store *s)
{
    return s->ops->last_error();
}

#endif
