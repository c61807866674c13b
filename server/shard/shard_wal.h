/* shard_wal.h: the shard engine's redo journal (write-ahead log).
 *
 * Every shard change is first appended as one record holding the exact bytes to write (the
 * chunk bytes, the changed index entries and the crc trailer, the new file size), or "delete
 * this shard", or a barrier ("the file at this key was replaced outside the journal: forget its
 * earlier records"). Only once the record is in the log (and, per the fsync mode, on disk) are
 * the shard files touched. Replaying the log at startup redoes every complete record in order,
 * so a shard is always either before or after each change, never in between. The log is
 * emptied at startup and whenever it grows past a threshold (checkpoint: everything it covers
 * is first flushed to disk). See server/SHARDS.md. */
#ifndef SHARD_WAL_H
#define SHARD_WAL_H

#include "shard_io.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sh_wal sh_wal;

/* Open the journal files <root>/.zarrd-shards/shard.wal.0..3 (a key's records all go to one
 * of them, so shards in different files append in parallel), replay them into the shard files
 * of the key space (resolved like every key: a record never reaches outside the root), flush
 * and empty them. checkpoint_bytes: total size past which the journal is checkpointed. */
int sh_wal_open(sh_wal **out, ks_root *ks, ks_fsync_mode mode, uint64_t checkpoint_bytes,
                zd_error *err);

/* Checkpoint and close. */
void sh_wal_close(sh_wal *w);

ks_fsync_mode sh_wal_mode(const sh_wal *w);

/* Bracket "log a record, then apply it to the shard file": a checkpoint waits until no thread
 * is inside. Never call sh_wal_checkpoint_if_due while inside. */
void sh_wal_enter(sh_wal *w);
void sh_wal_leave(sh_wal *w);

/* Append a record and wait until it is as durable as the fsync mode promises. `id` is the
 * identity of the shard file the record is for (the file exists before its first record). */
int sh_wal_log_write(sh_wal *w, const char *key, const ks_id *id, uint64_t new_size,
                     const sh_write *writes, size_t n, zd_error *err);
int sh_wal_log_delete(sh_wal *w, const char *key, const ks_id *id, zd_error *err);
int sh_wal_log_barrier(sh_wal *w, const char *key, zd_error *err);

/* Whether the log may hold records for key since the last checkpoint (false positives
 * possible, false negatives not). */
bool sh_wal_mentions(sh_wal *w, const char *key);

/* Checkpoint when the log is past its threshold. */
int sh_wal_checkpoint_if_due(sh_wal *w, zd_error *err);

#endif
