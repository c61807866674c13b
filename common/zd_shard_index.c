/* zd_shard_index.c: the sharding_indexed shard index format and layout maths (see
 * zd_shard_index.h). Entries are (offset, nbytes) uint64 pairs in C order of the inner chunk
 * coordinates, little or big endian, optionally followed by a little-endian crc32c of the
 * encoded entries. Decoding validates everything a stored or received index could get wrong;
 * the overlap check sorts the live entries by offset (O(n log n), once per decode). */
#include "zd_shard_index.h"

#include "zd_checked.h"
#include "zd_crc32c.h"
#include "zd_le.h"

#include <stdlib.h>
#include <string.h>

#define ENTRY_BYTES 16u

int zd_shard_layout_init(zd_shard_layout *l, int ndim, const uint64_t *chunks, bool index_at_end,
                         bool index_crc32c, bool index_big_endian, zd_error *err)
{
    if (ndim < 1 || ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "shard rank %d outside 1..%d", ndim, ZD_MAX_DIMS);
    memset(l, 0, sizeof *l);
    uint64_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (chunks[d] == 0)
            return zd_error_set(err, ZD_EINVAL, "inner chunk count 0 along dimension %d", d);
        if (!zd_mul_u64(n, chunks[d], &n) || n > ZD_MAX_SHARD_CHUNKS)
            return zd_error_set(err, ZD_EOVERFLOW, "more than %u inner chunks per shard",
                                ZD_MAX_SHARD_CHUNKS);
        l->chunks[d] = chunks[d];
    }
    l->ndim = ndim;
    l->nchunks = n;
    l->index_at_end = index_at_end;
    l->index_crc32c = index_crc32c;
    l->index_big_endian = index_big_endian;
    return 0;
}

size_t zd_shard_index_size(const zd_shard_layout *l)
{
    return (size_t)l->nchunks * ENTRY_BYTES + (l->index_crc32c ? 4u : 0u);
}

uint64_t zd_shard_index_offset(const zd_shard_layout *l, uint64_t shard_size)
{
    return l->index_at_end ? shard_size - zd_shard_index_size(l) : 0;
}

int zd_shard_chunk_index(const zd_shard_layout *l, const uint64_t *coords, uint64_t *out)
{
    uint64_t linear = 0;
    for (int d = 0; d < l->ndim; d++) {
        if (coords[d] >= l->chunks[d]) return ZD_ERANGE;
        linear = linear * l->chunks[d] + coords[d];
    }
    *out = linear;
    return 0;
}

static void put_u64(uint8_t *p, uint64_t v, bool big_endian)
{
    for (int i = 0; i < 8; i++)
        p[big_endian ? 7 - i : i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_u64(const uint8_t *p, bool big_endian)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[big_endian ? 7 - i : i] << (8 * i);
    return v;
}

void zd_shard_entry_encode(const zd_shard_layout *l, const zd_shard_entry *e, uint8_t out[16])
{
    put_u64(out, e->offset, l->index_big_endian);
    put_u64(out + 8, e->nbytes, l->index_big_endian);
}

void zd_shard_index_encode(const zd_shard_layout *l, const zd_shard_entry *entries, uint8_t *out)
{
    for (uint64_t i = 0; i < l->nchunks; i++)
        zd_shard_entry_encode(l, &entries[i], out + i * ENTRY_BYTES);
    if (l->index_crc32c) {
        zd_le_put(out + l->nchunks * ENTRY_BYTES,
                  zd_crc32c(0, out, (size_t)l->nchunks * ENTRY_BYTES), 4);
    }
}

uint32_t zd_shard_index_crc(const zd_shard_layout *l, const zd_shard_entry *entries)
{
    uint32_t crc = 0;
    for (uint64_t i = 0; i < l->nchunks; i++) {
        uint8_t enc[ENTRY_BYTES];
        zd_shard_entry_encode(l, &entries[i], enc);
        crc = zd_crc32c(crc, enc, sizeof enc);
    }
    return crc;
}

uint32_t zd_shard_index_crc_update(const zd_shard_layout *l, uint32_t crc, uint64_t i,
                                   const zd_shard_entry *before, const zd_shard_entry *after)
{
    /* For equal-length messages the CRC is affine, so the change of the CRC is the CRC
     * (without conditioning) of the xor of the two messages: zero up to entry i, the xor of
     * the entry's encodings, then zeros for the entries after it. */
    uint8_t old_enc[ENTRY_BYTES], new_enc[ENTRY_BYTES];
    zd_shard_entry_encode(l, before, old_enc);
    zd_shard_entry_encode(l, after, new_enc);
    uint32_t delta = zd_crc32c(0, old_enc, ENTRY_BYTES) ^ zd_crc32c(0, new_enc, ENTRY_BYTES);
    uint64_t tail = (l->nchunks - 1 - i) * ENTRY_BYTES;
    return crc ^ zd_crc32c_combine(delta, 0, tail);
}

bool zd_shard_layout_equal(const zd_shard_layout *a, const zd_shard_layout *b)
{
    if (a->ndim != b->ndim || a->index_at_end != b->index_at_end ||
        a->index_crc32c != b->index_crc32c || a->index_big_endian != b->index_big_endian)
        return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->chunks[d] != b->chunks[d]) return false;
    return true;
}

