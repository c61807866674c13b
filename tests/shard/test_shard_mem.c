/* test_shard_mem.c: the shard endpoints on `zarrd --store memory` (server/shard_mem.c) answer
 * like the file engine: put / get / head / delete / batch statuses, the last delete removing
 * the shard, every bad request refused with the shard byte-for-byte unchanged, layouts from a
 * zarr.json value (422 for a wrong-sized chunk of a fixed-size chain, 409 for an array that is
 * not sharded, a rewritten zarr.json seen at once), 64 concurrent clients writing their own
 * inner chunks of one shard with no lost update, a plain PUT of the shard key between patches,
 * and compaction of dead bytes. The stored shard is read with a plain GET and checked with
 * the shard checker after each scenario. */
#include <criterion/criterion.h>

#include "shard_check.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LAYOUT "chunks=16,8; index=end; crc32c=1"

TestSuite(shard_mem, .init = zt_fixture_start, .fini = zt_fixture_stop);

static zd_shard_layout layout_16x8(void)
{
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 8};
    cr_assert_eq(zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL), 0);
    return l;
}

static void connect(zt_conn *c)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
    cr_assert_str_eq(zt_srv()->store, "memory");
}

static int put_chunk(zt_conn *c, const char *key, uint64_t pos, const zd_buf *payload)
{
    uint64_t xy[2] = {pos / 8, pos % 8};
    char q[64];
    shc_chunk_query(q, sizeof q, 2, xy);
    return shc_status(c, "PUT", key, q, LAYOUT, payload->data, payload->len);
}

/* The whole value at key through a plain GET (200 asserted) into out. */
static void read_value(zt_conn *c, const char *key, zd_buf *out)
{
    zt_response r = {0};
    cr_assert_eq(shc_request(c, "GET", key, NULL, NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200, "GET %s: %d", key, r.status);
    zd_buf_reset(out);
    cr_assert_eq(zd_buf_append(out, r.body.data, r.body.len), 0);
    zt_response_free(&r);
}

/* Run the checker (payloads self-verifying) on the stored shard; returns its live chunks. */
static uint64_t check_stored_shard(zt_conn *c, const char *key)
{
    zd_buf shard = {0};
    read_value(c, key, &shard);
    zd_shard_layout l = layout_16x8();
    sh_check_report rep;
    zd_error err = {0};
    cr_assert_eq(sh_check_buffer(&l, shard.data, shard.len, sp_check_chunk, NULL, &rep, &err), 0,
                 "checker on %s: %s", key, err.msg);
    zd_buf_free(&shard);
    return rep.live_chunks;
}

/* GET inner chunk pos of key: it must be the payload of (pos, round). */
static void expect_chunk(zt_conn *c, const char *key, uint64_t pos, uint32_t round)
{
    uint64_t xy[2] = {pos / 8, pos % 8};
    char q[64];
    shc_chunk_query(q, sizeof q, 2, xy);
    zt_response r = {0};
    cr_assert_eq(shc_request(c, "GET", key, q, LAYOUT, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200, "chunk %llu of %s: %d", (unsigned long long)pos, key, r.status);
    uint32_t got;
    cr_assert(sp_check(r.body.data, r.body.len, pos, &got), "chunk %llu torn",
              (unsigned long long)pos);
    cr_assert_eq(got, round, "chunk %llu holds round %u, not %u", (unsigned long long)pos, got,
                 round);
    zt_response_free(&r);
}

Test(shard_mem, put_get_head_delete_batch)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0}, b = {0};
    sp_make(&p, 10, 1, 100);
    cr_assert_eq(put_chunk(&c, "a/c/0/0", 10, &p), 204);
    expect_chunk(&c, "a/c/0/0", 10, 1);
    sp_make(&p, 10, 2, 300); /* another size: a new place */
    cr_assert_eq(put_chunk(&c, "a/c/0/0", 10, &p), 204);
    expect_chunk(&c, "a/c/0/0", 10, 2);
    cr_assert_eq(shc_status(&c, "GET", "a/c/0/0", "chunk=0,0", LAYOUT, NULL, 0), 404);
    cr_assert_eq(shc_status(&c, "GET", "a/c/9/9", "chunk=0,0", LAYOUT, NULL, 0), 404);

    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "HEAD", "a/c/0/0", "chunk=1,2", LAYOUT, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    uint64_t len;
    cr_assert(zt_content_length(&r, &len));
    cr_assert_eq(len, 300);
    cr_assert_eq(r.body.len, 0);
    zt_response_free(&r);

    /* a batch: two puts and a delete, atomically; a later op on the same chunk wins */
    uint64_t c3[2] = {0, 3}, c10[2] = {1, 2};
    zd_batch_begin(&b, 2);
    sp_make(&p, 3, 7, 40);
    zd_batch_add_put(&b, 2, c3, p.data, p.len);
    sp_make(&p, 3, 8, 4000);
    zd_batch_add_put(&b, 2, c3, p.data, p.len);
    zd_batch_add_delete(&b, 2, c10);
    cr_assert_eq(shc_status(&c, "POST", "a/c/0/0", "batch", LAYOUT, b.data, b.len), 204);
    expect_chunk(&c, "a/c/0/0", 3, 8);
    cr_assert_eq(shc_status(&c, "GET", "a/c/0/0", "chunk=1,2", LAYOUT, NULL, 0), 404);
    cr_assert_eq(check_stored_shard(&c, "a/c/0/0"), 1);

    /* deleting every chunk deletes the shard; deleting again is still 204 */
    cr_assert_eq(shc_status(&c, "DELETE", "a/c/0/0", "chunk=0,3", LAYOUT, NULL, 0), 204);
    cr_assert_eq(zt_status("GET", "/a/c/0/0", NULL, NULL, 0), 404);
    cr_assert_eq(shc_status(&c, "DELETE", "a/c/0/0", "chunk=0,3", LAYOUT, NULL, 0), 204);
    cr_assert_eq(zt_status("GET", "/a/c/0/0", NULL, NULL, 0), 404);
    zd_buf_free(&p);
    zd_buf_free(&b);
    zt_conn_close(&c);
}

