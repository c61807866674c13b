/* test_shard_several.c: `GET /shard?chunks=C;C;...` against a real zarrd (run once per store,
 * ZT_STORE): the answer holds the inner chunks asked for, in the order asked (repeats and
 * empty chunks included), framed as a 1-D shard whose index is checked with the project's
 * decoder, and a HEAD has the GET's length; an absent shard answers every chunk empty; the bound on
 * chunks per request; and every answer is one version of the shard while batches rewrite it (a
 * reader never sees chunks of two batches together). */
#include <criterion/criterion.h>

#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zd_shard_index.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(shard_several, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 120);

static void connect(zt_conn *c)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
}

/* "chunks=a,b;c,d;..." for positions pos[0..n) of the 16 x 8 test shard. */
static void chunks_query(char *out, size_t cap, const uint64_t *pos, size_t n)
{
    size_t len = (size_t)snprintf(out, cap, "chunks=");
    for (size_t i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%llu,%llu", i ? ";" : "",
                                (unsigned long long)(pos[i] / 8), (unsigned long long)(pos[i] % 8));
    cr_assert_lt(len, cap);
}

/* GET ?chunks= of pos[0..n) on the test shard at key: 200, and at[] (n entries) decoded from
 * the answer's index; the answer stays in r. */
static void get_several(zt_conn *c, const char *key, const uint64_t *pos, size_t n, zt_response *r,
                        zd_shard_entry *at)
{
    char q[1024];
    chunks_query(q, sizeof q, pos, n);
    cr_assert_eq(shc_request(c, "GET", key, q, SHC_LAYOUT_16X8, NULL, 0, r), 0);
    cr_assert_eq(r->status, 200, "GET %s?%s: %d", key, q, r->status);
    zd_shard_layout l;
    uint64_t count = n;
    zd_error err = {0};
    cr_assert_eq(zd_shard_layout_init(&l, 1, &count, true, false, false, &err), 0);
    size_t isz = zd_shard_index_size(&l);
    cr_assert_geq(r->body.len, isz, "%zu bytes cannot hold an index of %zu", r->body.len, n);
    cr_assert_eq(
        zd_shard_index_decode(&l, r->body.data + r->body.len - isz, isz, r->body.len, at, &err), 0,
        "the answer's index: %s", err.msg);
}

Test(shard_several, the_chunks_asked_for_come_in_order_repeats_and_empty_ones_included)
{
    zt_conn c;
    connect(&c);
    zd_buf p = {0};
    for (uint64_t pos = 0; pos < 128; pos += 3) { /* every third chunk, various sizes */
        cr_assert_eq(sp_make(&p, pos, 7, sp_size(pos, 7, 0, 900)), 0);
        cr_assert_eq(shc_chunk_status(&c, "PUT", "s", pos, &p), 204);
    }
    uint64_t pos[] = {127, 3, 4, 0, 3, 126, 60, 61, 5};
    size_t n = sizeof pos / sizeof *pos;
    zd_shard_entry at[16];
    zt_response r = {0};
    get_several(&c, "s", pos, n, &r, at);
    size_t data = 0;
    for (size_t i = 0; i < n; i++) {
        if (pos[i] % 3 != 0) {
            cr_assert_eq(at[i].offset, ZD_SHARD_EMPTY, "chunk %llu was never written",
                         (unsigned long long)pos[i]);
            continue;
        }
        uint32_t round = 0;
        cr_assert_neq(at[i].offset, ZD_SHARD_EMPTY, "chunk %llu answered empty",
                      (unsigned long long)pos[i]);
        cr_assert(sp_check(r.body.data + at[i].offset, (size_t)at[i].nbytes, pos[i], &round),
                  "entry %zu is not chunk %llu's payload", i, (unsigned long long)pos[i]);
        cr_assert_eq(round, 7);
        cr_assert_eq(at[i].nbytes, sp_size(pos[i], 7, 0, 900));
        data += (size_t)at[i].nbytes;
    }
    cr_assert_eq(r.body.len, data + 16 * n, "%zu bytes for %zu of data", r.body.len, data);
    zt_response_free(&r);

    /* HEAD: the same status and length (from the index alone), no body */
    char q[256];
    chunks_query(q, sizeof q, pos, n);
    cr_assert_eq(shc_request(&c, "HEAD", "s", q, SHC_LAYOUT_16X8, NULL, 0, &r), 0);
    uint64_t len = 0;
    cr_assert_eq(r.status, 200);
    cr_assert(zt_content_length(&r, &len));
    cr_assert_eq(len, data + 16 * n, "HEAD ?%s: Content-Length %llu, the GET's body %zu", q,
                 (unsigned long long)len, data + 16 * n);
    cr_assert_eq(r.body.len, 0);
    zt_response_free(&r);

    /* no shard at all: every chunk empty, the answer only an index */
    uint64_t two[] = {0, 1};
    get_several(&c, "nothing/here", two, 2, &r, at);
    cr_assert(at[0].offset == ZD_SHARD_EMPTY && at[1].offset == ZD_SHARD_EMPTY);
    cr_assert_eq(r.body.len, 32);
    zt_response_free(&r);
    zd_buf_free(&p);
    zt_conn_close(&c);
}

