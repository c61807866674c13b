/* shard_space.c: sorted gap list of a shard's data region (see shard_space.h). Lookups are
 * binary searches; insertions and removals move the tail of the array, which stays small in
 * practice (a shard with many gaps gets compacted). */
#include "shard_space.h"

#include "zd_error.h"

#include <stdlib.h>
#include <string.h>

static int by_offset(const void *pa, const void *pb)
{
    const sh_gap *a = pa, *b = pb;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

static int reserve(sh_space *s, size_t n)
{
    if (n <= s->cap) return 0;
    size_t cap = s->cap ? s->cap * 2 : 16;
    while (cap < n)
        cap *= 2;
    sh_gap *g = realloc(s->gaps, cap * sizeof *g);
    if (!g) return ZD_ENOMEM;
    s->gaps = g;
    s->cap = cap;
    return 0;
}

int sh_space_build(sh_space *s, const zd_shard_layout *l, const zd_shard_entry *entries,
                   uint64_t data_start, uint64_t data_end)
{
    s->ngaps = 0;
    s->free_bytes = 0;
    size_t live = 0;
    for (uint64_t i = 0; i < l->nchunks; i++)
        live += entries[i].offset != ZD_SHARD_EMPTY;
    sh_gap *used = malloc((live ? live : 1) * sizeof *used);
    if (!used || reserve(s, live + 1)) {
        free(used);
        return ZD_ENOMEM;
    }
    size_t n = 0;
    bool in_order = true; /* a fresh or compacted shard stores its chunks in C order */
    for (uint64_t i = 0; i < l->nchunks; i++) {
        if (entries[i].offset == ZD_SHARD_EMPTY) continue;
        in_order = in_order && (n == 0 || used[n - 1].offset <= entries[i].offset);
        used[n++] = (sh_gap){entries[i].offset, entries[i].nbytes};
    }
    if (!in_order) qsort(used, n, sizeof *used, by_offset);
    uint64_t pos = data_start;
    for (size_t i = 0; i <= n; i++) {
        uint64_t next = i < n ? used[i].offset : data_end;
        if (next > pos) {
            s->gaps[s->ngaps++] = (sh_gap){pos, next - pos};
            s->free_bytes += next - pos;
        }
        if (i < n) pos = used[i].offset + used[i].nbytes;
    }
    free(used);
    return 0;
}

/* Index of the first gap whose offset is > off. */
static size_t upper_bound(const sh_space *s, uint64_t off)
{
    size_t lo = 0, hi = s->ngaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->gaps[mid].offset <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void remove_at(sh_space *s, size_t i)
{
    memmove(&s->gaps[i], &s->gaps[i + 1], (s->ngaps - i - 1) * sizeof *s->gaps);
    s->ngaps--;
}

bool sh_space_take_first_fit(sh_space *s, uint64_t n, uint64_t *offset)
{
    for (size_t i = 0; i < s->ngaps; i++) {
        if (s->gaps[i].nbytes >= n) {
            *offset = s->gaps[i].offset;
            sh_space_take_at(s, *offset, n);
            return true;
        }
    }
    return false;
}

void sh_space_take_at(sh_space *s, uint64_t offset, uint64_t n)
{
    size_t i = upper_bound(s, offset) - 1; /* the gap starting at offset */
    s->gaps[i].offset += n;
    s->gaps[i].nbytes -= n;
    s->free_bytes -= n;
    if (s->gaps[i].nbytes == 0) remove_at(s, i);
}

const sh_gap *sh_space_gap_ending_at(const sh_space *s, uint64_t end)
{
    if (s->ngaps == 0) return NULL;
    const sh_gap *g = &s->gaps[s->ngaps - 1];
    return g->offset + g->nbytes == end ? g : NULL;
}

int sh_space_free(sh_space *s, uint64_t offset, uint64_t n)
{
    if (n == 0) return 0;
    size_t i = upper_bound(s, offset); /* gaps[i - 1] is before, gaps[i] after */
    bool join_prev = i > 0 && s->gaps[i - 1].offset + s->gaps[i - 1].nbytes == offset;
    bool join_next = i < s->ngaps && offset + n == s->gaps[i].offset;
    s->free_bytes += n;
    if (join_prev && join_next) {
        s->gaps[i - 1].nbytes += n + s->gaps[i].nbytes;
        remove_at(s, i);
    } else if (join_prev) {
        s->gaps[i - 1].nbytes += n;
    } else if (join_next) {
        s->gaps[i].offset = offset;
        s->gaps[i].nbytes += n;
    } else {
        if (reserve(s, s->ngaps + 1)) {
            s->free_bytes -= n;
            return ZD_ENOMEM;
        }
        memmove(&s->gaps[i + 1], &s->gaps[i], (s->ngaps - i) * sizeof *s->gaps);
        s->gaps[i] = (sh_gap){offset, n};
        s->ngaps++;
    }
    return 0;
}

void sh_space_dispose(sh_space *s)
{
    free(s->gaps);
    memset(s, 0, sizeof *s);
}
