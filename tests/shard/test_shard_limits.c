/* test_shard_limits.c: the bounds on work per shard request (server/SHARDS.md "Limits"), on
 * both stores:
 * - --max-shard-index: a layout whose index is past it (the documented Zarr-Shard maximum,
 *   4096 x 4096 inner chunks, is a 268 MB index) is 413 with a JSON error before anything is
 *   read or written, from the header and from zarr.json alike, and six such 1-byte requests at
 *   once leave the server's peak memory where it was (they once cost 1.3 GiB); zarr-python's
 *   32,768-chunk benchmark shards pass the default; the limit is exact (entries of 16 bytes);
 * - --shard-index-memory: a request whose index does not fit the budget is 503 with
 *   Retry-After and changes nothing; cached indexes nobody uses are given back so later
 *   requests fit; zarrd_shard_index_memory_* count it. */
#include <criterion/criterion.h>

#include "shard_http_client.h"
#include "shard_payload.h"
#include "zt_fixture.h"
#include "zt_proc.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(shard_limits, .fini = zt_fixture_stop, .timeout = 120);

static void start_default(void)
{
    zt_fixture_start_args((const char *[]){"--threads", "2", NULL});
}

/* 1 MiB of index: 65,536 inner chunks (256 x 256) fit, 256 x 257 do not. */
static void start_small_index(void)
{
    zt_fixture_start_args((const char *[]){"--max-shard-index", "1M", NULL});
}

/* 5 MiB of index memory: a request reserves twice its index (entries and one buffer), a cached
 * shard keeps its entries (16 bytes per inner chunk). */
static void start_small_budget(void)
{
    zt_fixture_start_args((const char *[]){"--shard-index-memory", "5M", NULL});
}

/* PUT of a 1-byte inner chunk 0,0 (or 0,0,0) under layout; returns the response. */
static void put_tiny(zt_conn *c, const char *key, const char *layout, int ndim, zt_response *r)
{
    cr_assert_eq(
        shc_request(c, "PUT", key, ndim == 3 ? "chunk=0,0,0" : "chunk=0,0", layout, "x", 1, r), 0);
}

static void expect_put_status(const char *key, const char *layout, int ndim, int status)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_response r = {0};
    put_tiny(&c, key, layout, ndim, &r);
    if (status >= 400)
        zt_expect_error(&r, status);
    else
        cr_assert_eq(r.status, status, "PUT %s (%s): %d", key, layout, r.status);
    zt_response_free(&r);
    zt_conn_close(&c);
}

static void expect_absent(const char *key)
{
    char target[256];
    snprintf(target, sizeof target, "/%s", key);
    zt_expect_error_for("GET", target, NULL, NULL, 0, 404);
}

typedef struct amp_arg {
    int i;
    int status;
} amp_arg;

static void *amplify(void *p)
{
    amp_arg *a = p;
    char key[64];
    snprintf(key, sizeof key, "amp/c/%d/0", a->i);
    zt_conn c;
    zt_response r = {0};
    a->status = -1;
    if (zt_conn_open_server(&c, zt_srv()) == 0 &&
        shc_request(&c, "PUT", key, "chunk=0,0", "chunks=4096,4096", "x", 1, &r) == 0)
        a->status = r.status;
    zt_response_free(&r);
    zt_conn_close(&c);
    return NULL;
}

Test(shard_limits, index_past_the_limit_is_413_and_costs_nothing, .init = start_default)
{
    long before = zt_proc_status_kb(zt_srv()->pid, "VmHWM");
    pthread_t t[6];
    amp_arg a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = (amp_arg){.i = i};
        pthread_create(&t[i], NULL, amplify, &a[i]);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(a[i].status, 413, "request %d: %d", i, a[i].status);
    }
    long grown = zt_proc_status_kb(zt_srv()->pid, "VmHWM") - before;
    cr_log_info("six 4096x4096 one-byte shard PUTs: server VmHWM grew by %ld KiB", grown);
    cr_assert_lt(grown, 64 * 1024, "six refused requests raised the peak by %ld KiB", grown);
    for (int i = 0; i < 6; i++) {
        char key[64];
        snprintf(key, sizeof key, "amp/c/%d/0", i);
        expect_absent(key);
    }
    /* one past the default (1,048,576 inner chunks = 16 MiB of entries), and reads too */
    expect_put_status("big/c/0/0", "chunks=1024,1025", 2, 413);
    zt_expect_error_for("GET", "/big/c/0/0?chunk=0,0", "Zarr-Shard: chunks=4096,4096\r\n", NULL, 0,
                        413);
    expect_absent("big/c/0/0");
    /* zarr-python's benchmark shards: 32 x 32 x 32 = 32,768 inner chunks */
    expect_put_status("bench/c/0/0/0", "chunks=32,32,32", 3, 204);
}

