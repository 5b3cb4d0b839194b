/* The Idempotency-Key middleware (include/cgate/idempotency.h) through the
 * test client, on two persistences: an in-memory one written here (what an
 * app's own persistence looks like) and the SQLite one (cgate_sqlite). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgate/cgate.h"
#include "cgate/testing.h"
#include "middleware/sha256.h"

/* ---- an in-memory persistence: a list of records behind a mutex ---- */

struct memory_record {
    struct cg_idem_record rec;
    struct cg_arena *arena; /* the record's strings */
    struct memory_record *next;
};

struct memory_store {
    struct cg_idem_store base;
    pthread_mutex_t lock;
    struct memory_record *records;
};

static struct memory_record **find(struct memory_store *s, cg_str key)
{
    struct memory_record **p = &s->records;
    while (*p && !cg_str_eq((*p)->rec.key, key))
        p = &(*p)->next;
    return p;
}

static void copy_record(struct cg_arena *a, const struct cg_idem_record *in, struct cg_idem_record *out)
{
    *out = *in;
    out->key = cg_arena_strdup(a, in->key);
    out->fingerprint = cg_arena_strdup(a, in->fingerprint);
    out->token = cg_arena_strdup(a, in->token);
    out->response_headers = cg_arena_strdup(a, in->response_headers);
    out->response_body = cg_arena_strdup(a, in->response_body);
}

static void put(struct memory_record **slot, const struct cg_idem_record *rec)
{
    if (!*slot) {
        *slot = calloc(1, sizeof **slot);
        (*slot)->arena = cg_arena_new();
    }
    copy_record((*slot)->arena, rec, &(*slot)->rec);
}

static bool live(const struct cg_idem_record *r, int64_t now)
{
    return r->expires_ms > now && (r->status == CG_IDEM_COMPLETED || r->in_progress_until_ms > now);
}

static atomic_int claims; /* calls of memory_claim */

