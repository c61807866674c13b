/* shard_backend.h: the shard endpoints' one interface over either store. The endpoints
 * (api/native/shard_http.c) ask a backend for a shard's layout, read inner chunks and apply
 * a batch of puts and deletes; sh_backend_open builds the backend the store calls for:
 *   - a store that keeps files (st_store.files, the fs store): the file engine (shard_engine.h)
 *     over its key space, journaled, patching shards in place, with layouts from zarr.json
 *     through a cache of parsed files (shard_meta.h); opening it replays the journal, so call
 *     it before the first request;
 *   - any other store (memory): copy-on-write of whole values through the store's own
 *     operations (shard_mem.h).
 * Both answer with the same ZD_E* codes (see shard_engine.h), so the endpoints map them to the
 * same statuses whatever the store. main.c opens it once and hands it to every worker. */
#ifndef SHARD_BACKEND_H
#define SHARD_BACKEND_H

#include "shard_engine.h"
#include "shard_meta.h"
#include "store.h"

typedef struct sh_backend {
    void *ctx;
    /* The layout of the array that claims key as a chunk key (sh_meta_lookup's codes). */
    int (*layout)(void *ctx, const char *key, sh_array_shard *out, zd_error *err);
    /* Inner chunks pos[0..n) of one version of the shard at key, as sh_engine_read. */
    int (*read)(void *ctx, const char *key, const zd_shard_layout *l, const uint64_t *pos, size_t n,
                zd_buf *out, zd_shard_entry *at, zd_error *err);
    /* may_block false (an event loop): ZD_EWOULDBLOCK, nothing changed, when the change is more
     * than small writes into the page cache (sh_engine_apply_now); redo it on an I/O thread. */
    int (*apply)(void *ctx, const char *key, const zd_shard_layout *l, const sh_op *ops, size_t n,
                 bool may_block, zd_error *err);
    void (*close)(void *ctx); /* NULL: nothing to release */
    /* Give unused cached indexes back to the shard index budget (shard_budget.h), at least
     * `want` bytes if it can; returns the bytes freed. */
    uint64_t (*trim)(void *ctx, uint64_t want);
    uint64_t max_index_bytes; /* largest index (entries) a shard may have; 0: no limit */
} sh_backend;

/* The backend over store (which must outlive it); opts (may be NULL) tune the file engine and
 * set the limits (max_index_bytes; index_memory, the shard index budget: shard_budget.h). */
int sh_backend_open(st_store *store, const sh_engine_opts *opts, sh_backend *out, zd_error *err);
void sh_backend_close(sh_backend *b);

#endif
