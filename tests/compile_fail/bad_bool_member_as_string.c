/* A bool member declared CG_STRING ({"done":"yes"} would read as false).
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct thing {
    bool done;
};
const struct cg_field fields[] = {
    CG_FIELD(struct thing, done, CG_STRING),
};
