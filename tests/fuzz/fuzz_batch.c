/* fuzz_batch.c: libFuzzer harness for the binary body of POST ?batch (server shard_batch.c).
 * The first byte picks the shard's rank (1..ZD_MAX_DIMS), the rest is the body. Checks that
 * every op's payload lies inside the body and that writing the ops again with the batch
 * writer parses back to the same ops. */
#include "shard_batch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_op(const sh_op *a, const sh_op *b, int ndim)
{
    return a->kind == b->kind && memcmp(a->coords, b->coords, sizeof a->coords[0] * ndim) == 0 &&
           a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sh_op *ops = NULL, *again = NULL;
    size_t nops = 0, nagain = 0;
    zd_buf out = {0};
    if (size < 1) return 0;
    int ndim = 1 + data[0] % ZD_MAX_DIMS;
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    if (sh_batch_parse(body, len, ndim, &ops, &nops, NULL) != 0) return 0;
    if (nops > SH_BATCH_MAX_OPS || sh_batch_begin(&out, ndim) != 0) abort();
    for (size_t i = 0; i < nops; i++) {
        const sh_op *op = &ops[i];
        if (op->kind == SH_OP_PUT) {
            if (op->len > len || (op->len && (op->data < body || op->data + op->len > body + len)))
                abort();
            if (sh_batch_add_put(&out, ndim, op->coords, op->data, op->len) != 0) abort();
        } else if (op->kind != SH_OP_DELETE || sh_batch_add_delete(&out, ndim, op->coords) != 0) {
            abort();
        }
    }
    if (sh_batch_parse(out.data, out.len, ndim, &again, &nagain, NULL) != 0 || nagain != nops)
        abort();
    for (size_t i = 0; i < nops; i++)
        if (!same_op(&ops[i], &again[i], ndim)) abort();
    free(ops);
    free(again);
    zd_buf_free(&out);
    return 0;
}
