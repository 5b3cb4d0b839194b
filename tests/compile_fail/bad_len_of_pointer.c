/* CG_LEN counts an array's elements: a pointer's "length" would be its
 * size divided by the element's.
 * expect: an array, not a pointer */
#include <cgate/cgate.h>

size_t count(const struct cg_route *routes)
{
    return CG_LEN(routes);
}
