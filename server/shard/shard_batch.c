/* shard_batch.c: reads a batch body (common/zd_batch.h) into shard engine operations. */
#include "shard_batch.h"

#include "zd_batch.h"

#include <stdlib.h>
#include <string.h>

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
    zd_batch_reader r;
    int rc = zd_batch_open(&r, body, len, ndim, err);
    size_t n = 0, cap = 0;
    sh_op *v = NULL;
    while (rc == 0 && zd_batch_more(&r)) {
        zd_batch_op in;
        rc = zd_batch_next(&r, &in, err);
        if (rc == 0 && grow(&v, &cap, n + 1))
            rc = zd_error_set(err, ZD_ENOMEM, "batch: no memory for the operations");
        if (rc) break;
        sh_op *op = &v[n++];
        op->kind = in.kind == ZD_BATCH_PUT ? SH_OP_PUT : SH_OP_DELETE;
        memcpy(op->coords, in.coords, sizeof op->coords);
        op->data = in.data;
        op->len = in.len;
    }
    if (rc) {
        free(v);
        return rc;
    }
    *ops = v;
    *nops = n;
    return 0;
}
