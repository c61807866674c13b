/* test_shard_http.c: the shard endpoints against a real zarrd (run once per store, ZT_STORE;
 * shards are read back with plain GETs): the statuses of
 * DESIGN.md, every bad request answered with a JSON error and the shard byte-for-byte
 * unchanged, layouts from zarr.json (422 for a wrong-sized chunk of a fixed-size chain), a
 * shard built by patches decoding like a whole-shard write, and 64 concurrent clients each
 * writing their own inner chunks of one shard for many rounds — self-verifying payloads of
 * varying and fixed size, and real chunks encoded with a gzip chain and a fixed-size chain —
 * with no lost update and the checker passing on the stored shard. */
#include <criterion/criterion.h>

#include "shard_check.h"
#include "shard_header.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zd_codec.h"
#include "zd_meta.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(shard_http, .init = zt_fixture_start, .fini = zt_fixture_stop);

static void connect(zt_conn *c)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
}

static void coords_of(uint64_t pos, uint64_t c[2])
{
    c[0] = pos / 8;
    c[1] = pos % 8;
}

static int put_chunk(zt_conn *c, const char *key, uint64_t pos, const zd_buf *payload)
{
    return shc_chunk_status(c, "PUT", key, pos, payload);
}

static void check_stored_shard(const char *key, uint64_t *live)
{
    sh_check_report rep;
    zd_error err = {0};
    cr_assert_eq(shc_check_value(zt_srv(), key, &rep, &err), 0, "checker: %s", err.msg);
    if (live) *live = rep.live_chunks;
}

