/* test_codec_corrupt.c: corrupt and hostile encoded input gives ZD_ECORRUPT (or another error),
 * never a crash or an out-of-bounds access (run under ASan/UBSan): bad crc32c, truncated or
 * over-long gzip/zstd streams, trailing bytes, wrong sizes, shard indexes pointing past the end,
 * overlapping or absurd entries, and thousands of random mutations of valid encodings. */
#include "test_codec_util.h"

static zd_codec_ctx *ctx;

static void setup(void)
{
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
}

static void teardown(void)
{
    zd_codec_ctx_free(ctx);
}

TestSuite(codec_corrupt, .init = setup, .fini = teardown);

static int decode(const zd_codec_chain *c, const void *data, size_t len, zd_error *err)
{
    size_t n = zd_codec_chain_decoded_size(c);
    uint8_t *out = malloc(n);
    int rc = zd_codec_chain_decode(c, ctx, data, len, out, n, err);
    free(out);
    return rc;
}

static void expect_corrupt(const zd_codec_chain *c, const void *data, size_t len,
                           const char *needle)
{
    zd_error err;
    zd_error_clear(&err);
    int rc = decode(c, data, len, &err);
    cr_assert_eq(rc, ZD_ECORRUPT, "rc %d (%s), expected corrupt", rc, err.msg);
    cr_assert_not_null(strstr(err.msg, needle), "message '%s' lacks '%s'", err.msg, needle);
}

static zd_codec_chain *chain_1d(const char *json, uint64_t n, zd_dtype t)
{
    uint64_t shape[] = {n};
    zd_chunk_spec s = tc_spec(t, 1, shape, 0);
    return tc_chain(json, &s);
}

static void encode(const zd_codec_chain *c, const void *chunk, zd_buf *out)
{
    zd_error err;
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, zd_codec_chain_decoded_size(c), out, &err), 0,
                 "%s", err.msg);
}

Test(codec_corrupt, bytes_wrong_length)
{
    zd_codec_chain *c = chain_1d("[\"bytes\"]", 8, ZD_UINT8);
    uint8_t data[9] = {0};
    expect_corrupt(c, data, 7, "bytes");
    expect_corrupt(c, data, 9, "more than");
    zd_codec_chain_free(c);
}

Test(codec_corrupt, crc32c_mismatch_and_truncation)
{
    zd_codec_chain *c = chain_1d("[\"bytes\",\"crc32c\"]", 8, ZD_UINT8);
    uint8_t chunk[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    zd_buf enc = {0};
    encode(c, chunk, &enc);
    enc.data[3] ^= 0x10;
    expect_corrupt(c, enc.data, enc.len, "checksum");
    expect_corrupt(c, enc.data, 3, "crc32c");
    zd_buf_free(&enc);
    zd_codec_chain_free(c);
}

Test(codec_corrupt, gzip_streams)
{
    zd_codec_chain *c =
        chain_1d("[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":6}}]", 4096, ZD_UINT8);
    zd_codec_chain *bigger =
        chain_1d("[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":6}}]", 4097, ZD_UINT8);
    zd_codec_chain *smaller =
        chain_1d("[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":6}}]", 4095, ZD_UINT8);
    uint8_t chunk[4097];
    tc_smooth(chunk, sizeof chunk);
    zd_buf enc = {0};
    encode(c, chunk, &enc);
    expect_corrupt(c, enc.data, enc.len - 1, "gzip");
    expect_corrupt(c, enc.data, enc.len / 2, "truncated");
    uint8_t *tail = malloc(enc.len + 3);
    memcpy(tail, enc.data, enc.len);
    memcpy(tail + enc.len, "xyz", 3);
    expect_corrupt(c, tail, enc.len + 3, "after the end");
    free(tail);
    enc.data[enc.len - 6] ^= 1; /* the CRC-32 in the gzip trailer */
    expect_corrupt(c, enc.data, enc.len, "gzip");
    enc.data[enc.len - 6] ^= 1;
    expect_corrupt(smaller, enc.data, enc.len, "more than");
    zd_buf big = {0};
    encode(bigger, chunk, &big);
    expect_corrupt(c, big.data, big.len, "more than");
    encode(smaller, chunk, &big);
    expect_corrupt(c, big.data, big.len, "expected");
    expect_corrupt(c, "not gzip at all", 15, "gzip");
    zd_buf_free(&big);
    zd_buf_free(&enc);
    zd_codec_chain_free(c);
    zd_codec_chain_free(bigger);
    zd_codec_chain_free(smaller);
}

