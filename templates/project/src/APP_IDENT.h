/* APP_NAME: the app, its model and its store. */
#ifndef APP_UPPER_H
#define APP_UPPER_H

#include <stddef.h>
#include <stdint.h>

#include <cgate/cgate.h>

/* What a client sends to create or replace a record (POST, PUT). */
struct APP_IDENT_in {
    cg_str name;
    cg_str description; /* ptr NULL: not sent */
    int64_t quantity;
};

/* A record as stored and as answered. */
struct APP_IDENT {
    int64_t id;
    cg_str name;
    cg_str description; /* ptr NULL: none (answered as null) */
    int64_t quantity;
};

/* model.c: their schemas, which validate bodies and document the API. */
extern const struct cg_model APP_IDENT_in_model;
extern const struct cg_model APP_IDENT_model;

/* store.c: the records in SQLite. Every call returns APP_UPPER_OK,
 * APP_UPPER_NOT_FOUND (get, replace, remove) or APP_UPPER_ERROR, after which
 * APP_IDENT_store_error() says why. */
enum { APP_UPPER_OK = 0, APP_UPPER_NOT_FOUND = -1, APP_UPPER_ERROR = -2 };

struct APP_IDENT_store;

/* Open (and create if needed) the database at path; ":memory:" for one
 * that lives as long as the store. NULL after logging why. */
struct APP_IDENT_store *APP_IDENT_store_open(const char *path);
void APP_IDENT_store_close(struct APP_IDENT_store *s);
/* Sets r->id. */
int APP_IDENT_store_create(struct APP_IDENT_store *s, struct APP_IDENT *r);
/* The strings of what is read are copied into a. */
int APP_IDENT_store_get(struct APP_IDENT_store *s, struct cg_arena *a, int64_t id, struct APP_IDENT *out);
int APP_IDENT_store_list(struct APP_IDENT_store *s, struct cg_arena *a, int64_t limit, int64_t offset,
                         struct APP_IDENT **out, size_t *n);
int APP_IDENT_store_replace(struct APP_IDENT_store *s, const struct APP_IDENT *r);
int APP_IDENT_store_remove(struct APP_IDENT_store *s, int64_t id);
const char *APP_IDENT_store_error(void);

/* app.c: the app with its routes, not started (cg_main, or the test client's
 * first request, starts it and opens the store). */
struct cg_app *APP_IDENT_app_new(void);

#endif
