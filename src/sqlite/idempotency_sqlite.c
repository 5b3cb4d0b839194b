/* Idempotency records in SQLite (include/cgate/idempotency.h): one table,
 * one row per key.
 *
 * One connection, opened on the first call, behind a mutex: a claim is an
 * upsert then, when it lost, a read, and the two must see the same row. The
 * calls are short (one row by primary key), so serialising them costs less
 * than a connection per thread would; a database locked by another writer
 * makes them wait in SQLite's busy handler, up to BUSY_TIMEOUT_MS, then
 * fail (the middleware answers 503). One connection also makes ":memory:"
 * work: every thread sees the same private database.
 *
 * Expired rows are taken over by the next claim of their key, and swept
 * every SWEEP_EVERY claims (by the expires_ms index), so that the table
 * holds about one lifetime's worth of keys. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgate/idempotency.h"

#define BUSY_TIMEOUT_MS 5000
#define SWEEP_EVERY     256
#define MAX_TABLE_NAME  64

enum stmt { ST_CLAIM, ST_READ, ST_COMPLETE, ST_RELEASE, ST_SWEEP, ST_COUNT };

/* %s is the table's name, checked to be an identifier. */
static const char *const stmt_sql[ST_COUNT] = {
    [ST_CLAIM] = "INSERT INTO %s (key_hash, fingerprint, token, status, expires_ms, in_progress_until_ms) "
                 "VALUES (?1, ?2, ?3, 0, ?4, ?5) "
                 "ON CONFLICT (key_hash) DO UPDATE SET fingerprint = excluded.fingerprint, token = excluded.token, "
                 "status = 0, expires_ms = excluded.expires_ms, "
                 "in_progress_until_ms = excluded.in_progress_until_ms, response_status = NULL, "
                 "response_headers = NULL, response_body = NULL "
                 "WHERE expires_ms <= ?6 OR (status = 0 AND in_progress_until_ms <= ?6)",
    [ST_READ] = "SELECT fingerprint, token, status, expires_ms, in_progress_until_ms, response_status, "
                "response_headers, response_body FROM %s WHERE key_hash = ?1",
    [ST_COMPLETE] = "UPDATE %s SET status = 1, expires_ms = ?3, response_status = ?4, response_headers = ?5, "
                    "response_body = ?6 WHERE key_hash = ?1 AND token = ?2",
    [ST_RELEASE] = "DELETE FROM %s WHERE key_hash = ?1 AND token = ?2",
    [ST_SWEEP] = "DELETE FROM %s WHERE expires_ms <= ?1",
};

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS %s ("
                                 "key_hash TEXT PRIMARY KEY, "
                                 "fingerprint TEXT NOT NULL, "
                                 "token TEXT NOT NULL, "
                                 "status INTEGER NOT NULL, "          /* 0 in progress, 1 completed */
                                 "expires_ms INTEGER NOT NULL, "
                                 "in_progress_until_ms INTEGER NOT NULL, "
                                 "response_status INTEGER, "
                                 "response_headers BLOB, "
                                 "response_body BLOB) WITHOUT ROWID; "
                                 "CREATE INDEX IF NOT EXISTS %s_expires ON %s (expires_ms)";

struct sqlite_idem {
    struct cg_idem_store base;
    char *path;
    char table[MAX_TABLE_NAME + 1];
    pthread_mutex_t lock; /* guards everything below */
    sqlite3 *db;          /* NULL until the first call opens it */
    sqlite3_stmt *stmt[ST_COUNT];
    unsigned claims;      /* since the last sweep */
};

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

static void close_db(struct sqlite_idem *s)
{
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->stmt[i]);
        s->stmt[i] = NULL;
    }
    sqlite3_close(s->db);
    s->db = NULL;
}

