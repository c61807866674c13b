/* shard_stats.h: process-wide counters of the shard engine for /_zarrd/metrics: how inner
 * chunks were placed, compactions, and where inner chunks were read from (fsyncs are counted
 * by the key space, ks_syncs_total). Bumped from any thread with one relaxed atomic add. */
#ifndef SHARD_STATS_H
#define SHARD_STATS_H

#include <stdint.h>

typedef enum sh_stat {
    SH_STAT_IN_PLACE,    /* a put overwrote its chunk's slot (same size) */
    SH_STAT_GAP,         /* a put went to the first free gap that fits */
    SH_STAT_APPENDED,    /* a put grew the data region */
    SH_STAT_COMPACTIONS, /* shards rewritten without dead bytes */
    SH_STAT_READS_KEPT,  /* inner chunks read from memory (shard_bytes.h) */
    SH_STAT_READS_FILE,  /* inner chunks read from their shard's file */
    SH_STATS
} sh_stat;

void sh_stat_add(sh_stat s, uint64_t n);
uint64_t sh_stat_get(sh_stat s);

#endif
