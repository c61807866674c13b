/* shard_bytes.c: small inner chunks' bytes kept with a cached shard (see shard_bytes.h). */
#include "shard_bytes.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sh_kept {
    size_t len;
    uint8_t data[];
};

/* Bytes held by every sh_bytes of the process (shards outlive their cache's table while
 * readers hold them, so the count is not one cache's). */
static _Atomic uint64_t held;

static bool take(uint64_t n)
{
    if (atomic_fetch_add_explicit(&held, n, memory_order_relaxed) + n <= SH_BYTES_ALL) return true;
    atomic_fetch_sub_explicit(&held, n, memory_order_relaxed);
    return false;
}

static void give(uint64_t n)
{
    atomic_fetch_sub_explicit(&held, n, memory_order_relaxed);
}

uint64_t sh_bytes_held(void)
{
    return atomic_load_explicit(&held, memory_order_relaxed);
}

const uint8_t *sh_bytes_get(sh_bytes *b, uint64_t pos, uint64_t len)
{
    _Atomic(sh_kept *) *slots = atomic_load_explicit(&b->slots, memory_order_acquire);
    if (!slots || pos >= b->nslots) return NULL;
    sh_kept *k = atomic_load_explicit(&slots[pos], memory_order_acquire);
    return k && k->len == len ? k->data : NULL;
}

/* The slot table, made (and published) by the first keeper; NULL when it may not be had. */
static _Atomic(sh_kept *) *slot_table(sh_bytes *b)
{
    _Atomic(sh_kept *) *slots = atomic_load_explicit(&b->slots, memory_order_acquire), *none = NULL;
    if (slots) return slots;
    uint64_t n = b->nslots;
    if (n == 0 || n > SH_BYTES_SLOTS_MAX || !take(n * sizeof *slots)) return NULL;
    slots = calloc((size_t)n, sizeof *slots);
    if (slots && atomic_compare_exchange_strong_explicit(
                     &b->slots, &none, slots, memory_order_acq_rel, memory_order_acquire))
        return slots;
    free(slots);
    give(n * sizeof *slots);
    return none; /* another keeper's table, or NULL when out of memory */
}

void sh_bytes_keep(sh_bytes *b, uint64_t pos, const void *data, size_t len)
{
    if (len == 0 || len > SH_BYTES_CHUNK_MAX || pos >= b->nslots) return;
    _Atomic(sh_kept *) *slots = slot_table(b);
    if (!slots || atomic_load_explicit(&slots[pos], memory_order_relaxed)) return;
    uint64_t cost = sizeof(sh_kept) + len;
    if (!take(cost)) return;
    sh_kept *k = malloc((size_t)cost), *none = NULL;
    if (k) {
        k->len = len;
        memcpy(k->data, data, len);
    }
    if (!k || !atomic_compare_exchange_strong_explicit(&slots[pos], &none, k, memory_order_acq_rel,
                                                       memory_order_relaxed)) {
        free(k);
        give(cost);
    }
}

void sh_bytes_clear(sh_bytes *b)
{
    _Atomic(sh_kept *) *slots = atomic_load_explicit(&b->slots, memory_order_acquire);
    if (!slots) return;
    uint64_t freed = b->nslots * sizeof *slots;
    for (uint64_t i = 0; i < b->nslots; i++) {
        sh_kept *k = atomic_load_explicit(&slots[i], memory_order_relaxed);
        if (k) freed += sizeof(sh_kept) + k->len;
        free(k);
    }
    free(slots);
    atomic_store_explicit(&b->slots, NULL, memory_order_release);
    give(freed);
}
