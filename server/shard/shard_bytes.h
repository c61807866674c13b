/* shard_bytes.h: the bytes of a cached shard's small inner chunks, kept in memory so a
 * `?chunk=` GET of a hot shard costs no pread: the shard cache's counterpart of the descriptor
 * cache's small values (fdcache.h). On this machine a pread of a 1,000-byte inner chunk from
 * the page cache costs about 2 us, a twelfth of a whole request.
 *
 * One sh_bytes per cached shard (shard_cache.c), with a slot per inner chunk. Readers fill
 * slots under the key's shared lock, with a compare-and-swap (two readers of one chunk keep one
 * copy). Slots are emptied only where no reader can be copying from them: by a change, which
 * holds the key's exclusive lock, and when the shard leaves the cache and its last user is
 * gone. So a kept chunk is always the bytes its shard's cached index points at.
 *
 * A chunk is kept when it has at most SH_BYTES_CHUNK_MAX bytes, its shard at most
 * SH_BYTES_SLOTS_MAX inner chunks, and the process holds fewer than SH_BYTES_ALL bytes of kept
 * chunks and slot tables. */
#ifndef SHARD_BYTES_H
#define SHARD_BYTES_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SH_BYTES_CHUNK_MAX (16 * 1024) /* the descriptor cache's FC_BODY_MAX */
#define SH_BYTES_SLOTS_MAX (1u << 17)  /* a 1 MiB slot table */
#define SH_BYTES_ALL       (32u << 20) /* the descriptor cache's FC_BODY_ALL */

typedef struct sh_kept sh_kept;

typedef struct sh_bytes {
    _Atomic(_Atomic(sh_kept *) *) slots; /* nslots slots, made by the first keep */
    uint64_t nslots; /* the shard's inner chunks: set with the shard, before any use */
} sh_bytes;

/* The kept bytes of inner chunk pos when they are len bytes, or NULL. Under the key's lock. */
const uint8_t *sh_bytes_get(sh_bytes *b, uint64_t pos, uint64_t len);

/* Keep a copy of inner chunk pos (len bytes), if the bounds above allow it. Under the key's
 * lock (shared is enough); never fails: a chunk not kept only costs the next reader a pread. */
void sh_bytes_keep(sh_bytes *b, uint64_t pos, const void *data, size_t len);

/* Forget every kept chunk. Only where no reader can be copying (see above). */
void sh_bytes_clear(sh_bytes *b);

/* Bytes held process-wide (for the tests and /_zarrd/metrics). */
uint64_t sh_bytes_held(void);

#endif
