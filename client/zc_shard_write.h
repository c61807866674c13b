/* zc_shard_write.h: partial writes of one shard, by the client's shard write mode:
 *   ZC_SHARD_WRITE_SERVER — each touched inner chunk is merged (the partly written ones are
 *     fetched first, up to 64 with one `GET shard?chunks=C;C;...`, all of one version of the
 *     shard) and encoded with the inner chain; all of them go
 *     to the server in one `POST shard?batch` (puts, and deletes for chunks equal to the fill
 *     value), which the server applies atomically under the shard's lock.
 *   ZC_SHARD_WRITE_RANGE — client-side sharding over byte-range PATCH (zc_shard_range.c).
 *   ZC_SHARD_WRITE_WHOLE — the plain read-merge-write of whole shards in zc_write.c. */
#ifndef ZC_SHARD_WRITE_H
#define ZC_SHARD_WRITE_H

#include "zc_array_impl.h"
#include "zc_shard_read.h"

/* Write the part of shard `key` described by `part` from `in` (the caller's block). */
int zc_shard_write_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                        const zd_chunk_part *part, const void *in, zd_error *err);

/* Build inner chunk p in the worker's inner buffer (scratch[2]): from the fill value when p
 * covers it, else from its old encoded bytes (old == NULL: the fill value), then gather the
 * caller's elements into it. *is_fill tells whether the result equals the fill value. */
int zc_inner_merge(zc_worker *w, const zc_array *a, const zc_inner_sel *is, const zd_chunk_part *p,
                   const void *in, const void *old, size_t old_len, bool *is_fill, zd_error *err);

/* Shard write (whole or partial) over byte-range PATCH (zc_shard_range.c). */
int zc_shard_range_write_part(zc_worker *w, const zc_array *a, const char *key,
                              const zd_selection *outer, const zd_chunk_part *part, const void *in,
                              zd_error *err);

#endif
