/* shard_http.c: the shard endpoints' request logic (see shard_http.h). */
#include "shard_http.h"

#include "shard_batch.h"
#include "hd_status.h"
#include "shard_budget.h"
#include "shard_header.h"
#include "zd_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool sh_http_wants_body(sh_method m)
{
    return m == SH_PUT || m == SH_POST;
}

static void answer(sh_http_response *rs, int status, const char *error)
{
    rs->status = status;
    rs->error = error;
}

/* Map an engine error to a status: coordinates outside the shard are a bad request here. */
static void answer_code(sh_http_response *rs, int rc)
{
    hd_status st = hd_status_of(rc == ZD_ERANGE ? ZD_EINVAL : rc);
    answer(rs, st.status, st.reason);
}

/* What the query names: one inner chunk, several, or a batch (the body). */
typedef struct shard_query {
    enum { Q_CHUNK, Q_CHUNKS, Q_BATCH } kind;
    uint64_t coords[ZD_MAX_DIMS]; /* chunk=, and its C-order position: */
    uint64_t one;
    uint64_t *pos; /* chunks=: C-order positions (allocated) */
    size_t npos;
} shard_query;

/* One inner chunk's coordinates (ndim comma-separated values) as its C-order position. */
static int parse_coords(const char *s, size_t len, const zd_shard_layout *l, const char *what,
                        uint64_t *coords, uint64_t *pos, zd_error *err)
{
    size_t n;
    if (zd_parse_u64_list(s, len, coords, ZD_MAX_DIMS, &n, NULL) != 0)
        return zd_error_set(err, ZD_EINVAL, "%s must be comma-separated coordinates", what);
    if (n != (size_t)l->ndim)
        return zd_error_set(err, ZD_EINVAL, "%s has %zu coordinates, the shard has %d", what, n,
                            l->ndim);
    if (zd_shard_chunk_index(l, coords, pos) != 0)
        return zd_error_set(err, ZD_EINVAL, "%s lies outside the shard", what);
    return 0;
}

/* chunks=C;C;...: up to SH_HTTP_CHUNKS_MAX inner chunks into q->pos. */
static int parse_chunk_list(const char *s, size_t len, const zd_shard_layout *l, shard_query *q,
                            zd_error *err)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ';';
    if (n > SH_HTTP_CHUNKS_MAX)
        return zd_error_set(err, ZD_EINVAL, "chunks= names %zu inner chunks, at most %d at a time",
                            n, SH_HTTP_CHUNKS_MAX);
    if (!(q->pos = malloc(n * sizeof *q->pos)))
        return zd_error_set(err, ZD_ENOMEM, "no memory for %zu inner chunks", n);
    uint64_t coords[ZD_MAX_DIMS];
    char what[48];
    for (const char *c = s, *end = s + len; q->npos < n; q->npos++) {
        const char *semi = memchr(c, ';', (size_t)(end - c));
        size_t clen = semi ? (size_t)(semi - c) : (size_t)(end - c);
        snprintf(what, sizeof what, "inner chunk %zu of chunks=", q->npos + 1);
        int rc = parse_coords(c, clen, l, what, coords, &q->pos[q->npos], err);
        if (rc) return rc;
        c += clen + 1;
    }
    return 0;
}

/* The query: exactly one of chunk=C (coords of ndim values), chunks=C;C;... or batch. The
 * list of chunks= is decoded into memory of its own only when it is there. */
static int parse_query(const sh_http_request *rq, const zd_shard_layout *l, shard_query *q,
                       zd_error *err)
{
    char value[ZD_MAX_DIMS * 21 + 1], flag[16], *list = NULL;
    size_t vlen, flen, llen = 0;
    bool has_chunk = false, has_batch = false, has_chunks = false;
    zd_query_pair chunks;
    int rc = zd_query_get(rq->query, rq->query_len, "chunk", value, sizeof value, &vlen, &has_chunk,
                          NULL);
    if (rc == 0)
        rc = zd_query_get(rq->query, rq->query_len, "batch", flag, sizeof flag, &flen, &has_batch,
                          NULL);
    if (rc == 0) rc = zd_query_find(rq->query, rq->query_len, "chunks", &chunks, &has_chunks, NULL);
    if (rc == 0 && has_chunks && !(list = malloc(chunks.value_len + 1)))
        return zd_error_set(err, ZD_ENOMEM, "no memory for the query");
    if (rc == 0 && has_chunks)
        rc = zd_query_decode(chunks.value, chunks.value_len, list, chunks.value_len, &llen, NULL);
    if (rc) rc = zd_error_set(err, ZD_EINVAL, "malformed query string");
    if (rc == 0 && has_chunk + has_batch + has_chunks != 1)
        rc = zd_error_set(err, ZD_EINVAL,
                          "the query needs exactly one of chunk=C, chunks=C;C;... or batch");
    q->kind = has_batch ? Q_BATCH : has_chunks ? Q_CHUNKS : Q_CHUNK;
    if (rc == 0 && has_chunk) rc = parse_coords(value, vlen, l, "chunk=", q->coords, &q->one, err);
    if (rc == 0 && has_chunks) rc = parse_chunk_list(list, llen, l, q, err);
    free(list);
    return rc;
}

