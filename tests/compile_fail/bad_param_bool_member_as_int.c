/* A path parameter declared an integer, bound to a bool member.
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct path {
    bool id;
};
const struct cg_param *const params = CG_PARAMS_OF(struct path, CG_PATH_PARAM(struct path, id, CG_INT));
