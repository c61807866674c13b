/* zc_shard_write.h: partial writes of one shard, by the client's shard write mode:
 *   ZC_SHARD_WRITE_SERVER — each touched inner chunk is merged (a partly written one is
 *     fetched with `GET shard?chunk=C` first), encoded with the inner chain and sent to the
 *     shard endpoint: `PUT shard?chunk=C`, or `DELETE shard?chunk=C` when it equals the fill
 *     value; the server places it and rewrites the index.
 *   ZC_SHARD_WRITE_RANGE — client-side sharding over byte-range PATCH (zc_shard_range.c).
 * (ZC_SHARD_WRITE_WHOLE never gets here: it is the plain read-merge-write of zc_write.c.) */
#ifndef ZC_SHARD_WRITE_H
#define ZC_SHARD_WRITE_H

#include "zc_array_impl.h"

/* Write the part of shard `key` described by `part` from `in` (the caller's block). */
int zc_shard_write_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                        const zd_chunk_part *part, const void *in, zd_error *err);

#endif
