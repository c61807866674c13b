/* shard_batch.c: the shard batch framing (see shard_batch.h). */
#include "shard_batch.h"

#include <stdlib.h>
#include <string.h>

#define OP_PUT    'P'
#define OP_DELETE 'D'

static int read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        if (*pos >= len) return ZD_EINVAL;
        uint8_t byte = p[(*pos)++];
        if (i == 9 && byte > 1) return ZD_EINVAL; /* more than 64 bits */
        v |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return ZD_EINVAL;
}

static int grow(sh_op **ops, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap * 2 : 16;
    sh_op *p = realloc(*ops, n * sizeof *p);
    if (!p) return ZD_ENOMEM;
    *ops = p;
    *cap = n;
    return 0;
}

int sh_batch_parse(const uint8_t *body, size_t len, int ndim, sh_op **ops, size_t *nops,
                   zd_error *err)
{
    *ops = NULL;
    *nops = 0;
    if (len < 5 || memcmp(body, SH_BATCH_MAGIC, 4) != 0)
        return zd_error_set(err, ZD_EINVAL, "batch: body must start with \"%s\" and ndim",
                            SH_BATCH_MAGIC);
    if (body[4] != ndim)
        return zd_error_set(err, ZD_EINVAL, "batch: %u dimensions, the shard has %d", body[4],
                            ndim);
    size_t pos = 5, n = 0, cap = 0;
    sh_op *v = NULL;
    int rc = 0;
    while (pos < len && rc == 0) {
        size_t at = pos;
        if (n == SH_BATCH_MAX_OPS) {
            rc = zd_error_set(err, ZD_EINVAL, "batch: more than %d operations", SH_BATCH_MAX_OPS);
            break;
        }
        if (grow(&v, &cap, n + 1)) {
            rc = zd_error_set(err, ZD_ENOMEM, "batch: no memory for the operations");
            break;
        }
        sh_op *op = &v[n];
        memset(op, 0, sizeof *op);
        uint8_t kind = body[pos++];
        if (kind != OP_PUT && kind != OP_DELETE) {
            rc = zd_error_set(err, ZD_EINVAL, "batch: unknown operation at byte %zu", at);
            break;
        }
        op->kind = kind == OP_PUT ? SH_OP_PUT : SH_OP_DELETE;
        for (int d = 0; d < ndim && rc == 0; d++)
            if (read_varint(body, len, &pos, &op->coords[d]))
                rc = zd_error_set(err, ZD_EINVAL,
                                  "batch: bad coordinate in the operation at "
                                  "byte %zu",
                                  at);
        if (rc == 0 && kind == OP_PUT) {
            uint64_t plen;
            if (read_varint(body, len, &pos, &plen) || plen > len - pos)
                rc = zd_error_set(err, ZD_EINVAL,
                                  "batch: bad payload length in the operation at byte %zu", at);
            else {
                op->data = body + pos;
                op->len = (size_t)plen;
                pos += (size_t)plen;
            }
        }
        n++;
    }
    if (rc) {
        free(v);
        return rc;
    }
    *ops = v;
    *nops = n;
    return 0;
}

static int put_varint(zd_buf *out, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    return zd_buf_append(out, b, n);
}

int sh_batch_begin(zd_buf *out, int ndim)
{
    uint8_t head[5] = {'Z', 'S', 'B', '1', (uint8_t)ndim};
    return zd_buf_append(out, head, sizeof head);
}

static int add_op(zd_buf *out, uint8_t kind, int ndim, const uint64_t *coords)
{
    int rc = zd_buf_append(out, &kind, 1);
    for (int d = 0; d < ndim && rc == 0; d++)
        rc = put_varint(out, coords[d]);
    return rc;
}

int sh_batch_add_put(zd_buf *out, int ndim, const uint64_t *coords, const void *data, size_t len)
{
    int rc = add_op(out, OP_PUT, ndim, coords);
    if (rc == 0) rc = put_varint(out, len);
    return rc ? rc : zd_buf_append(out, data, len);
}

int sh_batch_add_delete(zd_buf *out, int ndim, const uint64_t *coords)
{
    return add_op(out, OP_DELETE, ndim, coords);
}