static int by_offset(const void *pa, const void *pb)
{
    const zd_shard_entry *a = pa, *b = pb;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

static int check_no_overlap(const zd_shard_layout *l, const zd_shard_entry *entries, zd_error *err)
{
    /* Shards written in chunk order (whole-shard encodes, appends) are already sorted by
     * offset: one pass proves them disjoint, and only the rest pay for a sort. */
    uint64_t live = 0, end = 0;
    bool in_order = true;
    for (uint64_t i = 0; i < l->nchunks; i++) {
        if (entries[i].offset == ZD_SHARD_EMPTY) continue;
        live++;
        if (entries[i].offset < end) in_order = false;
        end = entries[i].offset + entries[i].nbytes;
    }
    if (live < 2 || in_order) return 0;
    zd_shard_entry *sorted = malloc((size_t)live * sizeof *sorted);
    if (!sorted) return zd_error_set(err, ZD_ENOMEM, "no memory to check a shard index");
    size_t n = 0;
    for (uint64_t i = 0; i < l->nchunks; i++)
        if (entries[i].offset != ZD_SHARD_EMPTY) sorted[n++] = entries[i];
    qsort(sorted, n, sizeof *sorted, by_offset);
    int rc = 0;
    for (size_t i = 1; i < n; i++) {
        if (sorted[i - 1].offset + sorted[i - 1].nbytes > sorted[i].offset) {
            rc = zd_error_set(
                err, ZD_ECORRUPT, "shard index entries at offsets %llu and %llu overlap",
                (unsigned long long)sorted[i - 1].offset, (unsigned long long)sorted[i].offset);
            break;
        }
    }
    free(sorted);
    return rc;
}

int zd_shard_index_decode(const zd_shard_layout *l, const uint8_t *buf, size_t len,
                          uint64_t shard_size, zd_shard_entry *entries, zd_error *err)
{
    size_t size = zd_shard_index_size(l);
    if (len != size)
        return zd_error_set(err, ZD_ECORRUPT, "shard index is %zu bytes, layout needs %zu", len,
                            size);
    if (shard_size < size)
        return zd_error_set(err, ZD_ECORRUPT, "shard of %llu bytes is smaller than its index",
                            (unsigned long long)shard_size);
    size_t entry_bytes = (size_t)l->nchunks * ENTRY_BYTES;
    if (l->index_crc32c) {
        if (zd_crc32c(0, buf, entry_bytes) != (uint32_t)zd_le_get(buf + entry_bytes, 4))
            return zd_error_set(err, ZD_ECORRUPT, "shard index crc32c mismatch");
    }
    uint64_t index_start = zd_shard_index_offset(l, shard_size);
    uint64_t index_end = index_start + size;
    for (uint64_t i = 0; i < l->nchunks; i++) {
        zd_shard_entry e = {get_u64(buf + i * ENTRY_BYTES, l->index_big_endian),
                            get_u64(buf + i * ENTRY_BYTES + 8, l->index_big_endian)};
        entries[i] = e;
        if (e.offset == ZD_SHARD_EMPTY && e.nbytes == ZD_SHARD_EMPTY) continue;
        uint64_t end;
        if (e.offset == ZD_SHARD_EMPTY || e.nbytes == ZD_SHARD_EMPTY || e.nbytes == 0)
            return zd_error_set(err, ZD_ECORRUPT, "shard index entry %llu is malformed",
                                (unsigned long long)i);
        if (!zd_add_u64(e.offset, e.nbytes, &end) || end > shard_size)
            return zd_error_set(err, ZD_ECORRUPT, "shard index entry %llu lies outside the shard",
                                (unsigned long long)i);
        if (e.offset < index_end && end > index_start)
            return zd_error_set(err, ZD_ECORRUPT, "shard index entry %llu overlaps the index",
                                (unsigned long long)i);
    }
    return check_no_overlap(l, entries, err);
}
