/* shard_batch.h: turns the body of `POST /shard?batch` into the shard engine's operations.
 * The framing itself (magic, LEB128 coordinates and lengths) is common/zd_batch.h, shared
 * with the client's writer. */
#ifndef SHARD_BATCH_H
#define SHARD_BATCH_H

#include "shard_plan.h"
#include "zd_error.h"

#include <stddef.h>
#include <stdint.h>

/* Parse a whole batch body for a shard of `ndim` dimensions into a new array *ops (free()),
 * whose payloads point into body. Malformed framing, a dimension count other than ndim, or
 * more than ZD_BATCH_MAX_OPS ops: ZD_EINVAL with the byte offset in the message, and *ops
 * NULL. Coordinates are not checked against the layout here (sh_plan_check does that). */
int sh_batch_parse(const uint8_t *body, size_t len, int ndim, sh_op **ops, size_t *nops,
                   zd_error *err);

#endif