/* One request names at most 4,096 inner chunks (a 1-D shard lets the target stay short). */
static int status_of_many(zt_conn *c, size_t n)
{
    zd_buf t = {0};
    cr_assert_eq(zd_buf_append_str(&t, "GET /one/dim?chunks=0"), 0);
    for (size_t i = 1; i < n; i++)
        cr_assert_eq(zd_buf_append_str(&t, ";0"), 0);
    cr_assert_eq(zd_buf_append_str(&t, " HTTP/1.1\r\nHost: x\r\nZarr-Shard: chunks=8192; "
                                       "index=end; crc32c=1\r\n\r\n"),
                 0);
    cr_assert_eq(zt_send(c, t.data, t.len), 0);
    zt_response r = {0};
    cr_assert_eq(zt_read_response(c, &r, false), 0);
    int status = r.status;
    if (status == 200)
        cr_assert_eq(r.body.len, 16 * n);
    else
        zt_expect_error(&r, 400);
    zt_response_free(&r);
    zd_buf_free(&t);
    return status;
}

Test(shard_several, at_most_4096_inner_chunks_a_request)
{
    zt_conn c;
    connect(&c);
    cr_assert_eq(status_of_many(&c, 4096), 200);
    cr_assert_eq(status_of_many(&c, 4097), 400);
    zt_conn_close(&c);
}

/* A writer replaces inner chunks 0..VCHUNKS-1 with one batch per round, all of them with that
 * round's payload; readers ask for all of them with one GET each and must find one round in
 * all (each answer is many chunks, so a server reading them one lock at a time is caught). */
enum { ROUNDS = 1500, ROUNDS_MAX = 100000, READERS = 4, VCHUNKS = 64, READS_MIN = 100 };

typedef struct version_reader {
    atomic_bool *done;
    atomic_int reads;   /* answers read */
    atomic_bool failed; /* why says why */
    int mixed;          /* answers holding chunks of two rounds */
    char why[160];
} version_reader;

/* Whether the answer r holds every chunk 0..VCHUNKS-1, intact, all of one round; why if not. */
static bool one_round(const zt_response *r, bool *mixed, char *why, size_t cap)
{
    zd_shard_layout l;
    uint64_t count = VCHUNKS;
    zd_shard_entry at[VCHUNKS];
    zd_error err = {0};
    size_t isz = 16 * VCHUNKS;
    uint32_t first = 0, round;
    *mixed = false;
    if (zd_shard_layout_init(&l, 1, &count, true, false, false, &err) != 0 || r->body.len < isz ||
        zd_shard_index_decode(&l, r->body.data + r->body.len - isz, isz, r->body.len, at, &err) !=
            0) {
        snprintf(why, cap, "a bad answer index: %.100s", err.msg);
        return false;
    }
    for (uint64_t i = 0; i < VCHUNKS; i++) {
        if (at[i].offset == ZD_SHARD_EMPTY ||
            !sp_check(r->body.data + at[i].offset, (size_t)at[i].nbytes, i, &round)) {
            snprintf(why, cap, "chunk %llu of the answer is not its payload",
                     (unsigned long long)i);
            return false;
        }
        if (i == 0) first = round;
        *mixed |= round != first;
    }
    return true;
}

