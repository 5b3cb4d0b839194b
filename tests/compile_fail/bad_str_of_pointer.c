/* CG_STR takes the length of an array: of a pointer it would take the
 * pointer's size, and a reader would run past a short string.
 * expect: an array, not a pointer */
#include <cgate/cgate.h>

cg_str pick(int ok)
{
    return CG_STR(ok ? "yes" : "no");
}
