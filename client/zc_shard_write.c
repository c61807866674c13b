/* zc_shard_write.c: partial shard writes through the server's shard endpoints, batched per
 * shard (see zc_shard_write.h). */
#include "zc_shard_write.h"

#include "zc_batch.h"
#include "zc_chunkio.h"
#include "zc_request.h"
#include "zd_fill.h"

#include <stdlib.h>

int zc_inner_merge(zc_worker *w, const zc_array *a, const zc_inner_sel *is, const zd_chunk_part *p,
                   const void *in, const void *old, size_t old_len, bool *is_fill, zd_error *err)
{
    zd_buf *ib = &w->scratch[2];
    size_t n = a->inner_bytes / a->elem_size;
    if (zd_buf_reserve(ib, a->inner_bytes) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (p->covers_chunk || !old) {
        zd_fill_buffer(ib->data, n, a->spec.dtype, a->spec.fill);
    } else {
        int rc =
            zd_codec_chain_decode(a->inner, w->ctx, old, old_len, ib->data, a->inner_bytes, err);
        if (rc < 0) return rc;
    }
    zd_chunk_part placed = *p;
    zc_inner_part_place(is, &placed);
    zd_part_gather(&is->place, &placed, a->elem_size, in, ib->data);
    *is_fill = zd_fill_is_uniform(ib->data, n, a->spec.dtype, a->spec.fill);
    return 0;
}

/* The old bytes of the inner chunks a write covers only partly, fetched ahead with one
 * `GET shard?chunks=` for up to zc_chunks_per_get of them (in the order the write visits them:
 * `ahead` runs over the same selection, skipping the chunks the write covers). */
typedef struct old_chunks {
    zd_chunk_iter ahead;
    zc_response rs;
    zd_shard_entry at[ZC_CHUNKS_PER_GET];
    size_t n, next; /* chunks fetched; the next one to hand out */
    zd_buf coords, q;
} old_chunks;

/* Fetch the old bytes of the next group of partly covered inner chunks. */
static int fetch_group(zc_worker *w, const zc_array *a, const char *key, const char *hdr,
                       old_chunks *oc, zd_error *err)
{
    size_t per = zc_chunks_per_get(a), nd = (size_t)a->grid.ndim;
    zd_chunk_part p;
    oc->n = oc->next = 0;
    zd_buf_reset(&oc->coords);
    while (oc->n < per && zd_chunk_iter_next(&oc->ahead, &p)) {
        if (p.covers_chunk) continue;
        if (zd_buf_append(&oc->coords, p.coords, nd * sizeof *p.coords) < 0)
            return zd_error_set(err, ZD_ENOMEM, "out of memory");
        oc->n++;
    }
    int rc = zc_chunks_query(&oc->q, a->grid.ndim, (const uint64_t *)oc->coords.data, oc->n, err);
    zc_response_free(&oc->rs);
    zc_response_init(&oc->rs);
    if (rc == 0)
        rc = zc_key_request(&w->conn, "GET", key, (const char *)oc->q.data, hdr, NULL, 0, &oc->rs,
                            err);
    if (rc == 0) rc = zc_chunks_locate(key, &oc->rs.body, oc->n, oc->at, err);
    return rc;
}

/* The old encoded bytes of inner chunk p (NULL when it is empty or the write covers it). */
static int old_bytes(zc_worker *w, const zc_array *a, const char *key, const char *hdr,
                     const zd_chunk_part *p, old_chunks *oc, const void **data, size_t *len,
                     zd_error *err)
{
    *data = NULL;
    *len = 0;
    if (p->covers_chunk) return 0;
    int rc = oc->next < oc->n ? 0 : fetch_group(w, a, key, hdr, oc, err);
    if (rc == 0 && oc->next == oc->n)
        rc = zd_error_set(err, ZD_ECORRUPT, "%s: the inner chunks fetched ahead ran out", key);
    if (rc) return rc;
    const zd_shard_entry *e = &oc->at[oc->next++];
    if (e->offset != ZD_SHARD_EMPTY) {
        *data = oc->rs.body.data + e->offset;
        *len = (size_t)e->nbytes;
    }
    return 0;
}

static int send_batch(zc_worker *w, const char *key, const char *hdr, zc_batch *b, zd_error *err)
{
    zc_response rs;
    zc_response_init(&rs);
    int rc =
        zc_key_request(&w->conn, "POST", key, "batch", hdr, b->body.data, b->body.len, &rs, err);
    zc_response_free(&rs);
    if (rc == 0 && zc_batch_begin(b, b->ndim) < 0)
        rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    return rc;
}

int zc_shard_write_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                        const zd_chunk_part *part, const void *in, zd_error *err)
{
    zc_inner_sel is;
    zc_batch b = {0};
    char hdr[ZC_SHARD_HEADER_MAX];
    int rc = zc_inner_sel_init(&is, a, outer, part, err);
    if (rc == 0 && zc_shard_header(a, hdr, sizeof hdr) < 0)
        rc = zd_error_set(err, ZD_EOVERFLOW, "Zarr-Shard header too long");
    if (rc == 0 && zc_batch_begin(&b, a->grid.ndim) < 0)
        rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    zd_chunk_iter it;
    zd_chunk_part p;
    old_chunks oc = {0};
    zc_response_init(&oc.rs);
    zd_chunk_iter_init(&it, &is.sel);
    zd_chunk_iter_init(&oc.ahead, &is.sel);
    while (rc == 0 && zd_chunk_iter_next(&it, &p)) {
        const void *old;
        size_t old_len;
        bool fill = false;
        rc = old_bytes(w, a, key, hdr, &p, &oc, &old, &old_len, err);
        if (rc == 0) rc = zc_inner_merge(w, a, &is, &p, in, old, old_len, &fill, err);
        if (rc == 0 && !fill)
            rc = zd_codec_chain_encode(a->inner, w->ctx, w->scratch[2].data, a->inner_bytes,
                                       &w->scratch[1], err);
        if (rc == 0 &&
            (fill ? zc_batch_delete(&b, p.coords)
                  : zc_batch_put(&b, p.coords, w->scratch[1].data, w->scratch[1].len)) < 0)
            rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
        if (rc == 0 && zc_batch_full(&b)) rc = send_batch(w, key, hdr, &b, err);
    }
    if (rc == 0 && b.nops > 0) rc = send_batch(w, key, hdr, &b, err);
    zc_response_free(&oc.rs);
    zd_buf_free(&oc.coords);
    zd_buf_free(&oc.q);
    zc_batch_free(&b);
    return rc;
}
