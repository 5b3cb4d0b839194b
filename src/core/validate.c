/* Validation: the conversion of text values (path, query, header, cookie)
 * with pydantic v2's lax rules and messages, and the constraints' checks. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/json_write.h"
#include "core/patterns.h"
#include "core/utf8.h"
#include "core/validate.h"

/* Like re.search: anywhere in the text. REG_STARTEND bounds the slice, so it
 * needs no NUL and may hold NUL bytes. */
/* regexec gets a NUL-terminated copy: REG_STARTEND bounds the match, but
 * some libcs and ASan's interceptor still read up to a NUL, and request
 * slices have none. */
static bool pattern_matches(struct cg_arena *a, const char *pattern, cg_str s)
{
    const regex_t *re = cg__pattern_get(pattern);
    if (!re) {
        cg_error("pattern %s was not compiled at start-up", pattern);
        return false;
    }
    cg_str text = cg_arena_strdup(a, s);
    regmatch_t span = { .rm_so = 0, .rm_eo = (regoff_t)text.len };
    return regexec(re, text.ptr, 1, &span, REG_STARTEND) == 0;
}

/* ---- failures ---- */

static const struct cg_vfail int_parsing =
    CG_VFAIL("int_parsing", "Input should be a valid integer, unable to parse string as an integer");
static const struct cg_vfail float_parsing =
    CG_VFAIL("float_parsing", "Input should be a valid number, unable to parse string as a number");
const struct cg_vfail cg__fail_int_parsing_size =
    CG_VFAIL("int_parsing_size", "Unable to parse input string as an integer, exceeded maximum size");
const struct cg_vfail cg__fail_finite_number = CG_VFAIL("finite_number", "Input should be a finite number");
const struct cg_vfail cg__fail_bool_parsing =
    CG_VFAIL("bool_parsing", "Input should be a valid boolean, unable to interpret input");

/* {"key":json} */
static cg_str ctx_object(struct cg_arena *a, const char *key, cg_str json)
{
    return cg_arena_printf(a, "{\"%s\":%.*s}", key, (int)json.len, json.ptr);
}

struct bound {
    const char *type, *words, *key;
};

static const struct bound bound_le = { "less_than_equal", "less than or equal to", "le" };
static const struct bound bound_lt = { "less_than", "less than", "lt" };
static const struct bound bound_ge = { "greater_than_equal", "greater than or equal to", "ge" };
static const struct bound bound_gt = { "greater_than", "greater than", "gt" };

/* pydantic shows an int field's bound as an int; a float field's bound as
 * Python's repr in ctx (3.0) but as Rust's Display in the message (3). */
static int bound_fail(struct cg_arena *a, enum cg_type type, const struct bound *k, double bound,
                      struct cg_vfail *why)
{
    struct cg_buf msg, value;
    cg_buf_init(&msg, a);
    cg_buf_init(&value, a);
    cg_buf_printf(&msg, "Input should be %s ", k->words);
    if (type == CG_INT && cg_is_int64(bound)) {
        cg_buf_printf(&value, "%" PRId64, (int64_t)bound);
        cg_buf_append_str(&msg, cg_buf_str(&value));
    } else {
        cg__format_decimal(&msg, bound);
        cg_json_format_double(&value, bound);
    }
    *why = (struct cg_vfail){ k->type, cg_buf_str(&msg), ctx_object(a, k->key, cg_buf_str(&value)) };
    return -1;
}

/* pydantic checks le, lt, ge, gt in this order and reports the first. */
static int check_bounds(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c, double v,
                        struct cg_vfail *why)
{
    if (c->has_le && v > c->le)
        return bound_fail(a, type, &bound_le, c->le, why);
    if (c->has_lt && v >= c->lt)
        return bound_fail(a, type, &bound_lt, c->lt, why);
    if (c->has_ge && v < c->ge)
        return bound_fail(a, type, &bound_ge, c->ge, why);
    if (c->has_gt && v <= c->gt)
        return bound_fail(a, type, &bound_gt, c->gt, why);
    return 0;
}

static int length_fail(struct cg_arena *a, const char *type, const char *words, const char *key, size_t n,
                       struct cg_vfail *why)
{
    why->type = type;
    why->msg = cg_arena_printf(a, "String should have %s %zu character%s", words, n, n == 1 ? "" : "s");
    why->ctx = cg_arena_printf(a, "{\"%s\":%zu}", key, n);
    return -1;
}

static int pattern_fail(struct cg_arena *a, const char *pattern, struct cg_vfail *why)
{
    why->type = "string_pattern_mismatch";
    why->msg = cg_arena_printf(a, "String should match pattern '%s'", pattern);
    why->ctx = ctx_object(a, "pattern", cg__json_quote(a, cg_str_c(pattern)));
    return -1;
}

