/* The misuse app as a program (serve, invoke; cg_main). */
#include <cgate/cgate.h>

#include "misuse_app.h"

int main(int argc, char **argv)
{
    struct cg_app *app = misuse_app_new();
    if (!app)
        return 1;
    int rc = cg_main(app, argc, argv);
    cg_app_free(app);
    return rc;
}
