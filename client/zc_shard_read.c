/* zc_shard_read.c: partial shard reads (see zc_shard_read.h). */
#include "zc_shard_read.h"

#include "zc_chunkio.h"
#include "zc_request.h"
#include "zd_checked.h"
#include "zd_fill.h"
#include "zd_multipart.h"
#include "zd_range.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zc_inner_sel_init(zc_inner_sel *is, const zc_array *a, const zd_selection *outer,
                      const zd_chunk_part *part, zd_error *err)
{
    zd_grid g;
    int nd = a->grid.ndim;
    int rc = zd_grid_init(&g, nd, a->spec.shape, a->inner_shape, err);
    if (rc == 0) rc = zd_selection_init(&is->sel, &g, part->region, err);
    if (rc < 0) return rc;
    is->place = is->sel;
    memcpy(is->place.out_shape, outer->out_shape, sizeof is->place.out_shape);
    memcpy(is->base, part->out_start, sizeof is->base);
    return 0;
}

void zc_inner_part_place(const zc_inner_sel *is, zd_chunk_part *p)
{
    for (int d = 0; d < is->sel.grid.ndim; d++)
        p->out_start[d] += is->base[d];
}

/* GET a byte range of key into rs; checks the answer is that range. */
static int get_range(zc_worker *w, const char *key, const char *range, uint64_t expect_len,
                     zc_response *rs, zd_error *err)
{
    char hdr[96];
    snprintf(hdr, sizeof hdr, "Range: bytes=%s\r\n", range);
    int rc = zc_key_request(&w->conn, "GET", key, NULL, hdr, NULL, 0, rs, err);
    if (rc == 0 && (rs->status != 206 || rs->body.len != expect_len))
        rc = zd_error_set(err, ZD_ECORRUPT, "%s: range %s answered with %d, %zu bytes", key, range,
                          rs->status, rs->body.len);
    return rc;
}

typedef struct wanted {
    uint64_t *index;  /* linear inner chunk index */
    uint64_t *coords; /* ndim per chunk */
    size_t n;
} wanted;

/* Room for count more inner chunks in wt (nd coordinates each). */
static int wanted_grow(wanted *wt, size_t count, int nd, zd_error *err)
{
    size_t cap = wt->n + count, bytes;
    uint64_t *index, *coords;
    if (cap < count || !zd_mul_size(cap ? cap : 1, (size_t)nd * sizeof *coords, &bytes))
        return zd_error_set(err, ZD_EOVERFLOW, "too many inner chunks");
    if (!(index = realloc(wt->index, (cap ? cap : 1) * sizeof *index)))
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    wt->index = index;
    if (!(coords = realloc(wt->coords, bytes)))
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    wt->coords = coords;
    return 0;
}

/* Append the inner chunks of is (count of them at most) to wt. */
static int wanted_append(const zc_array *a, const zc_inner_sel *is, uint64_t count, wanted *wt,
                         zd_error *err)
{
    int nd = a->grid.ndim;
    if (count > a->shard->nchunks) return zd_error_set(err, ZD_EOVERFLOW, "too many inner chunks");
    int rc = wanted_grow(wt, (size_t)count, nd, err);
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &is->sel);
    for (size_t end = wt->n + (size_t)count; rc == 0 && wt->n < end && zd_chunk_iter_next(&it, &p);
         wt->n++) {
        if (zd_shard_chunk_index(a->shard, p.coords, &wt->index[wt->n]) < 0)
            return zd_error_set(err, ZD_ERANGE, "inner chunk outside the shard");
        memcpy(wt->coords + wt->n * (size_t)nd, p.coords, (size_t)nd * sizeof(uint64_t));
    }
    return rc;
}

static int collect_wanted(const zc_array *a, const zc_inner_sel *is, wanted *wt, zd_error *err)
{
    uint64_t count;
    if (zd_selection_count_chunks(&is->sel, &count) < 0)
        return zd_error_set(err, ZD_EOVERFLOW, "too many inner chunks");
    return wanted_append(a, is, count, wt, err);
}

