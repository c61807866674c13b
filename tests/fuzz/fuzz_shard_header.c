/* fuzz_shard_header.c: libFuzzer harness for the Zarr-Shard request header (server
 * shard_header.c). The input is the header value. Checks that an accepted layout is bounded
 * and consistent (rank, per-dimension counts, their product). */
#include "shard_header.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zd_shard_layout l;
    if (sh_header_parse((const char *)data, size, &l, NULL) != 0) return 0;
    if (l.ndim < 1 || l.ndim > ZD_MAX_DIMS || l.nchunks < 1 || l.nchunks > ZD_MAX_SHARD_CHUNKS)
        abort();
    uint64_t product = 1;
    for (int d = 0; d < l.ndim; d++) {
        if (l.chunks[d] < 1 || __builtin_mul_overflow(product, l.chunks[d], &product)) abort();
    }
    if (product != l.nchunks) abort();
    return 0;
}