Test(shard_http, put_get_delete_batch)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0};
    sp_make(&p, 9, 1, 100);
    cr_assert_eq(put_chunk(&c, "a/c/0/0", 9, &p), 204);
    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "GET", "a/c/0/0", "chunk=1,1", SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 100);
    cr_assert_eq(memcmp(r.body.data, p.data, 100), 0);
    zt_response_free(&r);
    cr_assert_eq(shc_request(&c, "GET", "a/c/0/0", "chunk=1,2", SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    zt_expect_error(&r, 404);
    zt_response_free(&r);
    cr_assert_eq(shc_status(&c, "GET", "a/c/9/9", "chunk=1,2", SHC_LAYOUT_16X8, NULL, 0), 404);

    /* a batch: two puts and a delete, atomically */
    zd_buf b = {0}, q = {0};
    uint64_t c3[2] = {0, 3}, c4[2] = {0, 4}, c9[2] = {1, 1};
    zd_batch_begin(&b, 2);
    sp_make(&q, 3, 2, 40);
    zd_batch_add_put(&b, 2, c3, q.data, q.len);
    sp_make(&q, 4, 2, 4000);
    zd_batch_add_put(&b, 2, c4, q.data, q.len);
    zd_batch_add_delete(&b, 2, c9);
    cr_assert_eq(shc_status(&c, "POST", "a/c/0/0", "batch", SHC_LAYOUT_16X8, b.data, b.len), 204);
    cr_assert_eq(shc_status(&c, "GET", "a/c/0/0", "chunk=1,1", SHC_LAYOUT_16X8, NULL, 0), 404);
    cr_assert_eq(shc_request(&c, "GET", "a/c/0/0", "chunk=0,4", SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 4000);
    zt_response_free(&r);
    uint64_t live;
    check_stored_shard("a/c/0/0", &live);
    cr_assert_eq(live, 2);
    /* the whole shard through a plain GET is the same file */
    zd_buf file = {0};
    shc_read_value(zt_srv(), "a/c/0/0", &file);
    zt_expect_value("/a/c/0/0", file.data, file.len);

    /* deleting every chunk deletes the shard */
    cr_assert_eq(shc_status(&c, "DELETE", "a/c/0/0", "chunk=0,3", SHC_LAYOUT_16X8, NULL, 0), 204);
    cr_assert_eq(shc_status(&c, "DELETE", "a/c/0/0", "chunk=0,4", SHC_LAYOUT_16X8, NULL, 0), 204);
    cr_assert_eq(zt_status("GET", "/a/c/0/0", NULL, NULL, 0), 404);
    cr_assert_eq(shc_status(&c, "DELETE", "a/c/0/0", "chunk=0,4", SHC_LAYOUT_16X8, NULL, 0), 204);
    zd_buf_free(&file);
    zd_buf_free(&b);
    zd_buf_free(&q);
    zd_buf_free(&p);
    zt_conn_close(&c);
}

typedef struct bad_case {
    const char *method;
    const char *query;
    const char *layout;
    const char *body; /* NULL: no body; "" an empty one */
    int status;
    size_t len; /* body bytes when it holds NULs; 0: strlen(body) */
} bad_case;

Test(shard_http, bad_requests_leave_the_shard_unchanged)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0};
    for (uint64_t pos = 0; pos < 128; pos += 5) {
        sp_make(&p, pos, 1, sp_size(pos, 1, 0, 300));
        cr_assert_eq(put_chunk(&c, "s", pos, &p), 204);
    }
    zd_buf before = {0}, after = {0};
    cr_assert_eq(shc_read_value(zt_srv(), "s", &before), 0);
    const bad_case cases[] = {
        {"PUT", "chunk=0,1", NULL, "x", 400, 0},                        /* no layout */
        {"PUT", "chunk=0,1", "chunks=16,x", "x", 400, 0},               /* bad header */
        {"PUT", "chunk=0,1", "chunks=16,8; index=middle", "x", 400, 0}, /* bad header */
        {"PUT", "chunk=0,1", "chunks=16,8; zip=1", "x", 400, 0},        /* unknown param */
        {"PUT", "chunk=16,0", SHC_LAYOUT_16X8, "x", 400, 0},            /* outside */
        {"PUT", "chunk=0,8", SHC_LAYOUT_16X8, "x", 400, 0},             /* outside */
        {"PUT", "chunk=0", SHC_LAYOUT_16X8, "x", 400, 0},               /* too few coords */
        {"PUT", "chunk=0,0,0", SHC_LAYOUT_16X8, "x", 400, 0},           /* too many */
        {"PUT", "chunk=a,b", SHC_LAYOUT_16X8, "x", 400, 0},             /* not numbers */
        {"PUT", "chunk=0,-1", SHC_LAYOUT_16X8, "x", 400, 0},            /* negative */
        {"PUT", "chunk=0,1&batch", SHC_LAYOUT_16X8, "x", 400, 0},       /* both */
        {"PUT", "chunk=0,1", SHC_LAYOUT_16X8, "", 400, 0},              /* empty chunk */
        {"PUT", "chunk=0,1", "chunks=16,4", "x", 409, 0},               /* other index size */
        {"PUT", "chunk=0,1", "chunks=16,8; crc32c=0", "x", 409, 0},     /* no crc trailer */
        {"PUT", "chunk=0,1", "chunks=16,8; index=start", "x", 409, 0},  /* index elsewhere */
        {"PUT", "chunk=0,1", "chunks=16,8; endian=big", "x", 409, 0},   /* other endianness */
        {"DELETE", "chunk=0,0", "chunks=16,4", NULL, 409, 0},
        {"GET", "chunk=0,0", "chunks=16,4", NULL, 409, 0},
        {"PATCH", "chunk=0,0", SHC_LAYOUT_16X8, "x", 405, 0},
        {"POST", "chunk=0,0", SHC_LAYOUT_16X8, "x", 400, 0},           /* batch takes ?batch */
        {"PUT", "batch", SHC_LAYOUT_16X8, "x", 400, 0},                /* batch takes POST */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB2\2", 400, 0},          /* bad magic */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB1\3", 400, 0},          /* wrong ndim */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB1\2P\1\1\5ab", 400, 0}, /* truncated payload */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB1\2D\1\1X", 400, 0},    /* unknown op */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB1\2P\1\1\1aP\20\0\1b", 400, 14}, /* 2nd op outside */
        {"POST", "batch", SHC_LAYOUT_16X8, "ZSB1\2P\1\1\0", 400, 9},            /* empty chunk */
        {"PUT", "chunks=0,1", SHC_LAYOUT_16X8, "x", 400, 0},     /* chunks= takes GET */
        {"DELETE", "chunks=0,1", SHC_LAYOUT_16X8, NULL, 400, 0}, /* ... and HEAD */
        {"POST", "chunks=0,1", SHC_LAYOUT_16X8, "x", 400, 0},
        {"GET", "chunks=", SHC_LAYOUT_16X8, NULL, 400, 0},              /* none named */
        {"GET", "chunks=0,1;;0,2", SHC_LAYOUT_16X8, NULL, 400, 0},      /* an empty one */
        {"GET", "chunks=0,1;", SHC_LAYOUT_16X8, NULL, 400, 0},          /* a trailing ; */
        {"GET", "chunks=0,1;16,0", SHC_LAYOUT_16X8, NULL, 400, 0},      /* outside */
        {"GET", "chunks=0,1;0", SHC_LAYOUT_16X8, NULL, 400, 0},         /* too few coords */
        {"GET", "chunks=0,1;0,x", SHC_LAYOUT_16X8, NULL, 400, 0},       /* not numbers */
        {"GET", "chunks=0,1;0,%2", SHC_LAYOUT_16X8, NULL, 400, 0},      /* bad escape */
        {"GET", "chunks=0,1&chunk=0,1", SHC_LAYOUT_16X8, NULL, 400, 0}, /* both */
        {"GET", "chunks=0,1&batch", SHC_LAYOUT_16X8, NULL, 400, 0},     /* both */
        {"GET", "chunks=0,1", "chunks=16,4", NULL, 409, 0},             /* other index size */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *bc = &cases[i];
        zt_response r = {0};
        const char *body = bc->body;
        size_t len = bc->len ? bc->len : body ? strlen(body) : 0;
        cr_assert_eq(shc_request(&c, bc->method, "s", bc->query, bc->layout, body, len, &r), 0);
        zt_expect_error(&r, bc->status);
        zt_response_free(&r);
        cr_assert_eq(shc_read_value(zt_srv(), "s", &after), 0);
        cr_assert(after.len == before.len && memcmp(after.data, before.data, before.len) == 0,
                  "case %zu (%s ?%s) changed the shard", i, bc->method, bc->query);
    }
    check_stored_shard("s", NULL);
    zd_buf_free(&before);
    zd_buf_free(&after);
    zd_buf_free(&p);
    zt_conn_close(&c);
}

