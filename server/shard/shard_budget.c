/* shard_budget.c: the shard index memory budget (see shard_budget.h): an atomic counter that
 * a compare-and-swap keeps at or below the limit. */
#include "shard_budget.h"

#include <stdatomic.h>

static _Atomic uint64_t budget_limit; /* 0: unlimited */
static _Atomic uint64_t budget_used;
static _Atomic uint64_t budget_refused;

void sh_budget_set_limit(uint64_t limit)
{
    atomic_store(&budget_limit, limit);
}

uint64_t sh_budget_limit(void)
{
    return atomic_load(&budget_limit);
}

bool sh_budget_take(uint64_t n)
{
    uint64_t limit = atomic_load(&budget_limit);
    uint64_t used = atomic_load(&budget_used);
    do {
        if (limit && (n > limit || used > limit - n)) return false;
    } while (!atomic_compare_exchange_weak(&budget_used, &used, used + n));
    return true;
}

void sh_budget_give(uint64_t n)
{
    atomic_fetch_sub(&budget_used, n);
}

uint64_t sh_budget_used(void)
{
    return atomic_load(&budget_used);
}

uint64_t sh_budget_refusals(void)
{
    return atomic_load(&budget_refused);
}

void sh_budget_count_refusal(void)
{
    atomic_fetch_add(&budget_refused, 1);
}
