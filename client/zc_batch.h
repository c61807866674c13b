/* zc_batch.h: the client's accumulator for `POST /shard?batch` bodies: appends inner-chunk
 * puts and deletes with the shared writer (common/zd_batch.h) and says when a body is big
 * enough to send. The server takes at most ZD_BATCH_MAX_OPS ops per batch; callers send a
 * batch when zc_batch_full() says so and start another. */
#ifndef ZC_BATCH_H
#define ZC_BATCH_H

#include "zd_batch.h"
#include "zd_buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZC_BATCH_MAX_BYTES (32u << 20) /* keep bodies well under the server's --max-body */

typedef struct zc_batch {
    zd_buf body;
    int ndim;
    size_t nops;
} zc_batch;

/* Start (or restart) a batch for shards of ndim dimensions. 0 or ZD_ENOMEM. */
int zc_batch_begin(zc_batch *b, int ndim);

/* Append a put of `len` encoded bytes / a delete of the inner chunk at coords. */
int zc_batch_put(zc_batch *b, const uint64_t *coords, const void *data, size_t len);
int zc_batch_delete(zc_batch *b, const uint64_t *coords);

/* Whether the batch should be sent before more ops are added. */
bool zc_batch_full(const zc_batch *b);

void zc_batch_free(zc_batch *b);

#endif
