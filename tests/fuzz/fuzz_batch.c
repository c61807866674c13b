/* fuzz_batch.c: libFuzzer harness for the binary body of POST ?batch (common/zd_batch.c, the
 * reader the server uses). The first byte picks the shard's rank (1..ZD_MAX_DIMS), the rest is
 * the body. Checks that every op's payload lies inside the body, that no more than
 * ZD_BATCH_MAX_OPS ops are read, and that writing the ops again with the batch writer reads
 * back to the same ops. */
#include "zd_batch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_op(const zd_batch_op *a, const zd_batch_op *b, int ndim)
{
    return a->kind == b->kind && memcmp(a->coords, b->coords, sizeof a->coords[0] * ndim) == 0 &&
           a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Writes op to out; aborts when the op is not one the reader may produce. */
static void rewrite(zd_buf *out, int ndim, const zd_batch_op *op, const uint8_t *body, size_t len)
{
    if (op->kind == ZD_BATCH_PUT) {
        if (op->len > len || (op->len && (op->data < body || op->data + op->len > body + len)))
            abort();
        if (zd_batch_add_put(out, ndim, op->coords, op->data, op->len) != 0) abort();
    } else if (op->kind != ZD_BATCH_DELETE || op->len != 0 ||
               zd_batch_add_delete(out, ndim, op->coords) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int ndim = 1 + data[0] % ZD_MAX_DIMS;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    zd_batch_reader r;
    if (zd_batch_open(&r, body, len, ndim, NULL) != 0) return 0;
    zd_buf out = {0};
    if (zd_batch_begin(&out, ndim) != 0) abort();
    while (zd_batch_more(&r)) {
        zd_batch_op op;
        if (zd_batch_next(&r, &op, NULL) != 0) {
            zd_buf_free(&out);
            return 0;
        }
        rewrite(&out, ndim, &op, body, len);
    }
    if (r.nops > ZD_BATCH_MAX_OPS) abort();
    zd_batch_reader a, b;
    if (zd_batch_open(&a, body, len, ndim, NULL) != 0 ||
        zd_batch_open(&b, out.data, out.len, ndim, NULL) != 0)
        abort();
    while (zd_batch_more(&a)) {
        zd_batch_op x, y;
        if (zd_batch_next(&a, &x, NULL) != 0 || !zd_batch_more(&b) ||
            zd_batch_next(&b, &y, NULL) != 0 || !same_op(&x, &y, ndim))
            abort();
    }
    if (zd_batch_more(&b)) abort();
    zd_buf_free(&out);
    return 0;
}