/* Decode inner chunk bytes (or the fill value when data is NULL) and scatter it (or decode it
 * straight into its place, zc_decode_target). */
static int place_inner(zc_worker *w, const zc_array *a, const zc_inner_sel *is,
                       const uint64_t *coords, const uint8_t *data, size_t len, void *out,
                       zd_error *err)
{
    zd_chunk_part p;
    zd_selection_part(&is->sel, coords, &p);
    zc_inner_part_place(is, &p);
    bool direct;
    void *dst = zc_decode_target(&is->place, &p, a->elem_size, a->inner_bytes, out, &w->scratch[2],
                                 &direct);
    if (!dst) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (!data) {
        zd_fill_buffer(dst, a->inner_bytes / a->elem_size, a->spec.dtype, a->spec.fill);
    } else {
        int rc = zd_codec_chain_decode(a->inner, w->ctx, data, len, dst, a->inner_bytes, err);
        if (rc < 0) return rc;
    }
    if (!direct) zd_part_scatter(&is->place, &p, a->elem_size, dst, out);
    return 0;
}

/* Find each wanted range's bytes in a 206 answer: one part (Content-Range) or a
 * multipart/byteranges body. */
static int split_ranges(const char *key, const zc_response *rs, const zd_codec_range *want,
                        size_t n, const uint8_t **data_of, zd_error *err)
{
    zd_byterange_part parts[ZD_MAX_PARTS];
    size_t nparts = 0;
    zd_content_type ct;
    if (rs->status != 206)
        return zd_error_set(err, ZD_ECORRUPT, "%s: ranges answered with %d", key, rs->status);
    if (zd_content_type_parse(rs->content_type, strlen(rs->content_type), &ct, NULL) == 0 &&
        zd_content_type_is(&ct, "multipart/byteranges")) {
        int rc = zd_multipart_parse(rs->body.data, rs->body.len, ct.boundary, ct.boundary_len,
                                    parts, ZD_MAX_PARTS, &nparts, err);
        if (rc < 0) return rc;
    } else {
        uint64_t first, last;
        if (zc_content_range(rs->content_range, &first, &last, NULL) < 0 ||
            last - first + 1 != rs->body.len)
            return zd_error_set(err, ZD_ECORRUPT, "%s: bad Content-Range '%s'", key,
                                rs->content_range);
        parts[0] = (zd_byterange_part){
            .first = first, .last = last, .data = rs->body.data, .len = rs->body.len};
        nparts = 1;
    }
    for (size_t r = 0; r < n; r++) {
        data_of[r] = NULL;
        for (size_t p = 0; p < nparts && !data_of[r]; p++)
            if (parts[p].first <= want[r].offset &&
                want[r].offset + want[r].nbytes - 1 <= parts[p].last)
                data_of[r] = parts[p].data + (want[r].offset - parts[p].first);
        if (!data_of[r])
            return zd_error_set(err, ZD_ECORRUPT, "%s: the answer lacks bytes %" PRIu64 "-%" PRIu64,
                                key, want[r].offset, want[r].offset + want[r].nbytes - 1);
    }
    return 0;
}

/* Fetch ranges[0..n) of key, up to ZD_MAX_RANGES per request (one multipart/byteranges
 * answer each); data_of[r] points at range r's bytes inside groups[] (n / ZD_MAX_RANGES
 * rounded up responses, freed by the caller). */
static int fetch_ranges(zc_worker *w, const char *key, const zd_codec_range *ranges, size_t n,
                        const uint8_t **data_of, zc_response *groups, zd_error *err)
{
    zd_buf hdr = {0};
    int rc = 0;
    for (size_t g = 0, r0 = 0; rc == 0 && r0 < n; g++, r0 += ZD_MAX_RANGES) {
        size_t cnt = n - r0 < ZD_MAX_RANGES ? n - r0 : ZD_MAX_RANGES;
        zd_buf_reset(&hdr);
        rc = zd_buf_append_str(&hdr, "Range: bytes=");
        for (size_t r = r0; rc == 0 && r < r0 + cnt; r++)
            rc = zd_buf_appendf(&hdr, "%s%" PRIu64 "-%" PRIu64, r > r0 ? "," : "", ranges[r].offset,
                                ranges[r].offset + ranges[r].nbytes - 1);
        if (rc == 0) rc = zd_buf_append(&hdr, "\r\n", 3); /* with the NUL */
        if (rc < 0) {
            rc = zd_error_set(err, rc, "out of memory");
            break;
        }
        zc_response *rs = &groups[g];
        rc = zc_key_request(&w->conn, "GET", key, NULL, (const char *)hdr.data, NULL, 0, rs, err);
        if (rc == 0) rc = split_ranges(key, rs, ranges + r0, cnt, data_of + r0, err);
    }
    zd_buf_free(&hdr);
    return rc;
}

