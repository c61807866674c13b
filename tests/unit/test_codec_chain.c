/* test_codec_chain.c: building codec chains from zarr.json `codecs` (what is accepted, what is
 * refused and that the error names the codec or field), writing them back as JSON, fixed-size
 * detection, and known answers for bytes, transpose, crc32c, gzip and zstd — the compressors
 * checked against the gzip and zstd command-line tools in both directions. */
#include "test_codec_util.h"
#include "zt_tmpdir.h"

#include <unistd.h>
#include <zstd.h>

static const uint64_t shape_2x3[] = {2, 3};

static void expect_refused(const char *json, const zd_chunk_spec *spec, int code,
                           const char *needle)
{
    zd_error err;
    zd_codec_chain *c;
    int rc = tc_try(json, spec, &c, &err);
    cr_assert_eq(rc, code, "%s: rc %d (%s), expected %d", json, rc, err.msg, code);
    cr_assert_null(c);
    cr_assert_not_null(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", json, err.msg,
                       needle);
}

Test(codec_chain, refuses_bad_chains)
{
    zd_chunk_spec u16 = tc_spec(ZD_UINT16, 2, shape_2x3, 0);
    expect_refused("[{\"name\":\"blosc\"}]", &u16, ZD_EUNSUPPORTED, "blosc");
    expect_refused("[]", &u16, ZD_EINVAL, "array→bytes");
    expect_refused("{}", &u16, ZD_EINVAL, "array");
    expect_refused("[{\"name\":\"gzip\",\"configuration\":{\"level\":1}}]", &u16, ZD_EINVAL,
                   "gzip");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}}]",
                   &u16, ZD_EINVAL, "transpose");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
                   &u16, ZD_EINVAL, "second");
    expect_refused("[{\"name\":\"bytes\"}]", &u16, ZD_EINVAL, "endian");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"middle\"}}]", &u16,
                   ZD_EINVAL, "endian");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\",\"x\":1}}]", &u16,
                   ZD_EINVAL, "'x'");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"},\"y\":2}]", &u16,
                   ZD_EINVAL, "'y'");
    expect_refused("[{\"configuration\":{}}]", &u16, ZD_EINVAL, "name");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"gzip\",\"configuration\":{\"level\":10}}]",
                   &u16, ZD_EINVAL, "level");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"gzip\",\"configuration\":{\"level\":1.5}}]",
                   &u16, ZD_EINVAL, "level");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"gzip\"}]",
                   &u16, ZD_EINVAL, "level");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"zstd\",\"configuration\":{\"level\":3,\"checksum\":1}}]",
                   &u16, ZD_EINVAL, "checksum");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"zstd\",\"configuration\":{\"level\":99}}]",
                   &u16, ZD_EINVAL, "level");
    expect_refused("[{\"name\":\"transpose\",\"configuration\":{\"order\":[0,0]}},"
                   "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
                   &u16, ZD_EINVAL, "order");
    expect_refused("[{\"name\":\"transpose\",\"configuration\":{\"order\":[0]}},"
                   "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
                   &u16, ZD_EINVAL, "order");
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                   "{\"name\":\"crc32c\",\"configuration\":{\"seed\":1}}]",
                   &u16, ZD_EINVAL, "seed");
}

Test(codec_chain, refuses_bad_specs)
{
    uint64_t zero[] = {2, 0};
    zd_chunk_spec s = tc_spec(ZD_UINT8, 2, zero, 0);
    expect_refused("[\"bytes\"]", &s, ZD_EINVAL, "shape[1]");
    uint64_t huge[] = {1u << 20, 1u << 20};
    s = tc_spec(ZD_UINT64, 2, huge, 0);
    expect_refused("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]", &s,
                   ZD_EOVERFLOW, "bytes");
}

Test(codec_chain, accepts_names_and_must_understand)
{
    zd_chunk_spec u8 = tc_spec(ZD_UINT8, 2, shape_2x3, 0);
    zd_codec_chain *c = tc_chain("[\"bytes\", \"crc32c\"]", &u8);
    uint64_t n = 0;
    cr_assert(zd_codec_chain_fixed_size(c, &n));
    cr_assert_eq(n, 6 + 4);
    zd_codec_chain_free(c);
    c = tc_chain("[{\"name\":\"bytes\",\"must_understand\":true},"
                 "{\"name\":\"zstd\",\"configuration\":{\"level\":-3}}]",
                 &u8);
    cr_assert_not(zd_codec_chain_fixed_size(c, &n));
    zd_codec_chain_free(c);
}

