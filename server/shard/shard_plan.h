/* shard_plan.h: turning inner-chunk puts and deletes into the byte writes that make a shard
 * file match, while updating the in-memory shard (entries, free space, crc32c).
 *
 * Placement: a chunk of the same encoded size as its current slot overwrites the slot; any
 * other chunk goes to the first gap that fits, else to the end of the data region (with index
 * "end" the data region then grows by at least a quarter so that the index, which has to move,
 * moves rarely). Index writes are the changed 16-byte entries plus the 4-byte crc32c trailer
 * (updated incrementally); the whole index is written only when it moves, when the shard is
 * new, or when the batch changes many entries. */
#ifndef SHARD_PLAN_H
#define SHARD_PLAN_H

#include "shard_file.h"
#include "shard_io.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sh_op_kind { SH_OP_PUT = 1, SH_OP_DELETE = 2 } sh_op_kind;

/* One inner-chunk operation: put `len` encoded bytes at coords, or delete the chunk there. */
typedef struct sh_op {
    sh_op_kind kind;
    uint64_t coords[ZD_MAX_DIMS];
    const uint8_t *data;
    size_t len;
} sh_op;

typedef struct sh_plan {
    sh_write *writes;
    size_t nwrites, cap;
    uint64_t new_size;
    bool delete_file;  /* the shard is left without chunks: remove it */
    bool changed;      /* anything to do at all */
    uint8_t *index;    /* encoded index or changed entries + crc, owned */
    uint64_t *touched; /* entry positions changed */
    size_t ntouched, touched_cap;
    uint32_t in_place, gap, appended; /* how the puts were placed (metrics) */
} sh_plan;

/* Check ops against the layout without changing anything: coordinates inside the shard
 * (ZD_ERANGE), puts of 1..ZD_MAX_CHUNK_BYTES bytes (ZD_EINVAL / ZD_EOVERFLOW). */
int sh_plan_check(const zd_shard_layout *l, const sh_op *ops, size_t n, zd_error *err);

/* Apply checked ops to f's memory state and fill plan. On failure (only ZD_ENOMEM or
 * ZD_EOVERFLOW) f is inconsistent and must be reloaded. */
int sh_plan_build(sh_file *f, const sh_op *ops, size_t n, sh_plan *plan, zd_error *err);

void sh_plan_dispose(sh_plan *plan);

/* Count an applied plan's placements (and a compaction that followed it) in shard_stats.h:
 * either store's shard changes show in /_zarrd/metrics the same way. */
void sh_plan_count(const sh_plan *plan, bool compacted);

#endif
