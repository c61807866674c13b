/* shard_space.h: the free space inside one shard's data region, as a sorted list of gaps
 * (byte ranges no live inner chunk uses). Gaps never touch each other: freeing a range merges
 * it with its neighbours. Allocation is first fit, lowest offset first. */
#ifndef SHARD_SPACE_H
#define SHARD_SPACE_H

#include "zd_shard_index.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sh_gap {
    uint64_t offset;
    uint64_t nbytes;
} sh_gap;

typedef struct sh_space {
    sh_gap *gaps; /* sorted by offset, non-adjacent, non-empty */
    size_t ngaps;
    size_t cap;
    uint64_t free_bytes; /* sum of the gaps */
} sh_space;

/* The gaps of [data_start, data_end) around the live entries (already validated: inside the
 * region, non-overlapping). 0 or ZD_ENOMEM. */
int sh_space_build(sh_space *s, const zd_shard_layout *l, const zd_shard_entry *entries,
                   uint64_t data_start, uint64_t data_end);

/* First gap of at least n bytes: its start is taken and returned in *offset. False if none. */
bool sh_space_take_first_fit(sh_space *s, uint64_t n, uint64_t *offset);

/* Take the first n bytes of the gap that starts at `offset` (n <= its size). */
void sh_space_take_at(sh_space *s, uint64_t offset, uint64_t n);

/* The gap that ends exactly at `end`, if any (the free tail of the data region). */
const sh_gap *sh_space_gap_ending_at(const sh_space *s, uint64_t end);

/* Return [offset, offset + n) to the free space, merging neighbours. 0 or ZD_ENOMEM. */
int sh_space_free(sh_space *s, uint64_t offset, uint64_t n);

void sh_space_dispose(sh_space *s);

#endif
