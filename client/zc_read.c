/* zc_read.c: zc_array_read, the read pipeline. Each chunk of the grid that holds selected
 * elements is one pool item: fetch → decode → scatter into the caller's buffer. A chunk that is
 * one GET (an unsharded chunk, or a shard every inner chunk of which is selected) is pipelined
 * with its neighbours on the worker's connection; a shard that is only partly selected is read
 * inner chunk by inner chunk (zc_shard_read.c); a read of a few inner chunks from several
 * shards is one pipelined run of all of them on the calling thread. */
#include "zc_array_impl.h"

#include "zc_chunkio.h"
#include "zc_errmsg.h"
#include "zc_shard_read.h"

static int read_prepare(zc_worker *w, const zc_array *a, const zd_selection *sel,
                        const zd_chunk_part *part, const char *key, void *out, zc_pipe_rq *rq,
                        zd_error *err)
{
    (void)w, (void)out, (void)err;
    if (a->shard && !zc_shard_read_is_whole(a, sel, part)) return ZC_PIPE_ALONE;
    *rq = (zc_pipe_rq){.method = "GET", .key = key};
    return 0;
}

static int read_done(zc_worker *w, const zc_array *a, const zd_selection *sel,
                     const zd_chunk_part *part, const char *key, void *out, const zc_request *rq,
                     zc_response *rs, zd_error *err)
{
    if (a->shard) return zc_shard_read_whole_answer(w, a, key, sel, part, rq, rs, out, err);
    bool direct;
    void *dst =
        zc_decode_target(sel, part, a->elem_size, a->chunk_bytes, out, &w->scratch[0], &direct);
    if (!dst) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    int rc = zc_decode_answer(w, a, a->chain, key, rq, rs, dst, err);
    if (rc == 0 && !direct) zd_part_scatter(sel, part, a->elem_size, dst, out);
    return rc;
}

static int read_chunk(zc_worker *w, const zc_array *a, const zd_selection *sel,
                      const zd_chunk_part *part, const char *key, void *out, zd_error *err)
{
    if (a->shard) return zc_shard_read_part(w, a, key, sel, part, out, err);
    bool direct;
    void *dst =
        zc_decode_target(sel, part, a->elem_size, a->chunk_bytes, out, &w->scratch[0], &direct);
    if (!dst) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    int rc = zc_fetch_decode(w, a, a->chain, key, NULL, NULL, dst, NULL, err);
    if (rc == 0 && !direct) zd_part_scatter(sel, part, a->elem_size, dst, out);
    return rc;
}

static const zc_chunk_ops read_ops = {.prepare = read_prepare,
                                      .done = read_done,
                                      .run = read_chunk,
                                      .few = zc_shard_read_few,
                                      .few_run = zc_shard_read_few_run};

int zc_array_read(zc_array *a, const uint64_t *start, const uint64_t *shape, const uint64_t *step,
                  void *buf)
{
    zd_error err = {0};
    return zc_report(zc_array_each_chunk(a, start, shape, step, &read_ops, buf, &err), &err);
}
