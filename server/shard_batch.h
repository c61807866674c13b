/* shard_batch.h: the body of `POST /shard?batch`, a compact, binary-safe, streamable list of
 * inner-chunk operations applied atomically (format in server/SHARDS.md):
 *
 *   batch = "ZSB1" ndim:u8 op*
 *   op    = 'P' coord:varint{ndim} length:varint payload[length]    put an encoded chunk
 *         | 'D' coord:varint{ndim}                                   delete a chunk
 *
 * varint: unsigned LEB128 (7 bits per byte, low first, high bit = more), at most 10 bytes.
 * Every op is self-delimiting and there is no count or trailer, so a client can stream a
 * batch as it encodes chunks. An empty list of ops is valid (nothing changes). */
#ifndef SHARD_BATCH_H
#define SHARD_BATCH_H

#include "shard_plan.h"
#include "zd_buf.h"
#include "zd_error.h"

#include <stddef.h>
#include <stdint.h>

#define SH_BATCH_MAGIC   "ZSB1"
#define SH_BATCH_MAX_OPS 65536

/* Parse a whole batch body for a shard of `ndim` dimensions into a new array *ops (free()),
 * whose payloads point into body. Malformed framing, a dimension count other than ndim, or
 * more than SH_BATCH_MAX_OPS ops: ZD_EINVAL with the byte offset in the message. Coordinates
 * are not checked against the layout here (sh_plan_check does that). */
int sh_batch_parse(const uint8_t *body, size_t len, int ndim, sh_op **ops, size_t *nops,
                   zd_error *err);

/* Writers (clients, tests): the header, then one call per op. 0 or ZD_ENOMEM. */
int sh_batch_begin(zd_buf *out, int ndim);
int sh_batch_add_put(zd_buf *out, int ndim, const uint64_t *coords, const void *data, size_t len);
int sh_batch_add_delete(zd_buf *out, int ndim, const uint64_t *coords);

#endif
