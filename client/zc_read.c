/* zc_read.c: zc_array_read, the read pipeline. Each chunk of the grid that holds selected
 * elements is one pool item: fetch → decode → scatter into the caller's buffer. A shard that
 * is only partly selected is read inner chunk by inner chunk (zc_shard_read.c). */
#include "zc_array_impl.h"

#include "zc_chunkio.h"
#include "zc_errmsg.h"
#include "zc_shard_read.h"

#include <stdlib.h>

typedef struct read_job {
    const zc_array *a;
    zd_selection sel;
    const uint64_t *coords;
    void *out;
} read_job;

static int read_item(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    read_job *j = arg;
    const zc_array *a = j->a;
    const uint64_t *co = j->coords + i * (size_t)a->grid.ndim;
    zd_chunk_part part;
    char key[ZD_MAX_KEY + 1];
    if (!zd_selection_part(&j->sel, co, &part)) return 0;
    int rc = zc_array_chunk_key(a, co, key, err);
    if (rc < 0) return rc;
    if (a->shard) return zc_shard_read_part(w, a, key, &j->sel, &part, j->out, err);
    zd_buf *chunk = &w->scratch[0];
    if (zd_buf_reserve(chunk, a->chunk_bytes) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    rc = zc_fetch_decode(w, a, a->chain, key, NULL, NULL, chunk->data, NULL, err);
    if (rc == 0) zd_part_scatter(&j->sel, &part, a->elem_size, chunk->data, j->out);
    return rc;
}

int zc_array_read(zc_array *a, const uint64_t *start, const uint64_t *shape, const uint64_t *step,
                  void *buf)
{
    zd_error err = {0};
    read_job j = {.a = a, .out = buf};
    uint64_t *coords = NULL;
    size_t n = 0;
    zc_pool *pool = NULL;
    int rc = zc_array_plan(a, start, shape, step, &j.sel, &coords, &n, &err);
    if (rc == 0) rc = zc_array_pool(a, &pool, &err);
    j.coords = coords;
    if (rc == 0) rc = zc_pool_run(pool, n, read_item, &j, &err);
    free(coords);
    return zc_report(rc, &err);
}
