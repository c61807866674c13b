/* array_case.c: zarr.json generator, reference model and random source for the client tests
 * (see array_case.h). */
#include "array_case.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dtypes[] = {"uint8", "int16", "float32", "uint16", "float64", "int32"};
static const size_t dsizes[] = {1, 2, 4, 2, 8, 4};

void ac_case_init(ac_case *c, int ndim, ac_chain chain, ac_layout layout, int variant)
{
    memset(c, 0, sizeof *c);
    c->ndim = ndim;
    c->chain = chain;
    c->layout = layout;
    int t = (variant + (int)chain + ndim) % 6;
    c->dtype = dtypes[t];
    c->elem = dsizes[t];
    c->fill_json = variant % 2 ? "7" : "0";
    /* Small arrays, chunk counts that leave edge chunks in every dimension. */
    static const uint64_t shape_by_dim[4][4] = {
        {203, 0, 0, 0}, {37, 29, 0, 0}, {13, 11, 9, 0}, {7, 6, 5, 9}};
    static const uint64_t chunk_by_dim[4][4] = {
        {8, 0, 0, 0}, {4, 3, 0, 0}, {2, 3, 2, 0}, {2, 2, 1, 3}};
    for (int d = 0; d < ndim; d++) {
        c->shape[d] = shape_by_dim[ndim - 1][d];
        c->chunks[d] = chunk_by_dim[ndim - 1][d];
        c->mid[d] = c->chunks[d] * 2;
        c->shards[d] = layout == AC_NESTED ? c->mid[d] * 2 : c->chunks[d] * 3;
    }
}

size_t ac_elems(const ac_case *c)
{
    size_t n = 1;
    for (int d = 0; d < c->ndim; d++)
        n *= (size_t)c->shape[d];
    return n;
}

static int dims(char *out, size_t cap, int n, const uint64_t *v)
{
    int k = snprintf(out, cap, "[");
    for (int d = 0; d < n; d++)
        k += snprintf(out + k, cap - (size_t)k, "%s%" PRIu64, d ? "," : "", v[d]);
    k += snprintf(out + k, cap - (size_t)k, "]");
    return k;
}

/* The bytes→bytes tail and array→array head of a chain, around a bytes codec. */
static void plain_chain(const ac_case *c, char *out, size_t cap)
{
    const char *bytes = "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}";
    char order[96] = "";
    if (c->chain == AC_TRANSPOSE_ZSTD) {
        uint64_t rev[4];
        for (int d = 0; d < c->ndim; d++)
            rev[d] = (uint64_t)(c->ndim - 1 - d);
        char o[32];
        dims(o, sizeof o, c->ndim, rev);
        snprintf(order, sizeof order, "{\"name\":\"transpose\",\"configuration\":{\"order\":%s}},",
                 o);
    }
    const char *tail = "";
    switch (c->chain) {
    case AC_GZIP:
        tail = ",{\"name\":\"gzip\",\"configuration\":{\"level\":1}}";
        break;
    case AC_ZSTD:
    case AC_TRANSPOSE_ZSTD:
        tail = ",{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":false}}";
        break;
    case AC_CRC32C:
        tail = ",{\"name\":\"crc32c\"}";
        break;
    default:
        break;
    }
    snprintf(out, cap, "[%s%s%s]", order, bytes, tail);
}

static void sharding(const ac_case *c, const uint64_t *inner, const char *codecs, char *out,
                     size_t cap)
{
    char cs[64];
    dims(cs, sizeof cs, c->ndim, inner);
    snprintf(out, cap,
             "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":%s,"
             "\"codecs\":%s,\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":"
             "{\"endian\":\"little\"}},{\"name\":\"crc32c\"}],\"index_location\":\"%s\"}}]",
             cs, codecs, c->ndim % 2 ? "end" : "start");
}

const char *ac_zarr_json(const ac_case *c)
{
    static char buf[4096];
    char plain[512], mid[1024], codecs[2048], shape[64], grid[64];
    plain_chain(c, plain, sizeof plain);
    const uint64_t *grid_chunks = c->chunks;
    if (c->layout == AC_UNSHARDED) {
        snprintf(codecs, sizeof codecs, "%s", plain);
    } else if (c->layout == AC_SHARDED) {
        sharding(c, c->chunks, plain, codecs, sizeof codecs);
        grid_chunks = c->shards;
    } else {
        sharding(c, c->chunks, plain, mid, sizeof mid);
        sharding(c, c->mid, mid, codecs, sizeof codecs);
        grid_chunks = c->shards;
    }
    dims(shape, sizeof shape, c->ndim, c->shape);
    dims(grid, sizeof grid, c->ndim, grid_chunks);
    snprintf(buf, sizeof buf,
             "{\"zarr_format\":3,\"node_type\":\"array\",\"shape\":%s,\"data_type\":\"%s\","
             "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":%s}},"
             "\"chunk_key_encoding\":{\"name\":\"default\",\"configuration\":"
             "{\"separator\":\"/\"}},\"fill_value\":%s,\"codecs\":%s}",
             shape, c->dtype, grid, c->fill_json, codecs);
    return buf;
}

void ac_fill_value(const ac_case *c, void *buf, size_t n)
{
    uint8_t one[8] = {0};
    if (strcmp(c->fill_json, "0") != 0) {
        int v = atoi(c->fill_json);
        if (strcmp(c->dtype, "float32") == 0) {
            float f = (float)v;
            memcpy(one, &f, 4);
        } else if (strcmp(c->dtype, "float64") == 0) {
            double f = v;
            memcpy(one, &f, 8);
        } else {
            int64_t i = v;
            memcpy(one, &i, c->elem); /* little-endian host */
        }
    }
    for (size_t i = 0; i < n; i++)
        memcpy((uint8_t *)buf + i * c->elem, one, c->elem);
}

void *ac_model_new(const ac_case *c)
{
    void *m = malloc(ac_elems(c) * c->elem);
    ac_fill_value(c, m, ac_elems(c));
    return m;
}

/* Visit every element of a block: offsets in the model (strided) and in the block. */
static void copy_block(const ac_case *c, uint8_t *model, const uint64_t *start,
                       const uint64_t *shape, const uint64_t *step, uint8_t *block, int to_model)
{
    size_t n = 1;
    for (int d = 0; d < c->ndim; d++)
        n *= (size_t)shape[d];
    for (size_t i = 0; i < n; i++) {
        size_t rem = i, off = 0, stride = 1;
        for (int d = c->ndim - 1; d >= 0; d--) {
            size_t idx = rem % shape[d];
            rem /= shape[d];
            off += (size_t)(start[d] + idx * (step ? step[d] : 1)) * stride;
            stride *= (size_t)c->shape[d];
        }
        if (to_model)
            memcpy(model + off * c->elem, block + i * c->elem, c->elem);
        else
            memcpy(block + i * c->elem, model + off * c->elem, c->elem);
    }
}

void ac_model_write(const ac_case *c, void *model, const uint64_t *start, const uint64_t *shape,
                    const void *data)
{
    copy_block(c, model, start, shape, NULL, (uint8_t *)data, 1);
}

void ac_model_read(const ac_case *c, const void *model, const uint64_t *start,
                   const uint64_t *shape, const uint64_t *step, void *out)
{
    copy_block(c, (uint8_t *)model, start, shape, step, out, 0);
}

uint64_t ac_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

void ac_random_fill(uint64_t *state, void *buf, size_t bytes)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < bytes; i++)
        p[i] = (uint8_t)(ac_rand(state) % 50 + 10); /* small values: finite floats, not fill */
}
