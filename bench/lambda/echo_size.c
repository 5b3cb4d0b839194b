/* echo_size: the bootstrap of the event-size curve (bench/curves/event_size.py).
 *
 *   POST /api/echo-size   {"bytes":N}, N the length of the request's body
 *
 * The body is taken raw (no model: neither parsed nor validated), as the
 * transport delivered it: a JSON body as the event's string unescaped, a
 * base64 one decoded. Answering its length proves it was read whole. A
 * bench-only app, so that the reference app carries no bench-only route. */
#include <cgate/cgate.h>

static int echo_size(struct cg_ctx *c)
{
    struct cg_json *j = cg_json_begin(c, 200);
    cg_json_obj_begin(j);
    cg_json_key(j, "bytes");
    cg_json_int(j, (int64_t)cg_req(c)->body.len);
    cg_json_obj_end(j);
    return 0;
}

static const struct cg_route routes[] = {
    CG_POST("/api/echo-size", echo_size, .summary = "The length of the request's body"),
};

int main(int argc, char **argv)
{
    struct cg_app *app = cg_app_new(&(struct cg_app_opts){ .title = "echo-size", .version = "1.0.0" });
    cg_app_routes(app, routes, CG_LEN(routes)); /* an error here makes cg_main exit 1 with it */
    int status = cg_main(app, argc, argv);
    cg_app_free(app);
    return status;
}
