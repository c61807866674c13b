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

/* The old encoded bytes of inner chunk p (rs->body; NULL data when it is empty). */
static int fetch_old(zc_worker *w, const zc_array *a, const char *key, const char *hdr,
                     const zd_chunk_part *p, zc_response *rs, const void **data, zd_error *err)
{
    char q[ZC_CHUNK_QUERY_MAX];
    *data = NULL;
    if (p->covers_chunk) return 0;
    if (zc_chunk_query(a->grid.ndim, p->coords, q, sizeof q) < 0)
        return zd_error_set(err, ZD_EOVERFLOW, "inner chunk query too long");
    int rc = zc_key_request(&w->conn, "GET", key, q, hdr, NULL, 0, rs, err);
    if (rc == ZD_ENOTFOUND) return 0;
    if (rc == 0) *data = rs->body.data;
    return rc;
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
    zd_chunk_iter_init(&it, &is.sel);
    while (rc == 0 && zd_chunk_iter_next(&it, &p)) {
        zc_response rs;
        zc_response_init(&rs);
        const void *old;
        bool fill = false;
        rc = fetch_old(w, a, key, hdr, &p, &rs, &old, err);
        if (rc == 0) rc = zc_inner_merge(w, a, &is, &p, in, old, rs.body.len, &fill, err);
        zc_response_free(&rs);
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
    zc_batch_free(&b);
    return rc;
}
