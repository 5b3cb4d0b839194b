/* The items API as a library: the program (main.c) and the benchmarks
 * (bench/lambda) build the same app. */
#ifndef ITEMS_H
#define ITEMS_H

struct cg_app;
struct cg_security;

/* The app with its routes, store hooks, CORS and write access configured
 * from the environment, not started (cg_main or cg_app_start does that).
 * A setting that is invalid is kept as the app's error (cg_app_error):
 * cg_main reports it and exits 1, and cg_app_start refuses to start. */
struct cg_app *items_app_new(void);

/* access.c: the bearer scheme POST, PUT and DELETE require (disabled when
 * no credential is configured), its configuration, the token read from
 * Secrets Manager at start-up (ITEMS_API_TOKEN_SECRET; 0 when unset), and
 * its release after cg_app_free. */
extern struct cg_security items_writer_auth;
int items_configure_access(struct cg_app *app);
int items_read_token_secret(void);
void items_release_access(void);

/* idempotency.c: Idempotency-Key on the write routes, the records in the
 * store's database: store_kind "sqlite" (the file db) or "dynamodb" (the
 * table); ITEMS_IDEMPOTENCY_TTL their lifetime. 0, or -1 logged. */
int items_use_idempotency(struct cg_app *app, const char *store_kind, const char *db, const char *table);

#endif
