/* store_mem_index.c: the memory store's ordered key index, a skip list (see
 * store_mem_index.h). Each node gets k lanes with probability 2^-k (xorshift64), so a search
 * drops from the highest lane to the lowest, skipping about half the remaining nodes per
 * lane. Keys compare as bytes, a shorter key before the keys it starts. */
#include "store_mem_index.h"

#include "zd_error.h"

#include <stdlib.h>
#include <string.h>

/* memcmp order of a[0..alen) and b[0..blen); prefix_only: equal when a starts with b. */
static int mi_cmp(const char *a, size_t alen, const char *b, size_t blen, bool prefix_only)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c || alen == blen) return c;
    if (alen > blen) return prefix_only ? 0 : 1;
    return -1;
}

int mi_init(mem_index *ix, uint64_t seed)
{
    ix->head = calloc(1, sizeof *ix->head + MI_LEVELS * sizeof(mi_node *));
    if (!ix->head) return ZD_ENOMEM;
    ix->head->levels = MI_LEVELS;
    ix->levels = 1;
    ix->rng = seed | 1;
    return 0;
}

void mi_free(mem_index *ix)
{
    mi_node *n = ix->head;
    while (n) {
        mi_node *next = n->next[0];
        free(n);
        n = next;
    }
    ix->head = NULL;
}

static int mi_random_levels(mem_index *ix)
{
    uint64_t x = ix->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ix->rng = x;
    int levels = 1;
    while (levels < MI_LEVELS && (x & 1)) {
        levels++;
        x >>= 1;
    }
    return levels;
}

/* For each lane, the last node before key (update[]) and the node at or after it. */
static mi_node *mi_find(const mem_index *ix, const char *key, size_t len, mi_node **update)
{
    mi_node *n = ix->head;
    for (int l = ix->levels - 1; l >= 0; l--) {
        while (n->next[l] && mi_cmp(n->next[l]->key, n->next[l]->len, key, len, false) < 0)
            n = n->next[l];
        if (update) update[l] = n;
    }
    return n->next[0];
}

int mi_insert(mem_index *ix, const char *key, size_t len, void *item)
{
    mi_node *update[MI_LEVELS];
    mi_find(ix, key, len, update);
    int levels = mi_random_levels(ix);
    mi_node *n = malloc(sizeof *n + (size_t)levels * sizeof(mi_node *));
    if (!n) return ZD_ENOMEM;
    *n = (mi_node){.key = key, .len = len, .item = item, .levels = levels};
    for (int l = ix->levels; l < levels; l++)
        update[l] = ix->head;
    if (levels > ix->levels) ix->levels = levels;
    for (int l = 0; l < levels; l++) {
        n->next[l] = update[l]->next[l];
        update[l]->next[l] = n;
    }
    return 0;
}

void mi_remove(mem_index *ix, const char *key, size_t len)
{
    mi_node *update[MI_LEVELS];
    mi_node *n = mi_find(ix, key, len, update);
    if (!n || mi_cmp(n->key, n->len, key, len, false) != 0) return;
    for (int l = 0; l < n->levels; l++)
        update[l]->next[l] = n->next[l];
    while (ix->levels > 1 && !ix->head->next[ix->levels - 1])
        ix->levels--;
    free(n);
}

const mi_node *mi_after(const mem_index *ix, const char *bound, size_t blen, bool past_prefix)
{
    const mi_node *n = ix->head;
    for (int l = ix->levels - 1; l >= 0; l--)
        while (n->next[l] &&
               mi_cmp(n->next[l]->key, n->next[l]->len, bound, blen, past_prefix) <= 0)
            n = n->next[l];
    return n->next[0];
}

const mi_node *mi_from(const mem_index *ix, const char *key, size_t len)
{
    return mi_find(ix, key, len, NULL);
}
