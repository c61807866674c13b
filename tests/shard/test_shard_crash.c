/* test_shard_crash.c: kill -9 of a real zarrd in the middle of a storm of shard patches, over
 * and over (22 kills, cycling --fsync none / batch / always), each followed by a restart on
 * the same root. Eight writers patch their own inner chunks of four shards (puts of varying
 * sizes, batches, deletes), one request at a time each, and remember for every chunk the last
 * acknowledged state and the state of the request in flight when the server died. After each
 * restart every chunk must be in one of those two states exactly (acknowledged writes are
 * never lost, an unacknowledged one is all or nothing), and the checker must pass on every
 * shard file with every chunk an intact payload. */
#include <criterion/criterion.h>

#include "shard_check.h"
#include "shard_http_client.h"
#include "shard_payload.h"
#include "zd_batch.h"
#include "zt_server.h"
#include "zt_tmpdir.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAYOUT  "chunks=16,8; index=end; crc32c=1"
#define SHARDS  4
#define CHUNKS  128
#define WRITERS 8
#define KILLS   22

/* A chunk state: round 0 = empty (deleted or never written). */
typedef struct chunk_state {
    uint32_t acked;    /* state of the last acknowledged request */
    uint32_t inflight; /* state the unacknowledged request would leave */
} chunk_state;

static chunk_state states[SHARDS][CHUNKS];
static zt_server server;
static char root[512];

typedef struct writer_arg {
    int id;
    uint32_t round; /* continues across server lives */
    unsigned seed;
    atomic_int *stop;
    int bad_status; /* a non-2xx answer while the server was alive */
} writer_arg;

static void shard_key(int shard, char *out, size_t cap)
{
    snprintf(out, cap, "crash/c/%d/0", shard);
}

/* Writer id owns positions p of shard id % SHARDS with p % 2 == id / SHARDS. */
static uint64_t pick_pos(writer_arg *a)
{
    return (uint64_t)(rand_r(&a->seed) % (CHUNKS / 2)) * 2 + (uint64_t)(a->id / SHARDS);
}

static void coords_of(uint64_t pos, uint64_t c[2])
{
    c[0] = pos / 8;
    c[1] = pos % 8;
}

static void *writer(void *p)
{
    writer_arg *a = p;
    int shard = a->id % SHARDS;
    char key[64];
    shard_key(shard, key, sizeof key);
    zt_conn c;
    if (zt_conn_open_server(&c, &server) != 0) return NULL;
    zd_buf payload = {0}, batch = {0};
    while (!atomic_load(a->stop)) {
        uint32_t round = ++a->round;
        int kind = rand_r(&a->seed) % 10; /* 0: delete, 1-2: batch, else put */
        uint64_t pos[3] = {pick_pos(a), pick_pos(a), pick_pos(a)};
        int npos = kind == 1 || kind == 2 ? 3 : 1;
        if (npos == 3 && (pos[1] == pos[0] || pos[2] == pos[0] || pos[2] == pos[1])) npos = 1;
        uint64_t xy[2];
        char q[64];
        int status;
        for (int i = 0; i < npos; i++)
            states[shard][pos[i]].inflight = kind == 0 ? 0 : round;
        if (npos == 3) {
            zd_buf_reset(&batch);
            zd_batch_begin(&batch, 2);
            for (int i = 0; i < 3; i++) {
                coords_of(pos[i], xy);
                sp_make(&payload, pos[i], round, sp_size(pos[i], round, 0, 3000));
                zd_batch_add_put(&batch, 2, xy, payload.data, payload.len);
            }
            status = shc_status(&c, "POST", key, "batch", LAYOUT, batch.data, batch.len);
        } else {
            coords_of(pos[0], xy);
            shc_chunk_query(q, sizeof q, 2, xy);
            if (kind == 0) {
                status = shc_status(&c, "DELETE", key, q, LAYOUT, NULL, 0);
            } else {
                sp_make(&payload, pos[0], round, sp_size(pos[0], round, 0, 3000));
                status = shc_status(&c, "PUT", key, q, LAYOUT, payload.data, payload.len);
            }
        }
        if (status < 0) break; /* the server died: the request stays in flight */
        if (status != 204) {
            a->bad_status = status;
            break;
        }
        for (int i = 0; i < npos; i++)
            states[shard][pos[i]].acked = states[shard][pos[i]].inflight;
    }
    zd_buf_free(&payload);
    zd_buf_free(&batch);
    zt_conn_close(&c);
    return NULL;
}

