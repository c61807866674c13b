/* shard_budget.h: the server-wide memory budget for shard indexes (--shard-index-memory).
 *
 * A shard request works on its shard's index in memory: the decoded entries, and an index-sized
 * buffer (the stored index read from disk, the index of a new shard, or the memory store's new
 * value). The shard endpoints reserve that much before they start (sh_budget_take) and give it
 * back when done; the file engine's cache charges the decoded indexes it keeps. When a
 * reservation would pass the limit, the cache first gives up entries nobody uses; if it still
 * does not fit the request is refused (503 + Retry-After), so many large-shard requests at once
 * make clients wait instead of making the server grow without bound.
 *
 * Process-wide (one limit for every worker and both stores); lock-free. */
#ifndef SHARD_BUDGET_H
#define SHARD_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

/* Set the limit in bytes; 0 = unlimited (the default, e.g. for unit tests of the engine). */
void sh_budget_set_limit(uint64_t limit);
uint64_t sh_budget_limit(void);

/* Reserve n bytes: true, or false (nothing reserved) when the budget would be passed. */
bool sh_budget_take(uint64_t n);
void sh_budget_give(uint64_t n);

/* Bytes reserved now / requests refused so far (for /_zarrd/metrics). */
uint64_t sh_budget_used(void);
uint64_t sh_budget_refusals(void);
void sh_budget_count_refusal(void);

#endif
