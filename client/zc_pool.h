/* zc_pool.h: the client's worker pool. `max_workers` threads, each with its own keep-alive
 * connection and its own codec context, run jobs: a job is `nitems` independent items (one
 * chunk's whole life each) and a function applied to each. Workers claim items in batches
 * from a shared counter (guided self-scheduling: a batch is a share of what is left, so the
 * per-claim cost — one mutex round trip — stays negligible next to a chunk's network round
 * trip, and the tail stays balanced). Several jobs (from several calling threads) queue up
 * and are served in order. After the first failing item the rest of the job is skipped.
 * A job of one item runs on the calling thread instead, with worker state kept for callers
 * (one per thread calling at the same time): a hand-over would cost two thread switches; so
 * does any job its caller asks to run there (zc_pool_run_here). */
#ifndef ZC_POOL_H
#define ZC_POOL_H

#include "zc_conn.h"
#include "zc_pipe.h"
#include "zd_codec.h"

#include <stddef.h>

typedef struct zc_worker {
    zc_conn conn;
    zd_codec_ctx *ctx;
    /* Per-worker buffers, reused across items: [0] a decoded grid chunk (or shard),
     * [1] encoded bytes, [2] a decoded inner chunk. */
    zd_buf scratch[3];
    zc_pipe pipe;  /* pipelining state for the worker's connection */
    zc_pipe inner; /* ... for the requests of one item run alone from inside `pipe` (the
                      inner chunks of a partial shard read) */
} zc_worker;

typedef struct zc_pool zc_pool;

/* The function run for each item; 0 or a negative code with err filled. */
typedef int (*zc_item_fn)(zc_worker *w, size_t item, void *arg, zd_error *err);

/* The function run for each batch of consecutive items a worker claims, [first, first +
 * count): lets a worker pipeline the batch's requests (zc_pipe.h). */
typedef int (*zc_batch_fn)(zc_worker *w, size_t first, size_t count, void *arg, zd_error *err);

/* Start n >= 1 workers whose connections use cfg (which must outlive the pool). */
int zc_pool_new(const zc_conn_cfg *cfg, int n, zc_pool **out, zd_error *err);

/* Stop and join the workers (after the queued jobs are finished) and free the pool. */
void zc_pool_free(zc_pool *p);

/* Run fn(worker, i, arg) for every i in [0, nitems) on the workers and wait. Returns 0 or the
 * first failure's code, with its message in err. */
int zc_pool_run(zc_pool *p, size_t nitems, zc_item_fn fn, void *arg, zd_error *err);

/* The same with a function per claimed batch of items. */
int zc_pool_run_batches(zc_pool *p, size_t nitems, zc_batch_fn fn, void *arg, zd_error *err);

/* Run the whole job as one batch on the calling thread (with worker state kept for callers):
 * for a job too small to gain from a second thread what two thread switches cost. Falls back
 * to zc_pool_run_batches when no caller state can be made. */
int zc_pool_run_here(zc_pool *p, size_t nitems, zc_batch_fn fn, void *arg, zd_error *err);

/* Cap on the items a worker claims at once (default ZC_POOL_MAX_BATCH); for measurements. */
#define ZC_POOL_MAX_BATCH 64
void zc_pool_set_max_batch(zc_pool *p, size_t max_batch);

/* Number of workers. */
int zc_pool_size(const zc_pool *p);

#endif
