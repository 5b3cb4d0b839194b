/* Private pieces of the parameters and secrets client (cgate/secrets.h),
 * exposed for the unit tests.
 *
 *   secrets.c        the API: names and ARNs, the three operations
 *   secrets_cache.c  the cache of values read, shared by every thread */
#ifndef CGATE_SECRETS_INTERNAL_H
#define CGATE_SECRETS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "cgate/secrets.h"

/* Which service, and which operation, a name is read with; also the cache's
 * key spaces (a path and a parameter may have the same name). */
enum secrets_kind { SECRETS_SSM, SECRETS_SECRET, SECRETS_SSM_PATH };

/* The kind that `name` names: an ARN's own service, which must be of
 * `region`; a plain name is of `plain`. Returns 0, or -1 with a message. */
int cg__secrets_kind_of(const char *name, enum secrets_kind plain, const char *region, enum secrets_kind *kind,
                        char *err, size_t errlen);

struct secrets_entry;

struct secrets_cache {
    pthread_mutex_t lock;
    int64_t max_age_ms; /* 0: nothing is kept */
    size_t cap, len;
    struct secrets_entry **entries;
};

void cg__secrets_cache_init(struct secrets_cache *c, int64_t max_age_ms, size_t cap);
void cg__secrets_cache_free(struct secrets_cache *c);
/* The values kept for (kind, key) when younger than the max age at now_ms
 * (milliseconds of the wall clock), copied into a. */
bool cg__secrets_cache_get(struct secrets_cache *c, enum secrets_kind kind, const char *key, int64_t now_ms,
                           struct cg_arena *a, const struct cg_ssm_parameter **items, size_t *n);
/* Keep a copy of items for (kind, key), read at now_ms; when the cache is
 * full, in place of the entry read longest ago. */
void cg__secrets_cache_put(struct secrets_cache *c, enum secrets_kind kind, const char *key, int64_t now_ms,
                           const struct cg_ssm_parameter *items, size_t n);

#endif
