/* zc_chunkio.c: chunk fetch/decode and encode/store for one worker (see zc_chunkio.h). */
#include "zc_chunkio.h"

#include "zc_request.h"
#include "zd_fill.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Decode a fetched chunk into out, or fill out with the fill value when it was not found. */
static int decode_found(zc_worker *w, const zc_array *a, const zd_codec_chain *chain,
                        const char *key, const char *query, bool found, const zd_buf *body,
                        void *out, zd_error *err)
{
    const zd_chunk_spec *spec = zd_codec_chain_spec(chain);
    size_t n = zd_codec_chain_decoded_size(chain);
    if (!found) {
        zd_fill_buffer(out, n / a->elem_size, spec->dtype, spec->fill);
        return 0;
    }
    int rc = zd_codec_chain_decode(chain, w->ctx, body->data, body->len, out, n, err);
    if (rc < 0) {
        zd_error e = *err;
        zd_error_set(err, rc, "%s%s%s: %s", key, query ? "?" : "", query ? query : "", e.msg);
    }
    return rc;
}

int zc_fetch_decode(zc_worker *w, const zc_array *a, const zd_codec_chain *chain, const char *key,
                    const char *query, const char *headers, void *out, bool *found, zd_error *err)
{
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_key_request(&w->conn, "GET", key, query, headers, NULL, 0, &rs, err);
    if (found) *found = rc == 0;
    if (rc == 0 || rc == ZD_ENOTFOUND)
        rc = decode_found(w, a, chain, key, query, rc == 0, &rs.body, out, err);
    zc_response_free(&rs);
    return rc;
}

int zc_answer_status(const zc_request *rq, const zc_response *rs, zd_error *err)
{
    return rs->status >= 200 && rs->status < 300 ? 0 : zc_status_error(rq, rs, err);
}

int zc_decode_answer(zc_worker *w, const zc_array *a, const zd_codec_chain *chain, const char *key,
                     const zc_request *rq, const zc_response *rs, void *out, zd_error *err)
{
    bool found = rs->status != 404;
    int rc = found ? zc_answer_status(rq, rs, err) : 0;
    return rc < 0 ? rc : decode_found(w, a, chain, key, NULL, found, &rs->body, out, err);
}

