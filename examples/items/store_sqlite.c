/* The SQLite item store.
 *
 * Concurrency: the server calls handlers from one worker thread per core at
 * the same time. A SQLite connection must not be used by two threads at once,
 * and one shared connection behind a mutex would serialise every request, so
 * each thread gets a connection of its own: opened on the thread's first
 * call, found again through a thread-specific key, each statement prepared
 * on its first use (a cold start that reads nothing prepares nothing), and
 * kept until store_close() closes them all (the server's workers
 * live as long as the store, so there is one per worker). In WAL mode readers
 * never wait; writers queue in SQLite's busy handler. As no connection is
 * shared, they are opened with SQLITE_OPEN_NOMUTEX.
 *
 * Durability: synchronous=FULL, so once a write returns (and the client gets
 * its 201) the item is on disk and survives kill -9 or a power cut.
 *
 * ":memory:" would give every connection a different, empty database. It is
 * mapped instead to a uniquely named database of SQLite's memdb VFS, which
 * all the connections of one store share and which lives until the last of
 * them is closed. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cgate/log.h>

#include "store.h"

#define BUSY_TIMEOUT_MS 5000

enum stmt { ST_INSERT, ST_GET, ST_LIST, ST_UPDATE, ST_DELETE, ST_COUNT };

static const char *const stmt_sql[ST_COUNT] = {
    [ST_INSERT] = "INSERT INTO items (name, price, description) VALUES (?1, ?2, ?3)",
    [ST_GET] = "SELECT id, name, price, description FROM items WHERE id = ?1",
    [ST_LIST] = "SELECT id, name, price, description FROM items WHERE id > ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
    [ST_UPDATE] = "UPDATE items SET name = ?2, price = ?3, description = ?4 WHERE id = ?1",
    [ST_DELETE] = "DELETE FROM items WHERE id = ?1",
};

/* AUTOINCREMENT: the id of a deleted item is never given to a new one, so a
 * Location a client kept cannot come to name another item. */
static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS items ("
                                 "id INTEGER PRIMARY KEY AUTOINCREMENT, "
                                 "name TEXT NOT NULL, "
                                 "price REAL NOT NULL, "
                                 "description TEXT)";

struct conn {
    sqlite3 *db;
    sqlite3_stmt *stmt[ST_COUNT];
    struct conn *next;
};

struct sqlite_store {
    struct store base;
    char *uri;             /* what sqlite3_open_v2 is given */
    bool in_memory;
    pthread_key_t key;     /* the calling thread's struct conn */
    pthread_mutex_t lock;  /* guards conns */
    struct conn *conns;    /* every open connection */
};

static _Thread_local char last_error[256];

static const char *sqlite_last_error(void)
{
    return last_error;
}

/* Record why `what` failed on db (NULL: no connection could be made). */
static int fail(sqlite3 *db, const char *what)
{
    snprintf(last_error, sizeof last_error, "%s: %s", what,
             db ? sqlite3_errmsg(db) : "out of memory");
    switch (db ? sqlite3_errcode(db) : SQLITE_NOMEM) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL: return STORE_BUSY;
    default: return STORE_ERROR;
    }
}

static void conn_close(struct conn *cn)
{
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(cn->stmt[i]);
    sqlite3_close(cn->db);
    free(cn);
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? STORE_OK : fail(db, sql);
}

/* WAL is a property of the database file: set once, by the first
 * connection. It may be refused (a file system without shared memory); the
 * store still works then, with readers and writers waiting on each other. */
static int enable_wal(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "journal_mode");
    int rc = sqlite3_step(st);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    if (mode && strcmp(mode, "wal") != 0)
        cg_warn("items store: journal_mode is %s, not wal", mode);
    int result = rc == SQLITE_ROW ? STORE_OK : fail(db, "journal_mode");
    sqlite3_finalize(st);
    return result;
}

static int setup_schema(struct sqlite_store *s, sqlite3 *db)
{
    if (!s->in_memory && enable_wal(db) != STORE_OK)
        return STORE_ERROR;
    return exec(db, schema_sql);
}


/* Open a connection for the calling thread and register it. */
static struct conn *conn_open(struct sqlite_store *s, bool create_schema)
{
    struct conn *cn = cg_xmalloc(sizeof *cn);
    memset(cn, 0, sizeof *cn);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(s->uri, &cn->db, flags, NULL) != SQLITE_OK) {
        fail(cn->db, "open");
        goto fail;
    }
    sqlite3_extended_result_codes(cn->db, 1);
    sqlite3_busy_timeout(cn->db, BUSY_TIMEOUT_MS);
    if (exec(cn->db, "PRAGMA synchronous=FULL") != STORE_OK)
        goto fail;
    if (create_schema && setup_schema(s, cn->db) != STORE_OK)
        goto fail;
    pthread_mutex_lock(&s->lock);
    cn->next = s->conns;
    s->conns = cn;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, cn);
    return cn;
fail:
    conn_close(cn);
    return NULL;
}

/* The calling thread's statement `which`, or NULL (error recorded). */
static sqlite3_stmt *statement(struct store *base, enum stmt which)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct conn *cn = pthread_getspecific(s->key);
    if (!cn)
        cn = conn_open(s, false);
    if (!cn)
        return NULL;
    if (!cn->stmt[which] && sqlite3_prepare_v3(cn->db, stmt_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                                               &cn->stmt[which], NULL) != SQLITE_OK) {
        fail(cn->db, stmt_sql[which]);
        return NULL;
    }
    return cn->stmt[which];
}

/* Make the statement ready for its next use; returns `result`. */
static int finish(sqlite3_stmt *st, int result)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return result;
}

/* Step a statement that returns no rows. */
static int run(sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    return finish(st, rc == SQLITE_DONE ? STORE_OK : fail(sqlite3_db_handle(st), what));
}

