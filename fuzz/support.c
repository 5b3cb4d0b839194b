/* The helpers of fuzz.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgate/codec.h"
#include "fuzz.h"

uint8_t fuzz_byte(struct fuzz_input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return (uint8_t)*in->p++;
}

cg_str fuzz_field(struct fuzz_input *in, char sep)
{
    const char *end = in->n ? memchr(in->p, sep, in->n) : NULL;
    size_t len = end ? (size_t)(end - in->p) : in->n;
    cg_str field = { in->n ? in->p : "", len };
    size_t used = end ? len + 1 : len;
    in->p += used;
    in->n -= used;
    return field;
}

cg_str fuzz_rest(struct fuzz_input *in)
{
    cg_str rest = { in->n ? in->p : "", in->n };
    in->p += in->n;
    in->n = 0;
    return rest;
}

void fuzz_fail(const char *cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz check failed: %s: ", cond);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

cg_str fuzz_base64url(struct cg_arena *a, cg_str bytes)
{
    struct cg_buf text;
    cg_buf_init(&text, a);
    cg_base64_encode(&text, bytes);
    while (text.len && text.data[text.len - 1] == '=')
        text.len--;
    for (size_t i = 0; i < text.len; i++)
        text.data[i] = text.data[i] == '+' ? '-' : text.data[i] == '/' ? '_' : text.data[i];
    return cg_buf_str(&text);
}

void fuzz_quiet_logs(void)
{
    setenv("LOG_LEVEL", "error", 1);
    cg_log_init(CG_LOG_TEXT);
}

const char *fuzz_data_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", FUZZ_DATA_DIR, name);
    return buf;
}
