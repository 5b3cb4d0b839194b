/* SHA-256 (FIPS 180-4), for the idempotency middleware's keys and request
 * fingerprints: written here so that the middleware library, which every
 * app links, needs no OpenSSL. Not for secrets (no constant-time care). */
#ifndef CG_MIDDLEWARE_SHA256_H
#define CG_MIDDLEWARE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define CG__SHA256_LEN 32

struct cg__sha256 {
    uint32_t state[8];
    uint64_t length;      /* bytes hashed so far */
    unsigned char block[64];
    size_t used;          /* bytes waiting in block */
};

void cg__sha256_init(struct cg__sha256 *h);
void cg__sha256_update(struct cg__sha256 *h, const void *data, size_t len);
void cg__sha256_final(struct cg__sha256 *h, unsigned char out[CG__SHA256_LEN]);

#endif
