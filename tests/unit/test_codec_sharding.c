/* test_codec_sharding.c: the sharding_indexed codec — byte-exact small shards worked out from
 * the sharding spec (index at the end and at the start, big-endian index), empty inner chunks
 * and the all-empty shard ("absent"), decoding an index of empty entries, partial reads
 * (planned byte ranges, coalescing, inner chunks decoded alone) and the layout accessors. */
#include "test_codec_util.h"

#include "zd_fill.h"

static const char *const shard_end =
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2],"
    "\"codecs\":[\"bytes\"],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
    "{\"name\":\"crc32c\"}]}}]";

static const char *const shard_start_big =
    "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2],"
    "\"codecs\":[\"bytes\"],"
    "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}],"
    "\"index_location\":\"start\"}}]";

static void put_u64be(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void encode_expect(const char *json, const uint8_t *chunk, size_t n, const uint8_t *want,
                          size_t want_len)
{
    uint64_t shape[] = {n};
    zd_chunk_spec s = tc_spec(ZD_UINT8, 1, shape, 0);
    zd_codec_chain *c = tc_chain(json, &s);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf out = {0};
    zd_error err;
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, n, &out, &err), 0, "%s", err.msg);
    cr_assert_eq(out.len, want_len, "encoded %zu bytes, expected %zu", out.len, want_len);
    cr_assert_arr_eq(out.data, want, want_len);
    uint8_t back[16];
    cr_assert_eq(zd_codec_chain_decode(c, ctx, want, want_len, back, n, &err), 0, "%s", err.msg);
    cr_assert_arr_eq(back, chunk, n);
    zd_buf_free(&out);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_sharding, known_answer_index_at_end)
{
    /* [1,2,0,0] with fill 0: inner chunk 0 = bytes 01 02 at offset 0, inner chunk 1 empty;
     * then the index: (0, 2), (2^64-1, 2^64-1), little endian, and its crc32c. */
    const uint8_t chunk[4] = {1, 2, 0, 0};
    uint8_t want[2 + 36];
    want[0] = 1;
    want[1] = 2;
    tc_put_u64le(want + 2, 0);
    tc_put_u64le(want + 10, 2);
    memset(want + 18, 0xFF, 16);
    tc_put_u32le(want + 34, tc_crc32c(want + 2, 32));
    encode_expect(shard_end, chunk, 4, want, sizeof want);

    /* [0,0,3,4]: inner chunk 1 is the first (and only) stored chunk, at offset 0. */
    const uint8_t chunk2[4] = {0, 0, 3, 4};
    want[0] = 3;
    want[1] = 4;
    memset(want + 2, 0xFF, 16);
    tc_put_u64le(want + 18, 0);
    tc_put_u64le(want + 26, 2);
    tc_put_u32le(want + 34, tc_crc32c(want + 2, 32));
    encode_expect(shard_end, chunk2, 4, want, sizeof want);
}

Test(codec_sharding, known_answer_index_at_start_big_endian)
{
    /* Index first (32 bytes, no crc32c), so offsets start at 32. */
    const uint8_t chunk[6] = {5, 6, 7, 8, 0, 0};
    uint8_t want[32 + 4];
    memset(want, 0, sizeof want);
    put_u64be(want, 32);
    put_u64be(want + 8, 2);
    put_u64be(want + 16, 34);
    put_u64be(want + 24, 2);
    want[32] = 5;
    want[33] = 6;
    want[34] = 7;
    want[35] = 8;
    /* Three inner chunks with the third empty: index grows to 48 bytes. */
    uint8_t want3[48 + 4];
    put_u64be(want3, 48);
    put_u64be(want3 + 8, 2);
    put_u64be(want3 + 16, 50);
    put_u64be(want3 + 24, 2);
    memset(want3 + 32, 0xFF, 16);
    memcpy(want3 + 48, chunk, 4);
    encode_expect(shard_start_big, chunk, 6, want3, sizeof want3);
    encode_expect(shard_start_big, chunk, 4, want, sizeof want);
}

