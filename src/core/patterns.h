/* The regular expressions of `pattern` constraints (patterns.c). They are
 * compiled once at start-up (cg__pattern_compile, which reports a bad
 * expression in `err`) and looked up by their string's address while
 * serving; the registry is read-only once the app has started, and shared
 * by every app of the process. */
#ifndef CGATE_CORE_PATTERNS_H
#define CGATE_CORE_PATTERNS_H

#include <regex.h>
#include <stddef.h>

int cg__pattern_compile(const char *pattern, char *err, size_t errlen);
const regex_t *cg__pattern_get(const char *pattern);
/* Free every compiled pattern: at exit, once no app runs. */
void cg__patterns_free(void);

#endif
