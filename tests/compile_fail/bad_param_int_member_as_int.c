/* A cookie declared CG_INT on an `int` member (CG_INT binds as int64_t).
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct cookies {
    int session;
};
const struct cg_param *const params =
    CG_PARAMS_OF(struct cookies, CG_COOKIE_PARAM(struct cookies, session, CG_INT, .def = "0"));
