/* zd_shard_index.h: the sharding_indexed shard index (Zarr v3 sharding codec spec) and the
 * layout maths the server's shard engine and the client's sharding codec share.
 *
 * A shard holds the encoded inner chunks, in any order and possibly with gaps, plus an index:
 * for each inner chunk in C order of its coordinates within the shard, (offset, nbytes) as two
 * uint64, both 2^64-1 for an empty chunk. The index is encoded by the index_codecs: `bytes`
 * (little or big endian) optionally followed by `crc32c` (4-byte little-endian trailer). It
 * sits at the start or at the end of the shard. Offsets are absolute from the shard start. */
#ifndef ZD_SHARD_INDEX_H
#define ZD_SHARD_INDEX_H

#include "zd_error.h"
#include "zd_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZD_SHARD_EMPTY UINT64_MAX

typedef struct zd_shard_layout {
    int ndim;
    uint64_t chunks[ZD_MAX_DIMS]; /* inner chunks per shard along each dimension */
    uint64_t nchunks;             /* product of chunks[]; 1..ZD_MAX_SHARD_CHUNKS */
    bool index_at_end;            /* index_location "end" (the default) or "start" */
    bool index_crc32c;            /* index_codecs end with crc32c */
    bool index_big_endian;        /* index_codecs' bytes codec endian "big" */
} zd_shard_layout;

typedef struct zd_shard_entry {
    uint64_t offset;
    uint64_t nbytes;
} zd_shard_entry;

/* Fill and validate a layout (ndim 1..ZD_MAX_DIMS, every count >= 1, product bounded). */
int zd_shard_layout_init(zd_shard_layout *l, int ndim, const uint64_t *chunks, bool index_at_end,
                         bool index_crc32c, bool index_big_endian, zd_error *err);

/* Encoded index size in bytes: 16 * nchunks (+ 4 with crc32c). */
size_t zd_shard_index_size(const zd_shard_layout *l);

/* Linear C-order position of inner chunk `coords` (ndim values); ZD_ERANGE if outside. */
int zd_shard_chunk_index(const zd_shard_layout *l, const uint64_t *coords, uint64_t *out);

/* Decode an encoded index of exactly zd_shard_index_size() bytes into entries[nchunks], for a
 * shard of `shard_size` bytes. Checks the crc32c, that every non-empty entry lies inside the
 * shard outside the index region, that nbytes > 0 (unless empty) and that entries do not
 * overlap: ZD_ECORRUPT with a message naming the entry otherwise. */
int zd_shard_index_decode(const zd_shard_layout *l, const uint8_t *buf, size_t len,
                          uint64_t shard_size, zd_shard_entry *entries, zd_error *err);

/* Encode entries[nchunks] into out[zd_shard_index_size()]. */
void zd_shard_index_encode(const zd_shard_layout *l, const zd_shard_entry *entries, uint8_t *out);

/* Byte offset of the encoded index in a shard of `shard_size` bytes (0 with index "start").
 * The caller has checked shard_size >= zd_shard_index_size(). */
uint64_t zd_shard_index_offset(const zd_shard_layout *l, uint64_t shard_size);

/* Encode one entry into its 16 bytes (as zd_shard_index_encode would place them). */
void zd_shard_entry_encode(const zd_shard_layout *l, const zd_shard_entry *e, uint8_t out[16]);

/* The index crc32c after entry `i` changed from `before` to `after`, given the crc before;
 * O(log nchunks), no pass over the index. Only meaningful with l->index_crc32c. */
uint32_t zd_shard_index_crc_update(const zd_shard_layout *l, uint32_t crc, uint64_t i,
                                   const zd_shard_entry *before, const zd_shard_entry *after);

/* The crc32c over the encoded entries (what the trailer holds), for entries[nchunks]. */
uint32_t zd_shard_index_crc(const zd_shard_layout *l, const zd_shard_entry *entries);

/* True when two layouts describe the same shard format. */
bool zd_shard_layout_equal(const zd_shard_layout *a, const zd_shard_layout *b);

#endif
