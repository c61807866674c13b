/* zc_batch.c: the client's batch accumulator (see zc_batch.h); the framing is zd_batch.c. */
#include "zc_batch.h"

int zc_batch_begin(zc_batch *b, int ndim)
{
    zd_buf_reset(&b->body);
    b->ndim = ndim;
    b->nops = 0;
    return zd_batch_begin(&b->body, ndim);
}

int zc_batch_put(zc_batch *b, const uint64_t *coords, const void *data, size_t len)
{
    int rc = zd_batch_add_put(&b->body, b->ndim, coords, data, len);
    if (rc == 0) b->nops++;
    return rc;
}

int zc_batch_delete(zc_batch *b, const uint64_t *coords)
{
    int rc = zd_batch_add_delete(&b->body, b->ndim, coords);
    if (rc == 0) b->nops++;
    return rc;
}

bool zc_batch_full(const zc_batch *b)
{
    return b->nops >= ZD_BATCH_MAX_OPS || b->body.len >= ZC_BATCH_MAX_BYTES;
}

void zc_batch_free(zc_batch *b)
{
    zd_buf_free(&b->body);
}
