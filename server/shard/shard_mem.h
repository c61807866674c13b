/* shard_mem.h: the shard endpoints over the memory store (--store memory), with the statuses
 * and semantics of the file engine. A shard is an ordinary value of the store; a change reads
 * the current value, plans it with the engine's placement (shard_plan.h), builds the new
 * shard bytes (shard_mem_image.h) and hands them to the store in one step (put_owned, no
 * copy), copy-on-write: readers keep the version they opened, so none sees a half-applied
 * patch. Changes of one key are serialised by the store's key lock (keylock.h); the install is
 * conditional on the value still being the one that was read (its ETag), so a plain PUT /
 * PATCH / DELETE in between (which the memory store does not serialise with the key lock)
 * makes the change start over instead of being lost. Decoded indexes are cached by ETag
 * (shard_mem_cache.h). Layouts without a Zarr-Shard header come from the array's zarr.json in
 * the store, found by shard_meta.h's sh_meta_find. Memory is volatile: there is no journal. */
#ifndef SHARD_MEM_H
#define SHARD_MEM_H

#include "shard_backend.h"
#include "store.h"

/* The backend over store (which must outlive every request served with it and provide
 * put_owned, as the memory store does). */
void sh_mem_backend(st_store *store, sh_backend *out);

#endif
