/* zc_array_impl.h: the inside of a zc_array handle — the parsed zarr.json, chunk grid, codec
 * chain and, for sharded arrays, the shard layout — and the helpers the read and write
 * pipelines share. */
#ifndef ZC_ARRAY_IMPL_H
#define ZC_ARRAY_IMPL_H

#include "zc_client_impl.h"
#include "zc_pool.h"
#include "zd_codec.h"
#include "zd_grid.h"
#include "zd_meta.h"
#include "zd_select.h"

/* How partial shard reads fetch inner chunks (zc_shard_read.c); AUTO unless a measurement
 * tool forces one. */
typedef enum zc_shard_read_mode {
    ZC_SHARD_READ_AUTO,   /* all: the whole shard; up to 128: ?chunks=; more: index + ranges */
    ZC_SHARD_READ_CHUNK,  /* always GET ?chunks= (?chunk= for one), 64 inner chunks a request */
    ZC_SHARD_READ_RANGES, /* always the index, then coalesced byte ranges */
} zc_shard_read_mode;

struct zc_array {
    zc_client *client;
    char path[ZD_MAX_KEY + 1]; /* "" for the root, else no trailing '/' */
    zd_meta *meta;
    zd_grid grid; /* the chunk grid (shards for a sharded array) */
    zd_chunk_spec spec;
    zd_codec_chain *chain;
    size_t elem_size;
    size_t chunk_bytes; /* decoded bytes of one grid chunk */
    /* Sharded arrays (chain is a lone sharding_indexed codec): */
    const zd_shard_layout *shard;
    const zd_codec_chain *inner;
    size_t inner_bytes;                /* decoded bytes of one inner chunk */
    uint64_t inner_shape[ZD_MAX_DIMS]; /* inner chunk extents */
    zc_shard_read_mode shard_read;
};

/* The key of grid chunk `coords` (path + "/" + encoded chunk key) into out[ZD_MAX_KEY + 1]. */
int zc_array_chunk_key(const zc_array *a, const uint64_t *coords, char *out, zd_error *err);

/* Where to decode a grid or inner chunk whose share of sel is part (part placed in out's
 * coordinates): straight into out when the chunk is one contiguous run there (*direct =
 * true, nothing to scatter afterwards), else into scratch, grown to `bytes` (*direct =
 * false; NULL when out of memory). */
void *zc_decode_target(const zd_selection *sel, const zd_chunk_part *part, size_t elem_size,
                       size_t bytes, void *out, zd_buf *scratch, bool *direct);

/* The client's worker pool, started on first use. */
int zc_array_pool(zc_array *a, zc_pool **out, zd_error *err);

/* Called once per grid chunk that holds selected elements, on a pool worker: `part` is that
 * chunk's share of `sel`, `key` its key; arg is what zc_array_each_chunk was given. */
typedef int (*zc_chunk_fn)(zc_worker *w, const zc_array *a, const zd_selection *sel,
                           const zd_chunk_part *part, const char *key, void *arg, zd_error *err);

/* What the read or write pipeline does with one grid chunk. A chunk whose whole work is one
 * idempotent request and the handling of its answer is pipelined with its neighbours on the
 * worker's connection (zc_pipe.h): prepare() describes the request and done() takes the
 * answer (any status). prepare() answers ZC_PIPE_ALONE for a chunk that needs more (a
 * read-merge, a shard endpoint, several requests), which run() then does with plain requests.
 * prepare may be NULL: every chunk goes to run(). */
typedef struct zc_chunk_ops {
    int (*prepare)(zc_worker *w, const zc_array *a, const zd_selection *sel,
                   const zd_chunk_part *part, const char *key, void *arg, zc_pipe_rq *rq,
                   zd_error *err);
    int (*done)(zc_worker *w, const zc_array *a, const zd_selection *sel, const zd_chunk_part *part,
                const char *key, void *arg, const zc_request *rq, zc_response *rs, zd_error *err);
    zc_chunk_fn run;
    /* Optional: few() says whether the whole job (grid chunks coords[0..n)) is small enough to
     * do as one pipelined run on the calling thread, and few_run() does it there (reads of a
     * few inner chunks from several shards: one round trip instead of one per shard). */
    bool (*few)(const zc_array *a, const zd_selection *sel, const uint64_t *coords, size_t n);
    int (*few_run)(zc_worker *w, const zc_array *a, const zd_selection *sel, const uint64_t *coords,
                   size_t n, void *arg, zd_error *err);
} zc_chunk_ops;

/* A job this small runs on the calling thread, as one pipelined batch: its requests leave
 * together and come back together either way, and its decoding is too little to gain from a
 * second thread what the two hand-overs cost (matrix idx/none/mixed, 11 chunks of 1,000
 * bytes: 0.20-0.34 ms on the workers, 0.10-0.14 ms here). Items are grid chunks of an
 * unsharded array, or inner chunks of a sharded one (zc_shard_read_few). */
#define ZC_HERE_ITEMS 16u
#define ZC_HERE_BYTES (64u << 10)

/* Run ops on the worker pool for every grid chunk the block start/shape/step (step may be
 * NULL) touches; the read and write pipelines are this with different callbacks. */
int zc_array_each_chunk(zc_array *a, const uint64_t *start, const uint64_t *shape,
                        const uint64_t *step, const zc_chunk_ops *ops, void *arg, zd_error *err);

#endif
