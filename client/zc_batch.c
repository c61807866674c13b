/* zc_batch.c: writer of shard batch bodies (see zc_batch.h). */
#include "zc_batch.h"

#include "zd_error.h"

static int put_varint(zd_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) tmp[n] |= 0x80;
        n++;
    } while (v);
    return zd_buf_append(b, tmp, n);
}

int zc_batch_begin(zc_batch *b, int ndim)
{
    uint8_t head[5] = {'Z', 'S', 'B', '1', (uint8_t)ndim};
    zd_buf_reset(&b->body);
    b->ndim = ndim;
    b->nops = 0;
    return zd_buf_append(&b->body, head, sizeof head);
}

static int put_op(zc_batch *b, char op, const uint64_t *coords)
{
    int rc = zd_buf_append(&b->body, &op, 1);
    for (int d = 0; rc == 0 && d < b->ndim; d++)
        rc = put_varint(&b->body, coords[d]);
    if (rc == 0) b->nops++;
    return rc;
}

int zc_batch_put(zc_batch *b, const uint64_t *coords, const void *data, size_t len)
{
    int rc = put_op(b, 'P', coords);
    if (rc == 0) rc = put_varint(&b->body, len);
    if (rc == 0) rc = zd_buf_append(&b->body, data, len);
    return rc;
}

int zc_batch_delete(zc_batch *b, const uint64_t *coords)
{
    return put_op(b, 'D', coords);
}

bool zc_batch_full(const zc_batch *b)
{
    return b->nops >= ZC_BATCH_MAX_OPS || b->body.len >= ZC_BATCH_MAX_BYTES;
}

void zc_batch_free(zc_batch *b)
{
    zd_buf_free(&b->body);
}
