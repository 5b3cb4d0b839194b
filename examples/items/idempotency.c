/* Idempotency keys on the items API's write routes (docs/idempotency.md):
 * the records live in the item store's own database, a table
 * cg_idempotency beside items (SQLite) or items under
 * pk = "idempotency#<key>", id = 0 in ITEMS_TABLE (DynamoDB).
 * ITEMS_IDEMPOTENCY_TTL sets how long a response is replayed (seconds,
 * default 3600). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>

#include "items.h"

#define MAX_TTL_S (30u * 24 * 3600) /* the middleware's limit */

/* ITEMS_IDEMPOTENCY_TTL in seconds; 0 when unset (the default); -1, the
 * app's error, when it is not a number from 1 to MAX_TTL_S. */
static long lifetime_setting(struct cg_app *app)
{
    const char *v = getenv("ITEMS_IDEMPOTENCY_TTL");
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long seconds = strtol(v, &end, 10);
    if (errno || *end || end == v || v[0] == '-' || v[0] == '+' || seconds < 1 || seconds > (long)MAX_TTL_S)
        return cg_app_fail(app, "ITEMS_IDEMPOTENCY_TTL=%s is not a number of seconds from 1 to %u", v, MAX_TTL_S);
    return seconds;
}

static struct cg_idem_store *open_sqlite_records(const char *db, char *err, size_t errlen)
{
#ifdef ITEMS_HAVE_SQLITE
    return cg_idem_sqlite_new(db, NULL, err, errlen);
#else
    (void)db;
    snprintf(err, errlen, "this items was built without SQLite (ITEMS_SQLITE=OFF); use ITEMS_STORE=dynamodb");
    return NULL;
#endif
}

static struct cg_idem_store *open_records(struct cg_app *app, const char *store_kind, const char *db,
                                          const char *table)
{
    char err[256] = "";
    struct cg_idem_store *records =
        strcmp(store_kind, "sqlite") == 0
            ? open_sqlite_records(db, err, sizeof err)
            : cg_idem_dynamodb_new(&(struct cg_idem_dynamodb_opts){ .table = table, .sort_key = "id" }, err,
                                   sizeof err);
    if (!records)
        cg_app_fail(app, "idempotency records (ITEMS_STORE=%s): %s", store_kind, err);
    return records;
}

int items_use_idempotency(struct cg_app *app, const char *store_kind, const char *db, const char *table)
{
    long lifetime = lifetime_setting(app);
    if (lifetime < 0)
        return -1;
    /* A store the app cannot open (an unknown kind, no ITEMS_TABLE) fails
     * its start-up hook, which says why: nothing to add here. */
    bool usable = strcmp(store_kind, "sqlite") == 0 || (strcmp(store_kind, "dynamodb") == 0 && table);
    if (!usable)
        return 0;
    struct cg_idem_store *records = open_records(app, store_kind, db, table);
    if (!records)
        return -1;
    return cg_app_use_idempotency(app, &(struct cg_idempotency_opts){ .store = records,
                                                                       .lifetime_s = (unsigned)lifetime });
}
