/* test_shard_reads.c: plain reads of a shard key never see a shard patch half applied (fs
 * store). Writers patch inner chunks of one shard (puts of varying sizes that move chunks,
 * grow and shrink the file, and deletes) while readers GET the whole shard as a plain value
 * over and over; every shard read must pass the checker (index size, crc32c, entries inside
 * the file and apart, every chunk a valid self-checking payload). The shard is several hundred
 * KiB, sent with sendfile over many loop turns, so this covers the streamed path. */
#include <criterion/criterion.h>

#include "shard_check.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define LAYOUT  "chunks=16,8; index=end; crc32c=1"
#define KEY     "rd"
#define NCHUNKS 128
#define WRITERS 4
#define READERS 3
#define ROUNDS  12

TestSuite(shard_reads, .init = zt_fixture_start, .fini = zt_fixture_stop);

static zd_shard_layout layout_16x8(void)
{
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 8};
    cr_assert_eq(zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL), 0);
    return l;
}

static int chunk_request(zt_conn *c, const char *method, uint64_t pos, const zd_buf *payload)
{
    uint64_t xy[2] = {pos / 8, pos % 8};
    char q[64];
    shc_chunk_query(q, sizeof q, 2, xy);
    return shc_status(c, method, KEY, q, LAYOUT, payload ? payload->data : NULL,
                      payload ? payload->len : 0);
}

static atomic_bool writers_done;

typedef struct worker_arg {
    int id;
    int failures;
    int reads; /* readers: whole shards checked */
    char why[512];
} worker_arg;

/* Writer id owns the chunks id, id + WRITERS, ...: each round puts them with a new size (up to
 * 24 KiB, so the shard is several hundred KiB) and deletes every third one. */
static void *writer(void *p)
{
    worker_arg *a = p;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        a->failures++;
        return NULL;
    }
    zd_buf payload = {0};
    for (uint32_t round = 1; round <= ROUNDS; round++) {
        for (uint64_t pos = (uint64_t)a->id; pos < NCHUNKS; pos += WRITERS) {
            bool drop = (pos + round) % 3 == 0;
            sp_make(&payload, pos, round, sp_size(pos, round, 0, 24 * 1024));
            if (chunk_request(&c, drop ? "DELETE" : "PUT", pos, drop ? NULL : &payload) != 204)
                a->failures++;
        }
    }
    zd_buf_free(&payload);
    zt_conn_close(&c);
    return NULL;
}

static bool shard_ok(const zt_response *r, char *why, size_t cap)
{
    zd_shard_layout l = layout_16x8();
    zd_error err = {0};
    if (sh_check_buffer(&l, r->body.data, r->body.len, sp_check_chunk, NULL, NULL, &err) == 0)
        return true;
    snprintf(why, cap, "a %zu-byte shard read fails the checker: %s", r->body.len, err.msg);
    return false;
}

/* GET the whole shard until the writers finish. */
static void *reader(void *p)
{
    worker_arg *a = p;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        a->failures++;
        return NULL;
    }
    while (!atomic_load(&writers_done) && a->failures == 0) {
        zt_response r = {0};
        if (shc_request(&c, "GET", KEY, NULL, NULL, NULL, 0, &r) != 0 || r.status != 200) {
            snprintf(a->why, sizeof a->why, "plain GET answered %d", r.status);
            a->failures++;
        } else if (!shard_ok(&r, a->why, sizeof a->why)) {
            a->failures++;
        }
        a->reads++;
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return NULL;
}

Test(shard_reads, plain_gets_see_whole_patches_only, .timeout = 120)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zd_buf payload = {0};
    for (uint64_t pos = 0; pos < NCHUNKS; pos++) { /* a full shard to start from */
        sp_make(&payload, pos, 0, 24 * 1024 - pos);
        cr_assert_eq(chunk_request(&c, "PUT", pos, &payload), 204);
    }
    zd_buf_free(&payload);
    zt_conn_close(&c);

    pthread_t wt[WRITERS], rt[READERS];
    worker_arg wa[WRITERS], ra[READERS];
    atomic_store(&writers_done, false);
    for (int i = 0; i < READERS; i++) {
        ra[i] = (worker_arg){.id = i};
        cr_assert_eq(pthread_create(&rt[i], NULL, reader, &ra[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        wa[i] = (worker_arg){.id = i};
        cr_assert_eq(pthread_create(&wt[i], NULL, writer, &wa[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(wt[i], NULL);
    atomic_store(&writers_done, true);
    int reads = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(rt[i], NULL);
        cr_assert_eq(ra[i].failures, 0, "reader %d: %s", i, ra[i].why);
        reads += ra[i].reads;
    }
    for (int i = 0; i < WRITERS; i++)
        cr_assert_eq(wa[i].failures, 0, "writer %d saw %d failures", i, wa[i].failures);
    cr_assert_gt(reads, READERS, "the readers got too little done to test anything");
    printf("shard_reads: %d whole-shard GETs during %d patches, all consistent\n", reads,
           WRITERS * (NCHUNKS / WRITERS) * ROUNDS);
}
