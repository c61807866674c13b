/* shard_mem_cache.h: decoded shards of the memory store, so a request does not decode and
 * validate a whole index (two sorts of every entry) again. An entry is the sh_file of one
 * version of a key's value, named by (store, key, ETag): memory-store values are immutable
 * and every write gets a new ETag, so a cached entry is either exactly the current value's or
 * never matches again. A small direct-mapped table (a slot per key hash) under one mutex;
 * entries are reference counted so a reader keeps one that is being replaced. Shards whose
 * index is larger than 4 MiB are not cached (bounds the table to 256 MiB), and the decoded
 * indexes kept are charged to the shard index budget (shard_budget.h). */
#ifndef SHARD_MEM_CACHE_H
#define SHARD_MEM_CACHE_H

#include "shard_file.h"
#include "store.h"

typedef struct sh_mem_cached sh_mem_cached;

/* The cached shard of (s, key) at version etag with layout l, or NULL. The caller reads it
 * (never changes it) and releases it. */
const sh_mem_cached *sh_mem_cache_find(const st_store *s, const char *key, const char *etag,
                                       const zd_shard_layout *l);
const sh_file *sh_mem_cached_file(const sh_mem_cached *c);
void sh_mem_cache_release(const sh_mem_cached *c);

/* Remember f (taken: freed by the cache, now or later) as (s, key) at version etag. */
void sh_mem_cache_store(const st_store *s, const char *key, const char *etag, sh_file *f);

/* Drop every entry (readers keep theirs until released), giving their indexes back to the
 * shard index budget; returns the bytes given back once the last readers are done. */
uint64_t sh_mem_cache_trim(void);

#endif