/* Index + coalesced range reads of wanted chunks. */
static int read_ranges(zc_worker *w, const zc_array *a, const char *key, const zc_inner_sel *is,
                       const wanted *wt, void *out, zd_error *err)
{
    const zd_shard_layout *l = a->shard;
    size_t isz = zd_shard_index_size(l);
    char range[64];
    if (l->index_at_end)
        snprintf(range, sizeof range, "-%zu", isz);
    else
        snprintf(range, sizeof range, "0-%zu", isz - 1);
    zc_response rs;
    zc_response_init(&rs);
    zd_shard_entry *entries = malloc(l->nchunks * sizeof *entries);
    zd_codec_range *ranges = malloc(wt->n * sizeof *ranges);
    size_t *range_of = malloc(wt->n * sizeof *range_of);
    zc_response *groups = NULL;
    const uint8_t **data_of = NULL;
    size_t nranges = 0, ngroups = 0;
    uint64_t shard_size = 0, first, last;
    int rc = entries && ranges && range_of ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (rc == 0) rc = get_range(w, key, range, isz, &rs, err);
    if (rc == 0 && zc_content_range(rs.content_range, &first, &last, &shard_size) < 0)
        rc = zd_error_set(err, ZD_ECORRUPT, "%s: bad Content-Range '%s'", key, rs.content_range);
    if (rc == 0) rc = zd_shard_index_decode(l, rs.body.data, rs.body.len, shard_size, entries, err);
    if (rc == 0)
        rc = zd_codec_shard_plan(l, entries, wt->index, wt->n, ZC_SHARD_READ_GAP, ranges, &nranges,
                                 range_of, err);
    ngroups = (nranges + ZD_MAX_RANGES - 1) / ZD_MAX_RANGES;
    if (rc == 0 && (!(groups = calloc(ngroups ? ngroups : 1, sizeof *groups)) ||
                    !(data_of = calloc(nranges ? nranges : 1, sizeof *data_of))))
        rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (rc == 0) rc = fetch_ranges(w, key, ranges, nranges, data_of, groups, err);
    for (size_t i = 0; rc == 0 && i < wt->n; i++) {
        const uint64_t *co = wt->coords + i * (size_t)a->grid.ndim;
        if (range_of[i] == SIZE_MAX) {
            rc = place_inner(w, a, is, co, NULL, 0, out, err);
        } else {
            const zd_shard_entry *e = &entries[wt->index[i]];
            const zd_codec_range *r = &ranges[range_of[i]];
            rc = place_inner(w, a, is, co, data_of[range_of[i]] + (e->offset - r->offset),
                             (size_t)e->nbytes, out, err);
        }
    }
    for (size_t g = 0; groups && g < ngroups; g++)
        zc_response_free(&groups[g]);
    free(groups);
    free(data_of);
    zc_response_free(&rs);
    free(entries);
    free(ranges);
    free(range_of);
    return rc;
}

/* Place the wanted inner chunks from a whole shard's bytes: its index is decoded here and each
 * wanted inner chunk is decoded straight from the body into the result (no intermediate decoded
 * shard). */
