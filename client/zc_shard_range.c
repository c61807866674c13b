/* zc_shard_range.c: ZC_SHARD_WRITE_RANGE, client-side sharding over plain byte-range PATCH —
 * the way zarr-python's set_range path updates shards on stores without shard endpoints.
 *
 * Shards are laid out in fixed-size slots: with an inner chain whose encoded size is always
 * `slot` bytes (no compressor), inner chunk k lives at base + k * slot (base = the index size
 * when the index is at the start, else 0), present or not, and the index follows (or precedes)
 * the slots. A partial write then fetches the index, PATCHes each touched slot in place (a
 * partly written inner chunk is read from its slot and merged first) and PATCHes the index
 * when an entry changed. A shard that is absent, covered whole, or not in the fixed layout
 * (written by another writer) is rewritten whole in the fixed layout, as is every shard of an
 * array whose inner chain compresses (slots cannot be fixed). Like zarr-python's path, this
 * is a client-side read-modify-write: two writers of one shard can race, which is what the
 * server's shard endpoints (ZC_SHARD_WRITE_SERVER) avoid. */
#include "zc_shard_write.h"

#include "zc_chunkio.h"
#include "zc_request.h"
#include "zd_checked.h"
#include "zd_fill.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixed_shard {
    uint64_t slot;     /* encoded bytes of one inner chunk */
    uint64_t base;     /* offset of slot 0 */
    uint64_t index_at; /* offset of the index */
    uint64_t size;     /* whole shard */
    size_t isz;        /* index bytes */
} fixed_shard;

static int fixed_geometry(const zc_array *a, fixed_shard *f)
{
    const zd_shard_layout *l = a->shard;
    uint64_t slots;
    if (!zd_codec_chain_fixed_size(a->inner, &f->slot) || f->slot == 0) return ZD_EUNSUPPORTED;
    f->isz = zd_shard_index_size(l);
    if (!zd_mul_u64(l->nchunks, f->slot, &slots) || !zd_add_u64(slots, f->isz, &f->size) ||
        f->size > SIZE_MAX)
        return ZD_EOVERFLOW;
    f->base = l->index_at_end ? 0 : f->isz;
    f->index_at = l->index_at_end ? slots : 0;
    return 0;
}

static zd_shard_entry slot_entry(const fixed_shard *f, uint64_t k)
{
    return (zd_shard_entry){f->base + k * f->slot, f->slot};
}

/* Whether entries describe the fixed-slot layout of a shard of shard_size bytes. */
static bool is_fixed(const zc_array *a, const fixed_shard *f, const zd_shard_entry *e,
                     uint64_t shard_size)
{
    if (shard_size != f->size) return false;
    for (uint64_t k = 0; k < a->shard->nchunks; k++)
        if (e[k].offset != ZD_SHARD_EMPTY &&
            (e[k].offset != f->base + k * f->slot || e[k].nbytes != f->slot))
            return false;
    return true;
}

static int request(zc_worker *w, const char *method, const char *key, const char *hdr,
                   const void *body, size_t len, zd_error *err)
{
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_key_request(&w->conn, method, key, NULL, hdr, body, len, &rs, err);
    zc_response_free(&rs);
    return rc;
}

static int patch(zc_worker *w, const char *key, uint64_t offset, const void *data, size_t len,
                 zd_error *err)
{
    char hdr[96];
    snprintf(hdr, sizeof hdr, "Content-Range: bytes %" PRIu64 "-%" PRIu64 "/*\r\n", offset,
             offset + len - 1);
    return request(w, "PATCH", key, hdr, data, len, err);
}

/* Fetch and decode the index: *found false when the shard is absent, *fixed whether it is in
 * the fixed-slot layout. */
