/* test_codec_roundtrip.c: every chain shape × every data type encodes and decodes back to the
 * exact same bytes — plain, byte-swapped, transposed, compressed, checksummed, sharded with the
 * index at either end, nested sharding, a transpose in front of sharding and a checksum behind
 * it — with chunks that mix fill-valued and random regions, one context reused throughout. */
#include "test_codec_util.h"

#include "zd_fill.h"

static const char *const chains[] = {
    "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
    "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}]",
    "[{\"name\":\"transpose\",\"configuration\":{\"order\":[2,0,1]}},"
    "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}]",
    "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]",
    "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
    "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":true}}]",
    "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"zstd\",\"configuration\":{\"level\":-7,\"checksum\":false}},{\"name\":\"crc32c\"}"
    "]",
    "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,2,0]}},"
    "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"},{\"name\":\"gzip\",\"configuration\":{\"level\":9}}]",
    /* sharding, index at the end, compressed inner chunks */
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3,4],"
    "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":false}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}]}}]",
    /* sharding, index at the start, big-endian index without crc, fixed-size inner chunks */
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[1,6,2],"
    "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}],"
    "\"index_location\":\"start\"}}]",
    /* sharding where every inner chunk is a contiguous run of the shard (no gather/scatter) */
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[1,3,8],"
    "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
    "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}],\"index_location\":\"start\"}}]",
    /* nested sharding */
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,6,4],"
    "\"codecs\":[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[1,3,2],"
    "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}],\"index_location\":\"start\"}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}]}}]",
    /* transpose before sharding (the shard sees a 6x8x4 array), crc32c and zstd after it */
    "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,2,0]}},"
    "{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[3,4,2],"
    "\"codecs\":[{\"name\":\"transpose\",\"configuration\":{\"order\":[2,1,0]}},"
    "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
    "\"index_location\":\"end\"}},{\"name\":\"crc32c\"},"
    "{\"name\":\"zstd\",\"configuration\":{\"level\":2,\"checksum\":true}}]",
};

#define NCHAINS (sizeof chains / sizeof chains[0])

/* About half of the elements (the first for odd seeds, the last for even ones) are the fill
 * value, the rest random. */
static void make_chunk(uint8_t *p, const zd_chunk_spec *s, size_t n, uint32_t seed)
{
    size_t el = zd_dtype_size(s->dtype);
    size_t nfill = n / el / 2, nrandom = n - nfill * el;
    size_t fill_at = seed % 2 ? 0 : nrandom, random_at = seed % 2 ? nfill * el : 0;
    zd_fill_buffer(p + fill_at, nfill, s->dtype, s->fill);
    tc_random(p + random_at, nrandom, seed);
    if (s->dtype == ZD_BOOL)
        for (size_t i = 0; i < n; i++)
            p[i] &= 1;
}

static void round_trip(zd_codec_ctx *ctx, const char *json, const zd_chunk_spec *s, uint32_t seed)
{
    zd_codec_chain *c = tc_chain(json, s);
    size_t n = zd_codec_chain_decoded_size(c);
    uint8_t *chunk = malloc(n), *back = malloc(n);
    make_chunk(chunk, s, n, seed);
    zd_buf enc = {0};
    zd_error err;
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, n, &enc, &err), 0, "%s %s: %s",
                 zd_dtype_name(s->dtype), json, err.msg);
    if (enc.len == 0) { /* an all-fill shard is absent; it decodes from no shard at all */
        cr_assert(zd_fill_is_uniform(chunk, n / zd_dtype_size(s->dtype), s->dtype, s->fill));
        goto done;
    }
    memset(back, 0xA5, n);
    cr_assert_eq(zd_codec_chain_decode(c, ctx, enc.data, enc.len, back, n, &err), 0, "%s %s: %s",
                 zd_dtype_name(s->dtype), json, err.msg);
    cr_assert_arr_eq(back, chunk, n, "%s %s: round trip differs", zd_dtype_name(s->dtype), json);
    /* Encoding is deterministic: the same chunk encodes to the same bytes again. */
    zd_buf again = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, n, &again, &err), 0);
    cr_assert_eq(again.len, enc.len);
    cr_assert_arr_eq(again.data, enc.data, enc.len);
    zd_buf_free(&again);
done:
    zd_buf_free(&enc);
    free(chunk);
    free(back);
    zd_codec_chain_free(c);
}

