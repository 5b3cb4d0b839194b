/* The presence member of an optional field must be a bool (one byte is
 * written). expect: CG_FIELD_OPT: the presence member must be a bool */
#include <cgate/cgate.h>

struct thing {
    int has_qty;
    int64_t qty;
};
const struct cg_field fields[] = {
    CG_FIELD_OPT(struct thing, qty, has_qty, CG_INT),
};
