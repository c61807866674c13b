/* shard_compact.h: rewriting a shard without its dead bytes. The live inner chunks are copied
 * in C order of their coordinates into a file of the staging directory (ks_root.h), the index is
 * written, and the file replaces the shard by an atomic rename, after a journal barrier that
 * keeps replay from applying the shard's earlier records to the new file. */
#ifndef SHARD_COMPACT_H
#define SHARD_COMPACT_H

#include "shard_file.h"
#include "shard_wal.h"

#include <stdbool.h>

/* Whether f's dead bytes pass the threshold: more than `percent` % of the file and more than
 * min_dead bytes. */
bool sh_compact_due(const sh_file *f, unsigned percent, uint64_t min_dead);

/* Compact the shard at key (caller holds its lock and is inside the journal). On success f
 * describes the new file; on failure the old file and f are unchanged. */
int sh_compact(ks_root *ks, const char *key, sh_file *f, sh_wal *w, zd_error *err);

#endif