static char *json_of(const zd_codec_chain *c)
{
    cJSON *j;
    zd_error err;
    cr_assert_eq(zd_codec_chain_to_json(c, &j, &err), 0, "%s", err.msg);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

Test(codec_chain, json_round_trip)
{
    uint64_t shape[] = {4, 6};
    zd_chunk_spec s = tc_spec(ZD_FLOAT32, 2, shape, 0);
    const char *in =
        "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
        "{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[3,2],"
        "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
        "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":true}}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
        "{\"name\":\"crc32c\"}]}},"
        "{\"name\":\"gzip\",\"configuration\":{\"level\":5}},{\"name\":\"crc32c\"}]";
    const char *want =
        "[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
        "{\"name\":\"sharding_indexed\",\"configuration\":{\"chunk_shape\":[3,2],"
        "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}},"
        "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":true}}],"
        "\"index_codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
        "{\"name\":\"crc32c\"}],\"index_location\":\"end\"}},"
        "{\"name\":\"gzip\",\"configuration\":{\"level\":5}},{\"name\":\"crc32c\"}]";
    zd_codec_chain *c = tc_chain(in, &s);
    char *out = json_of(c);
    cr_assert_str_eq(out, want);
    zd_codec_chain *again = tc_chain(out, &s);
    char *out2 = json_of(again);
    cr_assert_str_eq(out2, want);
    free(out);
    free(out2);
    zd_codec_chain_free(c);
    zd_codec_chain_free(again);
}

Test(codec_chain, bytes_big_endian_known_answer)
{
    uint64_t shape[] = {2};
    zd_chunk_spec s = tc_spec(ZD_COMPLEX64, 1, shape, 0);
    zd_codec_chain *c =
        tc_chain("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"big\"}}]", &s);
    uint8_t chunk[16], back[16];
    for (int i = 0; i < 16; i++)
        chunk[i] = (uint8_t)i;
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf out = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, sizeof chunk, &out, NULL), 0);
    /* complex64 swaps each float32 half on its own. */
    const uint8_t want[16] = {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12};
    cr_assert_eq(out.len, 16);
    cr_assert_arr_eq(out.data, want, 16);
    cr_assert_eq(zd_codec_chain_decode(c, ctx, out.data, out.len, back, sizeof back, NULL), 0);
    cr_assert_arr_eq(back, chunk, 16);
    uint64_t n;
    cr_assert(zd_codec_chain_fixed_size(c, &n));
    cr_assert_eq(n, 16);
    zd_buf_free(&out);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_chain, transpose_and_crc32c_known_answer)
{
    zd_chunk_spec s = tc_spec(ZD_UINT8, 2, shape_2x3, 0);
    zd_codec_chain *c = tc_chain("[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,0]}},"
                                 "\"bytes\",\"crc32c\"]",
                                 &s);
    const uint8_t chunk[6] = {1, 2, 3, 4, 5, 6}; /* [[1,2,3],[4,5,6]] */
    uint8_t want[10] = {1, 4, 2, 5, 3, 6};       /* its transpose, C order */
    tc_put_u32le(want + 6, tc_crc32c(want, 6));
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf out = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, 6, &out, NULL), 0);
    cr_assert_eq(out.len, 10);
    cr_assert_arr_eq(out.data, want, 10);
    uint8_t back[6];
    cr_assert_eq(zd_codec_chain_decode(c, ctx, out.data, out.len, back, 6, NULL), 0);
    cr_assert_arr_eq(back, chunk, 6);
    zd_buf_free(&out);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_chain, transposes_compose)
{
    uint64_t shape[] = {2, 3, 4};
    zd_chunk_spec s = tc_spec(ZD_INT16, 3, shape, 0);
    zd_codec_chain *twice =
        tc_chain("[{\"name\":\"transpose\",\"configuration\":{\"order\":[2,0,1]}},"
                 "{\"name\":\"transpose\",\"configuration\":{\"order\":[2,0,1]}},"
                 "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
                 &s);
    /* [2,0,1] twice is [1,2,0]. */
    zd_codec_chain *once =
        tc_chain("[{\"name\":\"transpose\",\"configuration\":{\"order\":[1,2,0]}},"
                 "{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]",
                 &s);
    uint8_t chunk[48];
    tc_random(chunk, sizeof chunk, 3);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf a = {0}, b = {0};
    cr_assert_eq(zd_codec_chain_encode(twice, ctx, chunk, 48, &a, NULL), 0);
    cr_assert_eq(zd_codec_chain_encode(once, ctx, chunk, 48, &b, NULL), 0);
    cr_assert_eq(a.len, 48);
    cr_assert_arr_eq(a.data, b.data, 48);
    /* Element [i][j][k] of the input lands at [j][k][i] of the encoded 3x4x2 array. */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 4; k++)
                cr_assert_eq(memcmp(a.data + 2 * ((j * 4 + k) * 2 + i),
                                    chunk + 2 * ((i * 3 + j) * 4 + k), 2),
                             0);
    zd_buf_free(&a);
    zd_buf_free(&b);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(twice);
    zd_codec_chain_free(once);
}

