/* test_concurrency.c: many clients at once. 32 threads, each on its own keep-alive connection,
 * PATCH their own disjoint range of one key at the same moment, for several rounds; after every
 * round each byte must hold the value its owner wrote (no lost or torn writes). And PUTs racing
 * GETs, and multi-range PATCHes racing GETs: a reader must only ever see a whole PUT and every
 * range of a PATCH applied or none (atomic multipart/byteranges PATCH). Racing conditional
 * writes: exactly one create-only PUT and one If-Match PUT per ETag wins. A GET still streaming
 * a value that is meanwhile replaced and deleted delivers the old value whole. Worker threads
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

/* A PUT over 64 KiB and a multi-range PATCH run on the I/O threads, which the disk can hold up
 * for many seconds (ZT_WAIT_MS). A writer that gets no answer stops its readers before it
 * fails: a reader left running on a test that has ended crashed the test process. */
#define READERS 4

typedef struct reader {
    atomic_bool *stop;
    bool (*whole)(const zt_response *r, char *why, size_t cap); /* one state, or why not */
    const char *target;
    int reads, torn;
    char why[128];
} reader;

/* GET rd->target until told to stop or an answer is not whole. */
static void *read_until_stopped(void *arg)
{
    reader *rd = arg;
    zt_conn c;
    bool ok = zt_conn_open_server(&c, zt_srv()) == 0;
    if (!ok) {
        rd->torn++;
        snprintf(rd->why, sizeof rd->why, "could not connect");
    }
    while (ok && !atomic_load(rd->stop) && rd->torn == 0) {
        zt_response r = {0};
        if (zt_send_request(&c, "GET", rd->target, NULL, NULL, 0) ||
            zt_read_response(&c, &r, false) || r.status != 200) {
            rd->torn++;
            snprintf(rd->why, sizeof rd->why, "status %d, %zu bytes", r.status, r.body.len);
        } else if (!rd->whole(&r, rd->why, sizeof rd->why)) {
            rd->torn++;
        } else {
            rd->reads++;
        }
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return NULL;
}

typedef struct racing {
    atomic_bool stop;
    reader rds[READERS];
    pthread_t tids[READERS];
} racing;

static void readers_start(racing *rc, const char *target,
                          bool (*whole)(const zt_response *, char *, size_t))
{
    atomic_init(&rc->stop, false);
    for (int i = 0; i < READERS; i++) {
        rc->rds[i] = (reader){.stop = &rc->stop, .whole = whole, .target = target};
        cr_assert_eq(pthread_create(&rc->tids[i], NULL, read_until_stopped, &rc->rds[i]), 0);
    }
}

/* Stop and join the readers, then fail if the writer (writer_failed: why, or "") or any
 * reader did. The number of reads. */
static int readers_stop(racing *rc, const char *writer_failed)
{
    atomic_store(&rc->stop, true);
    int reads = 0;
    for (int i = 0; i < READERS; i++)
        pthread_join(rc->tids[i], NULL);
    cr_assert_eq(writer_failed[0], 0, "%s", writer_failed);
    for (int i = 0; i < READERS; i++) {
        cr_assert_eq(rc->rds[i].torn, 0, "reader %d: %s", i, rc->rds[i].why);
        reads += rc->rds[i].reads;
    }
    return reads;
}

/* Send one write on c and expect `want`; on failure say why in failed (cap bytes). */
static bool write_ok(zt_conn *c, const char *method, const char *target, const char *headers,
                     const void *body, size_t len, int want, char *failed, size_t cap)
{
    zt_response r = {0};
    if (zt_send_request(c, method, target, headers, body, len) || zt_read_response(c, &r, false))
        snprintf(failed, cap, "%s %s: no answer within %d ms", method, target, ZT_WAIT_MS);
    else if (r.status != want)
        snprintf(failed, cap, "%s %s: status %d, expected %d", method, target, r.status, want);
    zt_response_free(&r);
    return failed[0] == 0;
}

#define VALUE_SIZE (1 << 20)
#define PUTS       24

/* A whole PUT: VALUE_SIZE bytes, all 'a' or all 'b'. */
static bool one_put(const zt_response *r, char *why, size_t cap)
{
    if (r->body.len != VALUE_SIZE) {
        snprintf(why, cap, "%zu bytes", r->body.len);
        return false;
    }
    for (size_t i = 0; i < r->body.len; i++)
        if (r->body.data[i] != r->body.data[0]) {
            snprintf(why, cap, "byte %zu is %c after %c", i, r->body.data[i], r->body.data[0]);
            return false;
        }
    return true;
}

Test(concurrency, readers_never_see_a_half_written_put)
{
    uint8_t *a = malloc(VALUE_SIZE), *b = malloc(VALUE_SIZE);
    memset(a, 'a', VALUE_SIZE);
    memset(b, 'b', VALUE_SIZE);
    cr_assert_eq(zt_status("PUT", "/atomic", NULL, a, VALUE_SIZE), 201);
    static racing rc;
    readers_start(&rc, "/atomic", one_put);
    zt_conn c;
    char failed[160] = "";
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (int i = 0; i < PUTS; i++)
        if (!write_ok(&c, "PUT", "/atomic", NULL, i % 2 ? a : b, VALUE_SIZE, 204, failed,
                      sizeof failed))
            break;
    zt_conn_close(&c);
    readers_stop(&rc, failed);
    free(a);
    free(b);
}

#define MULTI_SIZE   (64 * 1024)
#define MULTI_SLICE  4096
#define MULTI_ROUNDS 40

/* A whole multi-range PATCH: the first and last slice hold one value. */
static bool one_patch(const zt_response *r, char *why, size_t cap)
{
    if (r->body.len != MULTI_SIZE) {
        snprintf(why, cap, "%zu bytes", r->body.len);
        return false;
    }
    uint8_t v = r->body.data[0];
    for (size_t i = 0; i < MULTI_SLICE; i++)
        if (r->body.data[i] != v || r->body.data[MULTI_SIZE - 1 - i] != v) {
            snprintf(why, cap, "ranges differ: %d vs %d", v, r->body.data[MULTI_SIZE - 1 - i]);
            return false;
        }
    return true;
}

/* A multipart/byteranges PATCH body setting the first and last slice to v. */
static void multi_body(zd_buf *b, uint8_t v)
{
    uint8_t slice[MULTI_SLICE];
    memset(slice, v, sizeof slice);
    zd_buf_reset(b);
    cr_assert_eq(zd_buf_appendf(b, "--B\r\nContent-Range: bytes 0-%d/*\r\n\r\n", MULTI_SLICE - 1),
                 0);
    cr_assert_eq(zd_buf_append(b, slice, sizeof slice), 0);
    cr_assert_eq(zd_buf_appendf(b, "\r\n--B\r\nContent-Range: bytes %d-%d/*\r\n\r\n",
                                MULTI_SIZE - MULTI_SLICE, MULTI_SIZE - 1),
                 0);
    cr_assert_eq(zd_buf_append(b, slice, sizeof slice), 0);
    cr_assert_eq(zd_buf_append_str(b, "\r\n--B--\r\n"), 0);
}

Test(concurrency, readers_never_see_half_a_multi_range_patch)
{
    static uint8_t zeros[MULTI_SIZE];
    cr_assert_eq(zt_status("PUT", "/multi", NULL, zeros, sizeof zeros), 201);
    static racing rc;
    readers_start(&rc, "/multi", one_patch);
    zt_conn c;
    zd_buf body = {0};
    char failed[160] = "";
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (int i = 1; i <= MULTI_ROUNDS; i++) {
        multi_body(&body, (uint8_t)i);
        if (!write_ok(&c, "PATCH", "/multi", "Content-Type: multipart/byteranges; boundary=B\r\n",
                      body.data, body.len, 204, failed, sizeof failed))
            break;
    }
    zt_conn_close(&c);
    zd_buf_free(&body);
    int reads = readers_stop(&rc, failed);
    cr_log_info("%d GETs raced %d multi-range PATCHes", reads, MULTI_ROUNDS);
}

#define CREATORS 16

typedef struct creator {
    pthread_barrier_t *barrier;
    const char *headers;
    int id, status;
} creator;

/* PUT "creator NN" to /once with the creator's headers once the barrier opens. */
static void *create_once(void *arg)
{
    creator *cr = arg;
    char body[32];
    snprintf(body, sizeof body, "creator %02d", cr->id);
    zt_conn c;
    zt_response r = {0};
    bool ok = zt_conn_open_server(&c, zt_srv()) == 0;
    pthread_barrier_wait(cr->barrier);
    if (ok && zt_send_request(&c, "PUT", "/once", cr->headers, body, strlen(body)) == 0 &&
        zt_read_response(&c, &r, false) == 0)
        cr->status = r.status;
    zt_response_free(&r);
    if (ok) zt_conn_close(&c);
    return NULL;
}

/* CREATORS threads PUT /once with headers at the same moment: exactly one may get
 * win_status, all others 412, and the value must be the winner's. */
static void race_conditional_puts(const char *headers, int win_status)
{
    pthread_barrier_t barrier;
    pthread_barrier_init(&barrier, NULL, CREATORS);
    creator crs[CREATORS];
    pthread_t tids[CREATORS];
    for (int i = 0; i < CREATORS; i++) {
        crs[i] = (creator){.barrier = &barrier, .headers = headers, .id = i};
        cr_assert_eq(pthread_create(&tids[i], NULL, create_once, &crs[i]), 0);
    }
    int winner = -1;
    for (int i = 0; i < CREATORS; i++) {
        pthread_join(tids[i], NULL);
        cr_assert(crs[i].status == win_status || crs[i].status == 412, "creator %d: status %d", i,
                  crs[i].status);
        if (crs[i].status == win_status) {
            cr_assert_eq(winner, -1, "creators %d and %d both won", winner, i);
            winner = i;
        }
    }
    pthread_barrier_destroy(&barrier);
    cr_assert_neq(winner, -1, "nobody won");
    char want[32];
    snprintf(want, sizeof want, "creator %02d", winner);
    zt_expect_value("/once", want, strlen(want));
}

Test(concurrency, racing_create_only_puts_exactly_one_wins)
{
    race_conditional_puts("If-None-Match: *\r\n", 201);
}

Test(concurrency, racing_if_match_puts_exactly_one_wins)
{
    zt_put_str("/once", "original");
    zt_response r;
    zt_do("GET", "/once", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    char headers[300];
    snprintf(headers, sizeof headers, "If-Match: %s\r\n", zt_header(&r, "ETag"));
    zt_response_free(&r);
    race_conditional_puts(headers, 204);
}

#define STREAMED (32u << 20)

Test(concurrency, value_replaced_and_deleted_during_a_streaming_get)
{
    uint8_t *old = malloc(STREAMED);
    for (size_t i = 0; i < STREAMED; i++)
        old[i] = (uint8_t)(i ^ (i >> 9));
    cr_assert_eq(zt_status("PUT", "/moving", NULL, old, STREAMED), 201);
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(&c, "GET", "/moving", NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_head(&c, &r), 0); /* the rest waits in the server */
    cr_assert_eq(r.status, 200);
    cr_assert_eq(zt_status("PUT", "/moving", NULL, "new", 3), 204);
    cr_assert_eq(zt_status("DELETE", "/moving", NULL, NULL, 0), 204);
    cr_assert_eq(zt_read_body(&c, &r, false), 0, "the streaming GET was cut");
    cr_assert_eq(r.body.len, STREAMED);
    cr_assert_eq(memcmp(r.body.data, old, STREAMED), 0, "the streamed value changed midway");
    zt_response_free(&r);
    zt_conn_close(&c);
    free(old);
}
