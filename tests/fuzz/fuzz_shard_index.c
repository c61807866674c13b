/* fuzz_shard_index.c: libFuzzer harness for decoding a shard index (zd_shard_index). Input:
 * one byte of layout flags and rank, one byte per dimension (inner chunks 1..8), 8 bytes of
 * shard size (little-endian), then the encoded index. Checks that an accepted index lies
 * inside the shard and re-encodes to exactly the bytes it was decoded from. */
#include "zd_shard_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CHUNKS 512 /* 8 x 8 x 8 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static zd_shard_entry entries[MAX_CHUNKS];
    static uint8_t encoded[MAX_CHUNKS * 16 + 4];
    zd_shard_layout l;
    uint64_t chunks[3], shard_size = 0;
    if (size < 1) return 0;
    int ndim = 1 + data[0] % 3;
    if (size < 1 + (size_t)ndim + 8) return 0;
    for (int d = 0; d < ndim; d++)
        chunks[d] = 1 + data[1 + d] % 8;
    for (int i = 7; i >= 0; i--)
        shard_size = shard_size << 8 | data[1 + ndim + i];
    if (zd_shard_layout_init(&l, ndim, chunks, data[0] & 0x10, data[0] & 0x20, data[0] & 0x40,
                             NULL) != 0)
        return 0;
    const uint8_t *index = data + 1 + ndim + 8;
    size_t len = size - 1 - (size_t)ndim - 8;
    if (zd_shard_index_decode(&l, index, len, shard_size, entries, NULL) != 0) return 0;
    size_t isize = zd_shard_index_size(&l);
    if (isize != len || l.nchunks > MAX_CHUNKS || shard_size < isize) abort();
    uint64_t start = zd_shard_index_offset(&l, shard_size);
    for (uint64_t i = 0; i < l.nchunks; i++) {
        const zd_shard_entry *e = &entries[i];
        if (e->offset == ZD_SHARD_EMPTY && e->nbytes == ZD_SHARD_EMPTY) continue;
        if (e->nbytes == 0 || e->offset > shard_size || e->nbytes > shard_size - e->offset) abort();
        if (e->offset < start + isize && start < e->offset + e->nbytes)
            abort(); /* overlaps the index itself */
    }
    zd_shard_index_encode(&l, entries, encoded);
    if (memcmp(encoded, index, isize) != 0) abort();
    return 0;
}
