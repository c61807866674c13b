/* zd_codec_sharding.c: the sharding_indexed array→bytes codec (Zarr v3 sharding spec).
 * Configuration: chunk_shape (divides the shard shape), codecs (the inner chain, itself
 * possibly sharded), index_codecs (bytes, optionally followed by crc32c: the index must have a
 * fixed size) and index_location ("start" | "end", default "end").
 *
 * Encoding gathers each inner chunk out of the shard in C order of its coordinates, leaves
 * chunks equal to the fill value empty and appends the others, encoded by the inner chain,
 * after (or before) the index; a shard with no chunk left encodes to nothing. Decoding checks
 * the index (zd_shard_index_decode: bounds, overlaps, crc32c) and scatters every inner chunk
 * back, empty ones as the fill value. zd_codec_shard_plan serves partial reads. */
#include "zd_codec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "zd_fill.h"

static const char *const sharding_fields[] = {"chunk_shape", "codecs", "index_codecs",
                                              "index_location", NULL};

static int parse_chunk_shape(zd_codec_sharding *sh, const cJSON *v, const zd_chunk_spec *spec,
                             zd_error *err)
{
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != spec->ndim)
        return zd_error_set(err, ZD_EINVAL,
                            "sharding_indexed: configuration field 'chunk_shape' must be an "
                            "array of %d sizes",
                            spec->ndim);
    int d = 0;
    for (const cJSON *e = v->child; e; e = e->next, d++) {
        double x = cJSON_IsNumber(e) ? e->valuedouble : 0;
        if (!(x >= 1 && x <= (double)spec->shape[d]) || x != (double)(uint64_t)x ||
            spec->shape[d] % (uint64_t)x != 0)
            return zd_error_set(err, ZD_EINVAL,
                                "sharding_indexed: configuration field 'chunk_shape'[%d] must "
                                "divide the shard shape %llu",
                                d, (unsigned long long)spec->shape[d]);
        sh->chunk_shape[d] = (uint64_t)x;
    }
    return 0;
}

/* index_codecs: bytes (endian) then optionally crc32c; anything else makes the index size
 * variable or its layout unknown, and is refused. */
static int parse_index_codecs(const cJSON *v, bool *big_endian, bool *crc32c, zd_error *err)
{
    static const char *field = "sharding_indexed: configuration field 'index_codecs'";
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
    if (n < 1 || n > 2)
        return zd_error_set(err, ZD_EUNSUPPORTED, "%s must be [bytes] or [bytes, crc32c]", field);
    const char *names[2] = {"bytes", "crc32c"};
    int i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const cJSON *name = cJSON_IsString(e) ? e : cJSON_GetObjectItemCaseSensitive(e, "name");
        const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(e, "configuration");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, names[i]) != 0)
            return zd_error_set(err, ZD_EUNSUPPORTED,
                                "%s: codec %d must be '%s' (the index needs a fixed size)", field,
                                i, names[i]);
        int rc;
        if (i == 0) {
            zd_codec_step s = {0};
            rc = zd_codec_bytes_parse(&s, cfg, ZD_UINT64, "sharding_indexed index bytes", err);
            *big_endian = s.big_endian;
        } else {
            rc = zd_codec_crc32c_parse(cfg, err);
        }
        if (rc) return rc;
    }
    *crc32c = n == 2;
    return 0;
}

static int parse_location(const cJSON *v, bool *at_end, zd_error *err)
{
    *at_end = true;
    if (!v) return 0;
    const char *s = cJSON_IsString(v) ? v->valuestring : "";
    if (strcmp(s, "start") != 0 && strcmp(s, "end") != 0)
        return zd_error_set(err, ZD_EINVAL,
                            "sharding_indexed: configuration field 'index_location' must be "
                            "\"start\" or \"end\"");
    *at_end = s[0] == 'e';
    return 0;
}

/* An inner chunk is a contiguous run of the shard when it is 1 thick in the leading
 * dimensions, then split in at most one dimension, then full in all the others. */
static bool is_contiguous(const zd_chunk_spec *spec, const uint64_t *chunk_shape)
{
    int d = 0;
    while (d < spec->ndim && chunk_shape[d] == 1)
        d++;
    for (d++; d < spec->ndim; d++)
        if (chunk_shape[d] != spec->shape[d]) return false;
    return true;
}