static void start_server(const char *fsync)
{
    const char *args[] = {"--root", root, "--fsync", fsync, "--threads", "2", NULL};
    zt_server_opts opts = {.store = "fs", .extra_args = args};
    cr_assert_eq(zt_server_start(&server, &opts), 0);
}

/* Every chunk holds its acknowledged or its in-flight state; the checker passes. */
static void verify(void)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, &server), 0);
    zd_shard_layout l;
    uint64_t chunks[2] = {16, 8};
    zd_shard_layout_init(&l, 2, chunks, true, true, false, NULL);
    zd_buf file = {0};
    for (int s = 0; s < SHARDS; s++) {
        char key[64];
        shard_key(s, key, sizeof key);
        for (uint64_t pos = 0; pos < CHUNKS; pos++) {
            chunk_state *st = &states[s][pos];
            uint64_t xy[2];
            char q[64];
            coords_of(pos, xy);
            shc_chunk_query(q, sizeof q, 2, xy);
            zt_response r = {0};
            cr_assert_eq(shc_request(&c, "GET", key, q, LAYOUT, NULL, 0, &r), 0);
            uint32_t round = 0;
            if (r.status == 200)
                cr_assert(sp_check(r.body.data, r.body.len, pos, &round),
                          "shard %d chunk %llu torn", s, (unsigned long long)pos);
            else
                cr_assert_eq(r.status, 404, "shard %d chunk %llu: status %d", s,
                             (unsigned long long)pos, r.status);
            cr_assert(round == st->acked || round == st->inflight,
                      "shard %d chunk %llu holds round %u, acknowledged %u, in flight %u", s,
                      (unsigned long long)pos, round, st->acked, st->inflight);
            st->acked = st->inflight = round;
            zt_response_free(&r);
        }
        if (shc_read_file(root, key, &file) == 0) {
            zd_error err = {0};
            cr_assert_eq(sh_check_buffer(&l, file.data, file.len, sp_check_chunk, NULL, NULL, &err),
                         0, "shard %d: %s", s, err.msg);
        }
    }
    zd_buf_free(&file);
    zt_conn_close(&c);
}

Test(shard_crash, kill_9_during_patch_storms_loses_no_acknowledged_write, .timeout = 150)
{
    char dir[400];
    cr_assert_eq(zt_tmpdir_create(dir, sizeof dir), 0);
    snprintf(root, sizeof root, "%s/root", dir);
    const char *modes[] = {"none", "batch", "always"};
    writer_arg args[WRITERS];
    atomic_int stop;
    for (int i = 0; i < WRITERS; i++)
        args[i] = (writer_arg){.id = i, .seed = 77u + (unsigned)i, .stop = &stop};
    unsigned seed = 4242;
    long acknowledged = 0;
    for (int kill_no = 0; kill_no <= KILLS; kill_no++) {
        start_server(modes[kill_no % 3]);
        verify();
        if (kill_no == KILLS) break;
        atomic_store(&stop, 0);
        pthread_t t[WRITERS];
        uint32_t rounds_before = 0;
        for (int i = 0; i < WRITERS; i++) {
            rounds_before += args[i].round;
            cr_assert_eq(pthread_create(&t[i], NULL, writer, &args[i]), 0);
        }
        struct timespec ts = {0, (50 + rand_r(&seed) % 250) * 1000000L};
        nanosleep(&ts, NULL);
        zt_server_signal(&server, SIGKILL);
        int wstatus;
        zt_server_wait(&server, 10000, &wstatus);
        cr_assert(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL);
        atomic_store(&stop, 1);
        for (int i = 0; i < WRITERS; i++) {
            pthread_join(t[i], NULL);
            cr_assert_eq(args[i].bad_status, 0, "writer %d got status %d", i, args[i].bad_status);
            acknowledged += args[i].round;
        }
        acknowledged -= rounds_before;
        zt_server_stop(&server, NULL); /* removes the fixture's own directory */
    }
    cr_assert_eq(zt_server_stop(&server, NULL), 0);
    cr_assert_gt(acknowledged, 500, "the storm was too small to test anything");
    zt_tmpdir_remove(dir);
}
