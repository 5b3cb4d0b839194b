/* The registry of compiled `pattern` constraints, keyed by the address of
 * the declared string. */
#include <stdlib.h>

#include "cgate/cgate.h"
#include "core/patterns.h"

struct pattern {
    const char *source; /* the key: the address of the declared string */
    regex_t re;
    struct pattern *next;
};

static struct pattern *patterns;

static struct pattern *find_pattern(const char *source)
{
    for (struct pattern *p = patterns; p; p = p->next)
        if (p->source == source)
            return p;
    return NULL;
}

int cg__pattern_compile(const char *pattern, char *err, size_t errlen)
{
    if (find_pattern(pattern))
        return 0;
    struct pattern *p = cg_xmalloc(sizeof *p);
    int rc = regcomp(&p->re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        regerror(rc, &p->re, err, errlen);
        free(p);
        return -1;
    }
    p->source = pattern;
    p->next = patterns;
    patterns = p;
    return 0;
}

const regex_t *cg__pattern_get(const char *pattern)
{
    struct pattern *p = find_pattern(pattern);
    return p ? &p->re : NULL;
}

void cg__patterns_free(void)
{
    while (patterns) {
        struct pattern *p = patterns;
        patterns = p->next;
        regfree(&p->re);
        free(p);
    }
}
