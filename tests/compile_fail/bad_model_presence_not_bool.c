/* The same for an optional nested model.
 * expect: CG_FIELD_MODEL_OPT: the presence member must be a bool */
#include <cgate/cgate.h>

struct address {
    cg_str city;
};
static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, city, CG_STRING),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct thing {
    int64_t has_home;
    struct address home;
};
const struct cg_field fields[] = {
    CG_FIELD_MODEL_OPT(struct thing, home, has_home, &address_model),
};
