/* CG_FIELD_OPT checks the value member's kind too.
 * expect: the C type of the member does not bind as the declared kind */
#include <cgate/cgate.h>

struct thing {
    bool has_price;
    float price;
};
const struct cg_field fields[] = {
    CG_FIELD_OPT(struct thing, price, has_price, CG_NUMBER),
};