static int place_whole(zc_worker *w, const zc_array *a, const char *key, const zc_inner_sel *is,
                       const wanted *wt, const zd_buf *body, void *out, zd_error *err)
{
    const zd_shard_layout *l = a->shard;
    size_t isz = zd_shard_index_size(l);
    zd_shard_entry *entries = malloc(l->nchunks * sizeof *entries);
    int rc = entries ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    if (rc == 0 && body->len < isz)
        rc = zd_error_set(err, ZD_ECORRUPT, "%s: %zu bytes cannot hold a %zu-byte shard index", key,
                          body->len, isz);
    if (rc == 0) {
        const uint8_t *index = body->data + (l->index_at_end ? body->len - isz : 0);
        rc = zd_shard_index_decode(l, index, isz, body->len, entries, err);
    }
    for (size_t i = 0; rc == 0 && i < wt->n; i++) {
        const zd_shard_entry *e = &entries[wt->index[i]];
        const uint64_t *co = wt->coords + i * (size_t)a->grid.ndim;
        if (e->offset == ZD_SHARD_EMPTY)
            rc = place_inner(w, a, is, co, NULL, 0, out, err);
        else
            rc = place_inner(w, a, is, co, body->data + e->offset, (size_t)e->nbytes, out, err);
    }
    free(entries);
    return rc;
}

/* The whole shard with one GET. */
static int read_whole(zc_worker *w, const zc_array *a, const char *key, const zc_inner_sel *is,
                      const wanted *wt, void *out, zd_error *err)
{
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_key_request(&w->conn, "GET", key, NULL, NULL, NULL, 0, &rs, err);
    if (rc == 0) rc = place_whole(w, a, key, is, wt, &rs.body, out, err);
    zc_response_free(&rs);
    return rc;
}

/* Every wanted inner chunk as the fill value (the shard does not exist). */
static int place_fill(zc_worker *w, const zc_array *a, const zc_inner_sel *is, const wanted *wt,
                      void *out, zd_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < wt->n; i++)
        rc = place_inner(w, a, is, wt->coords + i * (size_t)a->grid.ndim, NULL, 0, out, err);
    return rc;
}

/* Inner chunks of shard `coords` that hold elements inside the array. */
static uint64_t inner_chunks_inside(const zc_array *a, const uint64_t *coords)
{
    uint64_t extent[ZD_MAX_DIMS], n = 1;
    if (zd_grid_chunk_extent(&a->grid, coords, extent) < 0) return 0;
    for (int d = 0; d < a->grid.ndim; d++)
        n *= (extent[d] + a->inner_shape[d] - 1) / a->inner_shape[d];
    return n;
}

/* One inner chunk with `GET shard?chunk=C`; 404 is the fill value. */
static int read_one(zc_worker *w, const zc_array *a, const char *key, const zc_inner_sel *is,
                    const uint64_t *coords, void *out, zd_error *err)
{
    char q[ZC_CHUNK_QUERY_MAX], hdr[ZC_SHARD_HEADER_MAX];
    zc_response rs;
    zc_response_init(&rs);
    int rc = zc_chunk_query(a->grid.ndim, coords, q, sizeof q);
    if (rc == 0) rc = zc_shard_header(a, hdr, sizeof hdr);
    if (rc < 0) return zd_error_set(err, rc, "inner chunk request too long");
    rc = zc_key_request(&w->conn, "GET", key, q, hdr, NULL, 0, &rs, err);
    if (rc == ZD_ENOTFOUND)
        rc = place_inner(w, a, is, coords, NULL, 0, out, err);
    else if (rc == 0)
        rc = place_inner(w, a, is, coords, rs.body.data, rs.body.len, out, err);
    zc_response_free(&rs);
    return rc;
}

/* A shard's part of a read: its key and inner selection. */
typedef struct shard_part {
    const char *key;
    const zc_inner_sel *is;
} shard_part;

/* The wanted inner chunks, of one shard or several, as `GET shard?chunks=C;C;...` requests,
 * one per shard and ZC_CHUNKS_PER_GET inner chunks (fewer large ones), pipelined on one
 * connection (zc_pipe.h): their round trips overlap. */