static int fetch_index(zc_worker *w, const zc_array *a, const fixed_shard *f, const char *key,
                       zd_shard_entry *e, bool *found, bool *fixed, zd_error *err)
{
    char hdr[96];
    snprintf(hdr, sizeof hdr, "Range: bytes=-%zu\r\n", f->isz);
    if (!a->shard->index_at_end) snprintf(hdr, sizeof hdr, "Range: bytes=0-%zu\r\n", f->isz - 1);
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_key_request(&w->conn, "GET", key, NULL, hdr, NULL, 0, &rs, err);
    *found = rc != ZD_ENOTFOUND;
    *fixed = false;
    if (rc == ZD_ENOTFOUND) {
        rc = 0;
    } else if (rc == 0) {
        uint64_t first, last, size = 0;
        if (rs.status != 206 || rs.body.len != f->isz ||
            zc_content_range(rs.content_range, &first, &last, &size) < 0 || size < f->isz ||
            size == UINT64_MAX) {
            /* too short to hold an index, or not a range answer: not ours, rewrite it */
            rc = 0;
        } else {
            zd_error ignored;
            *fixed = zd_shard_index_decode(a->shard, rs.body.data, rs.body.len, size, e,
                                           &ignored) == 0 &&
                     is_fixed(a, f, e, size);
        }
    } else if (rc == ZD_ERANGE) { /* an empty or tiny object: rewrite it */
        rc = 0;
    }
    zc_response_free(&rs);
    return rc;
}

/* Encode the merged decoded shard in scratch[0] in the fixed-slot layout and PUT it (or
 * DELETE the key when every inner chunk equals the fill value). */
static int put_fixed(zc_worker *w, const zc_array *a, const fixed_shard *f, const char *key,
                     zd_error *err)
{
    const zd_shard_layout *l = a->shard;
    zd_selection whole;
    zd_grid g;
    int rc = zd_grid_init(&g, a->grid.ndim, a->spec.shape, a->inner_shape, err);
    if (rc < 0) return rc;
    zd_selection_all(&whole, &g);
    uint8_t *shard = calloc(1, (size_t)f->size);
    zd_shard_entry *e = malloc(l->nchunks * sizeof *e);
    if (!shard || !e) {
        free(shard);
        free(e);
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    }
    bool any = false;
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &whole);
    zd_buf *ib = &w->scratch[2];
    if (zd_buf_reserve(ib, a->inner_bytes) < 0) rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    while (rc == 0 && zd_chunk_iter_next(&it, &p)) {
        uint64_t k;
        if ((rc = zd_shard_chunk_index(l, p.coords, &k)) < 0) break;
        /* the shard is a whole number of inner chunks: p is all of inner chunk k */
        zd_part_gather(&whole, &p, a->elem_size, w->scratch[0].data, ib->data);
        e[k] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
        if (zd_fill_is_uniform(ib->data, a->inner_bytes / a->elem_size, a->spec.dtype,
                               a->spec.fill))
            continue;
        rc = zd_codec_chain_encode(a->inner, w->ctx, ib->data, a->inner_bytes, &w->scratch[1], err);
        if (rc == 0 && w->scratch[1].len != f->slot)
            rc = zd_error_set(err, ZD_ECORRUPT, "inner chunk encoded to %zu bytes, not %" PRIu64,
                              w->scratch[1].len, f->slot);
        if (rc == 0) {
            e[k] = slot_entry(f, k);
            memcpy(shard + e[k].offset, w->scratch[1].data, (size_t)f->slot);
            any = true;
        }
    }
    if (rc == 0) {
        zd_shard_index_encode(l, e, shard + f->index_at);
        rc = any ? request(w, "PUT", key, NULL, shard, (size_t)f->size, err)
                 : request(w, "DELETE", key, NULL, NULL, 0, err);
    }
    free(shard);
    free(e);
    return rc;
}

