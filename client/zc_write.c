/* zc_write.c: zc_array_write, the write pipeline. Each chunk of the grid the block touches is
 * one pool item: gather → encode → send. A chunk the block covers is built from the block and
 * the fill value and stored with one PUT (or DELETE when it is all fill value), pipelined with
 * its neighbours on the worker's connection; a partly covered one is read, merged,
 * re-encoded and stored only if nobody changed it meanwhile (If-Match; zc_update_chunk retries
 * on 412), so concurrent writers of different parts of one chunk lose nothing. Shards go through
 * the client's shard write mode: partly covered ones to the shard endpoints (SERVER,
 * zc_shard_write.c), all of them as fixed-size slots over PATCH (RANGE, zc_shard_range.c), or this
 * same read-merge-write of whole shards (WHOLE). */
#include "zc_array_impl.h"

#include "zc_chunkio.h"
#include "zc_errmsg.h"
#include "zc_shard_write.h"

/* `in` is the caller's const block, passed through zc_array_each_chunk's void pointer. */
static int write_prepare(zc_worker *w, const zc_array *a, const zd_selection *sel,
                         const zd_chunk_part *part, const char *key, void *in, zc_pipe_rq *rq,
                         zd_error *err)
{
    if (!part->covers_chunk ||
        (a->shard && a->client->opts.shard_write_mode == ZC_SHARD_WRITE_RANGE))
        return ZC_PIPE_ALONE;
    int rc = zc_merge_chunk(w, a, key, sel, part, in, err); /* covered: no request */
    return rc < 0 ? rc : zc_store_request(w, a, key, w->scratch[0].data, rq, err);
}

static int write_done(zc_worker *w, const zc_array *a, const zd_selection *sel,
                      const zd_chunk_part *part, const char *key, void *in, const zc_request *rq,
                      zc_response *rs, zd_error *err)
{
    (void)w, (void)a, (void)sel, (void)part, (void)key, (void)in;
    return zc_answer_status(rq, rs, err);
}

static int write_chunk(zc_worker *w, const zc_array *a, const zd_selection *sel,
                       const zd_chunk_part *part, const char *key, void *in, zd_error *err)
{
    zc_shard_write_mode mode = a->client->opts.shard_write_mode;
    if (a->shard && mode == ZC_SHARD_WRITE_RANGE)
        return zc_shard_range_write_part(w, a, key, sel, part, in, err);
    if (a->shard && !part->covers_chunk && mode == ZC_SHARD_WRITE_SERVER)
        return zc_shard_write_part(w, a, key, sel, part, in, err);
    if (!part->covers_chunk) return zc_update_chunk(w, a, key, sel, part, in, err);
    int rc = zc_merge_chunk(w, a, key, sel, part, in, err);
    return rc < 0 ? rc : zc_store_chunk(w, a, key, w->scratch[0].data, err);
}

static const zc_chunk_ops write_ops = {
    .prepare = write_prepare, .done = write_done, .run = write_chunk};

int zc_array_write(zc_array *a, const uint64_t *start, const uint64_t *shape, const void *buf)
{
    zd_error err = {0};
    return zc_report(zc_array_each_chunk(a, start, shape, NULL, &write_ops, (void *)buf, &err),
                     &err);
}