typedef struct by_chunk {
    zc_worker *w;
    const zc_array *a;
    const shard_part *shards;
    const size_t *shard_of; /* inner chunk k is in shards[shard_of[k]]; NULL: all in shards[0] */
    const wanted *wt;
    void *out;
    size_t *group; /* request g asks for inner chunks group[g] .. group[g + 1] - 1 */
    size_t ngroups;
    char hdr[ZC_SHARD_HEADER_MAX];
    zd_buf q; /* the query of the request being prepared */
} by_chunk;

static const uint64_t *by_chunk_coords(const by_chunk *b, size_t k)
{
    return b->wt->coords + k * (size_t)b->a->grid.ndim;
}

static const shard_part *by_chunk_shard(const by_chunk *b, size_t k)
{
    return &b->shards[b->shard_of ? b->shard_of[k] : 0];
}

int zc_chunks_query(zd_buf *q, int nd, const uint64_t *coords, size_t n, zd_error *err)
{
    zd_buf_reset(q);
    int rc = zd_buf_append_str(q, "chunks=");
    for (size_t k = 0; rc == 0 && k < n; k++)
        for (int d = 0; rc == 0 && d < nd; d++)
            rc = zd_buf_appendf(q, "%s%" PRIu64,
                                d   ? ","
                                : k ? ";"
                                    : "",
                                coords[k * (size_t)nd + (size_t)d]);
    if (rc == 0) rc = zd_buf_append(q, "", 1); /* the NUL */
    return rc < 0 ? zd_error_set(err, rc, "out of memory") : 0;
}

int zc_chunks_locate(const char *what, const zd_buf *body, size_t n, zd_shard_entry *at,
                     zd_error *err)
{
    zd_shard_layout l;
    uint64_t count = n;
    int rc = zd_shard_layout_init(&l, 1, &count, true, false, false, err);
    size_t isz = rc == 0 ? zd_shard_index_size(&l) : 0;
    if (rc == 0 && body->len < isz)
        rc = zd_error_set(err, ZD_ECORRUPT,
                          "%s: %zu bytes cannot hold the index of %zu inner chunks", what,
                          body->len, n);
    if (rc == 0)
        rc = zd_shard_index_decode(&l, body->data + body->len - isz, isz, body->len, at, err);
    return rc;
}

size_t zc_chunks_per_get(const zc_array *a)
{
    size_t per = ZC_CHUNKS_GET_BYTES / (a->inner_bytes ? a->inner_bytes : 1);
    return per < 1 ? 1 : per > ZC_CHUNKS_PER_GET ? ZC_CHUNKS_PER_GET : per;
}

static int by_chunk_prepare(void *arg, size_t g, zc_pipe_rq *rq, zd_error *err)
{
    by_chunk *b = arg;
    size_t first = b->group[g];
    int rc = zc_chunks_query(&b->q, b->a->grid.ndim, by_chunk_coords(b, first),
                             b->group[g + 1] - first, err);
    if (rc < 0) return rc;
    /* the pipe copies key, query and headers when prepare returns */
    *rq = (zc_pipe_rq){.method = "GET",
                       .key = by_chunk_shard(b, first)->key,
                       .query = (const char *)b->q.data,
                       .headers = b->hdr};
    return 0;
}

/* The answer is laid out as a 1-D shard of the inner chunks asked for (server/SHARDS.md): its
 * index, at the end, says where each is; an empty one is the fill value. */
static int by_chunk_done(void *arg, size_t g, const zc_request *rq, zc_response *rs, zd_error *err)
{
    by_chunk *b = arg;
    size_t first = b->group[g], m = b->group[g + 1] - first;
    zd_shard_entry at[ZC_CHUNKS_PER_GET];
    int rc = zc_answer_status(rq, rs, err);
    if (rc == 0) rc = zc_chunks_locate(rq->target, &rs->body, m, at, err);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        bool empty = at[i].offset == ZD_SHARD_EMPTY;
        rc = place_inner(b->w, b->a, by_chunk_shard(b, first + i)->is,
                         by_chunk_coords(b, first + i), empty ? NULL : rs->body.data + at[i].offset,
                         empty ? 0 : (size_t)at[i].nbytes, b->out, err);
    }
    return rc;
}

