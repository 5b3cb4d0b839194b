/* An app whose main() ignores what its registrations return, as the example
 * in docs/routes.md once did. $BAD picks the one that fails: "route" (a
 * path template that does not parse), "cors" (max_age -5) or
 * "compression" (gzip_level 12); anything else sets the app up well.
 * cg_main must refuse to run it and name the cause. */
#include <stdlib.h>
#include <string.h>

#include <cgate/cgate.h>

static int hello(struct cg_ctx *c)
{
    return cg_send_text(c, 200, CG_STR("hello"));
}

static const struct cg_route routes[] = {
    CG_GET("/hello", hello),
    CG_GET("/items/{id", hello),
};

int main(int argc, char **argv)
{
    const char *bad = getenv("BAD") ? getenv("BAD") : "";
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "bad set-up" });
    cg_app_routes(app, routes, strcmp(bad, "route") == 0 ? 2 : 1);
    cg_app_use_compression(app, &(struct cg_compress_opts){ .gzip_level = strcmp(bad, "compression") == 0 ? 12 : 0 });
    cg_app_use_cors(app, &(struct cg_cors_opts){ .max_age = strcmp(bad, "cors") == 0 ? -5 : 0 });
    int status = cg_main(app, argc, argv);
    cg_app_free(app);
    return status;
}
