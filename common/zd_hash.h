/* zd_hash.h: FNV-1a over bytes or a NUL-terminated string, for hash tables and lock stripes
 * keyed by store keys. Not for anything adversarial: it only spreads keys. */
#ifndef ZD_HASH_H
#define ZD_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t zd_hash_mem(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static inline uint64_t zd_hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

#endif
