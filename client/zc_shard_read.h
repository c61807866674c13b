/* zc_shard_read.h: reading part of one shard without fetching all of it. The inner chunks the
 * selection needs are fetched, decoded with the inner chain and scattered straight into the
 * caller's result:
 *   - up to ZC_SHARD_READ_CHUNK_MAX inner chunks: `GET shard?chunks=C;C;...` (the server
 *     reads its cached index and answers the chunks, of one version of the shard, framed as a
 *     small shard; one of them: `GET shard?chunk=C`), up to ZC_CHUNKS_PER_GET a request,
 *     pipelined on the worker's connection: one round trip for all (and
 *     when a read wants only a few inner chunks of several shards, those of all the shards
 *     together, one request per shard, on the calling thread);
 *   - more: the shard index with a range GET, then the needed inner chunks as byte ranges,
 *     neighbours less than ZC_SHARD_READ_GAP apart coalesced into one range, all ranges in
 *     one multi-range GET (multipart/byteranges answer; 64 ranges per request): two round
 *     trips whatever the number of chunks.
 * client/README.md has the measurements behind the threshold. */
#ifndef ZC_SHARD_READ_H
#define ZC_SHARD_READ_H

#include "zc_array_impl.h"

/* Most inner chunks read with `?chunks=` requests, pipelined (the two ways meet at about 256
 * inner chunks of a shard: client/README.md). */
#define ZC_SHARD_READ_CHUNK_MAX 128

/* Most inner chunks one `?chunks=` request asks for: 64 (its target stays far below the
 * server's 16 KiB header limit), and fewer when they decode to more than ZC_CHUNKS_GET_BYTES,
 * so an answer stays a few MiB (at least one inner chunk a request). */
#define ZC_CHUNKS_PER_GET   64
#define ZC_CHUNKS_GET_BYTES (4u << 20)

/* Ranges closer than this are fetched as one (skipped bytes cost less than a round trip). */
#define ZC_SHARD_READ_GAP (64 * 1024)

/* `chunks=C;C;...` for inner chunks coords[0..n) (nd coordinates each) into q, NUL-terminated. */
int zc_chunks_query(zd_buf *q, int nd, const uint64_t *coords, size_t n, zd_error *err);

/* Where the n inner chunks asked for are in the body of a `?chunks=` answer (a 1-D shard of
 * them, server/SHARDS.md): at[i] (offset into body, nbytes), ZD_SHARD_EMPTY for an empty one.
 * An index that does not fit the body: ZD_ECORRUPT, naming `what` (the request). */
int zc_chunks_locate(const char *what, const zd_buf *body, size_t n, zd_shard_entry *at,
                     zd_error *err);

/* How many inner chunks of a asks for at most (ZC_CHUNKS_PER_GET, ZC_CHUNKS_GET_BYTES). */
size_t zc_chunks_per_get(const zc_array *a);

/* The inner selection of a shard: a selection over the shard (grid: shard shape cut into
 * inner chunks) of the part's region, sharing the outer selection's result shape. */
typedef struct zc_inner_sel {
    zd_selection sel;           /* over the shard */
    zd_selection place;         /* sel's grid, the outer result's out_shape: for scatter/gather */
    uint64_t base[ZD_MAX_DIMS]; /* outer part's out_start */
} zc_inner_sel;

/* Set up the inner selection of outer part `part` of array a. */
int zc_inner_sel_init(zc_inner_sel *is, const zc_array *a, const zd_selection *outer,
                      const zd_chunk_part *part, zd_error *err);

/* Turn an inner part into one that places into the outer result (adds base to out_start). */
void zc_inner_part_place(const zc_inner_sel *is, zd_chunk_part *p);

/* Whether zc_shard_read_part reads this part by fetching the whole shard with one GET (every
 * inner chunk of the shard that lies inside the array is wanted): such a read can be
 * pipelined, finished from the answer by zc_shard_read_whole_answer. */
bool zc_shard_read_is_whole(const zc_array *a, const zd_selection *outer,
                            const zd_chunk_part *part);

/* Finish the read of part from the answer rs to `GET key` (404: no shard, the fill value). */
int zc_shard_read_whole_answer(zc_worker *w, const zc_array *a, const char *key,
                               const zd_selection *outer, const zd_chunk_part *part,
                               const zc_request *rq, const zc_response *rs, void *out,
                               zd_error *err);

/* Read the part of shard `key` described by `part` into out (the outer result). */
int zc_shard_read_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                       const zd_chunk_part *part, void *out, zd_error *err);

/* Whether a read of grid chunks (shards) coords[0..n), n >= 2, wants so few inner chunks that
 * they are best read together: every shard's part is read with `?chunk=` requests, and all of
 * them together are at most ZC_HERE_ITEMS inner chunks of ZC_HERE_BYTES decoded bytes. */
bool zc_shard_read_few(const zc_array *a, const zd_selection *outer, const uint64_t *coords,
                       size_t n);

/* Read them as one pipelined run of `GET shard?chunk=C` on w's connection, whatever shard each
 * is in: one round trip for all, where reading shard by shard costs one per shard. */
int zc_shard_read_few_run(zc_worker *w, const zc_array *a, const zd_selection *outer,
                          const uint64_t *coords, size_t n, void *out, zd_error *err);

#endif