Test(codec_corrupt, zstd_frames)
{
    const char *json = "[\"bytes\",{\"name\":\"zstd\",\"configuration\":{\"level\":1,"
                       "\"checksum\":true}}]";
    zd_codec_chain *c = chain_1d(json, 4096, ZD_UINT8);
    zd_codec_chain *bigger = chain_1d(json, 5000, ZD_UINT8);
    uint8_t chunk[5000];
    tc_smooth(chunk, sizeof chunk);
    zd_buf enc = {0};
    encode(c, chunk, &enc);
    expect_corrupt(c, enc.data, enc.len - 1, "zstd");
    expect_corrupt(c, enc.data, 3, "zstd");
    enc.data[enc.len / 2] ^= 0x40;
    expect_corrupt(c, enc.data, enc.len, "zstd");
    zd_buf big = {0};
    encode(bigger, chunk, &big);
    expect_corrupt(c, big.data, big.len, "declares");
    expect_corrupt(c, "\x28\xb5\x2f\xfd garbage", 12, "zstd");
    zd_buf_free(&big);
    zd_buf_free(&enc);
    zd_codec_chain_free(c);
    zd_codec_chain_free(bigger);
}

/* A 4-chunk 1-D uint8 shard of 2-byte inner chunks, index at the end with crc32c. */
static const char *const shard_json =
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2],"
    "\"codecs\":[\"bytes\"],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}]}}]";

/* data[data_len] followed by an index of `entries` (offset, nbytes pairs) and its crc32c. */
static size_t make_shard(uint8_t *out, const uint8_t *data, size_t data_len,
                         const uint64_t entries[4][2])
{
    memcpy(out, data, data_len);
    uint8_t *idx = out + data_len;
    for (int i = 0; i < 4; i++) {
        tc_put_u64le(idx + 16 * i, entries[i][0]);
        tc_put_u64le(idx + 16 * i + 8, entries[i][1]);
    }
    tc_put_u32le(idx + 64, tc_crc32c(idx, 64));
    return data_len + 68;
}

Test(codec_corrupt, shard_indexes)
{
    zd_codec_chain *c = chain_1d(shard_json, 8, ZD_UINT8);
    const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
    const uint64_t E = UINT64_MAX;
    uint8_t shard[6 + 68];
    const uint64_t good[4][2] = {{0, 2}, {E, E}, {2, 2}, {4, 2}};
    size_t n = make_shard(shard, data, 6, good);
    zd_error err;
    cr_assert_eq(decode(c, shard, n, &err), 0, "%s", err.msg);

    expect_corrupt(c, shard, 60, "shorter than");
    shard[n - 1] ^= 1;
    expect_corrupt(c, shard, n, "crc");
    const uint64_t past_end[4][2] = {{0, 2}, {E, E}, {2, 2}, {70, 8}};
    n = make_shard(shard, data, 6, past_end);
    expect_corrupt(c, shard, n, "");
    const uint64_t overlap[4][2] = {{0, 2}, {1, 2}, {2, 2}, {4, 2}};
    n = make_shard(shard, data, 6, overlap);
    expect_corrupt(c, shard, n, "");
    const uint64_t into_index[4][2] = {{0, 2}, {E, E}, {2, 2}, {5, 2}};
    n = make_shard(shard, data, 6, into_index);
    expect_corrupt(c, shard, n, "");
    const uint64_t absurd[4][2] = {{0, 2}, {E, E}, {2, 2}, {4, UINT64_MAX - 3}};
    n = make_shard(shard, data, 6, absurd);
    expect_corrupt(c, shard, n, "");
    const uint64_t half_empty[4][2] = {{0, 2}, {E, 0}, {2, 2}, {4, 2}};
    n = make_shard(shard, data, 6, half_empty);
    expect_corrupt(c, shard, n, "");
    /* A well-formed index whose entry holds 3 bytes for a 2-byte inner chunk. */
    const uint64_t wrong_size[4][2] = {{0, 3}, {E, E}, {3, 2}, {E, E}};
    n = make_shard(shard, data, 6, wrong_size);
    expect_corrupt(c, shard, n, "bytes");
    zd_codec_chain_free(c);
}