/* Code points, each invalid byte sequence counting as its U+FFFD. */
static size_t count_chars(cg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = 0;
    for (size_t i = 0; i < s.len; n++) {
        int k = cg__utf8_seq(p + i, s.len - i);
        i += (size_t)(k > 0 ? k : -k);
    }
    return n;
}

static int check_string(struct cg_arena *a, const struct cg_constraints *c, cg_str s, struct cg_vfail *why)
{
    size_t n = c->min_len || c->max_len ? count_chars(s) : 0;
    if (n < c->min_len)
        return length_fail(a, "string_too_short", "at least", "min_length", c->min_len, why);
    if (c->max_len && n > c->max_len)
        return length_fail(a, "string_too_long", "at most", "max_length", c->max_len, why);
    if (c->pattern && !pattern_matches(a, c->pattern, s))
        return pattern_fail(a, c->pattern, why);
    return 0;
}

int cg__value_check(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c,
                    const struct cg_value *v, struct cg_vfail *why)
{
    switch (type) {
    case CG_INT:
        return check_bounds(a, type, c, (double)v->i, why);
    case CG_NUMBER:
        return check_bounds(a, type, c, v->n, why);
    case CG_STRING:
        return check_string(a, c, v->s, why);
    default:
        return 0;
    }
}

void cg__enum_fail(struct cg_arena *a, const char *const *choices, struct cg_vfail *why)
{
    struct cg_buf expected;
    cg_buf_init(&expected, a);
    for (size_t i = 0; choices[i]; i++) {
        if (i > 0)
            cg_buf_puts(&expected, choices[i + 1] ? ", " : " or ");
        cg_buf_printf(&expected, "'%s'", choices[i]);
    }
    cg_str e = cg_buf_str(&expected);
    why->type = "enum";
    why->msg = cg_arena_printf(a, "Input should be %.*s", (int)e.len, e.ptr);
    why->ctx = ctx_object(a, "expected", cg__json_quote(a, e));
}

/* ---- text to values ---- */

/* Python's int() refuses longer digit strings; pydantic checks the length first. */
#define MAX_INT_TEXT 4300

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ASCII white space, as Rust's str::trim() sees it. */
static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static cg_str trim_space(cg_str s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static size_t skip_sign(cg_str s, size_t i)
{
    return i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-') ? i + 1 : i;
}

static size_t skip_digits(cg_str s, size_t i)
{
    while (i < s.len && is_digit(s.ptr[i]))
        i++;
    return i;
}

static bool in_words(cg_str s, const char *const *words)
{
    for (; *words; words++)
        if (cg_str_ieq(s, cg_str_c(*words)))
            return true;
    return false;
}

/* pydantic accepts a fraction of zeros after an integer: "2.0", "2.00". */
static bool only_zero_fraction(cg_str s, size_t i)
{
    if (i == s.len)
        return true;
    if (s.ptr[i] != '.' || i + 1 == s.len)
        return false;
    while (++i < s.len)
        if (s.ptr[i] != '0')
            return false;
    return true;
}

/* Python's int(): sign, digits, single underscores between digits. */
static const struct cg_vfail *parse_int(cg_str text, int64_t *out)
{
    cg_str s = trim_space(text);
    if (s.len > MAX_INT_TEXT)
        return &cg__fail_int_parsing_size;
    bool negative = s.len && s.ptr[0] == '-';
    size_t start = skip_sign(s, 0), i = start;
    uint64_t magnitude = 0;
    bool overflow = false;
    for (; i < s.len; i++) {
        if (s.ptr[i] == '_' && i > start && i + 1 < s.len && is_digit(s.ptr[i + 1]))
            continue;
        if (!is_digit(s.ptr[i]))
            break;
        overflow |= magnitude > (UINT64_MAX - 9) / 10;
        magnitude = magnitude * 10 + (uint64_t)(s.ptr[i] - '0');
    }
    if (i == start || !only_zero_fraction(s, i))
        return &int_parsing;
    if (overflow || magnitude > (uint64_t)INT64_MAX + negative)
        return &cg__fail_int_parsing_size;
    *out = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return NULL;
}

/* Rust's f64 grammar without inf/nan: [+-] digits [. digits] [e [+-] digits],
 * with at least one digit before the exponent. */
static bool is_decimal(cg_str s)
{
    size_t i = skip_sign(s, 0);
    size_t end = skip_digits(s, i);
    size_t ndigits = end - i;
    if (end < s.len && s.ptr[end] == '.') {
        i = end + 1;
        end = skip_digits(s, i);
        ndigits += end - i;
    }
    if (ndigits == 0)
        return false;
    if (end < s.len && (s.ptr[end] == 'e' || s.ptr[end] == 'E')) {
        i = skip_sign(s, end + 1);
        end = skip_digits(s, i);
        if (end == i)
            return false;
    }
    return end == s.len;
}

/* pydantic drops underscores from a number unless one leads, ends or doubles. */
static cg_str strip_underscores(struct cg_arena *a, cg_str s)
{
    if (s.ptr[0] == '_' || s.ptr[s.len - 1] == '_')
        return (cg_str){ NULL, 0 };
    char *copy = cg_arena_alloc(a, s.len);
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] != '_')
            copy[n++] = s.ptr[i];
        else if (s.ptr[i + 1] == '_')
            return (cg_str){ NULL, 0 };
    }
    return (cg_str){ copy, n };
}

