/* The CORS table's app as a program (serve, invoke; cg_main):
 *   CORS_CASES=tests/unit/data/cors_cases.json CORS_CONFIG=explicit cors_app serve --port 0 */
#include <stdio.h>
#include <stdlib.h>

#include <cgate/cgate.h>

#include "cors_app.h"

int main(int argc, char **argv)
{
    const char *cases = getenv("CORS_CASES"), *config = getenv("CORS_CONFIG");
    if (!cases || !config) {
        fprintf(stderr, "cors_app: set CORS_CASES (the table's JSON file) and CORS_CONFIG (one of its configs)\n");
        return 2;
    }
    char err[512];
    struct cg_arena *arena = cg_arena_new();
    const struct cg_json_value *table = cors_table_load(arena, cases, err, sizeof err);
    struct cg_app *app = table ? cors_app_new(table, config, err, sizeof err) : NULL;
    cg_arena_free(arena);
    if (!app) {
        fprintf(stderr, "cors_app: %s\n", err);
        return 1;
    }
    int rc = cg_main(app, argc, argv);
    cg_app_free(app);
    return rc;
}
