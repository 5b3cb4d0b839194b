/* event_bench: the items app's cost per Lambda event, in process.
 *
 *   event_bench EVENT_FILE [N]
 *
 * Starts the items app (ITEMS_DB=:memory:), then runs the event's bytes
 * through cg_lambda_handle() (parse, decode, route, handler, encode into
 * the gateway's response JSON) N times (default 220000) in eleven equal
 * batches: a warm-up, then ten timed ones; the arena is reset after every
 * event, as the runtime loop does.
 * Prints each batch's µs/event and their median. Every response must carry
 * statusCode 200, else the exit status is 1. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cgate/cgate.h>

#include "items.h"

#define BATCHES 10

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *read_event(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    struct cg_buf b;
    cg_buf_init(&b, NULL);
    size_t n;
    while ((n = fread(cg_buf_reserve(&b, 65536), 1, 65536, f)) > 0)
        b.len += n;
    bool failed = ferror(f);
    fclose(f);
    if (failed || b.len == 0) {
        fprintf(stderr, "event_bench: cannot read an event from %s\n", path);
        cg_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data;
}

/* Runs the event `count` times; returns how many answers were not 200. */
static long run_batch(const struct cg_app *app, cg_str event, struct cg_arena *arena, long count)
{
    long failures = 0;
    char err[256];
    for (long i = 0; i < count; i++) {
        struct cg_buf out;
        cg_buf_init(&out, arena);
        if (cg_lambda_handle(app, event, arena, &out, err, sizeof err) != 0) {
            fprintf(stderr, "event_bench: %s\n", err);
            failures++;
        } else if (!memmem(out.data, out.len, "\"statusCode\":200,", 17)) {
            fprintf(stderr, "event_bench: not a 200 response: %.*s\n", (int)(out.len > 300 ? 300 : out.len),
                    out.data);
            failures++;
        }
        cg_arena_reset(arena);
    }
    return failures;
}

static int measure(const struct cg_app *app, cg_str event, long n)
{
    struct cg_arena *arena = cg_arena_new();
    long per_batch = n / (BATCHES + 1);
    long failures = run_batch(app, event, arena, per_batch); /* warm-up */
    double us[BATCHES];
    for (int b = 0; b < BATCHES && failures == 0; b++) {
        double start = now_us();
        failures += run_batch(app, event, arena, per_batch);
        us[b] = (now_us() - start) / (double)per_batch;
        printf("batch_us %.3f\n", us[b]);
    }
    cg_arena_free(arena);
    if (failures) {
        fprintf(stderr, "event_bench: %ld failed events\n", failures);
        return 1;
    }
    qsort(us, BATCHES, sizeof *us, compare_double);
    printf("events %ld median_us %.3f\n", per_batch * BATCHES, (us[BATCHES / 2 - 1] + us[BATCHES / 2]) / 2);
    return 0;
}

int main(int argc, char **argv)
{
    long n = argc == 3 ? strtol(argv[2], NULL, 10) : 220000;
    if (argc < 2 || argc > 3 || n < BATCHES + 1 || n > 1000000000) {
        fprintf(stderr, "usage: event_bench EVENT_FILE [N, at least %d]\n", BATCHES + 1);
        return 2;
    }
    size_t len;
    char *event = read_event(argv[1], &len);
    if (!event)
        return 1;
    setenv("ITEMS_DB", ":memory:", 1);
    cg_log_init(CG_LOG_TEXT);
    struct cg_app *app = items_app_new();
    int rc = 1;
    if (cg_app_start(app) == 0) {
        rc = measure(app, (cg_str){ event, len }, n);
        cg_app_stop(app);
    }
    cg_app_free(app);
    free(event);
    return rc;
}
