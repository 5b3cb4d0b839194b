/* A list field bound to a member that is not a struct cg_list.
 * expect: a list field needs a struct cg_list member */
#include <cgate/cgate.h>

struct thing {
    cg_str tags;
};
const struct cg_field fields[] = {
    CG_FIELD_LIST(struct thing, tags, CG_STRING),
};
