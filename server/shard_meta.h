/* shard_meta.h: a shard's layout from its array's zarr.json, for shard requests without a
 * Zarr-Shard header. The array is the nearest ancestor of the key whose zarr.json describes an
 * array for which the rest of the key is a chunk key (its key encoding, inside its grid). Its
 * codecs must be a lone sharding_indexed codec; the layout and, when the inner codecs give
 * every inner chunk the same encoded size, that size (so a wrong-sized body is refused) come
 * from the codec chain.
 *
 * Parsed zarr.json files are cached; every lookup checks the file's identity (inode, size,
 * modification time), so a rewritten zarr.json is parsed again. */
#ifndef SHARD_META_H
#define SHARD_META_H

#include "zd_error.h"
#include "zd_shard_index.h"

#include <stdint.h>

typedef struct sh_meta sh_meta;

typedef struct sh_array_shard {
    zd_shard_layout layout;
    uint64_t fixed_chunk_bytes; /* every inner chunk encodes to this many bytes; 0: varies */
} sh_array_shard;

int sh_meta_new(sh_meta **out, int root_fd);
void sh_meta_free(sh_meta *m);

/* ZD_ENOTFOUND: no array claims key as a chunk key; ZD_EUNSUPPORTED: the array is not
 * sharded (or its zarr.json or codecs are invalid, named in the message). */
int sh_meta_lookup(sh_meta *m, const char *key, sh_array_shard *out, zd_error *err);

#endif
