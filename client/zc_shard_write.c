/* zc_shard_write.c: partial shard writes through the server's shard endpoints (see
 * zc_shard_write.h). */
#include "zc_shard_write.h"

#include "zc_chunkio.h"
#include "zc_request.h"
#include "zc_shard_read.h"
#include "zd_fill.h"

#include <stdlib.h>

/* Merge, encode and send one inner chunk. */
static int write_inner(zc_worker *w, const zc_array *a, const char *key, const char *hdr,
                       const zc_inner_sel *is, const zd_chunk_part *p, const void *in,
                       zd_error *err)
{
    char q[ZD_MAX_DIMS * 21 + 8];
    zd_buf *ib = &w->scratch[2];
    zd_buf *enc = &w->scratch[1];
    if (zc_chunk_query(a->grid.ndim, p->coords, q, sizeof q) < 0)
        return zd_error_set(err, ZD_EOVERFLOW, "inner chunk query too long");
    if (zd_buf_reserve(ib, a->inner_bytes) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    int rc = 0;
    if (p->covers_chunk)
        zd_fill_buffer(ib->data, a->inner_bytes / a->elem_size, a->spec.dtype, a->spec.fill);
    else
        rc = zc_fetch_decode(w, a, a->inner, key, q, hdr, ib->data, NULL, err);
    if (rc < 0) return rc;
    zd_chunk_part placed = *p;
    zc_inner_part_place(is, &placed);
    zd_part_gather(&is->place, &placed, a->elem_size, in, ib->data);
    zc_response rs;
    zc_response_init(&rs);
    if (zd_fill_is_uniform(ib->data, a->inner_bytes / a->elem_size, a->spec.dtype, a->spec.fill)) {
        rc = zc_key_request(&w->conn, "DELETE", key, q, hdr, NULL, 0, &rs, err);
    } else {
        rc = zd_codec_chain_encode(a->inner, w->ctx, ib->data, a->inner_bytes, enc, err);
        if (rc == 0)
            rc = zc_key_request(&w->conn, "PUT", key, q, hdr, enc->data, enc->len, &rs, err);
    }
    zc_response_free(&rs);
    return rc;
}

int zc_shard_write_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                        const zd_chunk_part *part, const void *in, zd_error *err)
{
    zc_inner_sel is;
    char hdr[ZD_MAX_DIMS * 21 + 64];
    int rc = zc_inner_sel_init(&is, a, outer, part, err);
    if (rc == 0 && zc_shard_header(a, hdr, sizeof hdr) < 0)
        rc = zd_error_set(err, ZD_EOVERFLOW, "Zarr-Shard header too long");
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &is.sel);
    while (rc == 0 && zd_chunk_iter_next(&it, &p))
        rc = write_inner(w, a, key, hdr, &is, &p, in, err);
    return rc;
}
