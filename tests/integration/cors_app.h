/* The app of the CORS table (tests/unit/data/cors_cases.json): the routes of
 * the FastAPI app in tests/cors_cases.py, with the CORS middleware configured
 * from one of the table's "configs". Shared by tests/unit/test_cors.c and the
 * cors_app program (cors_app_main.c) that tests/integration/test_cors.py runs. */
#ifndef CORS_APP_H
#define CORS_APP_H

#include <stddef.h>

#include <cgate/json.h>

struct cg_app;

/* The parsed table, in the arena with its text, or NULL with a message. */
const struct cg_json_value *cors_table_load(struct cg_arena *a, const char *path, char *err, size_t errlen);
/* A new app (not started) with the CORS options of configs[config], or
 * NULL with a message. */
struct cg_app *cors_app_new(const struct cg_json_value *table, const char *config, char *err, size_t errlen);

#endif
