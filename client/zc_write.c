/* zc_write.c: zc_array_write, the write pipeline. Each chunk of the grid the block touches is
 * one pool item: gather → encode → send. A chunk the block covers is built from the block and
 * the fill value; a partly covered one is read, merged and re-encoded first. Shards go through
 * the client's shard write mode: partly covered ones to the shard endpoints (SERVER,
 * zc_shard_write.c), all of them as fixed-size slots over PATCH (RANGE, zc_shard_range.c), or
 * this same read-merge-write of whole shards (WHOLE). */
#include "zc_array_impl.h"

#include "zc_chunkio.h"
#include "zc_errmsg.h"
#include "zc_shard_write.h"

#include <stdlib.h>

typedef struct write_job {
    const zc_array *a;
    zd_selection sel;
    const uint64_t *coords;
    const void *in;
} write_job;

static int write_item(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    write_job *j = arg;
    const zc_array *a = j->a;
    const uint64_t *co = j->coords + i * (size_t)a->grid.ndim;
    zd_chunk_part part;
    char key[ZD_MAX_KEY + 1];
    if (!zd_selection_part(&j->sel, co, &part)) return 0;
    int rc = zc_array_chunk_key(a, co, key, err);
    if (rc < 0) return rc;
    zc_shard_write_mode mode = a->client->opts.shard_write_mode;
    if (a->shard && mode == ZC_SHARD_WRITE_RANGE)
        return zc_shard_range_write_part(w, a, key, &j->sel, &part, j->in, err);
    if (a->shard && !part.covers_chunk && mode == ZC_SHARD_WRITE_SERVER)
        return zc_shard_write_part(w, a, key, &j->sel, &part, j->in, err);
    if ((rc = zc_merge_chunk(w, a, key, &j->sel, &part, j->in, err)) < 0) return rc;
    return zc_store_chunk(w, a, key, w->scratch[0].data, err);
}

int zc_array_write(zc_array *a, const uint64_t *start, const uint64_t *shape, const void *buf)
{
    zd_error err = {0};
    write_job j = {.a = a, .in = buf};
    uint64_t *coords = NULL;
    size_t n = 0;
    zc_pool *pool = NULL;
    int rc = zc_array_plan(a, start, shape, NULL, &j.sel, &coords, &n, &err);
    if (rc == 0) rc = zc_array_pool(a, &pool, &err);
    j.coords = coords;
    if (rc == 0) rc = zc_pool_run(pool, n, write_item, &j, &err);
    free(coords);
    return zc_report(rc, &err);
}
