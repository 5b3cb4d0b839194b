/* The one-file app the install test builds against the installed cgate,
 * with pkg-config and with find_package (tests/install/check.sh): a health
 * route, compression (brotli and zlib linked) and cg_version(). Built with
 * HELLO_AWS, it also links cgate's AWS client and JWT code, and so OpenSSL;
 * with HELLO_SQLITE, idempotency records in SQLite (cgate_sqlite). */
#include <cgate/cgate.h>
#ifdef HELLO_AWS
#include <cgate/aws.h>
#include <cgate/jwt.h>
#endif
#include <stdio.h>
#include <string.h>

static int health(struct cg_ctx *c)
{
    return cg_send_json_raw(c, 200, CG_STR("{\"status\":\"healthy\"}"));
}

static const struct cg_route routes[] = {
    CG_GET("/api/health", health, .summary = "Health check"),
};

int main(int argc, char **argv)
{
    /* The headers this program was compiled with are the library's. */
    if (strcmp(cg_version(), CG_VERSION) != 0) {
        fprintf(stderr, "cgate %s linked, headers of %s\n", cg_version(), CG_VERSION);
        return 1;
    }
#ifdef HELLO_AWS
    /* An HMAC key through libcrypto; and the AWS client linked (with libssl)
     * though never called. */
    struct cg_jwt_keys *keys = cg_jwt_keys_new();
    char err[128];
    if (cg_jwt_keys_add_hmac(keys, "0123456789abcdef0123456789abcdef", 32, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "cg_jwt_keys_add_hmac: %s\n", err);
        return 1;
    }
    cg_jwt_keys_free(keys);
    if (argc < 0)
        cg_aws_free(NULL);
#endif
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "hello", .version = "1.0.0" });
    if (cg_app_routes(app, routes, CG_LEN(routes)) != 0 || cg_app_use_compression(app, NULL) != 0) {
        cg_app_free(app);
        return 1;
    }
#ifdef HELLO_SQLITE
    char why[256];
    struct cg_idem_store *records = cg_idem_sqlite_new(":memory:", NULL, why, sizeof why);
    if (!records || cg_app_use_idempotency(app, &(struct cg_idempotency_opts){ .store = records }) != 0) {
        cg_app_free(app);
        return 1;
    }
#endif
    int status = cg_main(app, argc, argv);
    cg_app_free(app);
    return status;
}