static int bind_text(sqlite3_stmt *st, int col, cg_str s)
{
    if (!s.ptr)
        return sqlite3_bind_null(st, col);
    return sqlite3_bind_text64(st, col, s.ptr, s.len, SQLITE_STATIC, SQLITE_UTF8);
}

/* Bind name, price and description to parameters first.. first+2. */
static int bind_fields(sqlite3_stmt *st, int first, const struct item *it)
{
    int rc = bind_text(st, first, it->name);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_double(st, first + 1, it->price);
    if (rc == SQLITE_OK)
        rc = bind_text(st, first + 2, it->description);
    return rc == SQLITE_OK ? STORE_OK : fail(sqlite3_db_handle(st), "bind");
}

static cg_str column_text(sqlite3_stmt *st, int col, struct cg_arena *a)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return (cg_str){ NULL, 0 };
    const char *text = (const char *)sqlite3_column_text(st, col);
    if (!text)
        cg_oom();
    return cg_arena_strdup(a, (cg_str){ text, (size_t)sqlite3_column_bytes(st, col) });
}

static void read_row(sqlite3_stmt *st, struct cg_arena *a, struct item *out)
{
    out->id = sqlite3_column_int64(st, 0);
    out->name = column_text(st, 1, a);
    out->price = sqlite3_column_double(st, 2);
    out->description = column_text(st, 3, a);
}

static int sqlite_create(struct store *base, struct item *it)
{
    sqlite3_stmt *st = statement(base, ST_INSERT);
    if (!st)
        return STORE_ERROR;
    if (bind_fields(st, 1, it) != STORE_OK)
        return finish(st, STORE_ERROR);
    int result = run(st, "insert item");
    if (result == STORE_OK)
        it->id = sqlite3_last_insert_rowid(sqlite3_db_handle(st));
    return result;
}

static int sqlite_get(struct store *base, struct cg_arena *a, int64_t id, struct item *out)
{
    sqlite3_stmt *st = statement(base, ST_GET);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        read_row(st, a, out);
        return finish(st, STORE_OK);
    case SQLITE_DONE:
        return finish(st, STORE_NOT_FOUND);
    default:
        return finish(st, fail(sqlite3_db_handle(st), "read item"));
    }
}

/* The primary key's b-tree starts at `after`: a page costs O(limit) rows
 * from a cursor, O(offset + limit) from an offset. One row past the limit
 * says whether there is a next page. */
static int sqlite_list(struct store *base, struct cg_arena *a, int64_t after, int64_t offset, int64_t limit,
                       struct page *page)
{
    sqlite3_stmt *st = statement(base, ST_LIST);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int64(st, 2, limit + 1);
    sqlite3_bind_int64(st, 3, offset);
    struct item *out = NULL;
    size_t count = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t grown = cap ? 2 * cap : 16;
            out = cg_arena_realloc(a, out, cap * sizeof *out, grown * sizeof *out);
            cap = grown;
        }
        read_row(st, a, &out[count++]);
    }
    if (rc != SQLITE_DONE)
        return finish(st, fail(sqlite3_db_handle(st), "list items"));
    page->more = count > (size_t)limit;
    page->n = page->more ? (size_t)limit : count;
    page->items = out;
    page->next_after = page->more ? out[limit - 1].id : 0;
    return finish(st, STORE_OK);
}

/* A write that names one item by id: not found when it changed no row. */
static int write_one(sqlite3_stmt *st, const char *what)
{
    int result = run(st, what);
    if (result == STORE_OK && sqlite3_changes(sqlite3_db_handle(st)) == 0)
        result = STORE_NOT_FOUND;
    return result;
}

static int sqlite_replace(struct store *base, const struct item *it)
{
    sqlite3_stmt *st = statement(base, ST_UPDATE);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, it->id);
    if (bind_fields(st, 2, it) != STORE_OK)
        return finish(st, STORE_ERROR);
    return write_one(st, "replace item");
}

static int sqlite_remove(struct store *base, int64_t id)
{
    sqlite3_stmt *st = statement(base, ST_DELETE);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return write_one(st, "delete item");
}

static void sqlite_close(struct store *base)
{
    struct sqlite_store *s = (struct sqlite_store *)base;
    while (s->conns) {
        struct conn *next = s->conns->next;
        conn_close(s->conns);
        s->conns = next;
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    free(s->uri);
    free(s);
}

static const struct store_ops sqlite_ops = {
    .close = sqlite_close,
    .create = sqlite_create,
    .get = sqlite_get,
    .list = sqlite_list,
    .replace = sqlite_replace,
    .remove = sqlite_remove,
    .last_error = sqlite_last_error,
};

static char *memdb_uri(void)
{
    static atomic_uint opened;
    char uri[64];
    snprintf(uri, sizeof uri, "file:/items-%ld-%u?vfs=memdb", (long)getpid(),
             atomic_fetch_add(&opened, 1));
    return strdup(uri);
}

int store_sqlite_open(const char *path, struct store **out, char *err, size_t errlen)
{
    pthread_key_t key;
    if (pthread_key_create(&key, NULL) != 0) {
        snprintf(err, errlen, "no thread-specific key left");
        return -1;
    }
    struct sqlite_store *s = cg_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->key = key;
    pthread_mutex_init(&s->lock, NULL);
    s->in_memory = strcmp(path, ":memory:") == 0;
    s->uri = s->in_memory ? memdb_uri() : strdup(path);
    if (!s->uri)
        cg_oom();
    /* The first connection creates the schema and proves the file usable. */
    if (!conn_open(s, true)) {
        snprintf(err, errlen, "%s", last_error);
        sqlite_close(&s->base);
        return -1;
    }
    *out = &s->base;
    return 0;
}