/* PATCH the touched slots of a fixed-layout shard and, when an entry changed, its index. */
static int patch_slots(zc_worker *w, const zc_array *a, const fixed_shard *f, const char *key,
                       const zd_selection *outer, const zd_chunk_part *part, const void *in,
                       zd_shard_entry *e, zd_error *err)
{
    const zd_shard_layout *l = a->shard;
    zc_inner_sel is;
    int rc = zc_inner_sel_init(&is, a, outer, part, err);
    bool index_changed = false;
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &is.sel);
    while (rc == 0 && zd_chunk_iter_next(&it, &p)) {
        uint64_t k;
        if ((rc = zd_shard_chunk_index(l, p.coords, &k)) < 0) break;
        zc_response rs;
        zc_response_init(&rs);
        const void *old = NULL;
        if (!p.covers_chunk && e[k].offset != ZD_SHARD_EMPTY) {
            char hdr[96];
            snprintf(hdr, sizeof hdr, "Range: bytes=%" PRIu64 "-%" PRIu64 "\r\n", e[k].offset,
                     e[k].offset + f->slot - 1);
            rc = zc_key_request(&w->conn, "GET", key, NULL, hdr, NULL, 0, &rs, err);
            if (rc == 0 && rs.body.len != f->slot)
                rc = zd_error_set(err, ZD_ECORRUPT, "%s: slot %" PRIu64 " is short", key, k);
            old = rs.body.data;
        }
        bool fill = false;
        if (rc == 0) rc = zc_inner_merge(w, a, &is, &p, in, old, rs.body.len, &fill, err);
        zc_response_free(&rs);
        if (rc < 0) break;
        if (fill) {
            index_changed |= e[k].offset != ZD_SHARD_EMPTY;
            e[k] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
            continue;
        }
        rc = zd_codec_chain_encode(a->inner, w->ctx, w->scratch[2].data, a->inner_bytes,
                                   &w->scratch[1], err);
        if (rc == 0 && w->scratch[1].len != f->slot)
            rc = zd_error_set(err, ZD_ECORRUPT, "inner chunk encoded to %zu bytes, not %" PRIu64,
                              w->scratch[1].len, f->slot);
        zd_shard_entry want = slot_entry(f, k);
        if (rc == 0) rc = patch(w, key, want.offset, w->scratch[1].data, (size_t)f->slot, err);
        index_changed |= e[k].offset != want.offset;
        e[k] = want;
    }
    if (rc < 0 || !index_changed) return rc;
    bool any = false;
    for (uint64_t k = 0; k < l->nchunks && !any; k++)
        any = e[k].offset != ZD_SHARD_EMPTY;
    if (!any) return request(w, "DELETE", key, NULL, NULL, 0, err);
    uint8_t *index = malloc(f->isz);
    if (!index) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    zd_shard_index_encode(l, e, index);
    rc = patch(w, key, f->index_at, index, f->isz, err);
    free(index);
    return rc;
}

int zc_shard_range_write_part(zc_worker *w, const zc_array *a, const char *key,
                              const zd_selection *outer, const zd_chunk_part *part, const void *in,
                              zd_error *err)
{
    fixed_shard f;
    int rc = fixed_geometry(a, &f);
    if (rc < 0) { /* compressed inner chunks: no fixed slots, rewrite whole shards */
        if ((rc = zc_merge_chunk(w, a, key, outer, part, in, err)) < 0) return rc;
        return zc_store_chunk(w, a, key, w->scratch[0].data, err);
    }
    zd_shard_entry *e = malloc(a->shard->nchunks * sizeof *e);
    if (!e) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    bool found = false, fixed = false;
    if (!part->covers_chunk) rc = fetch_index(w, a, &f, key, e, &found, &fixed, err);
    if (rc == 0 && fixed)
        rc = patch_slots(w, a, &f, key, outer, part, in, e, err);
    else if (rc == 0 && (rc = zc_merge_chunk(w, a, key, outer, part, in, err)) == 0)
        rc = put_fixed(w, a, &f, key, err);
    free(e);
    return rc;
}
