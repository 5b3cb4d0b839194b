/* The models of the defaults, null and sent-field tests (test_body_nested.c)
 * and of their schemas (test_openapi.c), the same as these pydantic 2.14.3
 * models under FastAPI 0.165.0:
 *
 *   class Place(BaseModel):
 *       street: str = "Main"
 *       zip: int = Field(1000, ge=1000)
 *       city: Optional[str] = None
 *   class Task(BaseModel):
 *       name: str
 *       done: bool = Field(False, description="Finished")
 *       qty: int = Field(1, ge=1)
 *       price: float = 9.5
 *       color: Color = Color.red
 *       note: Optional[str] = None
 *       maybe: Optional[int] = 5
 *       tags: List[str] = []
 *       nums: List[int] = [1, 2]
 *       home: Place = Place()
 *       work: Place = Place(street="Elm", zip=2000)
 *       other: Optional[Place] = None
 */
#ifndef CGATE_TESTS_TASK_MODEL_H
#define CGATE_TESTS_TASK_MODEL_H

#include "cgate/cgate.h"

struct place {
    cg_str street;
    int64_t zip;
    cg_str city;
    cg_fields_set sent;
};

static const struct cg_field place_fields[] = {
    CG_FIELD(struct place, street, CG_STRING, .def = "\"Main\""),
    CG_FIELD(struct place, zip, CG_INT, CG_GE(1000), .def = "1000"),
    CG_FIELD(struct place, city, CG_STRING, .optional = true),
};
static const struct cg_model place_model = CG_MODEL_SENT("Place", struct place, place_fields, sent);

struct task {
    cg_str name;
    bool done;
    int64_t qty;
    double price;
    int color;
    cg_str note;
    int64_t maybe;
    bool has_maybe;
    struct cg_list tags; /* cg_str */
    struct cg_list nums; /* int64_t */
    struct place home, work, other;
    bool has_other;
    cg_fields_set sent;
};

static const struct cg_field task_fields[] = {
    CG_FIELD(struct task, name, CG_STRING),
    CG_FIELD(struct task, done, CG_BOOL, .def = "false", .description = "Finished"),
    CG_FIELD(struct task, qty, CG_INT, CG_GE(1), .def = "1"),
    CG_FIELD(struct task, price, CG_NUMBER, .def = "9.5"),
    CG_FIELD(struct task, color, CG_ENUM, CG_CHOICES("red", "green"), .def = "\"red\""),
    CG_FIELD(struct task, note, CG_STRING, .optional = true),
    CG_FIELD_OPT(struct task, maybe, has_maybe, CG_INT, .def = "5"),
    CG_FIELD_LIST(struct task, tags, CG_STRING, .def = "[]"),
    CG_FIELD_LIST(struct task, nums, CG_INT, .def = "[1,2]"),
    CG_FIELD_MODEL(struct task, home, &place_model, .def = "{}"),
    CG_FIELD_MODEL(struct task, work, &place_model, .def = "{\"street\":\"Elm\",\"zip\":2000}"),
    CG_FIELD_MODEL_OPT(struct task, other, has_other, &place_model),
};
static const struct cg_model task_model = CG_MODEL_SENT("Task", struct task, task_fields, sent);

#endif