static int prepare_all(struct sqlite_idem *s, char *err, size_t errlen)
{
    char sql[1024];
    for (int i = 0; i < ST_COUNT; i++) {
        snprintf(sql, sizeof sql, stmt_sql[i], s->table);
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i], NULL) != SQLITE_OK)
            return fail(s->db, "prepare", err, errlen);
    }
    return 0;
}

/* With the lock held: open the database and make the table, once. A
 * failure leaves nothing open, and the next call tries again. */
static int open_db(struct sqlite_idem *s, char *err, size_t errlen)
{
    if (s->db)
        return 0;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    char sql[sizeof schema_sql + 3 * MAX_TABLE_NAME];
    snprintf(sql, sizeof sql, schema_sql, s->table, s->table, s->table);
    int rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
        rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    }
    if (rc != SQLITE_OK || prepare_all(s, err, errlen) != 0) {
        if (rc != SQLITE_OK)
            fail(s->db, s->path, err, errlen);
        close_db(s);
        return -1;
    }
    return 0;
}

static void bind_text(sqlite3_stmt *st, int i, cg_str s)
{
    sqlite3_bind_text(st, i, s.ptr ? s.ptr : "", (int)s.len, SQLITE_STATIC);
}

static void bind_blob(sqlite3_stmt *st, int i, cg_str s)
{
    sqlite3_bind_blob(st, i, s.ptr ? s.ptr : "", (int)s.len, SQLITE_STATIC);
}

/* Run a statement that returns no row; the number of rows it changed, or -1. */
static int run(struct sqlite_idem *s, sqlite3_stmt *st, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return fail(s->db, "write", err, errlen);
    return sqlite3_changes(s->db);
}

static cg_str column_copy(sqlite3_stmt *st, int col, struct cg_arena *a)
{
    const void *p = sqlite3_column_blob(st, col);
    cg_str v = { p, (size_t)sqlite3_column_bytes(st, col) };
    return p ? cg_arena_strdup(a, v) : (cg_str){ "", 0 };
}

static int read_record(struct sqlite_idem *s, cg_str key, struct cg_arena *a, struct cg_idem_record *out,
                       char *err, size_t errlen)
{
    sqlite3_stmt *st = s->stmt[ST_READ];
    bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = (struct cg_idem_record){
            .key = cg_arena_strdup(a, key),
            .fingerprint = column_copy(st, 0, a),
            .token = column_copy(st, 1, a),
            .status = sqlite3_column_int(st, 2) ? CG_IDEM_COMPLETED : CG_IDEM_IN_PROGRESS,
            .expires_ms = sqlite3_column_int64(st, 3),
            .in_progress_until_ms = sqlite3_column_int64(st, 4),
            .response_status = sqlite3_column_int(st, 5),
            .response_headers = column_copy(st, 6, a),
            .response_body = column_copy(st, 7, a),
        };
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc == SQLITE_ROW)
        return 0;
    /* SQLITE_DONE: the row that beat the claim was deleted since, which
     * the lock held around both statements rules out. */
    return fail(s->db, rc == SQLITE_DONE ? "the record vanished" : "read", err, errlen);
}

static void sweep_now_and_then(struct sqlite_idem *s, int64_t now_ms)
{
    if (++s->claims < SWEEP_EVERY)
        return;
    s->claims = 0;
    sqlite3_stmt *st = s->stmt[ST_SWEEP];
    sqlite3_bind_int64(st, 1, now_ms);
    char ignored[1];
    run(s, st, ignored, sizeof ignored); /* a failed sweep is retried next time */
}