Test(codec_sharding, all_empty_shard_is_absent)
{
    uint64_t shape[] = {8, 8};
    zd_chunk_spec s = tc_spec(ZD_FLOAT32, 2, shape, 0);
    float nan = __builtin_nanf("");
    memcpy(s.fill, &nan, 4);
    zd_codec_chain *c =
        tc_chain("[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[4,2],"
                 "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}],"
                 "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"crc32c\"}]}}]",
                 &s);
    uint8_t chunk[256], back[256];
    zd_fill_buffer(chunk, 64, ZD_FLOAT32, s.fill);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf out = {0};
    zd_buf_append(&out, "stale", 5);
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, sizeof chunk, &out, NULL), 0);
    cr_assert_eq(out.len, 0, "an all-fill shard must encode as absent");

    /* A stored index whose entries are all empty decodes to the fill value. */
    uint8_t index[8 * 16 + 4];
    memset(index, 0xFF, 8 * 16);
    tc_put_u32le(index + 128, tc_crc32c(index, 128));
    zd_error err;
    cr_assert_eq(zd_codec_chain_decode(c, ctx, index, sizeof index, back, sizeof back, &err), 0,
                 "%s", err.msg);
    cr_assert_arr_eq(back, chunk, sizeof chunk);
    zd_buf_free(&out);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_sharding, nested_shard_with_empty_inner_shards)
{
    uint64_t shape[] = {8, 8};
    zd_chunk_spec s = tc_spec(ZD_UINT16, 2, shape, 0);
    zd_codec_chain *c = tc_chain(
        "[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[4,4],"
        "\"codecs\":[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,2],"
        "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}]",
        &s);
    uint16_t chunk[64] = {0}, back[64];
    chunk[0] = 7;         /* outer [0,0], inner [0,0] */
    chunk[8 * 7 + 7] = 9; /* outer [1,1], inner [1,1] */
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf out = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, sizeof chunk, &out, NULL), 0);
    /* Two inner shards of one 8-byte chunk + 64-byte index each, plus the outer index. */
    cr_assert_eq(out.len, 2 * (8 + 4 * 16) + 4 * 16);
    zd_error err;
    cr_assert_eq(zd_codec_chain_decode(c, ctx, out.data, out.len, back, sizeof back, &err), 0, "%s",
                 err.msg);
    cr_assert_arr_eq(back, chunk, sizeof chunk);
    zd_buf_free(&out);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_sharding, layout_accessors)
{
    uint64_t shape[] = {8, 6};
    zd_chunk_spec s = tc_spec(ZD_INT32, 2, shape, 0);
    zd_codec_chain *c =
        tc_chain("[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
                 "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
                 "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"crc32c\"}],\"index_location\":\"start\"}}]",
                 &s);
    const zd_shard_layout *l = zd_codec_chain_shard_layout(c);
    cr_assert_not_null(l);
    cr_assert_eq(l->ndim, 2);
    cr_assert_eq(l->chunks[0], 4);
    cr_assert_eq(l->chunks[1], 2);
    cr_assert_eq(l->nchunks, 8);
    cr_assert_not(l->index_at_end);
    cr_assert(l->index_crc32c);
    const zd_codec_chain *inner = zd_codec_chain_inner(c);
    cr_assert_not_null(inner);
    cr_assert_eq(zd_codec_chain_spec(inner)->shape[0], 2);
    cr_assert_eq(zd_codec_chain_spec(inner)->shape[1], 3);
    uint64_t n;
    cr_assert(zd_codec_chain_fixed_size(inner, &n));
    cr_assert_eq(n, 24);
    cr_assert_not(zd_codec_chain_fixed_size(c, &n), "a shard's size varies");
    cr_assert_null(zd_codec_chain_inner(inner));
    zd_codec_chain_free(c);

    /* A checksum over the whole shard hides its inner chunks: no partial access. */
    c = tc_chain("[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
                 "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
                 "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]"
                 "}},\"crc32c\"]",
                 &s);
    cr_assert_null(zd_codec_chain_shard_layout(c));
    cr_assert_null(zd_codec_chain_inner(c));
    zd_codec_chain_free(c);
}

