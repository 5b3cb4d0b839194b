/* A strict, single-pass SAX reader of JSON text (RFC 8259).
 *
 * The scanner reports each token to a callback as it reads it, and builds
 * nothing: a caller keeps what it wants. It accepts exactly one value of any
 * type surrounded by optional whitespace (space, tab, LF, CR), and refuses
 * everything else RFC 8259 does not allow: comments, trailing data, numbers
 * such as 01, -, .5, 1. or +1, control characters and invalid UTF-8 in
 * strings (overlong forms, encoded surrogates, code points beyond U+10FFFF,
 * truncated sequences, stray continuation bytes), and \u escapes of lone
 * UTF-16 surrogates, which have no UTF-8 form.
 *
 * Strings (values and keys) are slices of the input when they hold no
 * escape, and decoded copies in the arena otherwise: either way they stay
 * valid as long as both the input and the arena do, and are not
 * NUL-terminated.
 *
 * Nesting is tracked in a stack of one bit per open container, never by
 * recursion: its first 256 levels live in the scanner, deeper ones in the
 * arena, so that a caller may allow any depth.
 *
 * Plain ASCII in strings and runs of whitespace are read sixteen bytes at
 * a time (json_scan.c: SSE2 on x86-64, NEON on arm64), never past the end
 * of the input: the input needs no padding.
 *
 * The tree mode of cgate/json.h (cg_json_parse, json_tree.c) is this
 * scanner with callbacks that keep every token. */
#ifndef CGATE_JSON_SCAN_H
#define CGATE_JSON_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "cgate/arena.h"
#include "cgate/str.h"

struct cg_json_scan;

/* Each callback returns nonzero to go on, 0 to stop the scan, which then
 * ends with CG_JSON_STOPPED. A NULL callback ignores its tokens.
 * start_object and start_array may also return CG_JSON_SKIP: the container
 * is then read and checked as strictly as any other, but none of its tokens
 * are reported, only its end, which gives the caller its extent (from the
 * start's pos to the end's end) to read again later if it needs to. */
#define CG_JSON_SKIP 2

struct cg_json_callbacks {
    int (*null)(const struct cg_json_scan *s);
    int (*boolean)(const struct cg_json_scan *s, bool value);
    int (*number)(const struct cg_json_scan *s, cg_str text); /* as written */
    int (*string)(const struct cg_json_scan *s, cg_str value);
    int (*key)(const struct cg_json_scan *s, cg_str name);
    int (*start_object)(const struct cg_json_scan *s);
    int (*end_object)(const struct cg_json_scan *s);
    int (*start_array)(const struct cg_json_scan *s);
    int (*end_array)(const struct cg_json_scan *s);
};

enum cg_json_status {
    CG_JSON_OK,
    CG_JSON_INVALID, /* not JSON: see error and error_pos */
    CG_JSON_STOPPED, /* a callback returned 0 */
};

/* The caller sets the first four fields (a designated initializer zeroes
 * the rest), then calls cg__json_scan(). */
struct cg_json_scan {
    const struct cg_json_callbacks *cb;
    void *ctx;              /* the caller's, for its callbacks */
    struct cg_arena *arena; /* decoded strings, nesting deeper than 256 */
    size_t max_depth;       /* containers open at once; one more is an error */

    /* During a callback: the token being reported is input.ptr[pos] up to
     * input.ptr[end] excluded: the '{', '[', '}' or ']'; a string or key
     * with its quotes; a number or literal. */
    cg_str input;
    size_t pos;
    size_t end;

    /* After CG_JSON_INVALID: a short static reason ("invalid UTF-8") and the
     * offset of the byte it is about (input.len for a premature end). After
     * CG_JSON_STOPPED: "stopped by a callback" and the token's offset. */
    const char *error;
    size_t error_pos;

    /* Private: the nesting stack, one bit per level (1: object). */
    size_t depth;
    uint64_t *kinds;
    size_t kinds_cap; /* in bits */
    uint64_t kinds_inline[4];
};

enum cg_json_status cg__json_scan(struct cg_json_scan *s, cg_str json);

/* How many of the len bytes at p are plain ASCII text for a JSON string: no
 * control character, '"', '\\' or byte from 0x80 up. */
size_t cg__json_plain_run(const unsigned char *p, size_t len);

#endif
