/* zd_le.h: little-endian integers of 1 to 8 bytes in byte buffers (shard index crc32c
 * trailers, journal record fields), independent of the host's byte order. */
#ifndef ZD_LE_H
#define ZD_LE_H

#include <stddef.h>
#include <stdint.h>

/* Store the low `nbytes` bytes of v at p, least significant first. */
static inline void zd_le_put(uint8_t *p, uint64_t v, size_t nbytes)
{
    for (size_t i = 0; i < nbytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The `nbytes`-byte little-endian unsigned integer at p. */
static inline uint64_t zd_le_get(const uint8_t *p, size_t nbytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < nbytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

#endif
