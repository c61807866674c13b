/* test_shard_mem.c: what only the memory store's shard endpoints (server/shard_mem.c) do
 * beyond the statuses, layouts and concurrency test_shard_http.c checks on both stores: a
 * shard replaced or turned into another value by a plain PUT between patches (the patches
 * then work on the new value, or refuse it), an empty value as an empty shard, and compaction
 * of dead bytes in memory. The stored shard is read with a plain GET and checked with the
 * shard checker. */
#include <criterion/criterion.h>

#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zt_fixture.h"

#include <string.h>

TestSuite(shard_mem, .init = zt_fixture_start, .fini = zt_fixture_stop);

static void connect(zt_conn *c)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
    cr_assert_str_eq(zt_srv()->store, "memory");
}

static int put_chunk(zt_conn *c, const char *key, uint64_t pos, const zd_buf *payload)
{
    return shc_chunk_status(c, "PUT", key, pos, payload);
}

/* Run the checker (payloads self-verifying) on the stored shard; returns its live chunks. */
static uint64_t check_stored_shard(const char *key)
{
    sh_check_report rep;
    zd_error err = {0};
    cr_assert_eq(shc_check_value(zt_srv(), key, &rep, &err), 0, "checker on %s: %s", key, err.msg);
    return rep.live_chunks;
}

/* GET inner chunk pos of key: it must be the payload of (pos, round). */
static void expect_chunk(zt_conn *c, const char *key, uint64_t pos, uint32_t round)
{
    uint64_t xy[2] = {pos / 8, pos % 8};
    char q[64];
    shc_chunk_query(q, sizeof q, 2, xy);
    zt_response r = {0};
    cr_assert_eq(shc_request(c, "GET", key, q, SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200, "chunk %llu of %s: %d", (unsigned long long)pos, key, r.status);
    uint32_t got;
    cr_assert(sp_check(r.body.data, r.body.len, pos, &got), "chunk %llu torn",
              (unsigned long long)pos);
    cr_assert_eq(got, round, "chunk %llu holds round %u, not %u", (unsigned long long)pos, got,
                 round);
    zt_response_free(&r);
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
    cr_assert_eq(shc_read_value(zt_srv(), "k", &copy), 0);
    sp_make(&p, 2, 1, 60);
    cr_assert_eq(put_chunk(&c, "k", 2, &p), 204);
    /* put back the one-chunk shard as a plain value: chunk 2 is gone, chunk 1 is there */
    cr_assert_eq(zt_status("PUT", "/k", NULL, copy.data, copy.len), 204);
    cr_assert_eq(shc_status(&c, "GET", "k", "chunk=0,2", SHC_LAYOUT_16X8, NULL, 0), 404);
    expect_chunk(&c, "k", 1, 1);
    sp_make(&p, 3, 1, 70);
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 204);
    cr_assert_eq(check_stored_shard("k"), 2);
    zt_put_str("/k", "not a shard");
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 409);
    zt_expect_value("/k", "not a shard", 11);
    /* an empty value is an empty shard */
    cr_assert_eq(zt_status("PUT", "/k", NULL, "", 0), 204);
    cr_assert_eq(put_chunk(&c, "k", 3, &p), 204);
    cr_assert_eq(check_stored_shard("k"), 1);
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
    cr_assert_eq(shc_status(&c, "POST", "big", "batch", SHC_LAYOUT_16X8, b.data, b.len), 204);
    zd_buf shard = {0};
    cr_assert_eq(shc_read_value(zt_srv(), "big", &shard), 0);
    cr_assert_eq(shard.len, 2 * 20000 + 128 * 16 + 4, "shard of %zu bytes", shard.len);
    zd_buf_free(&shard);
    expect_chunk(&c, "big", 0, 1);
    expect_chunk(&c, "big", 127, 1);
    cr_assert_eq(check_stored_shard("big"), 2);
    zd_buf_free(&p);
    zd_buf_free(&b);
    zt_conn_close(&c);
}