Test(codec_sharding, refuses_bad_configurations)
{
    uint64_t shape[] = {8, 6};
    zd_chunk_spec s = tc_spec(ZD_INT32, 2, shape, 0);
    struct {
        const char *json;
        int code;
        const char *needle;
    } cases[] = {
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[3,3],"
         "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}]",
         ZD_EINVAL, "chunk_shape"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2],"
         "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}]",
         ZD_EINVAL, "chunk_shape"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
         "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
         "{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]}}]",
         ZD_EUNSUPPORTED, "index_codecs"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
         "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_codecs\":[{\"name\":\"bytes\"}]}}]",
         ZD_EINVAL, "endian"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
         "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}],"
         "\"index_location\":\"middle\"}}]",
         ZD_EINVAL, "index_location"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}]",
         ZD_EINVAL, "codecs"},
        {"[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[2,3],"
         "\"codecs\":[{\"name\":\"lz4\"}],"
         "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}}]",
         ZD_EUNSUPPORTED, "lz4"},
        {"[{\"name\":\"sharding_indexed\"}]", ZD_EINVAL, "configuration"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zd_codec_chain *c;
        zd_error err;
        int rc = tc_try(cases[i].json, &s, &c, &err);
        cr_assert_eq(rc, cases[i].code, "case %zu: rc %d (%s)", i, rc, err.msg);
        cr_assert_not_null(strstr(err.msg, cases[i].needle), "case %zu: '%s' lacks '%s'", i,
                           err.msg, cases[i].needle);
    }
}