typedef struct bad_case {
    const char *method;
    const char *key;
    const char *query;
    const char *layout;
    const char *body; /* NULL: no body; "" an empty one */
    int status;
    size_t len; /* body bytes when it holds NULs; 0: strlen(body) */
} bad_case;

Test(shard_mem, bad_requests_leave_the_shard_unchanged)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0}, before = {0}, after = {0};
    for (uint64_t pos = 0; pos < 128; pos += 5) {
        sp_make(&p, pos, 1, sp_size(pos, 1, 0, 300));
        cr_assert_eq(put_chunk(&c, "s", pos, &p), 204);
    }
    zt_put_str("/v", "a plain value");
    read_value(&c, "s", &before);
    const bad_case cases[] = {
        {"PUT", "s", "chunk=0,1", NULL, "x", 400, 0},                       /* no layout */
        {"PUT", "s", "chunk=0,1", "chunks=16,x", "x", 400, 0},              /* bad header */
        {"PUT", "s", "chunk=16,0", LAYOUT, "x", 400, 0},                    /* outside */
        {"PUT", "s", "chunk=0", LAYOUT, "x", 400, 0},                       /* too few */
        {"PUT", "s", "chunk=0,1&batch", LAYOUT, "x", 400, 0},               /* both */
        {"PUT", "s", "chunk=0,1", LAYOUT, "", 400, 0},                      /* empty chunk */
        {"PUT", "s", "chunk=0,1", "chunks=16,4", "x", 409, 0},              /* index size */
        {"PUT", "s", "chunk=0,1", "chunks=16,8; crc32c=0", "x", 409, 0},    /* no trailer */
        {"PUT", "s", "chunk=0,1", "chunks=16,8; index=start", "x", 409, 0}, /* elsewhere */
        {"DELETE", "s", "chunk=0,0", "chunks=16,4", NULL, 409, 0},          /* index size */
        {"GET", "s", "chunk=0,0", "chunks=16,4", NULL, 409, 0},             /* index size */
        {"PUT", "v", "chunk=0,0", LAYOUT, "x", 409, 0},                     /* not a shard */
        {"PUT", "v/x", "chunk=0,0", LAYOUT, "x", 409, 0},                   /* below a value */
        {"PATCH", "s", "chunk=0,0", LAYOUT, "x", 405, 0},                   /* method */
        {"PUT", "s", "batch", LAYOUT, "x", 400, 0},                         /* batch: POST */
        {"POST", "s", "batch", LAYOUT, "ZSB2\2", 400, 0},                   /* bad magic */
        {"POST", "s", "batch", LAYOUT, "ZSB1\2P\1\1\5ab", 400, 0},          /* truncated */
        {"POST", "s", "batch", LAYOUT, "ZSB1\2P\1\1\1aP\20\0\1b", 400, 14}, /* 2nd outside */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *bc = &cases[i];
        zt_response r = {0};
        size_t len = bc->len ? bc->len : bc->body ? strlen(bc->body) : 0;
        cr_assert_eq(shc_request(&c, bc->method, bc->key, bc->query, bc->layout, bc->body, len, &r),
                     0);
        cr_assert_eq(r.status, bc->status, "case %zu (%s %s?%s): %d %.*s", i, bc->method, bc->key,
                     bc->query, r.status, (int)r.body.len, (const char *)r.body.data);
        zt_expect_error(&r, bc->status);
        zt_response_free(&r);
        read_value(&c, "s", &after);
        cr_assert(after.len == before.len && memcmp(after.data, before.data, before.len) == 0,
                  "case %zu changed the shard", i);
    }
    zt_expect_value("/v", "a plain value", 13);
    cr_assert_eq(zt_status("GET", "/v/x", NULL, NULL, 0), 404);
    cr_assert_eq(check_stored_shard(&c, "s"), 26);
    zd_buf_free(&p);
    zd_buf_free(&before);
    zd_buf_free(&after);
    zt_conn_close(&c);
}

