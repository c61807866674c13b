/* zd_chunk_spec.h: what a codec chain needs to know about the chunks it encodes and decodes —
 * the chunk's shape (the full chunk shape; edge chunks are stored full size), its data type and
 * its fill value. Produced from an array's metadata by zd_meta_chunk_spec() (zd_meta.h); the
 * sharding codec derives the inner chunks' spec from it. */
#ifndef ZD_CHUNK_SPEC_H
#define ZD_CHUNK_SPEC_H

#include <stdint.h>

#include "zd_dtype.h"
#include "zd_limits.h"

typedef struct zd_chunk_spec {
    int ndim;
    uint64_t shape[ZD_MAX_DIMS];
    zd_dtype dtype;
    uint8_t fill[16]; /* fill value bytes of one element, native little-endian, zero padded */
} zd_chunk_spec;

#endif
