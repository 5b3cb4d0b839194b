/* An app's own errors answered in one place: cg_raise in a handler, the
 * function registered with cg_app_on_error writing the response. */
#include <stdarg.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/app_internal.h"
#include "core/handler.h"

int cg_app_on_error(struct cg_app *app, int code, cg_error_fn fn)
{
    if (app->prepared)
        return cg_app_fail(app, "cg_app_on_error(%d): the app has started; register before cg_app_start", code);
    if (!fn)
        return cg_app_fail(app, "cg_app_on_error(%d): no function", code);
    for (size_t i = 0; i < app->nerror_handlers; i++)
        if (app->error_handlers[i].code == code)
            return cg_app_fail(app, "cg_app_on_error(%d): the code has a function already", code);
    app->error_handlers =
        cg_xrealloc(app->error_handlers, (app->nerror_handlers + 1) * sizeof *app->error_handlers);
    app->error_handlers[app->nerror_handlers++] = (struct cg_error_handler){ code, fn };
    return 0;
}

int cg_raise(struct cg_ctx *c, int code, const char *fmt, ...)
{
    if (c->raised) {
        cg__misuse(c, "cg_raise(%d) after cg_raise(%d): a handler raises once", code, c->raised_code);
        return -1;
    }
    if (c->responded) {
        cg__misuse(c, "cg_raise(%d) after the response was begun", code);
        return -1;
    }
    struct cg_buf detail;
    cg_buf_init(&detail, c->req->arena);
    va_list ap;
    va_start(ap, fmt);
    cg_buf_vprintf(&detail, fmt, ap);
    va_end(ap);
    cg_buf_putc(&detail, '\0');
    c->raised = true;
    c->raised_code = code;
    c->raised_detail = detail.data;
    return -1;
}

static cg_error_fn error_fn(const struct cg_app *app, int code)
{
    for (size_t i = 0; i < app->nerror_handlers; i++)
        if (app->error_handlers[i].code == code)
            return app->error_handlers[i].fn;
    return NULL;
}

int cg__answer_raised(struct cg_ctx *c)
{
    cg_error_fn fn = error_fn(c->app, c->raised_code);
    if (!fn) {
        cg__misuse(c, "cg_raise(%d, \"%s\"): no function for the code (cg_app_on_error)", c->raised_code,
                   c->raised_detail);
        return -1;
    }
    return fn(c, c->raised_code, c->raised_detail);
}