static bool has_underscore(cg_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '_')
            return true;
    return false;
}

static const struct cg_vfail *parse_number(struct cg_arena *a, cg_str text, double *out)
{
    static const char *const inf_nan[] = { "inf", "infinity", "nan", NULL };
    cg_str s = trim_space(text);
    size_t sign = skip_sign(s, 0);
    if (in_words((cg_str){ s.ptr + sign, s.len - sign }, inf_nan))
        return &cg__fail_finite_number;
    if (has_underscore(s))
        s = strip_underscores(a, text); /* untrimmed: white space then fails, as in pydantic */
    if (!s.ptr || !is_decimal(s))
        return &float_parsing;
    *out = strtod(cg_arena_strdup(a, s).ptr, NULL);
    return isfinite(*out) ? NULL : &cg__fail_finite_number;
}

static const struct cg_vfail *parse_bool(cg_str s, bool *out)
{
    static const char *const yes[] = { "1", "on", "t", "true", "y", "yes", NULL };
    static const char *const no[] = { "0", "off", "f", "false", "n", "no", NULL };
    if (in_words(s, yes))
        *out = true;
    else if (in_words(s, no))
        *out = false;
    else
        return &cg__fail_bool_parsing;
    return NULL;
}

static int choice_index(const char *const *choices, cg_str s)
{
    for (int i = 0; choices[i]; i++)
        if (cg_str_eq_c(s, choices[i]))
            return i;
    return -1;
}

int cg__value_convert(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c, cg_str text,
                      struct cg_value *out, struct cg_vfail *why)
{
    const struct cg_vfail *fail = NULL;
    *out = (struct cg_value){ .s = text };
    switch (type) {
    case CG_INT:
        fail = parse_int(text, &out->i);
        break;
    case CG_NUMBER:
        fail = parse_number(a, text, &out->n);
        break;
    case CG_BOOL:
        fail = parse_bool(text, &out->b);
        break;
    case CG_ENUM:
        out->i = choice_index(c->choices, text);
        if (out->i < 0) {
            cg__enum_fail(a, c->choices, why);
            return -1;
        }
        break;
    case CG_STRING:
        break;
    }
    if (fail) {
        *why = *fail;
        return -1;
    }
    if (cg__value_check(a, type, c, out, why) != 0)
        return -1;
    out->present = true;
    return 0;
}

int cg__value_parse(struct cg_arena *a, enum cg_type type, const struct cg_constraints *c, cg_str text,
                    cg_str loc, struct cg_value *out, struct cg_verrors *errs)
{
    struct cg_vfail why;
    if (cg__value_convert(a, type, c, text, out, &why) == 0)
        return 0;
    cg__verrors_add(errs, why.type, loc, why.msg, cg__json_quote(a, text), why.ctx);
    return -1;
}

size_t cg__type_size(enum cg_type type)
{
    static const size_t sizes[] = {
        [CG_STRING] = sizeof(cg_str), [CG_INT] = sizeof(int64_t), [CG_NUMBER] = sizeof(double),
        [CG_BOOL] = sizeof(bool),     [CG_ENUM] = sizeof(int),
    };
    return sizes[type];
}

void cg__value_store(struct cg_arena *a, enum cg_type type, void *p, const struct cg_value *v)
{
    switch (type) {
    case CG_STRING:
        *(cg_str *)p = v ? cg_arena_strdup(a, v->s) : (cg_str){ NULL, 0 };
        break;
    case CG_INT:
        *(int64_t *)p = v ? v->i : 0;
        break;
    case CG_NUMBER:
        *(double *)p = v ? v->n : 0;
        break;
    case CG_BOOL:
        *(bool *)p = v && v->b;
        break;
    case CG_ENUM:
        *(int *)p = v ? (int)v->i : 0;
        break;
    }
}
