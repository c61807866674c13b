/* test_durable.c (fs store, meson runs it under --fsync batch and always): every write kind
 * answers only once it is durable, and it runs on the I/O threads (server/http/io_pool.h) with
 * the group commit (server/keyspace/ks_group.h) instead of on the event loops. Eight clients
 * at once PUT new values, replace them, PATCH them raw and multi-range, DELETE some, and patch
 * and batch shards; every answer must be the success it should be, every value must read back
 * byte for byte, and zarrd_fsyncs_total must have moved (always: at least one sync per plain
 * write; a PUT at a time: one group commit per PUT under batch, file and directory under
 * always). A write answered before its sync would not show here (the page
 * cache survives a process); the power-loss test covers that. This one makes sure the
 * offloaded path serves every write kind correctly, concurrently, in both durable modes. */
#include <criterion/criterion.h>

#include "pd_metrics.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(durable, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 120);

#define CLIENTS 8
#define ROUNDS  6
#define LAYOUT  "Zarr-Shard: chunks=8\r\n"

static int status_of(const char *method, const char *target, const char *headers, const void *body,
                     size_t len)
{
    zt_response r;
    if (zt_request(zt_srv(), method, target, headers, body, len, &r)) return -1;
    int st = r.status;
    zt_response_free(&r);
    return st;
}

/* One client's writes; returns a message for the first unexpected answer, or NULL. */
static void *client(void *arg)
{
    int t = (int)(intptr_t)arg;
    static const char mp_ct[] = "Content-Type: multipart/byteranges; boundary=B\r\n";
    static const char mp[] = "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nMM\r\n"
                             "--B\r\nContent-Range: bytes 6-7/*\r\n\r\nNN\r\n--B--\r\n";
    static const char batch[] = "ZSB1\x01P\x07\x02"
                                "bb";
    char key[64], target[96];
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(key, sizeof key, "/c%d/v%d", t, i);
        struct {
            const char *method, *target, *headers, *body;
            size_t len;
            int want;
        } steps[] = {
            {"PUT", key, NULL, "first...", 8, 201},
            {"PUT", key, NULL, "01234567", 8, 204},
            {"PATCH", key, "Content-Range: bytes 2-3/*\r\n", "pp", 2, 204},
            {"PATCH", key, mp_ct, mp, sizeof mp - 1, 204},
            {"PUT", "", LAYOUT, "chunk", 5, 204},
            {"POST", "", LAYOUT, batch, sizeof batch - 1, 204},
        };
        for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
            const char *tg = steps[s].target;
            if (!*tg) { /* a shard of this client: ?chunk=i or ?batch */
                snprintf(target, sizeof target, "/c%d/shard%s%d", t,
                         strcmp(steps[s].method, "PUT") == 0 ? "?chunk=" : "?batch", i);
                if (strcmp(steps[s].method, "POST") == 0)
                    snprintf(target, sizeof target, "/c%d/shard?batch", t);
                tg = target;
            }
            int st = status_of(steps[s].method, tg, steps[s].headers, steps[s].body, steps[s].len);
            if (st != steps[s].want) {
                char *msg = malloc(160);
                snprintf(msg, 160, "%s %s: %d, expected %d", steps[s].method, tg, st,
                         steps[s].want);
                return msg;
            }
        }
        if (i % 2) { /* every other value is deleted again */
            int st = status_of("DELETE", key, NULL, NULL, 0);
            if (st != 204) {
                char *msg = malloc(96);
                snprintf(msg, 96, "DELETE %s: %d", key, st);
                return msg;
            }
        }
    }
    return NULL;
}

static double fsyncs(void)
{
    pd_metrics m;
    zd_error err = {0};
    cr_assert_eq(pd_metrics_scrape(zt_srv(), &m, &err), 0, "metrics: %s", err.msg);
    for (size_t i = 0; i < m.n; i++)
        if (strcmp(m.samples[i].series, "zarrd_fsyncs_total") == 0) {
            double v = m.samples[i].value;
            pd_metrics_free(&m);
            return v;
        }
    pd_metrics_free(&m);
    cr_assert_fail("no zarrd_fsyncs_total");
    return 0;
}

Test(durable, every_write_kind_answers_after_its_commit)
{
    if (!zt_store_is_fs()) cr_skip_test("the memory store has nothing to sync");
    const char *mode = getenv("ZT_FSYNC");
    cr_assert(mode && (strcmp(mode, "batch") == 0 || strcmp(mode, "always") == 0),
              "run with ZT_FSYNC=batch or always");
    /* One client, one PUT at a time: each waits for a sync of its own (batch: a group commit
     * that began after it; always: the file and its directory). */
    double before = fsyncs();
    for (int i = 0; i < 5; i++) {
        char key[32];
        snprintf(key, sizeof key, "/seq/%d", i);
        cr_assert_eq(status_of("PUT", key, NULL, "v", 1), 201);
    }
    double seq = fsyncs() - before;
    cr_assert_geq(seq, strcmp(mode, "always") == 0 ? 10 : 5,
                  "%.0f syncs for 5 sequential PUTs under %s", seq, mode);
    before = fsyncs();
    pthread_t th[CLIENTS];
    for (int t = 0; t < CLIENTS; t++)
        pthread_create(&th[t], NULL, client, (void *)(intptr_t)t);
    for (int t = 0; t < CLIENTS; t++) {
        char *msg;
        pthread_join(th[t], (void **)&msg);
        cr_expect_null(msg, "%s", msg ? msg : "");
        free(msg);
    }
    /* plain writes sync their own files under always (shard changes share journal syncs) */
    int writes = CLIENTS * ROUNDS * 4 + CLIENTS * (ROUNDS / 2);
    double synced = fsyncs() - before;
    cr_log_info("--fsync %s: %d plain writes (and shard changes), %.0f syncs", mode, writes,
                synced);
    if (strcmp(mode, "always") == 0)
        cr_assert_geq(synced, writes, "%.0f syncs for %d writes under always", synced, writes);
    for (int t = 0; t < CLIENTS; t++) {
        char key[64], shard[64];
        for (int i = 0; i < ROUNDS; i++) {
            snprintf(key, sizeof key, "/c%d/v%d", t, i);
            if (i % 2)
                cr_assert_eq(status_of("GET", key, NULL, NULL, 0), 404, "%s", key);
            else
                zt_expect_value(key, "MMpp45NN", 8);
            snprintf(shard, sizeof shard, "/c%d/shard?chunk=%d", t, i);
            zt_response r;
            zt_do("GET", shard, LAYOUT, NULL, 0, &r);
            cr_assert_eq(r.status, 200, "%s", shard);
            cr_assert(r.body.len == 5 && memcmp(r.body.data, "chunk", 5) == 0, "%s", shard);
            zt_response_free(&r);
        }
        snprintf(shard, sizeof shard, "/c%d/shard?chunk=7", t);
        zt_response r;
        zt_do("GET", shard, LAYOUT, NULL, 0, &r);
        cr_assert(r.status == 200 && r.body.len == 2 && memcmp(r.body.data, "bb", 2) == 0,
                  "%s: the batch's chunk", shard);
        zt_response_free(&r);
    }
}
