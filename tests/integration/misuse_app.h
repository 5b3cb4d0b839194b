/* An app whose handlers misuse the handler API (misuse_app.c). */
#ifndef MISUSE_APP_H
#define MISUSE_APP_H

struct cg_app *misuse_app_new(void);

#endif
