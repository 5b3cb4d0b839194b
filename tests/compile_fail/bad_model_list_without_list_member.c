/* A list of models bound to a member that is not a struct cg_list.
 * expect: a list field needs a struct cg_list member */
#include <cgate/cgate.h>

struct address {
    cg_str city;
};
static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, city, CG_STRING),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct thing {
    struct address stops[4];
};
const struct cg_field fields[] = {
    CG_FIELD_MODEL_LIST(struct thing, stops, &address_model),
};