static int parse_config(zd_codec_sharding *sh, const cJSON *cfg, const zd_codec_chain *chain,
                        zd_error *err)
{
    const zd_chunk_spec *spec = &chain->ab_spec;
    int rc = zd_codec_config_fields(cfg, "sharding_indexed", sharding_fields, err);
    if (rc) return rc;
    if (!cfg) return zd_error_set(err, ZD_EINVAL, "sharding_indexed: configuration is required");
    if ((rc = parse_chunk_shape(sh, cJSON_GetObjectItemCaseSensitive(cfg, "chunk_shape"), spec,
                                err)))
        return rc;
    bool big = false, crc = false, at_end = true;
    if ((rc = parse_index_codecs(cJSON_GetObjectItemCaseSensitive(cfg, "index_codecs"), &big, &crc,
                                 err)) ||
        (rc =
             parse_location(cJSON_GetObjectItemCaseSensitive(cfg, "index_location"), &at_end, err)))
        return rc;
    uint64_t chunks[ZD_MAX_DIMS];
    for (int d = 0; d < spec->ndim; d++)
        chunks[d] = spec->shape[d] / sh->chunk_shape[d];
    if ((rc = zd_shard_layout_init(&sh->layout, spec->ndim, chunks, at_end, crc, big, err)))
        return rc;
    sh->index_size = zd_shard_index_size(&sh->layout);
    sh->contiguous = is_contiguous(spec, sh->chunk_shape);
    const cJSON *codecs = cJSON_GetObjectItemCaseSensitive(cfg, "codecs");
    if (!codecs)
        return zd_error_set(err, ZD_EINVAL,
                            "sharding_indexed: configuration field 'codecs' is required");
    zd_chunk_spec inner = *spec;
    memcpy(inner.shape, sh->chunk_shape, sizeof inner.shape);
    rc = zd_codec_chain_build(codecs, &inner, chain->depth + 1, &sh->inner, err);
    if (rc && err) {
        char why[ZD_ERRMSG_MAX];
        memcpy(why, err->msg, sizeof why);
        zd_error_set(err, rc, "sharding_indexed: inner %.200s", why);
    }
    return rc;
}

int zd_codec_sharding_parse(zd_codec_chain *chain, const cJSON *cfg, zd_error *err)
{
    zd_codec_sharding *sh = calloc(1, sizeof *sh);
    if (!sh) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    chain->shard = sh;
    return parse_config(sh, cfg, chain, err);
}

void zd_codec_sharding_free(zd_codec_sharding *sh)
{
    if (!sh) return;
    zd_codec_chain_free(sh->inner);
    free(sh);
}

static cJSON *shape_json(int ndim, const uint64_t *shape)
{
    cJSON *a = cJSON_CreateArray();
    for (int d = 0; a && d < ndim; d++) {
        cJSON *v = cJSON_CreateNumber((double)shape[d]);
        if (!v) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, v);
    }
    return a;
}

static cJSON *index_codecs_json(const zd_shard_layout *l)
{
    cJSON *a = cJSON_CreateArray();
    cJSON *cfg;
    cJSON *bytes = zd_codec_json_new("bytes", &cfg);
    if (!a || !bytes ||
        !cJSON_AddStringToObject(cfg, "endian", l->index_big_endian ? "big" : "little"))
        goto fail;
    cJSON_AddItemToArray(a, bytes);
    bytes = NULL;
    if (l->index_crc32c) {
        cJSON *crc = zd_codec_json_new("crc32c", NULL);
        if (!crc) goto fail;
        cJSON_AddItemToArray(a, crc);
    }
    return a;
fail:
    cJSON_Delete(bytes);
    cJSON_Delete(a);
    return NULL;
}

