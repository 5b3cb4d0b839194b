/* JSON: a writer, and a reader of whole documents into read-only trees.
 *
 * The writer: compact UTF-8 output, as Starlette renders it
 * (json.dumps(ensure_ascii=False, allow_nan=False, separators=(",", ":"))).
 * Commas are inserted automatically. Numbers use Python's float repr
 * (shortest round-trip digits, "1.0", "1e+16"). NaN and Infinity are refused:
 * the writer records the error and cg_json_failed() reports it. Invalid UTF-8
 * in strings becomes U+FFFD. */
#ifndef CGATE_JSON_H
#define CGATE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "buf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CG_JSON_MAX_DEPTH 64

struct cg_json {
    struct cg_buf *out;
    int depth;
    bool failed;
    bool need_comma[CG_JSON_MAX_DEPTH];
    bool after_key;
};

void cg_json_init(struct cg_json *j, struct cg_buf *out);
void cg_json_obj_begin(struct cg_json *j);
void cg_json_obj_end(struct cg_json *j);
void cg_json_arr_begin(struct cg_json *j);
void cg_json_arr_end(struct cg_json *j);
void cg_json_key(struct cg_json *j, const char *key);
void cg_json_key_str(struct cg_json *j, cg_str key);
/* A key that needs no escaping, copied as is with no check: for the
 * literals of a fixed shape written per request, cg_json_key_raw(j,
 * CG_STR("statusCode")). */
void cg_json_key_raw(struct cg_json *j, cg_str key);
void cg_json_str(struct cg_json *j, cg_str s);
void cg_json_cstr(struct cg_json *j, const char *s);
void cg_json_int(struct cg_json *j, int64_t v);
void cg_json_num(struct cg_json *j, double v);
void cg_json_bool(struct cg_json *j, bool v);
void cg_json_null(struct cg_json *j);
/* Already-serialised JSON, copied as is (a cached document, a raw number). */
void cg_json_raw(struct cg_json *j, cg_str json);
bool cg_json_failed(const struct cg_json *j);

/* ---- reading ---- */

/* The reader is the scanner that reads request bodies and Lambda events
 * (strict RFC 8259: one value, valid UTF-8, no lone surrogates), building a
 * tree of values in an arena. Off the hot path: AWS responses, JWTs, files
 * of settings and test tables. */

enum cg_json_type {
    CG_JSON_NULL,
    CG_JSON_FALSE,
    CG_JSON_TRUE,
    CG_JSON_NUMBER,
    CG_JSON_STRING,
    CG_JSON_ARRAY,
    CG_JSON_OBJECT,
};

/* One value of a document. Every string is a slice of the parsed text or,
 * when it held an escape, a decoded copy in the arena: the tree lives as
 * long as both do. Strings are not NUL-terminated. */
struct cg_json_value {
    enum cg_json_type type;
    cg_str key;  /* a member of an object: its name (decoded); else empty */
    cg_str text; /* a string: decoded; a number: as written */
    /* An array's values, or an object's members (each with its key), in
     * the order of the text; 0 and NULL for a scalar. */
    size_t len;
    const struct cg_json_value *items;
};

/* Why a text was refused: a short static reason ("invalid UTF-8",
 * "nesting too deep") and the offset of the byte it is about. */
struct cg_json_error {
    const char *reason;
    size_t pos;
};

/* The tree of the JSON text `json`, with at most max_depth containers open
 * at once; NULL, with err (which may be NULL) filled, when the text is not
 * JSON. Nothing is allocated outside the arena once it returns. */
const struct cg_json_value *cg_json_parse(struct cg_arena *a, cg_str json, size_t max_depth,
                                          struct cg_json_error *err);

/* obj's first member named `name`; NULL when there is none, or obj is NULL
 * or not an object: lookups chain, cg_json_member(cg_json_member(doc, "Table"),
 * "TableStatus"). */
const struct cg_json_value *cg_json_member(const struct cg_json_value *obj, const char *name);
/* v's text when v is a string; else { NULL, 0 } (v may be NULL). */
cg_str cg_json_as_str(const struct cg_json_value *v);
/* True, with *out set, when v is a number written as an integer (no
 * fraction, no exponent) that fits in int64_t. */
bool cg_json_as_int(const struct cg_json_value *v, int64_t *out);

/* Write a value that was read (a DynamoDB LastEvaluatedKey sent back as an
 * ExclusiveStartKey): numbers as they were written, so no precision is
 * lost. Deeper than CG_JSON_MAX_DEPTH, the writer fails. */
void cg_json_write_value(struct cg_json *j, const struct cg_json_value *v);

/* ---- lower-level helpers, also used by the writer ---- */
void cg_json_escape(struct cg_buf *out, cg_str s); /* with the quotes */
/* Python repr of a finite double; returns -1 for NaN or Infinity. */
int cg_json_format_double(struct cg_buf *out, double v);

#ifdef __cplusplus
}
#endif

#endif
