/* An int member declared CG_STRING: binding would write a 16-byte cg_str
 * into it. expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct thing {
    int qty;
};
const struct cg_field fields[] = {
    CG_FIELD(struct thing, qty, CG_STRING),
};