/* Never asked for: every request of a run is a GET. */
static int by_chunk_alone(void *arg, size_t g, zd_error *err)
{
    (void)arg;
    return zd_error_set(err, ZD_EINVAL, "inner chunk request %zu cannot run alone", g);
}

static const zc_pipe_ops by_chunk_ops = {by_chunk_prepare, by_chunk_done, by_chunk_alone};

/* Run b's requests on pipe: the wanted inner chunks grouped by shard (consecutive in wt). */
static int by_chunk_run(by_chunk *b, zc_pipe *pipe, zd_error *err)
{
    size_t n = b->wt->n;
    if (zc_shard_header(b->a, b->hdr, sizeof b->hdr) < 0)
        return zd_error_set(err, ZD_EOVERFLOW, "inner chunk request too long");
    if (!(b->group = malloc((n + 1) * sizeof *b->group)))
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    size_t per = zc_chunks_per_get(b->a);
    b->ngroups = 0;
    for (size_t k = 0; k < n; k++)
        if (k == 0 || by_chunk_shard(b, k) != by_chunk_shard(b, k - 1) ||
            k - b->group[b->ngroups - 1] == per)
            b->group[b->ngroups++] = k;
    b->group[b->ngroups] = n;
    int rc = zc_pipe_run(pipe, &b->w->conn, b->ngroups, &by_chunk_ops, b, err);
    free(b->group);
    zd_buf_free(&b->q);
    return rc;
}

static int read_by_chunk(zc_worker *w, const zc_array *a, const char *key, const zc_inner_sel *is,
                         const wanted *wt, void *out, zd_error *err)
{
    if (wt->n == 1) return read_one(w, a, key, is, wt->coords, out, err);
    shard_part sp = {key, is};
    by_chunk b = {.w = w, .a = a, .shards = &sp, .wt = wt, .out = out};
    return by_chunk_run(&b, &w->inner, err);
}

/* How zc_shard_read_part reads the part of shard `coords` that wants `count` inner chunks. */
typedef enum { READ_WHOLE, READ_BY_CHUNK, READ_RANGES } read_path;

static read_path path_for(const zc_array *a, const uint64_t *coords, uint64_t count)
{
    if (a->shard_read == ZC_SHARD_READ_AUTO && count == inner_chunks_inside(a, coords))
        return READ_WHOLE;
    if (a->shard_read == ZC_SHARD_READ_CHUNK ||
        (a->shard_read == ZC_SHARD_READ_AUTO && count <= ZC_SHARD_READ_CHUNK_MAX))
        return READ_BY_CHUNK;
    return READ_RANGES;
}

/* The inner selection of outer part `part` and the number of inner chunks it wants. */
static int part_sel(const zc_array *a, const zd_selection *outer, const zd_chunk_part *part,
                    zc_inner_sel *is, uint64_t *count, zd_error *err)
{
    int rc = zc_inner_sel_init(is, a, outer, part, err);
    if (rc == 0 && zd_selection_count_chunks(&is->sel, count) < 0)
        rc = zd_error_set(err, ZD_EOVERFLOW, "too many inner chunks");
    return rc;
}

bool zc_shard_read_is_whole(const zc_array *a, const zd_selection *outer, const zd_chunk_part *part)
{
    zc_inner_sel is;
    uint64_t count;
    zd_error err = {0};
    return part_sel(a, outer, part, &is, &count, &err) == 0 &&
           path_for(a, part->coords, count) == READ_WHOLE;
}

int zc_shard_read_whole_answer(zc_worker *w, const zc_array *a, const char *key,
                               const zd_selection *outer, const zd_chunk_part *part,
                               const zc_request *rq, const zc_response *rs, void *out,
                               zd_error *err)
{
    zc_inner_sel is;
    wanted wt = {0};
    int rc = rs->status == 404 ? 0 : zc_answer_status(rq, rs, err);
    if (rc == 0) rc = zc_inner_sel_init(&is, a, outer, part, err);
    if (rc == 0) rc = collect_wanted(a, &is, &wt, err);
    if (rc == 0)
        rc = rs->status == 404 ? place_fill(w, a, &is, &wt, out, err)
                               : place_whole(w, a, key, &is, &wt, &rs->body, out, err);
    free(wt.index);
    free(wt.coords);
    return rc;
}