#define CLIENTS 64
#define ROUNDS  15

static void run_concurrent_clients(size_t fixed)
{
    pthread_t t[CLIENTS];
    shc_writer args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        args[i] = (shc_writer){.srv = zt_srv(),
                               .key = "conc",
                               .first = (uint64_t)i,
                               .stride = CLIENTS,
                               .rounds = ROUNDS,
                               .fixed = fixed,
                               .max = 2000};
        cr_assert_eq(pthread_create(&t[i], NULL, shc_writer_run, &args[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) /* all of them before an assertion leaves this frame */
        pthread_join(t[i], NULL);
    for (int i = 0; i < CLIENTS; i++)
        cr_assert_eq(args[i].failures, 0, "client %d saw %d failures, the first: status %d", i,
                     args[i].failures, args[i].first_bad);
    zt_conn c;
    connect(&c);
    for (uint64_t pos = 0; pos < 128; pos++) {
        uint64_t xy[2];
        char q[64];
        coords_of(pos, xy);
        shc_chunk_query(q, sizeof q, 2, xy);
        zt_response r = {0};
        cr_assert_eq(shc_request(&c, "GET", "conc", q, SHC_LAYOUT_16X8, NULL, 0, &r), 0);
        cr_assert_eq(r.status, 200, "chunk %llu lost", (unsigned long long)pos);
        uint32_t round;
        cr_assert(sp_check(r.body.data, r.body.len, pos, &round));
        cr_assert_eq(round, ROUNDS, "chunk %llu holds round %u", (unsigned long long)pos, round);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    uint64_t live;
    check_stored_shard("conc", &live);
    cr_assert_eq(live, 128);
}

Test(shard_http, concurrent_clients_variable_size_chunks_lose_nothing)
{
    run_concurrent_clients(0);
}

Test(shard_http, concurrent_clients_fixed_size_chunks_lose_nothing)
{
    run_concurrent_clients(64);
}

/* PUT the zarr.json of a 64x64 uint8 array in 32x32 shards of 8x8 inner chunks; `inner` is
 * the inner codec list. The text goes to json (1024 bytes). */
static void put_array(const char *name, const char *inner, char *json)
{
    char target[128];
    snprintf(json, 1024,
             "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [64, 64], "
             "\"data_type\": \"uint8\", \"chunk_grid\": {\"name\": \"regular\", "
             "\"configuration\": {\"chunk_shape\": [32, 32]}}, \"chunk_key_encoding\": "
             "{\"name\": \"default\"}, \"fill_value\": 0, \"codecs\": [{\"name\": "
             "\"sharding_indexed\", \"configuration\": {\"chunk_shape\": [8, 8], \"codecs\": "
             "%s, \"index_codecs\": [{\"name\": \"bytes\", \"configuration\": {\"endian\": "
             "\"little\"}}, {\"name\": \"crc32c\"}], \"index_location\": \"end\"}}]}",
             inner);
    snprintf(target, sizeof target, "/%s/zarr.json", name);
    zt_put_str(target, json);
}

#define BYTES_CODEC "[{\"name\": \"bytes\"}]"

Test(shard_http, layout_from_zarr_json)
{
    zt_conn c;
    connect(&c);
    char json[1024];
    put_array("arr", BYTES_CODEC, json);
    uint8_t chunk[65];
    memset(chunk, 5, sizeof chunk);
    cr_assert_eq(shc_status(&c, "PUT", "arr/c/0/1", "chunk=1,2", NULL, chunk, 64), 204);
    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "GET", "arr/c/0/1", "chunk=1,2", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 64);
    zt_response_free(&r);
    zd_buf before = {0}, after = {0}, b = {0};
    cr_assert_eq(shc_read_value(zt_srv(), "arr/c/0/1", &before), 0);

    /* a fixed-size inner chain: a body of any other size is not a whole chunk */
    cr_assert_eq(shc_request(&c, "PUT", "arr/c/0/1", "chunk=0,0", NULL, chunk, 63, &r), 0);
    zt_expect_error(&r, 422);
    zt_response_free(&r);
    uint64_t c0[2] = {0, 0}, c1[2] = {3, 3};
    zd_batch_begin(&b, 2);
    zd_batch_add_put(&b, 2, c0, chunk, 64);
    zd_batch_add_put(&b, 2, c1, chunk, 65);
    cr_assert_eq(shc_request(&c, "POST", "arr/c/0/1", "batch", NULL, b.data, b.len, &r), 0);
    zt_expect_error(&r, 422);
    zt_response_free(&r);
    /* keys no array claims, and an array that is not sharded */
    cr_assert_eq(shc_status(&c, "PUT", "arr/c/2/0", "chunk=0,0", NULL, chunk, 64), 400);
    cr_assert_eq(shc_status(&c, "PUT", "other/c/0/0", "chunk=0,0", NULL, chunk, 64), 400);
    zt_put_str("/plain/zarr.json",
               "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [4], \"data_type\": "
               "\"uint8\", \"chunk_grid\": {\"name\": \"regular\", \"configuration\": "
               "{\"chunk_shape\": [2]}}, \"chunk_key_encoding\": {\"name\": \"default\"}, "
               "\"fill_value\": 0, \"codecs\": [{\"name\": \"bytes\"}]}");
    cr_assert_eq(shc_status(&c, "PUT", "plain/c/0", "chunk=0", NULL, chunk, 2), 409);
    cr_assert_eq(shc_read_value(zt_srv(), "arr/c/0/1", &after), 0);
    cr_assert(after.len == before.len && memcmp(after.data, before.data, after.len) == 0);

    /* a rewritten zarr.json is read again: with gzip inner chunks vary in size */
    put_array("arr",
              "[{\"name\": \"bytes\"}, {\"name\": \"gzip\", \"configuration\": {\"level\": "
              "5}}]",
              json);
    cr_assert_eq(shc_request(&c, "PUT", "arr/c/0/1", "chunk=0,0", NULL, chunk, 63, &r), 0);
    cr_assert_eq(r.status, 204, "%d %.*s", r.status, (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
    zd_shard_layout l;
    cr_assert_eq(sh_header_parse("chunks=4,4", 10, &l, NULL), 0);
    cr_assert_eq(shc_read_value(zt_srv(), "arr/c/0/1", &after), 0);
    zd_error err = {0};
    cr_assert_eq(sh_check_buffer(&l, after.data, after.len, NULL, NULL, NULL, &err), 0, "%s",
                 err.msg);
    zd_buf_free(&before);
    zd_buf_free(&after);
    zd_buf_free(&b);
    zt_conn_close(&c);
}

/* The whole shard at key, decoded with chain into out[1024]. */
static void decode_shard(const char *key, const zd_codec_chain *chain, zd_codec_ctx *ctx,
                         uint8_t *out)
{
    zd_buf file = {0};
    cr_assert_eq(shc_read_value(zt_srv(), key, &file), 0);
    zd_error err = {0};
    cr_assert_eq(zd_codec_chain_decode(chain, ctx, file.data, file.len, out, 1024, &err), 0,
                 "%s: %s", key, err.msg);
    zd_buf_free(&file);
}

Test(shard_http, patched_shard_decodes_like_a_whole_shard_write)
{
    char json[1024];
    put_array("p",
              "[{\"name\": \"bytes\"}, {\"name\": \"gzip\", \"configuration\": "
              "{\"level\": 1}}]",
              json);
    zd_meta *meta;
    zd_chunk_spec spec;
    zd_codec_chain *chain;
    zd_codec_ctx *ctx;
    zd_error err = {0};
    cr_assert_eq(zd_meta_parse(json, strlen(json), &meta, &err), 0, "%s", err.msg);
    cr_assert_eq(zd_meta_chunk_spec(meta, &spec), 0);
    cr_assert_eq(zd_codec_chain_new(meta->codecs, &spec, &chain, &err), 0, "%s", err.msg);
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    const zd_codec_chain *inner = zd_codec_chain_inner(chain);
    cr_assert_not_null(inner);

    /* a 32x32 shard whose inner chunks vary; two in the middle stay at the fill value */
    uint8_t data[1024], region[64], got[1024];
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 32; x++)
            data[y * 32 + x] = (y / 8 == 1 && x / 8 >= 2) ? 0 : (uint8_t)(x * y + (x ^ y) + 1);
    zd_buf enc = {0};
    cr_assert_eq(zd_codec_chain_encode(chain, ctx, data, sizeof data, &enc, &err), 0, "%s",
                 err.msg);
    zt_conn c;
    connect(&c);
    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "PUT", "p/c/0/0", NULL, NULL, enc.data, enc.len, &r), 0);
    cr_assert_eq(r.status, 201);
    zt_response_free(&r);

    /* the same shard built chunk by chunk (twice, to exercise overwrites) */
    for (int pass = 0; pass < 2; pass++) {
        for (int cy = 0; cy < 4; cy++) {
            for (int cx = 0; cx < 4; cx++) {
                bool fill = true;
                for (int y = 0; y < 8; y++)
                    for (int x = 0; x < 8; x++) {
                        region[y * 8 + x] =
                            data[(cy * 8 + y) * 32 + cx * 8 + x] ^ (uint8_t)(pass == 0 ? 0x5A : 0);
                        fill = fill && region[y * 8 + x] == 0;
                    }
                char q[32];
                snprintf(q, sizeof q, "chunk=%d,%d", cy, cx);
                if (fill) {
                    cr_assert_eq(shc_status(&c, "DELETE", "p/c/1/1", q, NULL, NULL, 0), 204);
                    continue;
                }
                cr_assert_eq(zd_codec_chain_encode(inner, ctx, region, 64, &enc, &err), 0);
                cr_assert_eq(shc_status(&c, "PUT", "p/c/1/1", q, NULL, enc.data, enc.len), 204);
            }
        }
    }
    decode_shard("p/c/0/0", chain, ctx, got);
    cr_assert_eq(memcmp(got, data, sizeof data), 0);
    decode_shard("p/c/1/1", chain, ctx, got);
    cr_assert_eq(memcmp(got, data, sizeof data), 0, "the patched shard decodes differently");
    /* and the checker, decoding every inner chunk with the inner codecs, passes on both */
    sh_check_codec cc = {.inner = inner, .ctx = ctx};
    for (int k = 0; k < 2; k++) {
        zd_buf file = {0};
        cr_assert_eq(shc_read_value(zt_srv(), k ? "p/c/1/1" : "p/c/0/0", &file), 0);
        sh_check_report rep;
        cr_assert_eq(sh_check_buffer(zd_codec_chain_shard_layout(chain), file.data, file.len,
                                     sh_check_decodes, &cc, &rep, &err),
                     0, "%s", err.msg);
        cr_assert_eq(rep.live_chunks, 14);
        zd_buf_free(&file);
    }
    zd_buf_free(&cc.decoded);
    zd_buf_free(&enc);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(chain);
    zd_meta_free(meta);
    zt_conn_close(&c);
}

Test(shard_http, head_and_memory_store)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0};
    sp_make(&p, 0, 1, 77);
    cr_assert_eq(put_chunk(&c, "h", 0, &p), 204);
    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "HEAD", "h", "chunk=0,0", SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    uint64_t len;
    cr_assert(zt_content_length(&r, &len));
    cr_assert_eq(len, 77);
    cr_assert_eq(r.body.len, 0);
    zt_response_free(&r);
    zt_conn_close(&c);
    zd_buf_free(&p);

    /* --store memory serves the endpoints too (test_shard_mem.c): no such shard there */
    zt_server mem;
    zt_server_opts opts = {.store = "memory"};
    cr_assert_eq(zt_server_start(&mem, &opts), 0);
    cr_assert_eq(
        zt_request(&mem, "GET", "/h?chunk=0,0", "Zarr-Shard: chunks=16,8\r\n", NULL, 0, &r), 0);
    zt_expect_error(&r, 404);
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&mem, NULL), 0);
}

