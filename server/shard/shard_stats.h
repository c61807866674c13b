/* shard_stats.h: process-wide counters of the shard engine for /_zarrd/metrics: how inner
 * chunks were placed, compactions, and the engine's own fsyncs (journal, new shards,
 * compactions, directories). Bumped from any thread with one relaxed atomic add. */
#ifndef SHARD_STATS_H
#define SHARD_STATS_H

#include <stdint.h>

typedef enum sh_stat {
    SH_STAT_IN_PLACE,    /* a put overwrote its chunk's slot (same size) */
    SH_STAT_GAP,         /* a put went to the first free gap that fits */
    SH_STAT_APPENDED,    /* a put grew the data region */
    SH_STAT_COMPACTIONS, /* shards rewritten without dead bytes */
    SH_STAT_FSYNCS,      /* fsync / fdatasync / syncfs calls */
    SH_STATS
} sh_stat;

void sh_stat_add(sh_stat s, uint64_t n);
uint64_t sh_stat_get(sh_stat s);

/* fdatasync / fsync / syncfs, counted in SH_STAT_FSYNCS. */
int sh_fdatasync(int fd);
int sh_fsync(int fd);
int sh_syncfs(int fd);

#endif