int zc_merge_chunk(zc_worker *w, const zc_array *a, const char *key, const zd_selection *sel,
                   const zd_chunk_part *part, const void *in, zd_error *err)
{
    zd_buf *chunk = &w->scratch[0];
    if (zd_buf_reserve(chunk, a->chunk_bytes) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (part->covers_chunk) {
        zd_fill_buffer(chunk->data, a->chunk_bytes / a->elem_size, a->spec.dtype, a->spec.fill);
    } else {
        int rc = zc_fetch_decode(w, a, a->chain, key, NULL, NULL, chunk->data, NULL, err);
        if (rc < 0) return rc;
    }
    zd_part_gather(sel, part, a->elem_size, in, chunk->data);
    return 0;
}

/* Before attempt `attempt` (>= 1) of a conditional update: a random pause of up to
 * 100 µs × attempt, at most 20 ms, so colliding writers spread out. */
static void update_pause(int attempt)
{
    static _Thread_local unsigned seed;
    if (!seed) seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)&seed;
    long max_us = attempt < 200 ? 100L * attempt : 20000L;
    long us = rand_r(&seed) % (max_us + 1);
    struct timespec ts = {0, us * 1000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One read-merge-write attempt; *conflict says it lost a race (412). */
static int update_once(zc_worker *w, const zc_array *a, const char *key, const zd_selection *sel,
                       const zd_chunk_part *part, const void *in, bool *conflict, zd_error *err)
{
    zd_buf *chunk = &w->scratch[0];
    zc_response rs;
    zc_response_init(&rs);
    char cond[ZC_SHARD_HEADER_MAX];
    *conflict = false;
    int rc = zd_buf_reserve(chunk, a->chunk_bytes) < 0
                 ? zd_error_set(err, ZD_ENOMEM, "out of memory")
                 : zc_key_request(&w->conn, "GET", key, NULL, NULL, NULL, 0, &rs, err);
    bool existed = rc == 0;
    if (rc == 0 && !rs.etag[0])
        rc = zd_error_set(err, ZD_EIO, "GET %s: no ETag in the answer", key);
    if (rc == 0 || rc == ZD_ENOTFOUND)
        rc = decode_found(w, a, a->chain, key, NULL, existed, &rs.body, chunk->data, err);
    if (rc == 0) {
        snprintf(cond, sizeof cond, existed ? "If-Match: %s\r\n" : "If-None-Match: *\r\n", rs.etag);
        zd_part_gather(sel, part, a->elem_size, in, chunk->data);
    }
    zc_pipe_rq rq;
    if (rc == 0) rc = zc_store_request(w, a, key, chunk->data, &rq, err);
    if (rc == 0 && !existed && strcmp(rq.method, "DELETE") == 0) { /* still nothing to store */
        zc_response_free(&rs);
        return 0;
    }
    if (rc == 0)
        rc = zc_key_request(&w->conn, rq.method, key, NULL, cond, rq.body, rq.body_len, &rs, err);
    *conflict = rc == ZD_ECONFLICT && rs.status == 412;
    zc_response_free(&rs);
    return rc;
}

int zc_update_chunk(zc_worker *w, const zc_array *a, const char *key, const zd_selection *sel,
                    const zd_chunk_part *part, const void *in, zd_error *err)
{
    for (int attempt = 1;; attempt++) {
        bool conflict;
        int rc = update_once(w, a, key, sel, part, in, &conflict, err);
        if (!conflict || attempt == ZC_UPDATE_MAX_TRIES) return rc;
        update_pause(attempt);
    }
}

int zc_store_request(zc_worker *w, const zc_array *a, const char *key, const void *chunk,
                     zc_pipe_rq *rq, zd_error *err)
{
    zd_buf *enc = &w->scratch[1];
    int rc = 0;
    bool empty =
        !a->client->opts.write_empty_chunks &&
        zd_fill_is_uniform(chunk, a->chunk_bytes / a->elem_size, a->spec.dtype, a->spec.fill);
    if (!empty) {
        rc = zd_codec_chain_encode(a->chain, w->ctx, chunk, a->chunk_bytes, enc, err);
        empty = rc == 0 && enc->len == 0;
    }
    if (rc == 0)
        *rq = empty ? (zc_pipe_rq){.method = "DELETE", .key = key}
                    : (zc_pipe_rq){
                          .method = "PUT", .key = key, .body = enc->data, .body_len = enc->len};
    return rc;
}

int zc_store_chunk(zc_worker *w, const zc_array *a, const char *key, const void *chunk,
                   zd_error *err)
{
    zc_pipe_rq rq;
    int rc = zc_store_request(w, a, key, chunk, &rq, err);
    if (rc < 0) return rc;
    zc_response rs;
    zc_response_init(&rs);
    rc = zc_key_request(&w->conn, rq.method, key, NULL, NULL, rq.body, rq.body_len, &rs, err);
    zc_response_free(&rs);
    return rc;
}

int zc_shard_header(const zc_array *a, char *out, size_t cap)
{
    const zd_shard_layout *l = a->shard;
    size_t n = 0;
    int k = snprintf(out, cap, "Zarr-Shard: chunks=");
    for (int d = 0; k >= 0 && (size_t)k < cap - n && d < l->ndim; d++) {
        n += (size_t)k;
        k = snprintf(out + n, cap - n, "%s%" PRIu64, d ? "," : "", l->chunks[d]);
    }
    if (k >= 0 && (size_t)k < cap - n) {
        n += (size_t)k;
        k = snprintf(out + n, cap - n, "; index=%s; crc32c=%d; endian=%s\r\n",
                     l->index_at_end ? "end" : "start", l->index_crc32c ? 1 : 0,
                     l->index_big_endian ? "big" : "little");
    }
    return k < 0 || (size_t)k >= cap - n ? ZD_EOVERFLOW : 0;
}

int zc_chunk_query(int ndim, const uint64_t *coords, char *out, size_t cap)
{
    size_t n = 0;
    int k = snprintf(out, cap, "chunk=");
    for (int d = 0; k >= 0 && (size_t)k < cap - n && d < ndim; d++) {
        n += (size_t)k;
        k = snprintf(out + n, cap - n, "%s%" PRIu64, d ? "," : "", coords[d]);
    }
    return k < 0 || (size_t)k >= cap - n ? ZD_EOVERFLOW : 0;
}