/* 64 clients, each with its own codec context, write their own 4 inner chunks of one shard
 * (64x64 uint8 shard of 4x4 inner chunks, layout from zarr.json) for several rounds, encoding
 * real chunks with the array's inner codecs; the stored shard must then decode, with the
 * array's sharding chain, to exactly the last round of every chunk. */
#define CODEC_ROUNDS 6

typedef struct codec_client {
    int id;
    const zd_codec_chain *inner;
    int failures;
    int first_bad; /* the first failure's status (-1: no connection, answer or encoding) */
} codec_client;

static uint8_t chunk_value(uint64_t pos, int round, int i)
{
    /* compressible but distinct: runs that depend on the chunk, the round and the element */
    return (uint8_t)((pos * 7 + (uint64_t)round * 13 + (uint64_t)(i / 4)) % 251);
}

static void *codec_client_run(void *p)
{
    codec_client *a = p;
    zd_codec_ctx *ctx;
    zt_conn c;
    if (zd_codec_ctx_new(&ctx) != 0 || zt_conn_open_server(&c, zt_srv()) != 0) {
        a->failures++;
        a->first_bad = -1;
        return NULL;
    }
    zd_buf enc = {0};
    uint8_t raw[16];
    for (int round = 1; round <= CODEC_ROUNDS; round++) {
        for (uint64_t pos = (uint64_t)a->id; pos < 256; pos += CLIENTS) {
            for (int i = 0; i < 16; i++)
                raw[i] = chunk_value(pos, round, i);
            char q[32];
            snprintf(q, sizeof q, "chunk=%llu,%llu", (unsigned long long)(pos / 16),
                     (unsigned long long)(pos % 16));
            int status = zd_codec_chain_encode(a->inner, ctx, raw, sizeof raw, &enc, NULL)
                             ? -1
                             : shc_status(&c, "PUT", "g/c/0/0", q, NULL, enc.data, enc.len);
            if (status != 204 && a->failures++ == 0) a->first_bad = status;
        }
    }
    zd_buf_free(&enc);
    zt_conn_close(&c);
    zd_codec_ctx_free(ctx);
    return NULL;
}

