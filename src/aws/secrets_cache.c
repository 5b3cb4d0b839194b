/* The cache of parameters and secrets read: a small table, under one mutex,
 * of entries that each hold a key and its values in one heap block. Values
 * only ever leave it as copies (into the caller's arena), so an entry can
 * be replaced while another thread uses what it read; a block is wiped
 * before it is freed, since it holds secrets.
 *
 * Lookups are linear: an app reads a handful of names, and the table is
 * bounded (cap), the entry read longest ago making room for a new one. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "aws/secrets_internal.h"

struct secrets_entry {
    enum secrets_kind kind;
    int64_t read_ms;
    size_t size; /* of the whole block, for the wipe */
    const char *key;
    size_t n;
    struct cg_ssm_parameter items[];
};

void cg__secrets_cache_init(struct secrets_cache *c, int64_t max_age_ms, size_t cap)
{
    pthread_mutex_init(&c->lock, NULL);
    c->max_age_ms = max_age_ms > 0 ? max_age_ms : 0;
    c->cap = cap;
    c->len = 0;
    c->entries = cg_xmalloc(cap * sizeof *c->entries);
}

static void entry_free(struct secrets_entry *e)
{
    OPENSSL_cleanse(e, e->size);
    free(e);
}

void cg__secrets_cache_free(struct secrets_cache *c)
{
    for (size_t i = 0; i < c->len; i++)
        entry_free(c->entries[i]);
    free(c->entries);
    c->entries = NULL;
    c->len = 0;
    pthread_mutex_destroy(&c->lock);
}

/* The text's bytes and a NUL at *at, which moves past them. */
static cg_str pack(char **at, cg_str text)
{
    cg_str copy = { *at, text.len };
    if (text.len)
        memcpy(*at, text.ptr, text.len);
    (*at)[text.len] = '\0';
    *at += text.len + 1;
    return copy;
}

static struct secrets_entry *entry_new(enum secrets_kind kind, const char *key, int64_t read_ms,
                                       const struct cg_ssm_parameter *items, size_t n)
{
    size_t size = sizeof(struct secrets_entry) + n * sizeof items[0] + strlen(key) + 1;
    for (size_t i = 0; i < n; i++)
        size += items[i].name.len + items[i].value.len + 2;
    struct secrets_entry *e = cg_xmalloc(size);
    *e = (struct secrets_entry){ .kind = kind, .read_ms = read_ms, .size = size, .n = n };
    char *at = (char *)&e->items[n];
    e->key = pack(&at, cg_str_c(key)).ptr;
    for (size_t i = 0; i < n; i++)
        e->items[i] = (struct cg_ssm_parameter){ pack(&at, items[i].name), pack(&at, items[i].value) };
    return e;
}

/* The slot of (kind, key), or c->len when it has none. */
static size_t slot_of(const struct secrets_cache *c, enum secrets_kind kind, const char *key)
{
    size_t i = 0;
    while (i < c->len && (c->entries[i]->kind != kind || strcmp(c->entries[i]->key, key) != 0))
        i++;
    return i;
}

/* A clock set back (the wall clock may be) makes an entry stale too. */
static bool fresh(const struct secrets_cache *c, const struct secrets_entry *e, int64_t now_ms)
{
    return now_ms >= e->read_ms && now_ms - e->read_ms < c->max_age_ms;
}

bool cg__secrets_cache_get(struct secrets_cache *c, enum secrets_kind kind, const char *key, int64_t now_ms,
                           struct cg_arena *a, const struct cg_ssm_parameter **items, size_t *n)
{
    pthread_mutex_lock(&c->lock);
    size_t i = slot_of(c, kind, key);
    bool hit = i < c->len && fresh(c, c->entries[i], now_ms);
    if (hit) {
        const struct secrets_entry *e = c->entries[i];
        struct cg_ssm_parameter *copy = cg_arena_alloc(a, (e->n ? e->n : 1) * sizeof *copy);
        for (size_t k = 0; k < e->n; k++)
            copy[k] = (struct cg_ssm_parameter){ cg_arena_strdup(a, e->items[k].name),
                                                 cg_arena_strdup(a, e->items[k].value) };
        *items = copy;
        *n = e->n;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static size_t oldest(const struct secrets_cache *c)
{
    size_t old = 0;
    for (size_t i = 1; i < c->len; i++)
        if (c->entries[i]->read_ms < c->entries[old]->read_ms)
            old = i;
    return old;
}

void cg__secrets_cache_put(struct secrets_cache *c, enum secrets_kind kind, const char *key, int64_t now_ms,
                           const struct cg_ssm_parameter *items, size_t n)
{
    if (c->max_age_ms == 0 || c->cap == 0)
        return;
    struct secrets_entry *e = entry_new(kind, key, now_ms, items, n); /* outside the lock: it copies */
    pthread_mutex_lock(&c->lock);
    size_t i = slot_of(c, kind, key);
    if (i == c->len && c->len == c->cap)
        i = oldest(c);
    if (i < c->len)
        entry_free(c->entries[i]);
    else
        c->len++;
    c->entries[i] = e;
    pthread_mutex_unlock(&c->lock);
}
