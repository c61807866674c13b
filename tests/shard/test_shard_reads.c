/* test_shard_reads.c: plain reads of a shard key never see a shard patch half applied (fs
 * store). Writers patch inner chunks of one shard (puts of varying sizes that move chunks,
 * grow and shrink the file, and deletes) while readers GET the whole shard as a plain value
 * over and over; every shard read must pass the checker (index size, crc32c, entries inside
 * the file and apart, every chunk a valid self-checking payload). The shard is several hundred
 * KiB, sent with sendfile over many loop turns, so this covers the streamed path. */
#include <criterion/criterion.h>

#include "shard_http_client.h"
#include "shard_payload.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define KEY         "rd"
#define WRITERS     4
#define READERS     3
#define ROUNDS      12
#define READS_MIN   (4 * READERS) /* whole-shard GETs during the patches, at the least */
#define BATCHES_MAX 50            /* rounds of writers to wait for them (a loaded machine) */

TestSuite(shard_reads, .init = zt_fixture_start, .fini = zt_fixture_stop);

static atomic_bool writers_done;

typedef struct reader_arg {
    atomic_int failures;
    atomic_int reads; /* whole shards checked */
    char why[512];
} reader_arg;

static bool shard_ok(const zt_response *r, char *why, size_t cap)
{
    zd_error err = {0};
    if (shc_check_16x8(r->body.data, r->body.len, NULL, &err) == 0) return true;
    snprintf(why, cap, "a %zu-byte shard read fails the checker: %s", r->body.len, err.msg);
    return false;
}

/* GET the whole shard until the writers finish. */
static void *reader(void *p)
{
    reader_arg *a = p;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        snprintf(a->why, sizeof a->why, "no connection");
        atomic_store(&a->failures, 1);
        return NULL;
    }
    while (!atomic_load(&writers_done) && atomic_load(&a->failures) == 0) {
        zt_response r = {0};
        if (shc_request(&c, "GET", KEY, NULL, NULL, NULL, 0, &r) != 0 || r.status != 200) {
            snprintf(a->why, sizeof a->why, "plain GET answered %d", r.status);
            atomic_fetch_add(&a->failures, 1);
        } else if (!shard_ok(&r, a->why, sizeof a->why)) {
            atomic_fetch_add(&a->failures, 1);
        }
        atomic_fetch_add(&a->reads, 1);
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
    for (uint64_t pos = 0; pos < SHC_CHUNKS_16X8; pos++) { /* a full shard to start from */
        sp_make(&payload, pos, 0, 24 * 1024 - pos);
        cr_assert_eq(shc_chunk_status(&c, "PUT", KEY, pos, &payload), 204);
    }
    zd_buf_free(&payload);
    zt_conn_close(&c);

    pthread_t wt[WRITERS], rt[READERS];
    reader_arg ra[READERS];
    shc_writer wa[WRITERS];
    atomic_store(&writers_done, false);
    for (int i = 0; i < READERS; i++) {
        atomic_init(&ra[i].failures, 0);
        atomic_init(&ra[i].reads, 0);
        ra[i].why[0] = 0;
        cr_assert_eq(pthread_create(&rt[i], NULL, reader, &ra[i]), 0);
    }
    /* Writer i owns the chunks i, i + WRITERS, ...: each round puts them with a new size (up to
     * 24 KiB, so the shard is several hundred KiB) and deletes every third one. The writers run
     * again until the readers have read READS_MIN whole shards: on a loaded machine one batch
     * can end before the readers get going. */
    int reads = 0, failed = 0, batches = 0;
    for (; batches < BATCHES_MAX && reads < READS_MIN && !failed; batches++) {
        for (int i = 0; i < WRITERS; i++) {
            wa[i] = (shc_writer){.srv = zt_srv(),
                                 .key = KEY,
                                 .first = (uint64_t)i,
                                 .stride = WRITERS,
                                 .rounds = ROUNDS,
                                 .max = 24 * 1024,
                                 .drop_every = 3};
            cr_assert_eq(pthread_create(&wt[i], NULL, shc_writer_run, &wa[i]), 0);
        }
        for (int i = 0; i < WRITERS; i++)
            pthread_join(wt[i], NULL);
        for (int i = 0; i < WRITERS; i++)
            failed += wa[i].failures;
        reads = 0;
        for (int i = 0; i < READERS; i++) {
            reads += atomic_load(&ra[i].reads);
            failed += atomic_load(&ra[i].failures);
        }
    }
    atomic_store(&writers_done, true);
    reads = 0;
    for (int i = 0; i < READERS; i++) {
        pthread_join(rt[i], NULL);
        cr_assert_eq(atomic_load(&ra[i].failures), 0, "reader %d: %s", i, ra[i].why);
        reads += atomic_load(&ra[i].reads);
    }
    for (int i = 0; i < WRITERS; i++)
        cr_assert_eq(wa[i].failures, 0, "writer %d saw %d failures, the first: status %d", i,
                     wa[i].failures, wa[i].first_bad);
    cr_assert_geq(reads, READS_MIN, "the readers got %d reads done in %d batches of patches", reads,
                  batches);
    printf("shard_reads: %d whole-shard GETs during %d patches, all consistent\n", reads,
           SHC_CHUNKS_16X8 * ROUNDS * batches);
}
