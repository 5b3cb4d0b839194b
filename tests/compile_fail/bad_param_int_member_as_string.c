/* A query parameter declared a string, bound to an int64_t member.
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct query {
    int64_t limit;
};
const struct cg_param *const params =
    CG_PARAMS_OF(struct query, CG_QUERY_PARAM(struct query, limit, CG_STRING, .def = "20"));
