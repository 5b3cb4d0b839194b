/* tests/install/app.c with idempotency keys kept in SQLite (HELLO_SQLITE):
 * cgate-sqlite, cgate::sqlite. */
#define HELLO_SQLITE
#include "app.c"
