/* shard_engine.h: the server's shard engine. It stores, reads and deletes single encoded inner
 * chunks of Zarr v3 sharding_indexed shards kept as files of a key space (ks_root.h: every
 * file is reached beneath the root with no symbolic link followed, new ones are born in its
 * staging directory), given the shard's key and layout, and applies batches of such operations
 * atomically.
 *
 * Concurrency: operations on one shard are serialised by the store's per-key reader-writer
 * lock (keylock.h: changes exclusive, chunk reads shared); different shards proceed in
 * parallel. Readers of a shard never see a half-applied change. The engine watches the lock
 * table's change announcements: a plain write of a key (PUT / PATCH / DELETE by the fs store,
 * bracketed by kl_change_begin/end) makes it journal a barrier if the key has journaled
 * changes and forget what it cached; its own changes use the same bracket.
 *
 * Durability: every change is journaled first (shard_wal.h), so after kill -9 at any moment
 * the next sh_engine_open brings every shard to a state that includes every acknowledged
 * change; with KS_FSYNC_ALWAYS / BATCH this holds across power loss too.
 *
 * Errors: ZD_ERANGE coordinates outside the shard; ZD_EINVAL an empty chunk; ZD_ECONFLICT the
 * stored file cannot be a shard of the given layout (nothing is changed); ZD_ENOTFOUND no such
 * chunk (get); ZD_EINVAL a key that crosses a symbolic link; ZD_ENOSPC; ZD_EIO. */
#ifndef SHARD_ENGINE_H
#define SHARD_ENGINE_H

#include "keylock.h"
#include "ks_root.h"
#include "shard_plan.h"
#include "shard_wal.h"
#include "store.h"
#include "zd_buf.h"
#include "zd_error.h"
#include "zd_shard_index.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sh_engine sh_engine;

typedef struct sh_engine_opts {
    ks_fsync_mode fsync;
    size_t max_open_shards;          /* LRU bound on cached shards / open descriptors; 0: 256 */
    uint64_t max_cached_index_bytes; /* ... and on their decoded indexes; 0: 1 GiB */
    unsigned compact_percent;        /* compact when dead bytes exceed this % ... ; 0: 50 */
    uint64_t compact_min_dead;       /* ... and this many bytes; 0: 1 MiB */
    uint64_t wal_checkpoint_bytes;   /* checkpoint the journal past this size; 0: 64 MiB */
    uint64_t max_index_bytes; /* shard endpoints: largest index (16 B per inner chunk); 0: any */
    uint64_t index_memory;    /* shard endpoints: the shard index budget; 0: unlimited */
} sh_engine_opts;

/* Open the engine over the key space ks whose keys are locked in `keys` (registering as a
 * watcher of it: before any change, so at start-up) and replay its journal. opts may be NULL
 * for the defaults. Both must outlive the engine. */
int sh_engine_open(sh_engine **out, ks_root *ks, kl_table *keys, const sh_engine_opts *opts,
                   zd_error *err);
void sh_engine_close(sh_engine *e);

/* The journal lent to the fs store (store.h, st_journal; server/API.md "In-place writes"): journal
 * and apply a plain value's in-place change (pieces p[0..n) and the new size) to fd, the file at
 * key of size `size`, under key's change bracket taken with e as origin; the key's cached shard
 * state is dropped. sh_engine_plain_done after the bracket: checkpoint the journal if due. */
int sh_engine_write_plain(sh_engine *e, const char *key, int fd, uint64_t size, const st_patch *p,
                          size_t n, uint64_t new_size, zd_error *err);
void sh_engine_plain_done(sh_engine *e);

/* Give cached decoded indexes nobody uses back to the shard index budget, at least `want`
 * bytes if there are that many; returns the bytes freed. */
uint64_t sh_engine_trim(sh_engine *e, uint64_t want);

/* Most bytes one read of several inner chunks returns (sh_engine_read). */
#define SH_READ_MAX ((uint64_t)1 << 30)

/* The inner chunks at C-order positions pos[0..n) (zd_shard_chunk_index) of the shard at key,
 * all of one version of it (read under one shared lock): their encoded bytes appended to out
 * one after another, and at[i] where chunk i's bytes are (offset from out's start, nbytes), or
 * ZD_SHARD_EMPTY twice for an empty chunk (every chunk of an absent shard); out NULL: their
 * places only, nothing read (sh_read_into). A position outside the shard: ZD_ERANGE; chunks
 * past the first that take the total past SH_READ_MAX bytes: ZD_EOVERFLOW (sh_read_count). */
int sh_engine_read(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *pos,
                   size_t n, zd_buf *out, zd_shard_entry *at, zd_error *err);

/* Count an inner chunk of nbytes toward a read's *total: ZD_EOVERFLOW when it is not the first
 * and would take the total past SH_READ_MAX (one inner chunk is always read whole, as a
 * `?chunk=` GET always was). */
int sh_read_count(uint64_t *total, uint64_t nbytes, zd_error *err);

/* Every backend's reading of inner chunks (shard_backend.h): at[0..n) are their entries in the
 * stored shard. Those that are not empty are counted first (sh_read_count), so a read past the
 * bound reads nothing, and out grows once for all of them; then each is copied by
 * copy(ctx, i, &at[i], dst, err) into out after what is there, and at[i] then says where it
 * is in out. With out NULL (a HEAD: the answer's size only) nothing is read, and at[i] says
 * where chunk i would be in an answer of them all. */
typedef int (*sh_copy_fn)(void *ctx, size_t i, const zd_shard_entry *stored, uint8_t *dst,
                          zd_error *err);
int sh_read_into(zd_shard_entry *at, size_t n, sh_copy_fn copy, void *ctx, zd_buf *out,
                 zd_error *err);

/* The encoded bytes of the inner chunk at coords, into out (reset first); ZD_ENOTFOUND when it
 * is empty. */
int sh_engine_get(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  zd_buf *out, zd_error *err);

/* Store / delete one inner chunk. Deleting the last chunk removes the shard file. */
int sh_engine_put(sh_engine *e, const char *key, const zd_shard_layout *l, const uint64_t *coords,
                  const void *data, size_t len, zd_error *err);
int sh_engine_delete(sh_engine *e, const char *key, const zd_shard_layout *l,
                     const uint64_t *coords, zd_error *err);

/* Apply ops[0..n) in order, atomically: all or none, and no reader sees a state in between.
 * All ops are checked before anything changes. May block (journal group commit, copies,
 * compaction): call it on an I/O thread. */
int sh_engine_apply(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                    size_t n, zd_error *err);

/* The same where blocking is not allowed (an event loop, --fsync none): the change is applied
 * only if it is small writes into the page cache; ZD_EWOULDBLOCK, with nothing changed, when it
 * needs a copy of the shard (a reader streams it), a new file (a new shard) or a compaction
 * (due before the change: a change that makes it due leaves it to the next one), or when the
 * journal is due for a checkpoint -- then call sh_engine_apply on an I/O thread. Under --fsync
 * batch|always always ZD_EWOULDBLOCK. */
int sh_engine_apply_now(sh_engine *e, const char *key, const zd_shard_layout *l, const sh_op *ops,
                        size_t n, zd_error *err);

#endif
