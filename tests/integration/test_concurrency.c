/* test_concurrency.c: many clients at once. 32 threads, each on its own keep-alive connection,
 * PATCH their own disjoint range of one key at the same moment, for several rounds; after every
 * round each byte must hold the value its owner wrote (no lost or torn writes). And PUTs racing
 * GETs: a reader must only ever see one whole value, never a half-written one. Worker threads
 * record failures; only the main thread asserts. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(concurrency, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 120);

#define THREADS 32
#define SLICE   4096
#define ROUNDS  6

static uint8_t pattern(int thread, int round, size_t i)
{
    return (uint8_t)(thread * 31 + round * 7 + i * 13 + (i >> 8));
}

typedef struct patcher {
    int id;
    pthread_barrier_t *barrier;
    int failures;
    char why[128];
} patcher;

static void *patch_rounds(void *arg)
{
    patcher *p = arg;
    zt_conn c;
    bool ok = zt_conn_open_server(&c, zt_srv()) == 0;
    uint8_t body[SLICE];
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t i = 0; i < SLICE; i++)
            body[i] = pattern(p->id, round, i);
        char hdr[96];
        snprintf(hdr, sizeof hdr, "Content-Range: bytes %d-%d/*\r\n", p->id * SLICE,
                 (p->id + 1) * SLICE - 1);
        pthread_barrier_wait(p->barrier); /* everyone patches at once */
        zt_response r = {0};
        if (ok && (zt_send_request(&c, "PATCH", "/shared", hdr, body, SLICE) != 0 ||
                   zt_read_response(&c, &r, false) != 0 || r.status != 204)) {
            p->failures++;
            snprintf(p->why, sizeof p->why, "round %d: PATCH status %d", round, r.status);
        }
        zt_response_free(&r);
        pthread_barrier_wait(p->barrier); /* main thread checks the round */
        pthread_barrier_wait(p->barrier);
    }
    if (!ok) {
        p->failures++;
        snprintf(p->why, sizeof p->why, "could not connect");
    }
    zt_conn_close(&c);
    return NULL;
}

static void check_round(int round)
{
    zt_response r;
    zt_do("GET", "/shared", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, (size_t)THREADS * SLICE, "round %d: size %zu", round, r.body.len);
    for (int t = 0; t < THREADS; t++)
        for (size_t i = 0; i < SLICE; i++)
            cr_assert_eq(r.body.data[(size_t)t * SLICE + i], pattern(t, round, i),
                         "round %d: byte %zu of thread %d's range is wrong", round, i, t);
    zt_response_free(&r);
}

Test(concurrency, disjoint_patches_of_one_key_all_land)
{
    static uint8_t zeros[THREADS * SLICE];
    cr_assert_eq(zt_status("PUT", "/shared", NULL, zeros, sizeof zeros), 201);
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    patcher ps[THREADS];
    pthread_t tids[THREADS];
    for (int t = 0; t < THREADS; t++) {
        ps[t] = (patcher){.id = t, .barrier = &barrier};
        cr_assert_eq(pthread_create(&tids[t], NULL, patch_rounds, &ps[t]), 0);
    }
    for (int round = 0; round < ROUNDS; round++) {
        pthread_barrier_wait(&barrier); /* start of the round */
        pthread_barrier_wait(&barrier); /* all PATCHes answered */
        int failures = 0;
        for (int t = 0; t < THREADS; t++)
            failures += ps[t].failures;
        if (failures == 0) check_round(round);
        pthread_barrier_wait(&barrier);
        for (int t = 0; t < THREADS; t++)
            cr_assert_eq(ps[t].failures, 0, "thread %d: %s", t, ps[t].why);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&barrier);
}

#define VALUE_SIZE (1 << 20)
#define PUTS       24

typedef struct reader {
    atomic_bool *stop;
    int reads, torn;
    char why[128];
} reader;

/* GET /atomic until told to stop; every answer must be all 'a' or all 'b'. */
static void *read_until_stopped(void *arg)
{
    reader *rd = arg;
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        rd->torn++;
        snprintf(rd->why, sizeof rd->why, "could not connect");
        return NULL;
    }
    while (!atomic_load(rd->stop)) {
        zt_response r = {0};
        if (zt_send_request(&c, "GET", "/atomic", NULL, NULL, 0) ||
            zt_read_response(&c, &r, false) || r.status != 200 || r.body.len != VALUE_SIZE) {
            rd->torn++;
            snprintf(rd->why, sizeof rd->why, "status %d, %zu bytes", r.status, r.body.len);
            zt_response_free(&r);
            break;
        }
        uint8_t first = r.body.data[0];
        for (size_t i = 0; i < r.body.len; i++)
            if (r.body.data[i] != first) {
                rd->torn++;
                snprintf(rd->why, sizeof rd->why, "byte %zu is %c after %c", i, r.body.data[i],
                         first);
                break;
            }
        rd->reads++;
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return NULL;
}

Test(concurrency, readers_never_see_a_half_written_put)
{
    uint8_t *a = malloc(VALUE_SIZE), *b = malloc(VALUE_SIZE);
    memset(a, 'a', VALUE_SIZE);
    memset(b, 'b', VALUE_SIZE);
    cr_assert_eq(zt_status("PUT", "/atomic", NULL, a, VALUE_SIZE), 201);
    atomic_bool stop = false;
    reader rds[4] = {0};
    pthread_t tids[4];
    for (int i = 0; i < 4; i++) {
        rds[i].stop = &stop;
        cr_assert_eq(pthread_create(&tids[i], NULL, read_until_stopped, &rds[i]), 0);
    }
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (int i = 0; i < PUTS; i++) {
        zt_response r;
        cr_assert_eq(zt_send_request(&c, "PUT", "/atomic", NULL, i % 2 ? a : b, VALUE_SIZE), 0);
        cr_assert_eq(zt_read_response(&c, &r, false), 0);
        cr_assert_eq(r.status, 204);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    atomic_store(&stop, true);
    for (int i = 0; i < 4; i++) {
        pthread_join(tids[i], NULL);
        cr_assert_eq(rds[i].torn, 0, "reader %d: %s", i, rds[i].why);
    }
    free(a);
    free(b);
}
