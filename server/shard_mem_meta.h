/* shard_mem_meta.h: a shard's layout from its array's zarr.json in the memory store, for
 * requests without a Zarr-Shard header, found as shard_meta.h describes for files (nearest
 * ancestor whose array has the rest of the key as a chunk key; a lone sharding_indexed codec;
 * the fixed inner chunk size for the 422 check). zarr.json is read on every such request
 * (values of the memory store are immutable, so a rewritten zarr.json is always seen; clients
 * that send the header skip this). */
#ifndef SHARD_MEM_META_H
#define SHARD_MEM_META_H

#include "shard_meta.h"
#include "store.h"

/* ZD_ENOTFOUND: no array claims key as a chunk key; ZD_EUNSUPPORTED: the array is not
 * sharded (or its codecs are invalid, named in the message). */
int sh_mem_layout(st_store *s, const char *key, sh_array_shard *out, zd_error *err);

#endif