int zd_codec_sharding_json(const zd_codec_sharding *sh, cJSON *cfg, zd_error *err)
{
    cJSON *codecs = NULL;
    int rc = zd_codec_chain_to_json(sh->inner, &codecs, err);
    if (rc) return rc;
    cJSON *shape = shape_json(sh->layout.ndim, sh->chunk_shape);
    cJSON *index = index_codecs_json(&sh->layout);
    if (!shape || !index) {
        cJSON_Delete(shape);
        cJSON_Delete(index);
        cJSON_Delete(codecs);
        return ZD_ENOMEM;
    }
    cJSON_AddItemToObject(cfg, "chunk_shape", shape);
    cJSON_AddItemToObject(cfg, "codecs", codecs);
    cJSON_AddItemToObject(cfg, "index_codecs", index);
    if (!cJSON_AddStringToObject(cfg, "index_location", sh->layout.index_at_end ? "end" : "start"))
        return ZD_ENOMEM;
    return 0;
}

/* Where inner chunk k sits in the decoded shard, and the strides to walk both. */
typedef struct shard_geometry {
    size_t shard_stride[ZD_MAX_DIMS];
    size_t inner_stride[ZD_MAX_DIMS];
} shard_geometry;

static void geometry(const zd_codec_chain *c, shard_geometry *g)
{
    zd_dense_strides(c->ab_spec.ndim, c->ab_spec.shape, c->elsize, g->shard_stride);
    zd_dense_strides(c->ab_spec.ndim, c->shard->chunk_shape, c->elsize, g->inner_stride);
}

/* Byte offset of inner chunk k's first element in the decoded shard. */
static size_t chunk_origin(const zd_codec_sharding *sh, const shard_geometry *g, uint64_t k)
{
    size_t off = 0;
    for (int d = sh->layout.ndim - 1; d >= 0; d--) {
        uint64_t coord = k % sh->layout.chunks[d];
        k /= sh->layout.chunks[d];
        off += (size_t)(coord * sh->chunk_shape[d]) * g->shard_stride[d];
    }
    return off;
}

/* What encode and decode work in: the shard's index entries, one inner chunk's worth of
 * scratch (buffer 3 of this depth; the codec pipeline uses 0-2) and the geometry. */
static int shard_scratch(const zd_codec_chain *c, zd_codec_ctx *ctx, zd_shard_entry **entries,
                         zd_buf **chunk, shard_geometry *geo, zd_error *err)
{
    const zd_codec_sharding *sh = c->shard;
    int rc = zd_codec_scratch_entries(ctx, c->depth, sh->layout.nchunks, entries, err);
    if (rc == 0) rc = zd_codec_scratch(ctx, c->depth, 3, sh->inner->decoded_size, chunk, err);
    if (rc == 0) geometry(c, geo);
    return rc;
}

int zd_codec_sharding_encode(const zd_codec_chain *c, zd_codec_ctx *ctx, const uint8_t *in,
                             zd_buf *out, zd_error *err)
{
    const zd_codec_sharding *sh = c->shard;
    const zd_codec_chain *inner = sh->inner;
    const zd_shard_layout *l = &sh->layout;
    zd_shard_entry *entries;
    zd_buf *g;
    shard_geometry geo;
    int rc = shard_scratch(c, ctx, &entries, &g, &geo, err);
    if (rc) return rc;
    size_t base = out->len;
    if (!l->index_at_end) {
        if (zd_buf_reserve(out, sh->index_size) != 0)
            return zd_error_set(err, ZD_ENOMEM, "sharding_indexed: out of memory");
        memset(out->data + out->len, 0, sh->index_size);
        out->len += sh->index_size;
    }
    bool any = false;
    for (uint64_t k = 0; k < l->nchunks; k++) {
        const uint8_t *chunk = in + chunk_origin(sh, &geo, k);
        if (!sh->contiguous) {
            zd_copy_strided(l->ndim, sh->chunk_shape, c->elsize, g->data, geo.inner_stride, chunk,
                            geo.shard_stride);
            chunk = g->data;
        }
        size_t start = out->len;
        entries[k].offset = entries[k].nbytes = ZD_SHARD_EMPTY;
        if (zd_fill_is_uniform(chunk, inner->decoded_size / c->elsize, c->spec.dtype, c->spec.fill))
            continue;
        if ((rc = zd_codec_chain_encode_append(inner, ctx, chunk, out, err))) return rc;
        if (out->len == start) continue; /* a nested shard that came out absent */
        entries[k].offset = start - base;
        entries[k].nbytes = out->len - start;
        any = true;
    }
    if (!any) {
        out->len = base;
        return 0;
    }
    if (l->index_at_end) {
        if (zd_buf_reserve(out, sh->index_size) != 0)
            return zd_error_set(err, ZD_ENOMEM, "sharding_indexed: out of memory");
        zd_shard_index_encode(l, entries, out->data + out->len);
        out->len += sh->index_size;
    } else {
        zd_shard_index_encode(l, entries, out->data + base);
    }
    return 0;
}

