/* The APP_NAME program: serve, invoke, openapi, or the Lambda loop when
 * AWS_LAMBDA_RUNTIME_API is set (cg_main; APP_NAME --help). */
#include "APP_IDENT.h"

int main(int argc, char **argv)
{
    struct cg_app *app = APP_IDENT_app_new();
    if (!app)
        return 1;
    int status = cg_main(app, argc, argv);
    cg_app_free(app);
    return status;
}