static int claim_locked(struct sqlite_idem *s, const struct cg_idem_record *rec, int64_t now_ms,
                        struct cg_arena *a, struct cg_idem_record *existing, char *err, size_t errlen)
{
    if (open_db(s, err, errlen) != 0)
        return CG_IDEM_ERROR;
    sweep_now_and_then(s, now_ms);
    sqlite3_stmt *st = s->stmt[ST_CLAIM];
    bind_text(st, 1, rec->key);
    bind_text(st, 2, rec->fingerprint);
    bind_text(st, 3, rec->token);
    sqlite3_bind_int64(st, 4, rec->expires_ms);
    sqlite3_bind_int64(st, 5, rec->in_progress_until_ms);
    sqlite3_bind_int64(st, 6, now_ms);
    int changed = run(s, st, err, errlen);
    if (changed < 0)
        return CG_IDEM_ERROR;
    if (changed == 1)
        return CG_IDEM_CLAIMED;
    return read_record(s, rec->key, a, existing, err, errlen) == 0 ? CG_IDEM_EXISTS : CG_IDEM_ERROR;
}

static int sqlite_claim(struct cg_idem_store *base, const struct cg_idem_record *rec, int64_t now_ms,
                        struct cg_arena *a, struct cg_idem_record *existing, char *err, size_t errlen)
{
    struct sqlite_idem *s = (struct sqlite_idem *)base;
    pthread_mutex_lock(&s->lock);
    int rc = claim_locked(s, rec, now_ms, a, existing, err, errlen);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* Run a write of this claim's row (same key and token): 0 when it changed
 * the row, -1 when it failed or the row is another claim's now. */
static int write_claim(struct sqlite_idem *s, enum stmt which, const struct cg_idem_record *rec,
                       char *err, size_t errlen)
{
    pthread_mutex_lock(&s->lock);
    int changed = -1;
    if (open_db(s, err, errlen) == 0) {
        sqlite3_stmt *st = s->stmt[which];
        bind_text(st, 1, rec->key);
        bind_text(st, 2, rec->token);
        if (which == ST_COMPLETE) {
            sqlite3_bind_int64(st, 3, rec->expires_ms);
            sqlite3_bind_int(st, 4, rec->response_status);
            bind_blob(st, 5, rec->response_headers);
            bind_blob(st, 6, rec->response_body);
        }
        changed = run(s, st, err, errlen);
        if (changed == 0)
            snprintf(err, errlen, "sqlite: the claim timed out and another request holds the key");
    }
    pthread_mutex_unlock(&s->lock);
    return changed == 1 ? 0 : -1;
}

static int sqlite_complete(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    return write_claim((struct sqlite_idem *)base, ST_COMPLETE, rec, err, errlen);
}

static int sqlite_release(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    return write_claim((struct sqlite_idem *)base, ST_RELEASE, rec, err, errlen);
}

static void sqlite_free(struct cg_idem_store *base)
{
    struct sqlite_idem *s = (struct sqlite_idem *)base;
    close_db(s);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

static const struct cg_idem_store_ops sqlite_ops = {
    .claim = sqlite_claim,
    .complete = sqlite_complete,
    .release = sqlite_release,
    .free = sqlite_free,
};

static bool is_identifier(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > MAX_TABLE_NAME || (name[0] >= '0' && name[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

struct cg_idem_store *cg_idem_sqlite_new(const char *path, const char *table, char *err, size_t errlen)
{
    table = table ? table : "cg_idempotency";
    if (!path || !*path) {
        snprintf(err, errlen, "cg_idem_sqlite_new: a database path is required");
        return NULL;
    }
    if (!is_identifier(table)) {
        snprintf(err, errlen, "cg_idem_sqlite_new: table \"%s\" is not a name of letters, digits and _ "
                              "(at most %d)", table, MAX_TABLE_NAME);
        return NULL;
    }
    struct sqlite_idem *s = calloc(1, sizeof *s);
    char *copy = strdup(path);
    if (!s || !copy) {
        free(s);
        free(copy);
        snprintf(err, errlen, "cg_idem_sqlite_new: out of memory");
        return NULL;
    }
    s->base.ops = &sqlite_ops;
    s->path = copy;
    snprintf(s->table, sizeof s->table, "%s", table);
    pthread_mutex_init(&s->lock, NULL);
    return &s->base;
}
