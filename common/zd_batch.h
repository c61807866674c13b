/* zd_batch.h: the shard batch framing, the body of `POST /shard?batch` (server/SHARDS.md): a
 * compact, binary-safe, streamable list of inner-chunk puts and deletes. One writer (used by
 * the client and tests) and one reader (used by the server and the fuzz harness).
 *
 *   batch = "ZSB1" ndim:u8 op*
 *   op    = 'P' coord:varint{ndim} length:varint payload[length]    put an encoded chunk
 *         | 'D' coord:varint{ndim}                                   delete a chunk
 *
 * varint: unsigned LEB128 (7 bits per byte, low first, high bit = more), at most 10 bytes.
 * Every op is self-delimiting and there is no count or trailer, so a writer can stream a batch
 * as it encodes chunks. An empty list of ops is valid. */
#ifndef ZD_BATCH_H
#define ZD_BATCH_H

#include "zd_buf.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZD_BATCH_MAGIC    "ZSB1"
#define ZD_BATCH_HEAD_LEN 5 /* magic and ndim */
#define ZD_BATCH_MAX_OPS  65536

typedef enum zd_batch_kind { ZD_BATCH_PUT = 'P', ZD_BATCH_DELETE = 'D' } zd_batch_kind;

/* One decoded op; for a put, data points into the body being read. */
typedef struct zd_batch_op {
    zd_batch_kind kind;
    uint64_t coords[ZD_MAX_DIMS];
    const uint8_t *data;
    size_t len;
} zd_batch_op;

/* Writer: the header, then one call per op, appended to out. 0 or ZD_ENOMEM. */
int zd_batch_begin(zd_buf *out, int ndim);
int zd_batch_add_put(zd_buf *out, int ndim, const uint64_t *coords, const void *data, size_t len);
int zd_batch_add_delete(zd_buf *out, int ndim, const uint64_t *coords);

/* Reader over a whole body held in memory; the body must outlive the ops read from it. */
typedef struct zd_batch_reader {
    const uint8_t *body;
    size_t len;
    size_t pos;
    size_t nops;
    int ndim;
} zd_batch_reader;

/* Check the header of a body for a shard of `ndim` dimensions (1..ZD_MAX_DIMS). A wrong magic
 * or a dimension count other than ndim: ZD_EINVAL. */
int zd_batch_open(zd_batch_reader *r, const uint8_t *body, size_t len, int ndim, zd_error *err);

/* Whether ops remain to be read. */
bool zd_batch_more(const zd_batch_reader *r);

/* Read the next op. Malformed framing (unknown kind, a truncated or over-long varint, a
 * payload past the end) or more than ZD_BATCH_MAX_OPS ops: ZD_EINVAL, the message naming the
 * byte offset of the op. Coordinates are not checked against any layout here. */
int zd_batch_next(zd_batch_reader *r, zd_batch_op *op, zd_error *err);

#endif
