/* The records in SQLite.
 *
 * The server runs handlers on one worker thread per core at once, and a
 * SQLite connection must not be used by two threads at a time: the store
 * keeps one connection and lets one call in at a time. That is simple and
 * fast enough to start with; when writes come to queue behind each other,
 * the store of cgate's reference app (in cgate's examples/) shows a
 * connection per worker thread in WAL mode. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "APP_IDENT.h"

struct APP_IDENT_store {
    sqlite3 *db;
    pthread_mutex_t lock;
};

/* AUTOINCREMENT: the id of a deleted record is never given again, so a URL
 * a client kept cannot come to name another record. */
static const char schema[] = "CREATE TABLE IF NOT EXISTS APP_IDENT ("
                             "id INTEGER PRIMARY KEY AUTOINCREMENT, "
                             "name TEXT NOT NULL, "
                             "description TEXT, "
                             "quantity INTEGER NOT NULL)";

static _Thread_local char last_error[256];

const char *APP_IDENT_store_error(void)
{
    return last_error;
}

static int fail(sqlite3 *db, const char *what)
{
    snprintf(last_error, sizeof last_error, "%s: %s", what, sqlite3_errmsg(db));
    return APP_UPPER_ERROR;
}

struct APP_IDENT_store *APP_IDENT_store_open(const char *path)
{
    struct APP_IDENT_store *s = cg_xmalloc(sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        cg_error("cannot open the database %s: %s", path, sqlite3_errmsg(s->db));
        APP_IDENT_store_close(s);
        return NULL;
    }
    return s;
}

void APP_IDENT_store_close(struct APP_IDENT_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Prepare sql with the lock held; NULL (lock released, error kept) on failure. */
static sqlite3_stmt *begin(struct APP_IDENT_store *s, const char *sql)
{
    sqlite3_stmt *st;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK)
        return st;
    fail(s->db, sql);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Finalize the statement and release the lock; returns rc. */
static int end(struct APP_IDENT_store *s, sqlite3_stmt *st, int rc)
{
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static void bind_text(sqlite3_stmt *st, int col, cg_str s)
{
    if (s.ptr)
        sqlite3_bind_text64(st, col, s.ptr, s.len, SQLITE_STATIC, SQLITE_UTF8);
    else
        sqlite3_bind_null(st, col);
}

/* Bind name, description and quantity to ?first .. ?first+2. */
static void bind_fields(sqlite3_stmt *st, int first, const struct APP_IDENT *r)
{
    bind_text(st, first, r->name);
    bind_text(st, first + 1, r->description);
    sqlite3_bind_int64(st, first + 2, r->quantity);
}

static cg_str column_text(sqlite3_stmt *st, int col, struct cg_arena *a)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return (cg_str){ NULL, 0 };
    const char *text = (const char *)sqlite3_column_text(st, col);
    return cg_arena_strdup(a, (cg_str){ text, (size_t)sqlite3_column_bytes(st, col) });
}

static void read_row(sqlite3_stmt *st, struct cg_arena *a, struct APP_IDENT *out)
{
    out->id = sqlite3_column_int64(st, 0);
    out->name = column_text(st, 1, a);
    out->description = column_text(st, 2, a);
    out->quantity = sqlite3_column_int64(st, 3);
}

/* Run a statement that writes one record: not found when no row changed. */
static int write_one(struct APP_IDENT_store *s, sqlite3_stmt *st, const char *what)
{
    if (sqlite3_step(st) != SQLITE_DONE)
        return end(s, st, fail(s->db, what));
    return end(s, st, sqlite3_changes(s->db) ? APP_UPPER_OK : APP_UPPER_NOT_FOUND);
}

int APP_IDENT_store_create(struct APP_IDENT_store *s, struct APP_IDENT *r)
{
    sqlite3_stmt *st = begin(s, "INSERT INTO APP_IDENT (name, description, quantity) VALUES (?1, ?2, ?3)");
    if (!st)
        return APP_UPPER_ERROR;
    bind_fields(st, 1, r);
    if (sqlite3_step(st) != SQLITE_DONE)
        return end(s, st, fail(s->db, "insert"));
    r->id = sqlite3_last_insert_rowid(s->db);
    return end(s, st, APP_UPPER_OK);
}

int APP_IDENT_store_get(struct APP_IDENT_store *s, struct cg_arena *a, int64_t id, struct APP_IDENT *out)
{
    sqlite3_stmt *st = begin(s, "SELECT id, name, description, quantity FROM APP_IDENT WHERE id = ?1");
    if (!st)
        return APP_UPPER_ERROR;
    sqlite3_bind_int64(st, 1, id);
    switch (sqlite3_step(st)) {
    case SQLITE_ROW:
        read_row(st, a, out);
        return end(s, st, APP_UPPER_OK);
    case SQLITE_DONE:
        return end(s, st, APP_UPPER_NOT_FOUND);
    default:
        return end(s, st, fail(s->db, "read"));
    }
}

int APP_IDENT_store_list(struct APP_IDENT_store *s, struct cg_arena *a, int64_t limit, int64_t offset,
                         struct APP_IDENT **out, size_t *n)
{
    sqlite3_stmt *st = begin(s, "SELECT id, name, description, quantity FROM APP_IDENT "
                                "ORDER BY id LIMIT ?1 OFFSET ?2");
    if (!st)
        return APP_UPPER_ERROR;
    sqlite3_bind_int64(st, 1, limit);
    sqlite3_bind_int64(st, 2, offset);
    /* LIMIT bounds the rows, and the route bounds limit (1..100): room for
     * all of them at once. */
    struct APP_IDENT *rows = cg_arena_alloc(a, (size_t)limit * sizeof *rows);
    size_t count = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        read_row(st, a, &rows[count++]);
    if (rc != SQLITE_DONE)
        return end(s, st, fail(s->db, "list"));
    *out = rows;
    *n = count;
    return end(s, st, APP_UPPER_OK);
}

int APP_IDENT_store_replace(struct APP_IDENT_store *s, const struct APP_IDENT *r)
{
    sqlite3_stmt *st = begin(s, "UPDATE APP_IDENT SET name = ?2, description = ?3, quantity = ?4 WHERE id = ?1");
    if (!st)
        return APP_UPPER_ERROR;
    sqlite3_bind_int64(st, 1, r->id);
    bind_fields(st, 2, r);
    return write_one(s, st, "replace");
}

int APP_IDENT_store_remove(struct APP_IDENT_store *s, int64_t id)
{
    sqlite3_stmt *st = begin(s, "DELETE FROM APP_IDENT WHERE id = ?1");
    if (!st)
        return APP_UPPER_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return write_one(s, st, "delete");
}
