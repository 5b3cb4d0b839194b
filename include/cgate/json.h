/* JSON writer: compact UTF-8 output, as Starlette renders it
 * (json.dumps(ensure_ascii=False, allow_nan=False, separators=(",", ":"))).
 * Commas are inserted automatically. Numbers use Python's float repr
 * (shortest round-trip digits, "1.0", "1e+16"). NaN and Infinity are refused:
 * the writer records the error and cg_json_failed() reports it. Invalid UTF-8
 * in strings becomes U+FFFD. */
#ifndef CGATE_JSON_H
#define CGATE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

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
void cg_json_str(struct cg_json *j, cg_str s);
void cg_json_cstr(struct cg_json *j, const char *s);
void cg_json_int(struct cg_json *j, int64_t v);
void cg_json_num(struct cg_json *j, double v);
void cg_json_bool(struct cg_json *j, bool v);
void cg_json_null(struct cg_json *j);
/* Already-serialised JSON, copied as is (a cached document, a raw number). */
void cg_json_raw(struct cg_json *j, cg_str json);
bool cg_json_failed(const struct cg_json *j);

/* Lower-level helpers, also used by the writer. */
void cg_json_escape(struct cg_buf *out, cg_str s); /* with the quotes */
/* Python repr of a finite double; returns -1 for NaN or Infinity. */
int cg_json_format_double(struct cg_buf *out, double v);

#endif
