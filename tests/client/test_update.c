/* test_update.c: concurrent writers of one chunk or one shard lose nothing. Writers that change
 * different elements of ONE chunk at once all keep their last value: through the shard
 * endpoints (each writer's part of an inner chunk; the server applies each batch under the
 * shard's lock), and with the client's read-merge-writes guarded by If-Match
 * (client/zc_chunkio.c zc_update_chunk: an unsharded chunk, or a whole shard in
 * ZC_SHARD_WRITE_WHOLE mode); an unguarded read-merge-write would let a writer store a chunk it
 * read before another writer's update and so lose that update. Both stores. */
#include "client_test.h"

#include <pthread.h>
#include <string.h>

TestSuite(update, .init = zt_fixture_start, .fini = zt_fixture_stop);

enum { NWRITERS = 8, ROUNDS = 12, PART = 8 };

struct writer {
    zc_array *a;
    int id;
    int rc;
};

/* Writer `id` owns elements [id * PART + 1, id * PART + PART - 1) and rewrites them ROUNDS
 * times with its round number. */
static void *write_own_part(void *p)
{
    struct writer *w = p;
    uint8_t v[PART];
    for (int r = 0; r < ROUNDS && w->rc == 0; r++) {
        memset(v, (uint8_t)(w->id * ROUNDS + r + 1), sizeof v);
        uint64_t start[1] = {(uint64_t)w->id * PART + 1}, shape[1] = {PART - 2};
        w->rc = zc_array_write(w->a, start, shape, v);
    }
    return NULL;
}

static void writers_of_one_chunk(const uint64_t *chunks, const uint64_t *shards,
                                 zc_shard_write_mode mode)
{
    uint64_t shape[1] = {NWRITERS * PART};
    zc_array_spec s = ct_spec_1d(shape, chunks, shards, "gzip");
    zc_client *setup = ct_client(NULL);
    zc_array *a;
    ZC_OK_OR_FAIL(zc_array_create(setup, "one", &s, &a));
    zc_array_close(a);
    zc_options o;
    zc_options_init(&o);
    o.shard_write_mode = mode;
    pthread_t t[NWRITERS];
    struct writer w[NWRITERS];
    zc_client *cl[NWRITERS];
    for (int i = 0; i < NWRITERS; i++) { /* separate clients: separate processes in real life */
        cl[i] = ct_client(&o);
        w[i] = (struct writer){NULL, i, 0};
        ZC_OK_OR_FAIL(zc_array_open(cl[i], "one", &w[i].a));
        cr_assert_eq(pthread_create(&t[i], NULL, write_own_part, &w[i]), 0);
    }
    for (int i = 0; i < NWRITERS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].rc, 0, "writer %d: %s", i, zc_strerror(w[i].rc));
        zc_array_close(w[i].a);
        zc_client_close(cl[i]);
    }
    uint8_t got[NWRITERS * PART];
    uint64_t start[1] = {0};
    ZC_OK_OR_FAIL(zc_array_open(setup, "one", &a));
    ZC_OK_OR_FAIL(zc_array_read(a, start, shape, NULL, got));
    for (int i = 0; i < NWRITERS; i++)
        for (int k = 0; k < PART; k++) {
            uint8_t want = k == 0 || k == PART - 1 ? 0 : (uint8_t)(i * ROUNDS + ROUNDS);
            cr_assert_eq(got[i * PART + k], want, "writer %d, element %d: %d, expected %d", i, k,
                         got[i * PART + k], want);
        }
    zc_array_close(a);
    zc_client_close(setup);
}

Test(update, shard_endpoint_writers_of_one_shard_lose_nothing)
{
    uint64_t chunks[1] = {PART}, shards[1] = {NWRITERS * PART};
    writers_of_one_chunk(chunks, shards, ZC_SHARD_WRITE_SERVER);
}

Test(update, writers_of_one_unsharded_chunk_lose_nothing)
{
    uint64_t chunks[1] = {NWRITERS * PART};
    writers_of_one_chunk(chunks, NULL, ZC_SHARD_WRITE_SERVER);
}

Test(update, whole_shard_read_modify_writers_lose_nothing)
{
    uint64_t chunks[1] = {PART}, shards[1] = {NWRITERS * PART};
    writers_of_one_chunk(chunks, shards, ZC_SHARD_WRITE_WHOLE);
}