int zc_shard_read_part(zc_worker *w, const zc_array *a, const char *key, const zd_selection *outer,
                       const zd_chunk_part *part, void *out, zd_error *err)
{
    zc_inner_sel is;
    wanted wt = {0};
    uint64_t count = 0;
    int rc = part_sel(a, outer, part, &is, &count, err);
    if (rc == 0) rc = wanted_append(a, &is, count, &wt, err);
    read_path path = path_for(a, part->coords, wt.n);
    if (rc == 0 && path == READ_WHOLE) {
        rc = read_whole(w, a, key, &is, &wt, out, err);
    } else if (rc == 0 && path == READ_BY_CHUNK) {
        rc = read_by_chunk(w, a, key, &is, &wt, out, err);
    } else if (rc == 0) {
        rc = read_ranges(w, a, key, &is, &wt, out, err);
    }
    if (rc == ZD_ENOTFOUND && path != READ_BY_CHUNK) /* no shard: all the fill value */
        rc = place_fill(w, a, &is, &wt, out, err);
    free(wt.index);
    free(wt.coords);
    return rc;
}

/* Shard `co`'s share of a few-shards read: its inner selection and wanted inner chunks' count;
 * false when the shard is not read by `?chunks=` (or holds no selected element). */
static bool few_shard_sel(const zc_array *a, const zd_selection *outer, const uint64_t *co,
                          zc_inner_sel *is, uint64_t *count, zd_error *err)
{
    zd_chunk_part part;
    return zd_selection_part(outer, co, &part) && part_sel(a, outer, &part, is, count, err) == 0 &&
           path_for(a, co, *count) == READ_BY_CHUNK;
}

bool zc_shard_read_few(const zc_array *a, const zd_selection *outer, const uint64_t *coords,
                       size_t n)
{
    if (!a->shard || n < 2 || n > ZC_HERE_ITEMS) return false;
    uint64_t total = 0, count;
    zc_inner_sel is;
    zd_error err = {0};
    for (size_t i = 0; i < n; i++) {
        if (!few_shard_sel(a, outer, coords + i * (size_t)a->grid.ndim, &is, &count, &err) ||
            count > ZC_HERE_ITEMS - total)
            return false;
        total += count;
    }
    return total > 0 && a->inner_bytes <= ZC_HERE_BYTES / total;
}

/* A shard's key and inner selection, kept for the pipelined run of zc_shard_read_few_run. */
typedef struct few_shard {
    char key[ZD_MAX_KEY + 1];
    zc_inner_sel is;
} few_shard;

int zc_shard_read_few_run(zc_worker *w, const zc_array *a, const zd_selection *outer,
                          const uint64_t *coords, size_t n, void *out, zd_error *err)
{
    few_shard *store = calloc(n, sizeof *store);
    shard_part *parts = calloc(n, sizeof *parts);
    size_t shard_of[ZC_HERE_ITEMS];
    wanted wt = {0};
    int rc = store && parts ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const uint64_t *co = coords + i * (size_t)a->grid.ndim;
        uint64_t count = 0;
        size_t from = wt.n;
        if (!few_shard_sel(a, outer, co, &store[i].is, &count, err) || count > ZC_HERE_ITEMS - wt.n)
            rc = zd_error_set(err, ZD_EOVERFLOW, "the shards' inner chunks do not fit one run");
        if (rc == 0) rc = zc_array_chunk_key(a, co, store[i].key, err);
        if (rc == 0) rc = wanted_append(a, &store[i].is, count, &wt, err);
        for (size_t k = from; rc == 0 && k < wt.n; k++)
            shard_of[k] = i;
        parts[i] = (shard_part){store[i].key, &store[i].is};
    }
    by_chunk b = {.w = w, .a = a, .shards = parts, .shard_of = shard_of, .wt = &wt, .out = out};
    if (rc == 0) rc = by_chunk_run(&b, &w->pipe, err);
    free(wt.index);
    free(wt.coords);
    free(parts);
    free(store);
    return rc;
}
