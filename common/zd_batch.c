/* zd_batch.c: writer and reader of the shard batch framing (see zd_batch.h). */
#include "zd_batch.h"

#include <string.h>

#define VARINT_MAX 10 /* bytes of a 64-bit LEB128 value */

static int put_varint(zd_buf *out, uint64_t v)
{
    uint8_t b[VARINT_MAX];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    return zd_buf_append(out, b, n);
}

/* Reads one varint at *pos; ZD_EINVAL when it is truncated or does not fit 64 bits. */
static int read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < VARINT_MAX; i++) {
        if (*pos >= len) return ZD_EINVAL;
        uint8_t byte = p[(*pos)++];
        if (i == VARINT_MAX - 1 && byte > 1) return ZD_EINVAL;
        v |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return ZD_EINVAL;
}

int zd_batch_begin(zd_buf *out, int ndim)
{
    uint8_t head[ZD_BATCH_HEAD_LEN] = {'Z', 'S', 'B', '1', (uint8_t)ndim};
    return zd_buf_append(out, head, sizeof head);
}

static int add_op(zd_buf *out, zd_batch_kind kind, int ndim, const uint64_t *coords)
{
    uint8_t k = (uint8_t)kind;
    int rc = zd_buf_append(out, &k, 1);
    for (int d = 0; d < ndim && rc == 0; d++)
        rc = put_varint(out, coords[d]);
    return rc;
}

int zd_batch_add_put(zd_buf *out, int ndim, const uint64_t *coords, const void *data, size_t len)
{
    int rc = add_op(out, ZD_BATCH_PUT, ndim, coords);
    if (rc == 0) rc = put_varint(out, len);
    return rc ? rc : zd_buf_append(out, data, len);
}

int zd_batch_add_delete(zd_buf *out, int ndim, const uint64_t *coords)
{
    return add_op(out, ZD_BATCH_DELETE, ndim, coords);
}

int zd_batch_open(zd_batch_reader *r, const uint8_t *body, size_t len, int ndim, zd_error *err)
{
    memset(r, 0, sizeof *r);
    if (ndim < 1 || ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "batch: a shard of %d dimensions", ndim);
    if (len < ZD_BATCH_HEAD_LEN || memcmp(body, ZD_BATCH_MAGIC, 4) != 0)
        return zd_error_set(err, ZD_EINVAL, "batch: body must start with \"%s\" and ndim",
                            ZD_BATCH_MAGIC);
    if (body[4] != ndim)
        return zd_error_set(err, ZD_EINVAL, "batch: %u dimensions, the shard has %d", body[4],
                            ndim);
    r->body = body;
    r->len = len;
    r->pos = ZD_BATCH_HEAD_LEN;
    r->ndim = ndim;
    return 0;
}

bool zd_batch_more(const zd_batch_reader *r)
{
    return r->pos < r->len;
}

int zd_batch_next(zd_batch_reader *r, zd_batch_op *op, zd_error *err)
{
    size_t at = r->pos;
    if (at >= r->len) return zd_error_set(err, ZD_EINVAL, "batch: no operation at byte %zu", at);
    if (r->nops == ZD_BATCH_MAX_OPS)
        return zd_error_set(err, ZD_EINVAL, "batch: more than %d operations", ZD_BATCH_MAX_OPS);
    memset(op, 0, sizeof *op);
    uint8_t kind = r->body[r->pos++];
    if (kind != ZD_BATCH_PUT && kind != ZD_BATCH_DELETE)
        return zd_error_set(err, ZD_EINVAL, "batch: unknown operation at byte %zu", at);
    op->kind = (zd_batch_kind)kind;
    for (int d = 0; d < r->ndim; d++)
        if (read_varint(r->body, r->len, &r->pos, &op->coords[d]))
            return zd_error_set(err, ZD_EINVAL,
                                "batch: bad coordinate in the operation at byte %zu", at);
    if (kind == ZD_BATCH_PUT) {
        uint64_t plen;
        if (read_varint(r->body, r->len, &r->pos, &plen) || plen > r->len - r->pos)
            return zd_error_set(err, ZD_EINVAL,
                                "batch: bad payload length in the operation at byte %zu", at);
        op->data = r->body + r->pos;
        op->len = (size_t)plen;
        r->pos += (size_t)plen;
    }
    r->nops++;
    return 0;
}