static int memory_claim(struct cg_idem_store *base, const struct cg_idem_record *rec, int64_t now,
                        struct cg_arena *a, struct cg_idem_record *existing, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    atomic_fetch_add(&claims, 1);
    struct memory_store *s = (struct memory_store *)base;
    pthread_mutex_lock(&s->lock);
    struct memory_record **slot = find(s, rec->key);
    int rc = CG_IDEM_CLAIMED;
    if (*slot && live(&(*slot)->rec, now)) {
        copy_record(a, &(*slot)->rec, existing);
        rc = CG_IDEM_EXISTS;
    } else {
        put(slot, rec);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int memory_complete(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct memory_store *s = (struct memory_store *)base;
    pthread_mutex_lock(&s->lock);
    struct memory_record **slot = find(s, rec->key);
    bool own = *slot && cg_str_eq((*slot)->rec.token, rec->token);
    if (own)
        put(slot, rec);
    pthread_mutex_unlock(&s->lock);
    return own ? 0 : -1;
}

static int memory_release(struct cg_idem_store *base, const struct cg_idem_record *rec, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    struct memory_store *s = (struct memory_store *)base;
    pthread_mutex_lock(&s->lock);
    struct memory_record **slot = find(s, rec->key), *gone = *slot;
    bool own = gone && cg_str_eq(gone->rec.token, rec->token);
    if (own) {
        *slot = gone->next;
        cg_arena_free(gone->arena);
        free(gone);
    }
    pthread_mutex_unlock(&s->lock);
    return own ? 0 : -1;
}

static void memory_free(struct cg_idem_store *base)
{
    struct memory_store *s = (struct memory_store *)base;
    while (s->records) {
        struct memory_record *r = s->records;
        s->records = r->next;
        cg_arena_free(r->arena);
        free(r);
    }
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static const struct cg_idem_store_ops memory_ops = { memory_claim, memory_complete, memory_release, memory_free };

static struct cg_idem_store *memory_store_new(void)
{
    struct memory_store *s = calloc(1, sizeof *s);
    s->base.ops = &memory_ops;
    pthread_mutex_init(&s->lock, NULL);
    return &s->base;
}

static struct cg_idem_store *sqlite_store_new(void)
{
    char err[256];
    struct cg_idem_store *s = cg_idem_sqlite_new(":memory:", NULL, err, sizeof err);
    cr_assert(s, "%s", err);
    return s;
}

/* ---- the app ---- */

static atomic_int runs;          /* handler runs */
static atomic_int fail_next;     /* the next run answers 500 */
static sem_t entered, may_finish; /* the slow route's rendezvous */

static int create(struct cg_ctx *c)
{
    int n = atomic_fetch_add(&runs, 1) + 1;
    if (atomic_exchange(&fail_next, 0))
        return cg_http_error(c, 500, "Internal Server Error");
    cg_add_header(c, "location", cg_arena_printf(cg_arena(c), "/things/%d", n));
    cg_add_header(c, "set-cookie", CG_STR("seen=1"));
    cg_add_header(c, "date", CG_STR("Mon, 01 Jan 2024 00:00:00 GMT"));
    return cg_send_json_raw(c, 201, cg_arena_printf(cg_arena(c), "{\"run\":%d}", n));
}

static int slow(struct cg_ctx *c)
{
    sem_post(&entered);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    cr_assert(sem_timedwait(&may_finish, &deadline) == 0, "the test never let the slow request finish");
    return create(c);
}

/* Alice and Bob may call /secured. */
static enum cg_auth_result known_caller(const struct cg_security *s, struct cg_ctx *c, cg_str credential)
{
    (void)s, (void)c;
    return cg_str_eq_c(credential, "alice") || cg_str_eq_c(credential, "bob") ? CG_AUTH_OK : CG_AUTH_INVALID;
}

static struct cg_security bearer = { .name = "bearer", .kind = CG_SEC_BEARER, .check = known_caller };

static const struct cg_route routes[] = {
    CG_POST("/things", create, .idempotent = true),
    CG_POST("/slow", slow, .idempotent = true),
    CG_POST("/plain", create),
    CG_POST("/secured", create, .idempotent = true, .security = &bearer),
};

static struct cg_app *app;
static struct cg_test *client;

static void start(struct cg_idem_store *store, unsigned lifetime_s, bool required)
{
    atomic_store(&runs, 0);
    atomic_store(&fail_next, 0);
    sem_init(&entered, 0, 0);
    sem_init(&may_finish, 0, 0);
    app = cg_app_new(&(struct cg_app_opts){ .title = "t", .version = "1" });
    cr_assert_eq(cg_app_routes(app, routes, CG_LEN(routes)), 0);
    cr_assert_eq(cg_app_use_idempotency(app, &(struct cg_idempotency_opts){
                                                 .store = store, .lifetime_s = lifetime_s, .key_required = required }),
                 0);
    client = cg_test_new(app);
}

static void stop(void)
{
    cg_test_free(client);
    cg_app_stop(app);
    cg_app_free(app);
    sem_destroy(&entered);
    sem_destroy(&may_finish);
}

static struct cg_test_response *post_to(struct cg_test *t, const char *path, const char *key_header,
                                        const char *body)
{
    const char *headers[] = { "content-type: application/json", key_header, NULL };
    return cg_test_request(t, &(struct cg_test_req){ .method = "POST", .path = path, .headers = headers,
                                                     .body = body });
}

static struct cg_test_response *post(const char *key_header, const char *body)
{
    return post_to(client, "/things", key_header, body);
}

static void expect_detail(struct cg_test_response *r, int status, const char *detail)
{
    cr_assert_eq(r->status, status, "status %d, body %s", r->status, r->body.ptr);
    cr_assert(cg_json_as_str(cg_test_json(r, "detail")).ptr, "no detail in %s", r->body.ptr);
    cr_assert(strstr(r->body.ptr, detail), "%s lacks \"%s\"", r->body.ptr, detail);
}

/* ---- the cases, run on each persistence ---- */

static void repeat_replays_the_first_response(void)
{
    struct cg_test_response *first = post("idempotency-key: \"k-1\"", "{\"a\":1}");
    struct cg_test_response *again = post("idempotency-key: \"k-1\"", "{\"a\":1}");
    cr_assert_eq(first->status, 201);
    cr_assert_eq(again->status, 201);
    cr_assert_str_eq(again->body.ptr, first->body.ptr);
    cr_assert_eq(atomic_load(&runs), 1, "the handler ran %d times", atomic_load(&runs));
    cr_assert(cg_str_eq_c(cg_test_header(again, "idempotent-replayed"), "true"));
    cr_assert_null(cg_test_header(first, "idempotent-replayed").ptr);
    /* The headers come back as the handler set them, less Date. */
    cr_assert(cg_str_eq_c(cg_test_header(again, "location"), "/things/1"));
    cr_assert(cg_str_eq_c(cg_test_header(again, "set-cookie"), "seen=1"));
    cr_assert(cg_str_eq_c(cg_test_header(again, "content-type"), "application/json"));
    cr_assert_null(cg_test_header(again, "date").ptr);
    /* A bare key is the same key as its quoted form. */
    struct cg_test_response *bare = post("idempotency-key: k-1", "{\"a\":1}");
    cr_assert_str_eq(bare->body.ptr, first->body.ptr);
    cr_assert_eq(atomic_load(&runs), 1);
}

static void other_keys_and_routes_run(void)
{
    post("idempotency-key: \"k-1\"", "{}");
    post("idempotency-key: \"k-2\"", "{}");
    post(NULL, "{}");
    post(NULL, "{}");
    post_to(client, "/plain", "idempotency-key: \"k-1\"", "{}");
    post_to(client, "/plain", "idempotency-key: \"k-1\"", "{}");
    cr_assert_eq(atomic_load(&runs), 6);
}

static void same_key_other_body_is_422(void)
{
    post("idempotency-key: \"k-1\"", "{\"a\":1}");
    expect_detail(post("idempotency-key: \"k-1\"", "{\"a\":2}"), 422, "used with a different request");
    cr_assert_eq(atomic_load(&runs), 1);
}

static void *post_slow(void *arg)
{
    struct cg_test *t = cg_test_new(app);
    struct cg_test_response *r = post_to(t, "/slow", "idempotency-key: \"k-slow\"", "{}");
    *(int *)arg = r->status;
    cg_test_free(t);
    return NULL;
}

static void repeat_in_progress_is_409(void)
{
    pthread_t thread;
    int first_status = 0;
    pthread_create(&thread, NULL, post_slow, &first_status);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    cr_assert(sem_timedwait(&entered, &deadline) == 0, "the first request never reached its handler");
    struct cg_test_response *r = post_to(client, "/slow", "idempotency-key: \"k-slow\"", "{}");
    expect_detail(r, 409, "in progress");
    cr_assert(cg_str_eq_c(cg_test_header(r, "retry-after"), "60"), "Retry-After %s",
              cg_test_header(r, "retry-after").ptr);
    sem_post(&may_finish);
    pthread_join(thread, NULL);
    cr_assert_eq(first_status, 201);
    r = post_to(client, "/slow", "idempotency-key: \"k-slow\"", "{}");
    cr_assert_eq(r->status, 201);
    cr_assert(cg_str_eq_c(cg_test_header(r, "idempotent-replayed"), "true"));
    cr_assert_eq(atomic_load(&runs), 1);
}

static void failures_are_not_stored(void)
{
    atomic_store(&fail_next, 1);
    cr_assert_eq(post("idempotency-key: \"k-1\"", "{}")->status, 500);
    struct cg_test_response *retry = post("idempotency-key: \"k-1\"", "{}");
    cr_assert_eq(retry->status, 201);
    cr_assert_null(cg_test_header(retry, "idempotent-replayed").ptr);
    cr_assert_eq(atomic_load(&runs), 2);
}

static void malformed_keys_are_400(void)
{
    char long_key[300] = "idempotency-key: ";
    memset(long_key + strlen(long_key), 'x', 256);
    const char *bad[] = { "idempotency-key: \"\"", "idempotency-key: \"a\"b\"", "idempotency-key: a b",
                          "idempotency-key: \"caf\xc3\xa9\"", "idempotency-key: \"a\\x\"", long_key };
    for (size_t i = 0; i < CG_LEN(bad); i++)
        expect_detail(post(bad[i], "{}"), 400, "Idempotency-Key must be");
    cr_assert_eq(atomic_load(&runs), 0);
    long_key[strlen(long_key) - 1] = '\0'; /* 255 characters: fine */
    cr_assert_eq(post(long_key, "{}")->status, 201);
    cr_assert_eq(post("idempotency-key: \"a\\\"b\"", "{}")->status, 201);
}

static void expiry_frees_the_key(void)
{
    cr_assert_eq(post("idempotency-key: \"k-1\"", "{}")->status, 201);
    nanosleep(&(struct timespec){ 1, 100 * 1000 * 1000 }, NULL);
    struct cg_test_response *later = post("idempotency-key: \"k-1\"", "{}");
    cr_assert_eq(later->status, 201);
    cr_assert_null(cg_test_header(later, "idempotent-replayed").ptr);
    cr_assert_eq(atomic_load(&runs), 2);
}

#define ON_EACH_STORE(name, lifetime, required)                                                                    \
    Test(idempotency_memory, name)                                                                                 \
    {                                                                                                              \
        start(memory_store_new(), lifetime, required);                                                             \
        name();                                                                                                    \
        stop();                                                                                                    \
    }                                                                                                              \
    Test(idempotency_sqlite, name)                                                                                 \
    {                                                                                                              \
        start(sqlite_store_new(), lifetime, required);                                                             \
        name();                                                                                                    \
        stop();                                                                                                    \
    }

ON_EACH_STORE(repeat_replays_the_first_response, 0, false)
ON_EACH_STORE(other_keys_and_routes_run, 0, false)
ON_EACH_STORE(same_key_other_body_is_422, 0, false)
ON_EACH_STORE(repeat_in_progress_is_409, 0, false)
ON_EACH_STORE(failures_are_not_stored, 0, false)
ON_EACH_STORE(malformed_keys_are_400, 0, false)
ON_EACH_STORE(expiry_frees_the_key, 1, false)

Test(idempotency, a_required_key_is_400_when_missing)
{
    start(memory_store_new(), 0, true);
    expect_detail(post(NULL, "{}"), 400, "The Idempotency-Key header is required");
    cr_assert_eq(post_to(client, "/plain", NULL, "{}")->status, 201, "a route that is not idempotent runs");
    stop();
}

static struct cg_test_response *post_as(const char *token)
{
    const char *headers[] = { "idempotency-key: \"shared\"", token, NULL };
    return cg_test_request(client, &(struct cg_test_req){ .method = "POST", .path = "/secured", .headers = headers,
                                                          .body = "{}" });
}

/* A key is the caller's: Bob's request with Alice's key runs, and a caller
 * the route refuses never reaches the store. */
Test(idempotency, keys_are_scoped_by_the_credential)
{
    start(memory_store_new(), 0, false);
    atomic_store(&claims, 0);
    cr_assert_eq(post_as("authorization: Bearer mallory")->status, 401);
    cr_assert_eq(post_as(NULL)->status, 401);
    cr_assert_eq(atomic_load(&claims), 0, "a refused caller made %d claims", atomic_load(&claims));
    struct cg_test_response *alice = post_as("authorization: Bearer alice");
    struct cg_test_response *bob = post_as("authorization: Bearer bob");
    cr_assert_eq(alice->status, 201);
    cr_assert_eq(bob->status, 201);
    cr_assert_null(cg_test_header(bob, "idempotent-replayed").ptr);
    cr_assert_str_neq(bob->body.ptr, alice->body.ptr);
    struct cg_test_response *again = post_as("authorization: Bearer alice");
    cr_assert_str_eq(again->body.ptr, alice->body.ptr);
    cr_assert_eq(atomic_load(&runs), 2);
    stop();
}

Test(idempotency, a_missing_store_is_a_setup_error)
{
    struct cg_app *a = cg_app_new(&(struct cg_app_opts){ .title = "t", .version = "1" });
    cr_assert_eq(cg_app_use_idempotency(a, &(struct cg_idempotency_opts){ 0 }), -1);
    cr_assert(strstr(cg_app_error(a), "a store is required"));
    cr_assert_eq(cg_app_use_idempotency(a, &(struct cg_idempotency_opts){ .store = memory_store_new(),
                                                                          .lifetime_s = 31 * 24 * 3600 }),
                 -1);
    cg_app_free(a);
}

Test(idempotency, sqlite_refuses_a_bad_table_name)
{
    char err[256];
    cr_assert_null(cg_idem_sqlite_new(":memory:", "x; DROP TABLE y", err, sizeof err));
    cr_assert(strstr(err, "is not a name"), "%s", err);
}

static void expect_sha256(const char *text, size_t repeat, const char *hex)
{
    struct cg__sha256 h;
    cg__sha256_init(&h);
    for (size_t i = 0; i < repeat; i++)
        cg__sha256_update(&h, text, strlen(text));
    unsigned char digest[CG__SHA256_LEN];
    cg__sha256_final(&h, digest);
    char got[2 * CG__SHA256_LEN + 1];
    for (int i = 0; i < CG__SHA256_LEN; i++)
        snprintf(got + 2 * i, 3, "%02x", digest[i]);
    cr_assert_str_eq(got, hex, "sha256(\"%s\" x %zu)", text, repeat);
}

/* FIPS 180-4's examples, and a message that spans many blocks. */
Test(idempotency, sha256_matches_the_standard_vectors)
{
    expect_sha256("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha256("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    expect_sha256("a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* The document lists the header and the two answers on idempotent
 * operations alone. */
Test(idempotency, the_document_shows_the_header_and_the_answers)
{
    start(memory_store_new(), 0, false);
    cg_str doc = cg_app_openapi(app);
    cr_assert(doc.ptr);
    struct cg_arena *a = cg_arena_new();
    const struct cg_json_value *paths = cg_json_member(cg_json_parse(a, doc, 64, NULL), "paths");
    const struct cg_json_value *things = cg_json_member(cg_json_member(paths, "/things"), "post");
    const struct cg_json_value *param = cg_json_member(things, "parameters");
    cr_assert(param && param->len == 1);
    cr_assert(cg_str_eq_c(cg_json_as_str(cg_json_member(&param->items[0], "name")), "Idempotency-Key"));
    cr_assert(cg_str_eq_c(cg_json_as_str(cg_json_member(&param->items[0], "in")), "header"));
    const struct cg_json_value *responses = cg_json_member(things, "responses");
    cr_assert(cg_json_member(responses, "409") && cg_json_member(responses, "422"));
    const struct cg_json_value *plain = cg_json_member(cg_json_member(paths, "/plain"), "post");
    cr_assert_null(cg_json_member(plain, "parameters"));
    cr_assert_null(cg_json_member(cg_json_member(plain, "responses"), "409"));
    cr_assert_null(cg_json_member(cg_json_member(plain, "responses"), "422"));
    cg_arena_free(a);
    stop();
}