static void run_codec_clients(const char *inner_codecs)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [64, 64], "
             "\"data_type\": \"uint8\", \"chunk_grid\": {\"name\": \"regular\", "
             "\"configuration\": {\"chunk_shape\": [64, 64]}}, \"chunk_key_encoding\": "
             "{\"name\": \"default\"}, \"fill_value\": 0, \"codecs\": [{\"name\": "
             "\"sharding_indexed\", \"configuration\": {\"chunk_shape\": [4, 4], \"codecs\": "
             "%s, \"index_codecs\": [{\"name\": \"bytes\", \"configuration\": {\"endian\": "
             "\"little\"}}, {\"name\": \"crc32c\"}], \"index_location\": \"end\"}}]}",
             inner_codecs);
    zt_put_str("/g/zarr.json", json);
    zd_meta *meta;
    zd_chunk_spec spec;
    zd_codec_chain *chain;
    zd_error err = {0};
    cr_assert_eq(zd_meta_parse(json, strlen(json), &meta, &err), 0, "%s", err.msg);
    cr_assert_eq(zd_meta_chunk_spec(meta, &spec), 0);
    cr_assert_eq(zd_codec_chain_new(meta->codecs, &spec, &chain, &err), 0, "%s", err.msg);
    pthread_t t[CLIENTS];
    codec_client args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        args[i] = (codec_client){.id = i, .inner = zd_codec_chain_inner(chain)};
        cr_assert_eq(pthread_create(&t[i], NULL, codec_client_run, &args[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) /* all of them before an assertion leaves this frame */
        pthread_join(t[i], NULL);
    for (int i = 0; i < CLIENTS; i++)
        cr_assert_eq(args[i].failures, 0, "client %d saw %d failures, the first: status %d", i,
                     args[i].failures, args[i].first_bad);
    zd_codec_ctx *ctx;
    cr_assert_eq(zd_codec_ctx_new(&ctx), 0);
    zd_buf file = {0};
    cr_assert_eq(shc_read_value(zt_srv(), "g/c/0/0", &file), 0);
    static uint8_t got[64 * 64];
    cr_assert_eq(zd_codec_chain_decode(chain, ctx, file.data, file.len, got, sizeof got, &err), 0,
                 "%s", err.msg);
    for (uint64_t pos = 0; pos < 256; pos++)
        for (int i = 0; i < 16; i++) {
            size_t y = pos / 16 * 4 + (size_t)i / 4, x = pos % 16 * 4 + (size_t)i % 4;
            cr_assert_eq(got[y * 64 + x], chunk_value(pos, CODEC_ROUNDS, i),
                         "chunk %llu element %d lost its last update", (unsigned long long)pos, i);
        }
    sh_check_codec cc = {.inner = zd_codec_chain_inner(chain), .ctx = ctx};
    cr_assert_eq(sh_check_buffer(zd_codec_chain_shard_layout(chain), file.data, file.len,
                                 sh_check_decodes, &cc, NULL, &err),
                 0, "%s", err.msg);
    zd_buf_free(&cc.decoded);
    zd_buf_free(&file);
    zd_codec_ctx_free(ctx);
    zd_codec_chain_free(chain);
    zd_meta_free(meta);
}

Test(shard_http, concurrent_clients_gzip_chain_lose_nothing)
{
    run_codec_clients("[{\"name\": \"bytes\"}, {\"name\": \"gzip\", \"configuration\": "
                      "{\"level\": 1}}]");
}

Test(shard_http, concurrent_clients_fixed_size_chain_lose_nothing)
{
    run_codec_clients("[{\"name\": \"bytes\"}]");
}

Test(shard_http, keys_that_cannot_be_shards)
{
    zt_conn c;
    connect(&c);
    zt_put_str("/file", "a plain value");
    zt_put_str("/dir/x", "a plain value");
    /* below a plain value: no such shard, and none can be made there */
    cr_assert_eq(shc_status(&c, "GET", "file/s", "chunk=0,0", SHC_LAYOUT_16X8, NULL, 0), 404);
    cr_assert_eq(shc_status(&c, "PUT", "file/s", "chunk=0,0", SHC_LAYOUT_16X8, "x", 1), 409);
    /* a directory (the memory store has no shard there to read: 404, as a plain GET says) */
    cr_assert_eq(shc_status(&c, "GET", "dir", "chunk=0,0", SHC_LAYOUT_16X8, NULL, 0),
                 zt_store_is_fs() ? 409 : 404);
    cr_assert_eq(shc_status(&c, "PUT", "dir", "chunk=0,0", SHC_LAYOUT_16X8, "x", 1), 409);
    /* a plain value that is not a shard of this layout */
    cr_assert_eq(shc_status(&c, "PUT", "file", "chunk=0,0", SHC_LAYOUT_16X8, "x", 1), 409);
    zt_expect_value("/file", "a plain value", 13);
    zt_conn_close(&c);
}