/* The same limit when the layout comes from zarr.json. */
Test(shard_limits, index_limit_applies_to_zarr_json_layouts, .init = start_default)
{
    zt_put_str("/huge/zarr.json",
               "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [8192, 8192], "
               "\"data_type\": \"uint8\", \"chunk_grid\": {\"name\": \"regular\", "
               "\"configuration\": {\"chunk_shape\": [4096, 4096]}}, \"chunk_key_encoding\": "
               "{\"name\": \"default\"}, \"fill_value\": 0, \"codecs\": [{\"name\": "
               "\"sharding_indexed\", \"configuration\": {\"chunk_shape\": [1, 1], \"codecs\": "
               "[{\"name\": \"bytes\"}], \"index_codecs\": [{\"name\": \"bytes\", "
               "\"configuration\": {\"endian\": \"little\"}}, {\"name\": \"crc32c\"}], "
               "\"index_location\": \"end\"}}]}");
    zt_expect_error_for("PUT", "/huge/c/0/0?chunk=0,0", NULL, "x", 1, 413);
    zt_expect_error_for("GET", "/huge/c/0/1?chunk=0,0", NULL, NULL, 0, 413);
    expect_absent("huge/c/0/0");
}

Test(shard_limits, index_limit_is_configurable_and_exact, .init = start_small_index)
{
    expect_put_status("fit/c/0/0", "chunks=256,256", 2, 204);
    expect_put_status("over/c/0/0", "chunks=256,257", 2, 413);
    expect_absent("over/c/0/0");
}

/* The value of an unlabelled series in /_zarrd/metrics. */
static double metric(const char *series)
{
    zt_response r = {0};
    cr_assert_eq(zt_request(zt_srv(), "GET", "/_zarrd/metrics", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    zd_buf_append(&r.body, "", 1);
    char line[128];
    snprintf(line, sizeof line, "\n%s ", series);
    const char *at = strstr((const char *)r.body.data, line);
    cr_assert_not_null(at, "no %s in the metrics", series);
    double v = strtod(at + strlen(line), NULL);
    zt_response_free(&r);
    return v;
}

Test(shard_limits, index_memory_budget_refuses_with_503, .init = start_small_budget)
{
    /* a 4 MiB index needs 8 MiB: more than the whole budget */
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_response r = {0};
    put_tiny(&c, "wide/c/0/0", "chunks=512,512", 2, &r);
    zt_expect_error(&r, 503);
    const char *ra = zt_header(&r, "Retry-After");
    cr_assert(ra && strcmp(ra, "1") == 0, "503 without Retry-After: 1");
    zt_response_free(&r);
    zt_conn_close(&c);
    expect_absent("wide/c/0/0");
    cr_assert_eq(metric("zarrd_shard_index_memory_refusals_total"), 1);
    /* Twenty shards of 16,384 inner chunks (256 KiB indexes) stay cached: the cache keeps what
     * the budget allows beside a request (about 4.5 MiB). A 1 MiB index then needs 2 MiB: the
     * cached indexes nobody uses must be given back for it to fit. */
    for (int i = 0; i < 20; i++) {
        char key[64];
        snprintf(key, sizeof key, "small/c/%d/0", i);
        expect_put_status(key, "chunks=128,128", 2, 204);
    }
    cr_assert_gt(metric("zarrd_shard_index_memory_bytes"), 3 << 20, "nothing stayed cached");
    for (int i = 0; i < 3; i++) {
        char key[64];
        snprintf(key, sizeof key, "mid/c/%d/0", i);
        expect_put_status(key, "chunks=256,256", 2, 204);
    }
    cr_assert_eq(metric("zarrd_shard_index_memory_refusals_total"), 1, "cached indexes blocked");
    double used = metric("zarrd_shard_index_memory_bytes");
    cr_assert_leq(used, 5 << 20, "%.0f bytes reserved past the 5 MiB budget", used);
}