Test(codec_sharding, refuses_too_deep_nesting)
{
    /* Five sharding levels, chunk shapes 16, 8, 4, 2, 1 inside a 32-element chunk. */
    uint64_t shape[] = {32};
    zd_chunk_spec s = tc_spec(ZD_UINT8, 1, shape, 0);
    zd_buf json = {0};
    zd_buf_append_str(&json, "[");
    for (int level = 0; level < 5; level++)
        zd_buf_appendf(&json,
                       "{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[%d],"
                       "\"codecs\":[",
                       16 >> level);
    zd_buf_append_str(&json, "\"bytes\"");
    for (int level = 0; level < 5; level++)
        zd_buf_append_str(&json, "],\"index_codecs\":[{\"name\":\"bytes\","
                                 "\"configuration\":{\"endian\":\"little\"}}]}}");
    zd_buf_append(&json, "]", 2);
    zd_codec_chain *c;
    zd_error err;
    cr_assert_eq(tc_try((const char *)json.data, &s, &c, &err), ZD_EUNSUPPORTED, "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "nested"), "%s", err.msg);
    zd_buf_free(&json);
}

static void range_plan(const zd_shard_layout *l, const zd_shard_entry *e, const uint64_t *want,
                       size_t n, uint64_t gap, zd_codec_range *r, size_t *nr, size_t *of)
{
    zd_error err;
    cr_assert_eq(zd_codec_shard_plan(l, e, want, n, gap, r, nr, of, &err), 0, "%s", err.msg);
}

Test(codec_sharding, plan_coalesces_ranges)
{
    zd_shard_layout l;
    uint64_t chunks[] = {6};
    cr_assert_eq(zd_shard_layout_init(&l, 1, chunks, true, false, false, NULL), 0);
    const zd_shard_entry e[6] = {
        {100, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {110, 5}, {200, 8}, {50, 10}, {120, 30},
    };
    const uint64_t want[] = {5, 0, 1, 3, 2, 0};
    zd_codec_range r[6];
    size_t nr, of[6];

    range_plan(&l, e, want, 6, 0, r, &nr, of);
    cr_assert_eq(nr, 3);
    cr_assert(r[0].offset == 100 && r[0].nbytes == 15);
    cr_assert(r[1].offset == 120 && r[1].nbytes == 30);
    cr_assert(r[2].offset == 200 && r[2].nbytes == 8);
    const size_t of0[] = {1, 0, SIZE_MAX, 2, 0, 0};
    cr_assert_arr_eq(of, of0, sizeof of0);

    range_plan(&l, e, want, 6, 5, r, &nr, of);
    cr_assert_eq(nr, 2);
    cr_assert(r[0].offset == 100 && r[0].nbytes == 50);
    const size_t of5[] = {0, 0, SIZE_MAX, 1, 0, 0};
    cr_assert_arr_eq(of, of5, sizeof of5);

    range_plan(&l, e, want, 6, UINT64_MAX, r, &nr, of);
    cr_assert_eq(nr, 1);
    cr_assert(r[0].offset == 100 && r[0].nbytes == 108);

    const uint64_t empty_only[] = {1};
    range_plan(&l, e, empty_only, 1, 0, r, &nr, of);
    cr_assert_eq(nr, 0);
    cr_assert_eq(of[0], SIZE_MAX);

    const uint64_t outside[] = {6};
    cr_assert_eq(zd_codec_shard_plan(&l, e, outside, 1, 0, r, &nr, of, NULL), ZD_ERANGE);
}

Test(codec_sharding, partial_read_of_inner_chunks)
{
    uint64_t shape[] = {16, 16};
    zd_chunk_spec s = tc_spec(ZD_UINT16, 2, shape, 0);
    zd_codec_chain *c =
        tc_chain("[{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[4,8],"
                 "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}}],"
                 "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"crc32c\"}]}}]",
                 &s);
    uint16_t chunk[256];
    for (int i = 0; i < 256; i++)
        chunk[i] = (uint16_t)(i < 64 ? 0 : i * 7); /* inner chunks (0,0) and (0,1) empty */
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf shard = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, sizeof chunk, &shard, NULL), 0);

    const zd_shard_layout *l = zd_codec_chain_shard_layout(c);
    const zd_codec_chain *inner = zd_codec_chain_inner(c);
    size_t isz = zd_shard_index_size(l);
    zd_shard_entry entries[8];
    zd_error err;
    cr_assert_eq(zd_shard_index_decode(l, shard.data + zd_shard_index_offset(l, shard.len), isz,
                                       shard.len, entries, &err),
                 0, "%s", err.msg);
    uint64_t coords[][2] = {{3, 1}, {0, 1}, {2, 0}};
    uint64_t want[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(zd_shard_chunk_index(l, coords[i], &want[i]), 0);
    zd_codec_range r[3];
    size_t nr, of[3];
    range_plan(l, entries, want, 3, 0, r, &nr, of);
    cr_assert_eq(nr, 2, "chunks (3,1) and (2,0) are not adjacent in C order");
    cr_assert_eq(of[1], SIZE_MAX);
    for (int i = 0; i < 3; i++) {
        uint16_t got[32];
        if (of[i] == SIZE_MAX) {
            zd_fill_buffer(got, 32, s.dtype, s.fill);
        } else {
            const zd_shard_entry *e = &entries[want[i]];
            /* The bytes as a range request would return them. */
            const uint8_t *range = shard.data + r[of[i]].offset;
            cr_assert_eq(zd_codec_chain_decode(inner, ctx, range + (e->offset - r[of[i]].offset),
                                               e->nbytes, got, sizeof got, &err),
                         0, "%s", err.msg);
        }
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 8; x++)
                cr_assert_eq(got[y * 8 + x],
                             chunk[(coords[i][0] * 4 + y) * 16 + coords[i][1] * 8 + x]);
    }
    zd_buf_free(&shard);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_sharding, decodes_shard_with_dead_bytes)
{
    /* A shard the server patched: a dead 10-byte gap before the live inner chunks, so the shard
     * is longer than any fresh encoding (issue found by the client's mixed write modes). */
    const uint8_t chunk[4] = {1, 2, 3, 4};
    uint8_t shard[10 + 4 + 36];
    memset(shard, 0xAB, 10);
    shard[10] = 1;
    shard[11] = 2;
    shard[12] = 3;
    shard[13] = 4;
    tc_put_u64le(shard + 14, 10);
    tc_put_u64le(shard + 22, 2);
    tc_put_u64le(shard + 30, 12);
    tc_put_u64le(shard + 38, 2);
    tc_put_u32le(shard + 46, tc_crc32c(shard + 14, 32));
    uint64_t shape[] = {4};
    zd_chunk_spec s = tc_spec(ZD_UINT8, 1, shape, 0);
    zd_codec_chain *c = tc_chain(shard_end, &s);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_error err;
    uint8_t back[4];
    cr_assert_eq(zd_codec_chain_decode(c, ctx, shard, sizeof shard, back, 4, &err), 0, "%s",
                 err.msg);
    cr_assert_arr_eq(back, chunk, 4);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}
