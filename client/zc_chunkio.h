/* zc_chunkio.h: one worker's chunk-level requests shared by the read and write pipelines:
 * fetch-and-decode (a missing chunk is the fill value), encode-and-store (a chunk equal to the
 * fill value is deleted unless write_empty_chunks), and the Zarr-Shard header that makes
 * shard-endpoint requests self-contained. */
#ifndef ZC_CHUNKIO_H
#define ZC_CHUNKIO_H

#include "zc_array_impl.h"

#include <stdbool.h>

/* GET key (with query, e.g. "chunk=1,2", and extra headers; both may be NULL) and decode it
 * with `chain` into out (the chain's decoded size). 404 fills out with the fill value and sets
 * *found = false (found may be NULL). */
int zc_fetch_decode(zc_worker *w, const zc_array *a, const zd_codec_chain *chain, const char *key,
                    const char *query, const char *headers, void *out, bool *found, zd_error *err);

/* The same for an answer that has already arrived (a pipelined GET rq of key): 404 is the fill
 * value, a 2xx body is decoded, any other status is the error it stands for. */
int zc_decode_answer(zc_worker *w, const zc_array *a, const zd_codec_chain *chain, const char *key,
                     const zc_request *rq, const zc_response *rs, void *out, zd_error *err);

/* Build grid chunk `part` merged with the caller's block `in` (shaped like sel's result) in
 * the worker's chunk buffer (scratch[0]): from the fill value when the part covers the chunk,
 * else from the stored chunk (read-merge). */
int zc_merge_chunk(zc_worker *w, const zc_array *a, const char *key, const zd_selection *sel,
                   const zd_chunk_part *part, const void *in, zd_error *err);

/* Most attempts of zc_update_chunk before it gives up with the 412. */
#define ZC_UPDATE_MAX_TRIES 1000

/* Write part of a partly covered grid chunk with a read-merge-write that loses no concurrent
 * update: the stored chunk is fetched with its ETag, merged with the caller's block and
 * stored (or deleted) with If-Match, or If-None-Match: * when it did not exist; when another
 * writer changed it in between (412) the cycle starts again, after a short random pause that
 * grows with the attempts (as careful clients such as tensorstore do). */
int zc_update_chunk(zc_worker *w, const zc_array *a, const char *key, const zd_selection *sel,
                    const zd_chunk_part *part, const void *in, zd_error *err);

/* Store a whole decoded grid chunk at key: DELETE when it equals the fill value (unless the
 * client writes empty chunks) or when the chain encodes it to nothing (an all-empty shard),
 * PUT the encoded bytes otherwise. */
int zc_store_chunk(zc_worker *w, const zc_array *a, const char *key, const void *chunk,
                   zd_error *err);

/* The request zc_store_chunk sends, described for a pipeline: a PUT of the encoded chunk (kept
 * in the worker's scratch[1]) or a DELETE. */
int zc_store_request(zc_worker *w, const zc_array *a, const char *key, const void *chunk,
                     zc_pipe_rq *rq, zd_error *err);

/* 0 for a 2xx answer to rq, else the error it stands for (pipelined requests' done()). */
int zc_answer_status(const zc_request *rq, const zc_response *rs, zd_error *err);

/* Room for zc_shard_header() and zc_chunk_query() output. */
#define ZC_SHARD_HEADER_MAX (ZD_MAX_DIMS * 21 + 96)
#define ZC_CHUNK_QUERY_MAX  (ZD_MAX_DIMS * 21 + 8)

/* "Zarr-Shard: chunks=A,B; index=end; crc32c=1; endian=little\r\n" for a sharded array. */
int zc_shard_header(const zc_array *a, char *out, size_t cap);

/* "chunk=A,B" for inner chunk `coords` into out[cap]. */
int zc_chunk_query(int ndim, const uint64_t *coords, char *out, size_t cap);

#endif