/* zarr.json of a 64x64 uint8 array in 32x32 shards of 8x8 inner chunks with inner codecs
 * `inner`, PUT at name/zarr.json. */
static void put_array(const char *name, const char *inner)
{
    char json[1024], target[128];
    snprintf(json, sizeof json,
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

Test(shard_mem, layout_from_zarr_json)
{
    zt_conn c;
    connect(&c);
    put_array("arr", "[{\"name\": \"bytes\"}]");
    uint8_t chunk[65];
    memset(chunk, 5, sizeof chunk);
    cr_assert_eq(shc_status(&c, "PUT", "arr/c/0/1", "chunk=1,2", NULL, chunk, 64), 204);
    zt_response r = {0};
    cr_assert_eq(shc_request(&c, "GET", "arr/c/0/1", "chunk=1,2", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    cr_assert(r.body.len == 64 && memcmp(r.body.data, chunk, 64) == 0);
    zt_response_free(&r);
    zd_buf before = {0}, after = {0}, b = {0};
    read_value(&c, "arr/c/0/1", &before);

    /* a fixed-size inner chain: a body of another size is not a whole chunk */
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
    /* keys no array claims (outside the grid, no zarr.json), an array that is not sharded */
    cr_assert_eq(shc_status(&c, "PUT", "arr/c/2/0", "chunk=0,0", NULL, chunk, 64), 400);
    cr_assert_eq(shc_status(&c, "PUT", "other/c/0/0", "chunk=0,0", NULL, chunk, 64), 400);
    zt_put_str("/plain/zarr.json",
               "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [4], \"data_type\": "
               "\"uint8\", \"chunk_grid\": {\"name\": \"regular\", \"configuration\": "
               "{\"chunk_shape\": [2]}}, \"chunk_key_encoding\": {\"name\": \"default\"}, "
               "\"fill_value\": 0, \"codecs\": [{\"name\": \"bytes\"}]}");
    cr_assert_eq(shc_status(&c, "PUT", "plain/c/0", "chunk=0", NULL, chunk, 2), 409);
    read_value(&c, "arr/c/0/1", &after);
    cr_assert(after.len == before.len && memcmp(after.data, before.data, after.len) == 0);

    /* a rewritten zarr.json is seen at once: with gzip, inner chunks vary in size */
    put_array("arr", "[{\"name\": \"bytes\"}, {\"name\": \"gzip\", \"configuration\": "
                     "{\"level\": 5}}]");
    cr_assert_eq(shc_status(&c, "PUT", "arr/c/0/1", "chunk=0,0", NULL, chunk, 63), 204);
    zd_shard_layout l;
    uint64_t chunks[2] = {4, 4};
    cr_assert_eq(zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL), 0);
    read_value(&c, "arr/c/0/1", &after);
    sh_check_report rep;
    zd_error err = {0};
    cr_assert_eq(sh_check_buffer(&l, after.data, after.len, NULL, NULL, &rep, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(rep.live_chunks, 2);
    zd_buf_free(&before);
    zd_buf_free(&after);
    zd_buf_free(&b);
    zt_conn_close(&c);
}

/* A plain PUT of the shard key between patches replaces the shard; later patches work on the
 * new value, and a plain PUT of a non-shard makes them 409. */
Test(shard_mem, plain_writes_of_the_shard_key)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0}, copy = {0};
    sp_make(&p, 1, 1, 50);
    cr_assert_eq(put_chunk(&c, "k", 1, &p), 204);
    read_value(&c, "k", &copy);
    sp_make(&p, 2, 1, 60);
    cr_assert_eq(put_chunk(&c, "k", 2, &p), 204);
    /* put back the one-chunk shard as a plain value: chunk 2 is gone, chunk 1 is there */
    cr_assert_eq(zt_status("PUT", "/k", NULL, copy.data, copy.len), 204);
    cr_assert_eq(shc_status(&c, "GET", "k", "chunk=0,2", LAYOUT, NULL, 0), 404);
    expect_chunk(&c, "k", 1, 1);
    sp_make(&p, 3, 1, 70);
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 204);
    cr_assert_eq(check_stored_shard(&c, "k"), 2);
    zt_put_str("/k", "not a shard");
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 409);
    zt_expect_value("/k", "not a shard", 11);
    /* an empty value is an empty shard */
    cr_assert_eq(zt_status("PUT", "/k", NULL, "", 0), 204);
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 204);
    cr_assert_eq(check_stored_shard(&c, "k"), 1);
    zd_buf_free(&p);
    zd_buf_free(&copy);
    zt_conn_close(&c);
}