/* Random mutations of valid encodings: any outcome but a crash is fine; checksummed chains must
 * never accept a changed byte silently. */
static void mutate_all(const char *json, bool checksummed, uint32_t seed)
{
    uint64_t shape[] = {8, 8};
    zd_chunk_spec s = tc_spec(ZD_UINT16, 2, shape, 0);
    zd_codec_chain *c = tc_chain(json, &s);
    uint16_t chunk[64];
    for (int i = 0; i < 64; i++)
        chunk[i] = (uint16_t)(i >= 16 ? i * 3 : 0);
    zd_buf enc = {0};
    encode(c, chunk, &enc);
    uint8_t *m = malloc(enc.len + 16);
    uint8_t out[128];
    uint32_t x = seed;
    for (int iter = 0; iter < 2000; iter++) {
        x = x * 1103515245u + 12345u;
        memcpy(m, enc.data, enc.len);
        size_t len = enc.len;
        size_t pos = (x >> 8) % enc.len;
        switch (iter % 4) {
        case 0:
            m[pos] ^= (uint8_t)(1u << (x % 8));
            break;
        case 1:
            len = pos;
            break;
        case 2:
            m[pos] = (uint8_t)(x >> 24);
            m[(pos * 7) % enc.len] = 0xFF;
            break;
        default:
            memset(m + len, (int)(x >> 24), 16);
            len += 1 + (x >> 4) % 16;
        }
        bool changed = len != enc.len || memcmp(m, enc.data, len) != 0;
        int rc = zd_codec_chain_decode(c, ctx, m, len, out, sizeof out, NULL);
        cr_assert(rc == 0 || rc == ZD_ECORRUPT, "iteration %d: rc %d", iter, rc);
        if (checksummed && changed)
            cr_assert_neq(rc, 0, "iteration %d: a changed encoding was accepted", iter);
        if (!changed) {
            cr_assert_eq(rc, 0, "iteration %d: the unchanged encoding was refused", iter);
            cr_assert_arr_eq(out, chunk, sizeof out);
        }
    }
    free(m);
    zd_buf_free(&enc);
    zd_codec_chain_free(c);
}

Test(codec_corrupt, random_mutations)
{
    mutate_all("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
               "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]",
               false, 1);
    mutate_all("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
               "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}}]",
               false, 2);
    mutate_all("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
               "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}},"
               "{\"name\":\"crc32c\"}]",
               true, 3);
    mutate_all("[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[4,2],"
               "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
               "{\"name\":\"zstd\",\"configuration\":{\"level\":1,\"checksum\":false}}],"
               "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
               "{\"name\":\"crc32c\"}],\"index_location\":\"start\"}}]",
               false, 4);
    mutate_all(
        "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[4,4],"
        "\"codecs\":[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,2],"
        "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
        "{\"name\":\"crc32c\"}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
        "{\"name\":\"crc32c\"}]}}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
        "{\"name\":\"crc32c\"}]}}]",
        true, 5);
}

Test(codec_corrupt, empty_input)
{
    static const char *const chains[] = {
        "[\"bytes\"]",
        "[\"bytes\",\"crc32c\"]",
        "[\"bytes\",{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]",
        "[\"bytes\",{\"name\":\"zstd\",\"configuration\":{\"level\":1}}]",
        shard_json,
    };
    for (size_t i = 0; i < sizeof chains / sizeof chains[0]; i++) {
        zd_codec_chain *c = chain_1d(chains[i], 8, ZD_UINT8);
        expect_corrupt(c, "", 0, "");
        zd_codec_chain_free(c);
    }
}