int zd_codec_sharding_decode(const zd_codec_chain *c, zd_codec_ctx *ctx, const uint8_t *in,
                             size_t n, uint8_t *out, zd_error *err)
{
    const zd_codec_sharding *sh = c->shard;
    const zd_codec_chain *inner = sh->inner;
    const zd_shard_layout *l = &sh->layout;
    if (n < sh->index_size)
        return zd_error_set(err, ZD_ECORRUPT,
                            "sharding_indexed: shard of %zu bytes is shorter than its %zu-byte "
                            "index",
                            n, sh->index_size);
    zd_shard_entry *entries;
    zd_buf *g;
    shard_geometry geo;
    int rc = shard_scratch(c, ctx, &entries, &g, &geo, err);
    if (rc) return rc;
    const uint8_t *index = in + zd_shard_index_offset(l, n);
    if ((rc = zd_shard_index_decode(l, index, sh->index_size, n, entries, err))) return rc;
    /* Empty chunks read as the fill value: fill everything once, then overwrite. */
    for (uint64_t k = 0; k < l->nchunks; k++) {
        if (entries[k].offset == ZD_SHARD_EMPTY) {
            zd_fill_buffer(out, c->decoded_size / c->elsize, c->spec.dtype, c->spec.fill);
            break;
        }
    }
    for (uint64_t k = 0; k < l->nchunks; k++) {
        if (entries[k].offset == ZD_SHARD_EMPTY) continue;
        uint8_t *chunk = out + chunk_origin(sh, &geo, k);
        rc = zd_codec_chain_decode(inner, ctx, in + entries[k].offset, entries[k].nbytes,
                                   sh->contiguous ? chunk : g->data, inner->decoded_size, err);
        if (rc) return rc;
        if (!sh->contiguous)
            zd_copy_strided(l->ndim, sh->chunk_shape, c->elsize, chunk, geo.shard_stride, g->data,
                            geo.inner_stride);
    }
    return 0;
}

/* Selected chunks in increasing offset order, for coalescing. */
typedef struct plan_item {
    uint64_t offset;
    uint64_t end;
    size_t pos;
} plan_item;

static int by_offset(const void *a, const void *b)
{
    const plan_item *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int zd_codec_shard_plan(const zd_shard_layout *l, const zd_shard_entry *entries,
                        const uint64_t *want, size_t nwant, uint64_t max_gap,
                        zd_codec_range *ranges, size_t *nranges, size_t *range_of, zd_error *err)
{
    *nranges = 0;
    plan_item *items = nwant ? malloc(nwant * sizeof *items) : NULL;
    if (nwant && !items) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < nwant; i++) {
        if (want[i] >= l->nchunks) {
            free(items);
            return zd_error_set(err, ZD_ERANGE, "inner chunk %llu of a %llu-chunk shard",
                                (unsigned long long)want[i], (unsigned long long)l->nchunks);
        }
        range_of[i] = SIZE_MAX;
        const zd_shard_entry *e = &entries[want[i]];
        if (e->offset != ZD_SHARD_EMPTY)
            items[n++] = (plan_item){e->offset, e->offset + e->nbytes, i};
    }
    qsort(items, n, sizeof *items, by_offset);
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        zd_codec_range *cur = r ? &ranges[r - 1] : NULL;
        uint64_t cur_end = cur ? cur->offset + cur->nbytes : 0;
        if (cur && items[i].offset <= zd_codec_sat_add(cur_end, max_gap)) {
            if (items[i].end > cur_end) cur->nbytes = items[i].end - cur->offset;
        } else {
            ranges[r++] = (zd_codec_range){items[i].offset, items[i].end - items[i].offset};
        }
        range_of[items[i].pos] = r - 1;
    }
    free(items);
    *nranges = r;
    return 0;
}
