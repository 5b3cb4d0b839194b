/* The member that records the sent fields must be a cg_fields_set (a
 * uint64_t of bits is written). expect: CG_MODEL_SENT: the member must be a cg_fields_set */
#include <cgate/cgate.h>

struct patch {
    cg_str name;
    uint64_t sent;
};
const struct cg_field fields[] = {
    CG_FIELD(struct patch, name, CG_STRING, .optional = true),
};
const struct cg_model model = CG_MODEL_SENT("Patch", struct patch, fields, sent);
