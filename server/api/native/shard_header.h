/* shard_header.h: the `Zarr-Shard` request header, which makes a shard request
 * self-contained (a router can hash on the shard key alone and the server needs no zarr.json):
 *
 *   Zarr-Shard: chunks=4,4,2; index=end; crc32c=1; endian=little
 *
 * Parameters are separated by ';' with optional spaces or tabs around them; names are
 * case-insensitive; each at most once. `chunks` (inner chunks per shard along each dimension)
 * is required; `index` is `start` or `end` (default end), `crc32c` 0 or 1 (default 1: the
 * index_codecs end with crc32c, as zarr-python writes them), `endian` the index bytes codec's
 * endianness, `little` (default) or `big`. Anything else is ZD_EINVAL (400). */
#ifndef SHARD_HEADER_H
#define SHARD_HEADER_H

#include "zd_error.h"
#include "zd_shard_index.h"

#include <stddef.h>

#define SH_HEADER_MAX 1024 /* longest accepted header value */

int sh_header_parse(const char *value, size_t len, zd_shard_layout *out, zd_error *err);

#endif