/* Encode with the chain, decode with the CLI tool; and the reverse. */
static void check_cli(const char *chain_json, const char *decompress_cmd, const char *compress_cmd)
{
    uint64_t shape[] = {64, 64};
    zd_chunk_spec s = tc_spec(ZD_UINT16, 2, shape, 0);
    zd_codec_chain *c = tc_chain(chain_json, &s);
    size_t n = zd_codec_chain_decoded_size(c);
    uint8_t *chunk = malloc(n), *back = malloc(n);
    tc_smooth(chunk, n);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf enc = {0}, got = {0};
    cr_assert_eq(zd_codec_chain_encode(c, ctx, chunk, n, &enc, NULL), 0);

    char path[256], name[64], cmd[512];
    snprintf(name, sizeof name, "zd_codec_cli_%d", (int)getpid());
    cr_assert_eq(zt_tmp_path(path, sizeof path, name), 0);
    tc_write_file(path, enc.data, enc.len);
    snprintf(cmd, sizeof cmd, "%s < %s", decompress_cmd, path);
    tc_run(cmd, &got);
    cr_assert_eq(got.len, n, "%s gave %zu bytes", decompress_cmd, got.len);
    cr_assert_arr_eq(got.data, chunk, n);

    tc_write_file(path, chunk, n);
    zd_buf_reset(&got);
    snprintf(cmd, sizeof cmd, "cat %s | %s", path, compress_cmd);
    tc_run(cmd, &got);
    zd_error err;
    cr_assert_eq(zd_codec_chain_decode(c, ctx, got.data, got.len, back, n, &err), 0, "%s", err.msg);
    cr_assert_arr_eq(back, chunk, n);
    unlink(path);
    free(chunk);
    free(back);
    zd_buf_free(&enc);
    zd_buf_free(&got);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}

Test(codec_chain, gzip_matches_gzip_tool)
{
    for (int level = 0; level <= 9; level += 3) {
        char json[160];
        snprintf(json, sizeof json,
                 "[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                 "{\"name\":\"gzip\",\"configuration\":{\"level\":%d}}]",
                 level);
        check_cli(json, "gzip -dc", "gzip -c");
    }
}

Test(codec_chain, zstd_matches_zstd_tool)
{
    check_cli("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
              "{\"name\":\"zstd\",\"configuration\":{\"level\":0,\"checksum\":false}}]",
              "zstd -qdc", "zstd -qc");
    /* Reading a pipe, the zstd tool writes frames without a content size. */
    check_cli("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
              "{\"name\":\"zstd\",\"configuration\":{\"level\":-5,\"checksum\":true}}]",
              "zstd -qdc", "zstd -qc --no-check");
}

Test(codec_chain, zstd_frame_without_content_size)
{
    uint64_t shape[] = {1000};
    zd_chunk_spec s = tc_spec(ZD_UINT32, 1, shape, 0);
    zd_codec_chain *c = tc_chain("[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}},"
                                 "{\"name\":\"zstd\",\"configuration\":{\"level\":3}}]",
                                 &s);
    uint8_t chunk[4000], back[4000], frame[8192];
    tc_smooth(chunk, sizeof chunk);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
    ZSTD_inBuffer ib = {chunk, sizeof chunk, 0};
    ZSTD_outBuffer ob = {frame, sizeof frame, 0};
    cr_assert_eq(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end), 0);
    ZSTD_freeCCtx(cc);
    cr_assert_eq(ZSTD_getFrameContentSize(frame, ob.pos), ZSTD_CONTENTSIZE_UNKNOWN);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_error err;
    cr_assert_eq(zd_codec_chain_decode(c, ctx, frame, ob.pos, back, sizeof back, &err), 0, "%s",
                 err.msg);
    cr_assert_arr_eq(back, chunk, sizeof chunk);
    /* Two frames back to back decode as their concatenation; here that is too long. */
    memcpy(frame + ob.pos, frame, ob.pos);
    cr_assert_eq(zd_codec_chain_decode(c, ctx, frame, 2 * ob.pos, back, sizeof back, &err),
                 ZD_ECORRUPT);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(c);
}
