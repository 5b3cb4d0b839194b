/* A double member declared CG_INT: the bits of an int64_t read as a double.
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct thing {
    double price;
};
const struct cg_field fields[] = {
    CG_FIELD(struct thing, price, CG_INT),
};