/* The layout: from the Zarr-Shard header, else from the array's zarr.json. */
static int find_layout(const sh_backend *b, const sh_http_request *rq, sh_array_shard *out,
                       zd_error *err)
{
    if (rq->zarr_shard) {
        out->fixed_chunk_bytes = 0;
        return sh_header_parse(rq->zarr_shard, rq->zarr_shard_len, &out->layout, err);
    }
    int rc = b->layout(b->ctx, rq->key, out, err);
    if (rc == ZD_ENOTFOUND) return ZD_EINVAL; /* no layout at all: a bad request */
    return rc == ZD_EUNSUPPORTED ? ZD_ECONFLICT : rc;
}

/* A layout whose index is past the server's limit is refused before anything is read or
 * written: a 1-byte request must not make the server build a 268 MB index. */
static int check_index_size(const sh_backend *b, const zd_shard_layout *l, zd_error *err)
{
    uint64_t entries = l->nchunks * 16;
    if (!b->max_index_bytes || entries <= b->max_index_bytes) return 0;
    return zd_error_set(err, ZD_EOVERFLOW,
                        "the shard has %llu inner chunks, an index of %llu bytes; this server "
                        "allows at most %llu bytes (%llu inner chunks, --max-shard-index)",
                        (unsigned long long)l->nchunks, (unsigned long long)entries,
                        (unsigned long long)b->max_index_bytes,
                        (unsigned long long)(b->max_index_bytes / 16));
}

/* Reserve the request's index memory in the shard index budget: the decoded entries and one
 * more index-sized buffer. When it does not fit, unused cached indexes are given up first;
 * then ZD_EBUSY (503, retry). *reserved is what the caller gives back when done. */
static int reserve_index_memory(const sh_backend *b, const zd_shard_layout *l, uint64_t *reserved,
                                zd_error *err)
{
    uint64_t need = 2 * (uint64_t)zd_shard_index_size(l);
    if (!sh_budget_take(need) && !(b->trim && b->trim(b->ctx, need) && sh_budget_take(need))) {
        sh_budget_count_refusal();
        return zd_error_set(err, ZD_EBUSY,
                            "the server's memory for shard indexes (--shard-index-memory, %llu "
                            "bytes) is in use by other requests; this one needs %llu bytes",
                            (unsigned long long)sh_budget_limit(), (unsigned long long)need);
    }
    *reserved = need;
    return 0;
}

/* Whether every put carries a whole inner chunk of a fixed-size chain. */
static bool whole_chunks(const sh_array_shard *as, const sh_op *ops, size_t n, zd_error *err)
{
    for (size_t i = 0; as->fixed_chunk_bytes && i < n; i++) {
        if (ops[i].kind == SH_OP_PUT && ops[i].len != as->fixed_chunk_bytes) {
            zd_error_set(err, ZD_EINVAL,
                         "a %zu-byte body is not a whole inner chunk (the array's inner codecs "
                         "encode every chunk to %llu bytes)",
                         ops[i].len, (unsigned long long)as->fixed_chunk_bytes);
            return false;
        }
    }
    return true;
}

/* The operations of the request: the parsed batch or one op for ?chunk=. *ops is either
 * `single` or allocated (free it when it is not `single`). */
static int request_ops(const sh_http_request *rq, const zd_shard_layout *l, bool batch,
                       const uint64_t *coords, sh_op *single, sh_op **ops, size_t *n, zd_error *err)
{
    if (batch) {
        if (rq->method != SH_POST) return zd_error_set(err, ZD_EINVAL, "?batch takes POST");
        return sh_batch_parse(rq->body, rq->body_len, l->ndim, ops, n, err);
    }
    if (rq->method != SH_PUT && rq->method != SH_DELETE)
        return zd_error_set(err, ZD_EINVAL, "?chunk= takes GET, HEAD, PUT or DELETE");
    memset(single, 0, sizeof *single);
    single->kind = rq->method == SH_PUT ? SH_OP_PUT : SH_OP_DELETE;
    memcpy(single->coords, coords, (size_t)l->ndim * sizeof *coords);
    single->data = rq->body;
    single->len = rq->body_len;
    *ops = single;
    *n = 1;
    return 0;
}

/* GET ?chunk=: the inner chunk's bytes in out, *len of them; ZD_ENOTFOUND when it is empty.
 * HEAD (out NULL): *len only, nothing read. */