Test(codec_roundtrip, every_chain_every_dtype)
{
    uint64_t shape[] = {4, 6, 8};
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    for (int t = 0; t < ZD_DTYPE_COUNT; t++) {
        for (size_t i = 0; i < NCHAINS; i++) {
            zd_chunk_spec zero = tc_spec((zd_dtype)t, 3, shape, 0);
            round_trip(ctx, chains[i], &zero, (uint32_t)(t * 31 + i));
            zd_chunk_spec ones = tc_spec((zd_dtype)t, 3, shape, t == ZD_BOOL ? 1 : 0x7f);
            round_trip(ctx, chains[i], &ones, (uint32_t)(t * 37 + i));
        }
    }
    zd_codec_ctx_free(ctx);
}

Test(codec_roundtrip, zero_dimensional_chunk)
{
    zd_chunk_spec s = tc_spec(ZD_FLOAT64, 0, NULL, 0);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    round_trip(ctx,
               "[{\"name\":\"transpose\",\"configuration\":{\"order\":[]}},"
               "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
               "{\"name\":\"gzip\",\"configuration\":{\"level\":6}}]",
               &s, 5);
    zd_codec_ctx_free(ctx);
}

Test(codec_roundtrip, contexts_are_independent_of_level_changes)
{
    /* One context alternating gzip levels and zstd settings gives what fresh contexts give. */
    uint64_t shape[] = {4096};
    zd_chunk_spec s = tc_spec(ZD_UINT8, 1, shape, 0);
    const char *a = "[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]";
    const char *b = "[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":9}}]";
    zd_codec_chain *ca = tc_chain(a, &s), *cb = tc_chain(b, &s);
    uint8_t chunk[4096];
    tc_smooth(chunk, sizeof chunk);
    zd_codec_ctx *shared, *fresh;
    cr_assert_eq(zd_codec_ctx_new(&shared), 0);
    zd_buf x = {0}, y = {0};
    for (int round = 0; round < 3; round++) {
        const zd_codec_chain *c = round % 2 ? cb : ca;
        cr_assert_eq(zd_codec_chain_encode(c, shared, chunk, sizeof chunk, &x, NULL), 0);
        cr_assert_eq(zd_codec_ctx_new(&fresh), 0);
        cr_assert_eq(zd_codec_chain_encode(c, fresh, chunk, sizeof chunk, &y, NULL), 0);
        zd_codec_ctx_free(fresh);
        cr_assert_eq(x.len, y.len);
        cr_assert_arr_eq(x.data, y.data, x.len);
    }
    zd_buf_free(&x);
    zd_buf_free(&y);
    zd_codec_ctx_free(shared);
    zd_codec_chain_free(ca);
    zd_codec_chain_free(cb);
}

/* Shard layouts at the edges: one inner chunk, one element, unit dimensions, odd sizes,
 * inner chunks that are whole rows or single columns, index at either end. */
Test(codec_roundtrip, shard_layouts)
{
    static const struct {
        int ndim;
        uint64_t shape[4];
        uint64_t chunk[4];
    } layouts[] = {
        {1, {1}, {1}},
        {1, {5}, {5}},
        {1, {7}, {1}},
        {3, {1, 1, 1}, {1, 1, 1}},
        {2, {7, 3}, {7, 1}},
        {2, {7, 3}, {1, 3}},
        {4, {2, 3, 1, 5}, {1, 3, 1, 5}},
        {4, {2, 3, 1, 5}, {2, 1, 1, 1}},
    };
    static const char *const locations[] = {"start", "end"};
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        char shape[64] = "";
        for (int d = 0; d < layouts[i].ndim; d++)
            snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%llu", d ? "," : "",
                     (unsigned long long)layouts[i].chunk[d]);
        for (int loc = 0; loc < 2; loc++) {
            char json[512];
            snprintf(json, sizeof json,
                     "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[%s],"
                     "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
                     "{\"name\":\"crc32c\"}],\"index_codecs\":[{\"name\":\"bytes\","
                     "\"configuration\":{\"endian\":\"little\"}},{\"name\":\"crc32c\"}],"
                     "\"index_location\":\"%s\"}}]",
                     shape, locations[loc]);
            for (int t = 0; t < ZD_DTYPE_COUNT; t++) {
                zd_chunk_spec s = tc_spec((zd_dtype)t, layouts[i].ndim, layouts[i].shape, 0);
                round_trip(ctx, json, &s, (uint32_t)(i * 100 + t * 2 + loc));
            }
        }
    }
    zd_codec_ctx_free(ctx);
}
