/* store_mem_index.h: the memory store's keys in byte order, for its lazy listing walk: a
 * skip list (a sorted linked list with express lanes, expected O(log n) to find, insert or
 * remove a key) over keys the caller owns. Not thread-safe: the store's lock covers it. */
#ifndef ZS_STORE_MEM_INDEX_H
#define ZS_STORE_MEM_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MI_LEVELS 24

typedef struct mi_node {
    const char *key; /* owned by the caller, alive while the node is in the list */
    size_t len;
    void *item;
    int levels;
    struct mi_node *next[]; /* levels of them */
} mi_node;

typedef struct mem_index {
    mi_node *head; /* sentinel with MI_LEVELS lanes */
    int levels;    /* lanes in use */
    uint64_t rng;
} mem_index;

int mi_init(mem_index *ix, uint64_t seed);
void mi_free(mem_index *ix);

/* Add key (not yet present) with item: 0 or ZD_ENOMEM. */
int mi_insert(mem_index *ix, const char *key, size_t len, void *item);

/* Remove key if present. */
void mi_remove(mem_index *ix, const char *key, size_t len);

/* The first node whose key is key[0..len) or after it, or NULL. */
const mi_node *mi_from(const mem_index *ix, const char *key, size_t len);

/* The first node whose key is after bound[0..blen) (past_prefix: and does not start with
 * it), or NULL. */
const mi_node *mi_after(const mem_index *ix, const char *bound, size_t blen, bool past_prefix);

#endif
