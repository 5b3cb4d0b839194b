/* The items API as a library: the program (main.c) and the benchmarks
 * (bench/lambda) build the same app. */
#ifndef ITEMS_H
#define ITEMS_H

struct cg_app;
struct cg_security;

/* The app with its routes, store hooks, CORS and write access configured
 * from the environment, not started (cg_main or cg_app_start does that);
 * NULL, after logging why, when a setting is invalid. */
struct cg_app *items_app_new(void);

/* access.c: the bearer scheme POST, PUT and DELETE require (disabled when
 * no credential is configured), its configuration, and its release after
 * cg_app_free. */
extern struct cg_security items_writer_auth;
int items_configure_access(struct cg_app *app);
void items_release_access(void);

#endif
