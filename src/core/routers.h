/* Routes mounted from routers (routers.c). */
#ifndef CGATE_CORE_ROUTERS_H
#define CGATE_CORE_ROUTERS_H

#include "core/app_internal.h"

/* Free the route copies cg_app_include made; by cg_app_free. */
void cg__app_free_mounted(struct cg_app *app);

#endif
