/* zd_hash.h: FNV-1a over a NUL-terminated string, for hash tables and lock stripes keyed by
 * store keys. Not for anything adversarial: it only spreads keys. */
#ifndef ZD_HASH_H
#define ZD_HASH_H

#include <stdint.h>

static inline uint64_t zd_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

#endif
