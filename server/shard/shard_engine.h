/* shard_engine.h: the server's shard engine. It stores, reads and deletes single encoded inner
 * chunks of Zarr v3 sharding_indexed shards kept as files under a root directory, given the
 * shard's key and layout, and applies batches of such operations atomically.
 *
 * Concurrency: operations on one shard are serialised by the server's per-key reader-writer
 * lock (keylock.h: changes exclusive, chunk reads shared); different shards proceed in
 * parallel. Readers of a shard never see a half-applied change. A plain write of a key (PUT /
 * PATCH / DELETE by the stores) must be bracketed by sh_engine_write_begin/end so it takes the
 * same lock and the engine forgets what it cached; a plain read of a whole value takes
 * kl_lock_shared itself.
 *
 * Durability: every change is journaled first (shard_wal.h), so after kill -9 at any moment
 * the next sh_engine_open brings every shard to a state that includes every acknowledged
 * change; with SH_FSYNC_ALWAYS / BATCH this holds across power loss too.
 *
 * Errors: ZD_ERANGE coordinates outside the shard; ZD_EINVAL an empty chunk; ZD_ECONFLICT the
 * stored file cannot be a shard of the given layout (nothing is changed); ZD_ENOTFOUND no such
 * chunk (get); ZD_EIO. */
#ifndef SHARD_ENGINE_H
#define SHARD_ENGINE_H

#include "shard_plan.h"
#include "shard_wal.h"
#include "zd_buf.h"
#include "zd_error.h"
#include "zd_shard_index.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sh_engine sh_engine;

typedef struct sh_engine_opts {
    sh_fsync_mode fsync;
    size_t max_open_shards;          /* LRU bound on cached shards / open descriptors; 0: 256 */
    uint64_t max_cached_index_bytes; /* ... and on their decoded indexes; 0: 1 GiB */
    unsigned compact_percent;        /* compact when dead bytes exceed this % ... ; 0: 50 */
    uint64_t compact_min_dead;       /* ... and this many bytes; 0: 1 MiB */
    uint64_t wal_checkpoint_bytes;   /* checkpoint the journal past this size; 0: 64 MiB */
} sh_engine_opts;

/* Open the engine over the directory `root` (created if missing) and replay its journal. opts
 * may be NULL for the defaults. */
int sh_engine_open(sh_engine **out, const char *root, const sh_engine_opts *opts, zd_error *err);
void sh_engine_close(sh_engine *e);

/* The root directory descriptor the engine works relative to. */
int sh_engine_root_fd(const sh_engine *e);

/* The encoded bytes of the inner chunk at coords, into out (reset first). */
int sh_engine_get(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  zd_buf *out, zd_error *err);

/* Store / delete one inner chunk. Deleting the last chunk removes the shard file. */
int sh_engine_put(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  const void *data, size_t len, zd_error *err);
int sh_engine_delete(sh_engine *e, const char *key, const zd_shard_layout *l,
                     const uint64_t *coords, zd_error *err);

/* Apply ops[0..n) in order, atomically: all or none, and no reader sees a state in between.
 * All ops are checked before anything changes. */
int sh_engine_apply(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                    size_t n, zd_error *err);

/* Bracket a plain write of key (any key: the call is cheap for keys that are not shards): takes
 * the key's exclusive lock, journals a barrier if the key has journaled shard changes, and drops
 * the cached shard (again at the end). e may be NULL (no engine): then only the lock. */
int sh_engine_write_begin(sh_engine *e, const char *key, zd_error *err);
void sh_engine_write_end(sh_engine *e, const char *key);

/* The same for a plain write of two keys at once (a move: a -> b), with kl_lock_pair. */
int sh_engine_write_begin_pair(sh_engine *e, const char *a, const char *b, zd_error *err);
void sh_engine_write_end_pair(sh_engine *e, const char *a, const char *b);

#endif
