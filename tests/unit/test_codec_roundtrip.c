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

/* Chunk 4x6x8: one half of the elements (the first for odd seeds, the second for even ones)
 * are the fill value, the rest random. */
static void make_chunk(uint8_t *p, const zd_chunk_spec *s, size_t n, uint32_t seed)
{
    size_t el = zd_dtype_size(s->dtype);
    size_t half = n / 2;
    size_t fill_at = seed % 2 ? 0 : half, random_at = seed % 2 ? half : 0;
    zd_fill_buffer(p + fill_at, half / el, s->dtype, s->fill);
    tc_random(p + random_at, half, seed);
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
    cr_assert_gt(enc.len, 0);
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
