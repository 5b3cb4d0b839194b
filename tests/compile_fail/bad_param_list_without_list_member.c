/* A list parameter bound to a member that is not a struct cg_list.
 * expect: a list parameter needs a struct cg_list member */
#include <cgate/cgate.h>

struct query {
    cg_str tag;
};
const struct cg_param *const params = CG_PARAMS_OF(struct query, CG_QUERY_PARAM_LIST(struct query, tag, CG_STRING));
