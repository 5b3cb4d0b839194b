/* The docs pages' files from npm, embedded at build time by
 * cmake/docs_assets.cmake, which generates the table (empty when the build
 * embeds none: -DCG_EMBED_DOCS=OFF). */
#ifndef CGATE_DOCS_ASSETS_H
#define CGATE_DOCS_ASSETS_H

#include <stddef.h>

struct cg_docs_asset {
    const char *name;         /* "swagger-ui-bundle.js" */
    const char *content_type;
    const unsigned char *gz;  /* the file, gzip -9 */
    size_t gz_len;
    size_t len;               /* the file's own size */
    const char *etag;         /* "\"...\"": 16 hex digits of the file's SHA-256 */
    const char *gz_etag;      /* "\"...-gzip\"": the gzip bytes are another representation */
};

extern const struct cg_docs_asset cg__docs_assets[];
extern const size_t cg__docs_nassets;

#endif