/* Dead bytes past half the shard and 1 MiB are compacted away: after a batch deletes all but
 * two of 128 chunks, the shard is those two chunks plus the index, and both read back. */
Test(shard_mem, dead_bytes_are_compacted)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0}, b = {0};
    for (uint64_t pos = 0; pos < 128; pos++) {
        sp_make(&p, pos, 1, 20000);
        cr_assert_eq(put_chunk(&c, "big", pos, &p), 204);
    }
    zd_batch_begin(&b, 2);
    for (uint64_t pos = 1; pos < 127; pos++) {
        uint64_t xy[2] = {pos / 8, pos % 8};
        zd_batch_add_delete(&b, 2, xy);
    }
    cr_assert_eq(shc_status(&c, "POST", "big", "batch", LAYOUT, b.data, b.len), 204);
    zd_buf shard = {0};
    read_value(&c, "big", &shard);
    cr_assert_eq(shard.len, 2 * 20000 + 128 * 16 + 4, "shard of %zu bytes", shard.len);
    zd_buf_free(&shard);
    expect_chunk(&c, "big", 0, 1);
    expect_chunk(&c, "big", 127, 1);
    cr_assert_eq(check_stored_shard(&c, "big"), 2);
    zd_buf_free(&p);
    zd_buf_free(&b);
    zt_conn_close(&c);
}

#define CLIENTS 64
#define ROUNDS  10

typedef struct client_arg {
    int id; /* writes chunks id and id + 64 */
    size_t fixed;
    int failures;
} client_arg;

static void *client(void *p)
{
    client_arg *a = p;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        a->failures++;
        return NULL;
    }
    zd_buf payload = {0};
    for (uint32_t round = 1; round <= ROUNDS; round++)
        for (uint64_t pos = (uint64_t)a->id; pos < 128; pos += CLIENTS) {
            sp_make(&payload, pos, round, sp_size(pos, round, a->fixed, 2000));
            if (put_chunk(&c, "conc", pos, &payload) != 204) a->failures++;
        }
    zd_buf_free(&payload);
    zt_conn_close(&c);
    return NULL;
}

static void run_concurrent_clients(size_t fixed)
{
    pthread_t t[CLIENTS];
    client_arg args[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        args[i] = (client_arg){.id = i, .fixed = fixed};
        cr_assert_eq(pthread_create(&t[i], NULL, client, &args[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(args[i].failures, 0, "client %d saw %d failures", i, args[i].failures);
    }
    zt_conn c;
    connect(&c);
    for (uint64_t pos = 0; pos < 128; pos++)
        expect_chunk(&c, "conc", pos, ROUNDS);
    cr_assert_eq(check_stored_shard(&c, "conc"), 128);
    zt_conn_close(&c);
}

Test(shard_mem, concurrent_clients_variable_size_chunks_lose_nothing)
{
    run_concurrent_clients(0);
}

Test(shard_mem, concurrent_clients_fixed_size_chunks_lose_nothing)
{
    run_concurrent_clients(64);
}
