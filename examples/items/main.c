/* The items program: serve, invoke, openapi, or the Lambda loop (cg_main). */
#include <cgate/cgate.h>

#include "items.h"

int main(int argc, char **argv)
{
    struct cg_app *app = items_app_new();
    int status = cg_main(app, argc, argv);
    cg_app_free(app);
    items_release_access();
    return status;
}
