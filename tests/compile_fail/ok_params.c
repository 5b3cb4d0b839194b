/* Every parameter macro with the member type its kind binds as: compiles. */
#include <cgate/cgate.h>

struct query {
    int64_t id;
    double ratio;
    cg_str q;
    bool full;
    int sort;
    bool has_after;
    int64_t after;
    bool has_x_retry;
    int64_t x_retry;
    bool has_session;
    bool session;
    struct cg_list tag;
    struct cg_list x_tag;
    cg_str x_trace;
    cg_str theme;
};
static const char *const sorts[] = { "asc", "desc", NULL };
const struct cg_param *const params = CG_PARAMS_OF(struct query,
    CG_PATH_PARAM(struct query, id, CG_INT, CG_GE(1)),
    CG_QUERY_PARAM(struct query, ratio, CG_NUMBER, .def = "0.5"),
    CG_QUERY_PARAM(struct query, q, CG_STRING, CG_MAX_LEN(10)),
    CG_QUERY_PARAM(struct query, full, CG_BOOL, .def = "false"),
    CG_QUERY_PARAM(struct query, sort, CG_ENUM, .c.choices = sorts, .def = "asc"),
    CG_QUERY_PARAM_OPT(struct query, after, has_after, CG_INT),
    CG_HEADER_PARAM_OPT(struct query, x_retry, has_x_retry, CG_INT),
    CG_COOKIE_PARAM_OPT(struct query, session, has_session, CG_BOOL),
    CG_QUERY_PARAM_LIST(struct query, tag, CG_STRING),
    CG_HEADER_PARAM_LIST(struct query, x_tag, CG_INT),
    CG_HEADER_PARAM(struct query, x_trace, CG_STRING),
    CG_COOKIE_PARAM(struct query, theme, CG_STRING));

/* Arrays and literals pass CG_LEN and CG_STR. */
static const struct cg_param by_name[] = { CG_QUERY_INT("n"), { 0 } };
const size_t nparams = CG_LEN(by_name);
const cg_str greeting = CG_STR("hello");