static int read_one(const sh_backend *b, const char *key, const zd_shard_layout *l, uint64_t pos,
                    zd_buf *out, uint64_t *len, zd_error *err)
{
    zd_shard_entry at;
    int rc = b->read(b->ctx, key, l, &pos, 1, out, &at, err);
    if (rc == 0 && at.offset == ZD_SHARD_EMPTY)
        rc = zd_error_set(err, ZD_ENOTFOUND, "the inner chunk is empty");
    *len = rc == 0 ? at.nbytes : 0;
    return rc;
}

/* GET ?chunks=: the inner chunks' bytes one after another, then their index, laid out as a
 * 1-D shard of n inner chunks in the order asked (index at the end, little endian, no crc32c;
 * an empty chunk's entry is 2^64-1 twice), in out, *len bytes. HEAD (out NULL): *len only,
 * from the shard's index; no inner chunk is read. */
static int read_several(const sh_backend *b, const char *key, const zd_shard_layout *l,
                        const uint64_t *pos, size_t n, zd_buf *out, uint64_t *len, zd_error *err)
{
    zd_shard_entry *at = malloc(n * sizeof *at);
    zd_shard_layout answer_layout;
    uint64_t count = n, data = 0;
    int rc = at ? 0 : zd_error_set(err, ZD_ENOMEM, "no memory for %zu index entries", n);
    if (rc == 0) rc = b->read(b->ctx, key, l, pos, n, out, at, err);
    if (rc == ZD_EOVERFLOW) rc = ZD_EINVAL; /* an answer too large: ask for fewer (400) */
    if (rc == 0) rc = zd_shard_layout_init(&answer_layout, 1, &count, true, false, false, err);
    size_t isz = rc == 0 ? zd_shard_index_size(&answer_layout) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) /* where the index goes: past the last chunk */
        if (at[i].offset != ZD_SHARD_EMPTY && at[i].offset + at[i].nbytes > data)
            data = at[i].offset + at[i].nbytes;
    if (rc == 0 && out && zd_buf_reserve(out, isz))
        rc = zd_error_set(err, ZD_ENOMEM, "no memory for a %zu-byte index", isz);
    if (rc == 0 && out) {
        zd_shard_index_encode(&answer_layout, at, out->data + out->len);
        out->len += isz;
    }
    *len = rc == 0 ? data + isz : 0;
    free(at);
    return rc;
}

void sh_http_handle(const sh_backend *b, const sh_http_request *rq, sh_http_response *rs)
{
    zd_buf_reset(&rs->body);
    zd_error_clear(&rs->detail);
    if (rq->method == SH_OTHER) {
        zd_error_set(&rs->detail, ZD_EINVAL, "shard endpoints take GET, HEAD, PUT, DELETE, POST");
        answer(rs, 405, "method not allowed");
        return;
    }
    sh_array_shard as;
    shard_query q = {0};
    uint64_t reserved = 0;
    bool reads = rq->method == SH_GET || rq->method == SH_HEAD;
    int rc = find_layout(b, rq, &as, &rs->detail);
    if (rc == 0) rc = parse_query(rq, &as.layout, &q, &rs->detail);
    if (rc == 0 && q.kind == Q_CHUNKS && !reads)
        rc = zd_error_set(&rs->detail, ZD_EINVAL, "?chunks= takes GET or HEAD");
    if (rc == 0) rc = check_index_size(b, &as.layout, &rs->detail);
    if (rc == 0) rc = reserve_index_memory(b, &as.layout, &reserved, &rs->detail);
    zd_buf *out = rq->method == SH_HEAD ? NULL : &rs->body; /* HEAD: the length only */
    if (rc == 0 && q.kind == Q_CHUNK && reads) {
        rc = read_one(b, rq->key, &as.layout, q.one, out, &rs->length, &rs->detail);
        if (rc == 0) answer(rs, 200, NULL);
    } else if (rc == 0 && q.kind == Q_CHUNKS) {
        rc = read_several(b, rq->key, &as.layout, q.pos, q.npos, out, &rs->length, &rs->detail);
        if (rc == 0) answer(rs, 200, NULL);
    } else if (rc == 0) {
        sh_op single, *ops = NULL;
        size_t n = 0;
        rc = request_ops(rq, &as.layout, q.kind == Q_BATCH, q.coords, &single, &ops, &n,
                         &rs->detail);
        bool whole = rc == 0 && whole_chunks(&as, ops, n, &rs->detail);
        if (whole) rc = b->apply(b->ctx, rq->key, &as.layout, ops, n, rq->may_block, &rs->detail);
        if (ops != &single) free(ops);
        if (rc == 0) answer(rs, whole ? 204 : 422, whole ? NULL : "unprocessable content");
    }
    sh_budget_give(reserved);
    free(q.pos);
    if (rc == ZD_EWOULDBLOCK) {
        rs->status = 0; /* not answered: the caller redoes it where it may block */
        return;
    }
    if (rc) answer_code(rs, rc);
    if (rc == ZD_EBUSY) rs->retry_after = 1;
}