static void *read_versions(void *arg)
{
    version_reader *v = arg;
    char q[VCHUNKS * 8] = "chunks=0,0";
    for (int i = 1; i < VCHUNKS; i++)
        snprintf(q + strlen(q), sizeof q - strlen(q), ";%d,%d", i / 8, i % 8);
    zt_conn c;
    if (zt_conn_open_server(&c, zt_srv()) != 0) {
        snprintf(v->why, sizeof v->why, "no connection");
        atomic_store(&v->failed, true);
        return NULL;
    }
    while (!atomic_load(v->done) && !v->why[0]) {
        zt_response r = {0};
        bool mixed = false;
        if (shc_request(&c, "GET", "v", q, SHC_LAYOUT_16X8, NULL, 0, &r) != 0 || r.status != 200)
            snprintf(v->why, sizeof v->why, "a read failed: %d", r.status);
        else if (one_round(&r, &mixed, v->why, sizeof v->why))
            atomic_fetch_add(&v->reads, 1);
        v->mixed += mixed;
        zt_response_free(&r);
    }
    atomic_store(&v->failed, v->why[0] != 0);
    zt_conn_close(&c);
    return NULL;
}

static void put_round(zt_conn *c, uint32_t round)
{
    zd_buf batch = {0}, p = {0};
    cr_assert_eq(zd_batch_begin(&batch, 2), 0);
    for (uint64_t pos = 0; pos < VCHUNKS; pos++) {
        cr_assert_eq(sp_make(&p, pos, round, sp_size(pos, round, 0, 600)), 0);
        cr_assert_eq(zd_batch_add_put(&batch, 2, (uint64_t[]){pos / 8, pos % 8}, p.data, p.len), 0);
    }
    cr_assert_eq(shc_status(c, "POST", "v", "batch", SHC_LAYOUT_16X8, batch.data, batch.len), 204);
    zd_buf_free(&batch);
    zd_buf_free(&p);
}

/* Four loops, so readers and the writer run at once (a loop serves its connections in turn). */
static void start_four_loops(void)
{
    zt_fixture_start_args((const char *[]){"--threads", "4", NULL});
}

Test(shard_several, every_answer_is_one_version_of_the_shard, .init = start_four_loops)
{
    zt_conn c;
    connect(&c);
    put_round(&c, 0);
    atomic_bool done = false;
    pthread_t t[READERS];
    version_reader v[READERS];
    for (int i = 0; i < READERS; i++) {
        v[i] = (version_reader){.done = &done};
        cr_assert_eq(pthread_create(&t[i], NULL, read_versions, &v[i]), 0);
    }
    /* ROUNDS at least, and on until every reader has read READS_MIN answers (or failed) */
    bool enough = false;
    for (uint32_t round = 1; round <= ROUNDS || (!enough && round <= ROUNDS_MAX); round++) {
        put_round(&c, round);
        enough = true;
        for (int i = 0; i < READERS; i++)
            enough &= atomic_load(&v[i].reads) >= READS_MIN || atomic_load(&v[i].failed);
    }
    atomic_store(&done, true);
    for (int i = 0; i < READERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < READERS; i++) {
        cr_assert_eq(v[i].why[0], 0, "reader %d: %s", i, v[i].why);
        cr_assert_eq(v[i].mixed, 0, "reader %d: %d of %d answers mixed two rounds", i, v[i].mixed,
                     atomic_load(&v[i].reads));
        cr_assert_geq(atomic_load(&v[i].reads), READS_MIN);
    }
    zt_conn_close(&c);
}
