/* The presence member of an optional parameter must be a bool (one byte
 * is written). expect: CG_QUERY_PARAM_OPT: the presence member must be a bool */
#include <cgate/cgate.h>

struct query {
    int has_after;
    int64_t after;
};
const struct cg_param *const params =
    CG_PARAMS_OF(struct query, CG_QUERY_PARAM_OPT(struct query, after, has_after, CG_INT));
