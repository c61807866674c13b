/* shard_stats.c: the shard engine's counters (see shard_stats.h). */
#include "shard_stats.h"

#include <stdatomic.h>

static _Atomic uint64_t sh_stats[SH_STATS];

void sh_stat_add(sh_stat s, uint64_t n)
{
    atomic_fetch_add_explicit(&sh_stats[s], n, memory_order_relaxed);
}

uint64_t sh_stat_get(sh_stat s)
{
    return atomic_load_explicit(&sh_stats[s], memory_order_relaxed);
}
