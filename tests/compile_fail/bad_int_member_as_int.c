/* CG_INT binds an int64_t: an int member would get 8 bytes written into 4.
 * expect: CG_INT int64_t */
#include <cgate/cgate.h>

struct thing {
    int qty;
};
const struct cg_field fields[] = {
    CG_FIELD(struct thing, qty, CG_INT),
};
