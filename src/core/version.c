/* cg_version: the library's version, include/cgate/version.h. */
#include "cgate/version.h"

const char *cg_version(void)
{
    return CG_VERSION;
}
