/* Idempotency keys (IETF httpapi draft "The Idempotency-Key HTTP Header
 * Field"), as Powertools' idempotency utility: a client that sends
 * `Idempotency-Key: "<key>"` may retry a request safely. The first request
 * with a key runs and its response is stored for `lifetime_s`; a repeat with
 * the same key and the same request gets that response again, with
 * `Idempotent-Replayed: true`. docs/idempotency.md has the rules in full.
 *
 *   static const struct cg_route routes[] = {
 *       CG_POST("/api/orders", create_order, .body = &order_model, .idempotent = true),
 *   };
 *   struct cg_idem_store *store = cg_idem_sqlite_new("orders.db", NULL, err, sizeof err);
 *   cg_app_use_idempotency(app, &(struct cg_idempotency_opts){ .store = store });
 *
 * Answers of its own: 400 for a malformed key (or a missing one when
 * `key_required`), 422 when the key was used with another request, 409 with
 * Retry-After while the first request with the key is still running, 503
 * with Retry-After when the store cannot be reached (it fails closed: a
 * request it cannot record never runs). */
#ifndef CGATE_IDEMPOTENCY_H
#define CGATE_IDEMPOTENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "str.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cg_app;
struct cg_ddb;

/* The longest key accepted, in characters (a UUID has 36). */
#define CG_IDEM_KEY_MAX 255

enum cg_idem_status { CG_IDEM_IN_PROGRESS = 0, CG_IDEM_COMPLETED = 1 };

/* One key's record. Times are Unix epoch milliseconds. */
struct cg_idem_record {
    /* Hex SHA-256 (64 characters) of the key's scope and the key: the
     * method, the route's path template, the credential when the route has
     * security, the key. The key itself is never stored. */
    cg_str key;
    cg_str fingerprint;          /* hex SHA-256 of method, path, query and body */
    cg_str token;                /* who claimed it: random hex, one per request */
    enum cg_idem_status status;
    int64_t expires_ms;          /* gone after this, whatever its status */
    int64_t in_progress_until_ms; /* IN_PROGRESS: free again after this (a crashed request) */
    /* COMPLETED: the stored response: status, "name: value\r\n" lines (no
     * hop-by-hop header, no Date), body bytes. */
    int response_status;
    cg_str response_headers;
    cg_str response_body;
};

enum cg_idem_result {
    CG_IDEM_CLAIMED = 0,  /* the record was written: this request runs */
    CG_IDEM_EXISTS = 1,   /* a live record holds the key: *existing is it */
    CG_IDEM_ERROR = -1,   /* the store failed: err says why */
};

/* A persistence: where records live. Every call may come from several
 * threads at once, and may block (run idempotent routes as blocking routes
 * so that it happens off the event loop). Strings a call returns live in
 * the arena it is given. err is a buffer of errlen bytes for the reason of
 * a failure. */
struct cg_idem_store;

struct cg_idem_store_ops {
    /* Write rec (IN_PROGRESS) unless a live record holds rec->key: one that
     * has not expired at now_ms and, when IN_PROGRESS, whose
     * in_progress_until_ms has not passed. Atomic: of two claims of a key,
     * one alone gets CG_IDEM_CLAIMED. */
    int (*claim)(struct cg_idem_store *s, const struct cg_idem_record *rec, int64_t now_ms,
                 struct cg_arena *a, struct cg_idem_record *existing, char *err, size_t errlen);
    /* Replace the claim (same key and token) by the COMPLETED rec. Returns
     * 0, or -1 when it failed or the claim was no longer this token's. */
    int (*complete)(struct cg_idem_store *s, const struct cg_idem_record *rec, char *err, size_t errlen);
    /* Delete the claim (same key and token) so that a retry runs. */
    int (*release)(struct cg_idem_store *s, const struct cg_idem_record *rec, char *err, size_t errlen);
    void (*free)(struct cg_idem_store *s);
};

struct cg_idem_store {
    const struct cg_idem_store_ops *ops;
};

struct cg_idempotency_opts {
    struct cg_idem_store *store; /* required; freed with the app (its ops->free) */
    /* How long a completed response is kept and replayed, in seconds; 0
     * means 3600 (Powertools' default). */
    unsigned lifetime_s;
    /* How long a claim holds its key while its request runs, in seconds:
     * past it, a request that crashed no longer blocks the key. 0 means 60.
     * Keep it above the route's longest run. */
    unsigned in_progress_s;
    /* Answer 400 to a request without the header on the idempotent routes;
     * false: such a request runs as if the route were not idempotent. */
    bool key_required;
};

/* Add the middleware (include/cgate/middleware.h) for the routes declared
 * `.idempotent = true`; before cg_app_start. Add it before the compression
 * middleware so that it stores bodies as the handler made them. Returns 0,
 * or -1 (a set-up error of the app, app.h) when store is NULL or a time is
 * past 30 days; the store is freed then too. */
int cg_app_use_idempotency(struct cg_app *app, const struct cg_idempotency_opts *opts);

/* ---- persistences ---- */

/* SQLite (library cgate_sqlite, cgate::sqlite, pkg-config cgate-sqlite):
 * the records in `table` (NULL: "cg_idempotency", made when missing) of the
 * database at path (":memory:" for a private one), opened on first use.
 * NULL, with err set, for a bad table name. */
struct cg_idem_store *cg_idem_sqlite_new(const char *path, const char *table, char *err, size_t errlen);

/* DynamoDB (library cgate_aws): the records as items of an existing table. */
struct cg_idem_dynamodb_opts {
    const char *table;           /* required */
    struct cg_ddb *ddb;          /* the client to use (kept, not freed); NULL: one of its own */
    const char *partition_key;   /* NULL: "pk", a string: "idempotency#<key>" */
    /* The table's sort key, a number attribute set to 0, or NULL when the
     * table has none. */
    const char *sort_key;
};
/* NULL, with err set, when the table is missing or a name is too long. No
 * request is sent, and a client of its own is made on the first call (so
 * that `APP openapi` needs no credentials): a bad AWS setting then fails
 * each call, answered 503 and logged. */
struct cg_idem_store *cg_idem_dynamodb_new(const struct cg_idem_dynamodb_opts *opts, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
