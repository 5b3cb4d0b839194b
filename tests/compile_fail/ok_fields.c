/* Every field macro with the member type its kind binds as: compiles. */
#include <cgate/cgate.h>

struct address {
    cg_str city;
};
static const struct cg_field address_fields[] = {
    CG_FIELD(struct address, city, CG_STRING),
};
static const struct cg_model address_model = CG_MODEL("Address", struct address, address_fields);

struct order {
    cg_str name;
    int64_t qty;
    double price;
    bool gift;
    int size;
    bool has_note;
    int64_t note;
    struct cg_list tags;
    struct address ship_to;
    bool has_bill_to;
    struct address bill_to;
    struct cg_list stops;
    cg_fields_set sent;
};
static const char *const sizes[] = { "s", "m", "l", NULL };
static const struct cg_field order_fields[] = {
    CG_FIELD(struct order, name, CG_STRING, CG_MAX_LEN(10)),
    CG_FIELD(struct order, qty, CG_INT, CG_GE(1), .def = "1"),
    CG_FIELD(struct order, price, CG_NUMBER, CG_GT(0)),
    CG_FIELD(struct order, gift, CG_BOOL),
    CG_FIELD(struct order, size, CG_ENUM, .c.choices = sizes),
    CG_FIELD_OPT(struct order, note, has_note, CG_INT),
    CG_FIELD_LIST(struct order, tags, CG_STRING),
    CG_FIELD_MODEL(struct order, ship_to, &address_model),
    CG_FIELD_MODEL_OPT(struct order, bill_to, has_bill_to, &address_model),
    CG_FIELD_MODEL_LIST(struct order, stops, &address_model),
};
const struct cg_model order_model = CG_MODEL_SENT("Order", struct order, order_fields, sent);
