/* shard_cache.h: a bounded LRU cache of loaded shards (open descriptor, decoded index, free
 * space), keyed by shard key, so a patch costs a few small writes instead of an index read.
 *
 * The cache only hands out entries; callers serialise use of one key with the engine's
 * per-key locks. An entry is reference counted: eviction skips entries in use, and an entry
 * dropped while in use (layout change, plain write) is freed by its last user. The decoded
 * indexes it keeps are charged to the server's shard index budget (shard_budget.h); an entry
 * that does not fit even after unused ones are evicted is used uncached. */
#ifndef SHARD_CACHE_H
#define SHARD_CACHE_H

#include "shard_bytes.h"
#include "shard_file.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sh_cache sh_cache;
typedef struct sh_cache_entry sh_cache_entry;

/* At most `capacity` shards and `max_bytes` of decoded indexes are kept (entries in use are
 * never evicted, so both may be exceeded while they are). */
int sh_cache_new(sh_cache **out, ks_root *ks, size_t capacity, uint64_t max_bytes);
void sh_cache_free(sh_cache *c);

/* What a caller does with the shard it acquires. */
typedef enum {
    SH_FOR_CHANGE, /* its file is checked now: still named (not replaced or deleted) */
    SH_FOR_READ,   /* a file checked (or loaded) less than FC_VALID_MS ago is used as it is */
} sh_use;

/* The shard at key loaded with layout l: from the cache, or loaded from disk (an entry cached
 * under another layout, or whose file was replaced or deleted since, is dropped and the file
 * validated again). *file is the entry's shard; release it with sh_cache_release. Errors as
 * sh_file_load.
 * zarrd's own writes never leave a stale entry: a plain write of key drops it (the engine
 * watches the key locks), and the engine's changes update it. Only a file replaced or deleted
 * behind zarrd's back can be stale, and a read sees that within FC_VALID_MS, as a plain GET
 * does (fdcache.h); a change sees it at once, so it never patches a file that has lost its
 * name. The check is an fstat.
 * An entry acquired for a change has forgotten its kept inner chunks (shard_bytes.h): the
 * caller holds the key's exclusive lock, so no reader is copying from them. */
int sh_cache_acquire(sh_cache *c, const char *key, const zd_shard_layout *l, sh_use use,
                     sh_cache_entry **entry, sh_file **file, zd_error *err);
void sh_cache_release(sh_cache *c, sh_cache_entry *entry);

/* The acquired entry's kept inner chunks. */
sh_bytes *sh_cache_bytes(sh_cache_entry *entry);

/* Free unused entries, least recently used first, until `want` bytes of decoded indexes are
 * given back to the shard index budget (shard_budget.h). Returns the bytes freed. */
uint64_t sh_cache_trim(sh_cache *c, uint64_t want);

/* Forget key (its file was replaced, or its state is unknown after a failure). */
void sh_cache_drop(sh_cache *c, const char *key);

#endif
