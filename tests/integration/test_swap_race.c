/* test_swap_race.c (fs store): the root stays a boundary while the tree changes under the
 * server. A directory inside the root is swapped, as fast as the machine allows, between a
 * real directory and a symbolic link to a directory outside (renameat2 RENAME_EXCHANGE of
 * root/d and root/d.alt), while clients hammer every write endpoint below it: PUT (new keys,
 * new parents), raw and multipart PATCH, DELETE, ?chunk= PUT / DELETE, ?batch, a layout
 * lookup through d/arr/zarr.json, recursive listings. For ZT_RACE_SECONDS (20 by default;
 * meson gives the sanitizer leg less) nothing outside may be created or changed (a tree hash
 * of the outside directory) and no request may fail with a 5xx. Then the race runs again and
 * the server is killed with SIGKILL in the middle of it; the real directory (holding the very
 * shard files the journal has records for) is moved outside the root and d becomes a link to
 * it; the server is restarted on the same root: its journal replay writes nothing outside
 * either (neither directory's hash moves), and the server serves. meson runs it with openat2 and
 * with the O_NOFOLLOW walk (ZARRD_RESOLVE=walk). */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_tmpdir.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 3
#define LAYOUT  "Zarr-Shard: chunks=4\r\n"

static char dir[PATH_MAX]; /* owned by the test: root/ and outside/ survive the restart */
static char root[PATH_MAX + 8], outside[PATH_MAX + 16];

static void make_dirs(void)
{
    cr_assert_eq(zt_tmpdir_create(dir, sizeof dir), 0);
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(outside, sizeof outside, "%s/outside", dir);
    cr_assert_eq(mkdir(root, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
}

static void remove_dirs(void)
{
    zt_tmpdir_remove(dir);
}

TestSuite(swap_race, .init = make_dirs, .fini = remove_dirs, .timeout = 170);

static zt_server server;
static atomic_bool stop;
static atomic_long requests, refused, failed; /* answered, 4xx, 5xx or transport errors */
static atomic_long swaps;

/* One request; counts its outcome. A transport error is a failure unless the server is being
 * killed (the kill phase ignores them). */
static void req(const char *method, const char *target, const char *headers, const void *body,
                size_t len)
{
    zt_response r;
    int rc = zt_request(&server, method, target, headers, body, len, &r);
    atomic_fetch_add(&requests, 1);
    if (rc) {
        atomic_fetch_add(&failed, 1);
        return;
    }
    if (r.status >= 500) {
        atomic_fetch_add(&failed, 1);
        fprintf(stderr, "%s %s: %d %.*s\n", method, target, r.status, (int)r.body.len,
                (const char *)r.body.data);
    } else if (r.status >= 400) {
        atomic_fetch_add(&refused, 1);
    }
    zt_response_free(&r);
}

static void *client(void *arg)
{
    int t = (int)(intptr_t)arg;
    static const char batch[] = "ZSB1\x01P\x01\x03"
                                "bat";
    static const char mp_ct[] = "Content-Type: multipart/byteranges; boundary=B\r\n";
    static const char mp[] = "--B\r\nContent-Range: bytes 0-1/*\r\n\r\nzz\r\n"
                             "--B\r\nContent-Range: bytes 3-3/*\r\n\r\ny\r\n--B--\r\n";
    char target[128];
    for (unsigned i = 0; !atomic_load(&stop); i++) {
        snprintf(target, sizeof target, "/d/p%d-%u", t, i % 64);
        req("PUT", target, NULL, "0123456789abcdef", 16);
        snprintf(target, sizeof target, "/d/n%d/%u/x", t, i % 16);
        req("PUT", target, NULL, "nested", 6);
        snprintf(target, sizeof target, "/d/s%d-%u?chunk=%u", t, i % 4, i % 4);
        req("PUT", target, LAYOUT, "shard-ch", 8 - i % 3);
        snprintf(target, sizeof target, "/d/s%d-%u?batch", t, (i + 1) % 4);
        req("POST", target, LAYOUT, batch, sizeof batch - 1);
        snprintf(target, sizeof target, "/d/p%d-%u", t, (i + 63) % 64);
        req("PATCH", target, "Content-Range: bytes 4-7/*\r\n", "patc", 4);
        snprintf(target, sizeof target, "/d/p%d-%u", t, (i + 62) % 64);
        req("PATCH", target, mp_ct, mp, sizeof mp - 1);
        snprintf(target, sizeof target, "/d/s%d-%u?chunk=%u", t, (i + 2) % 4, i % 4);
        req("DELETE", target, LAYOUT, NULL, 0);
        snprintf(target, sizeof target, "/d/p%d-%u", t, (i + 32) % 64);
        req("DELETE", target, NULL, NULL, 0);
        snprintf(target, sizeof target, "/d/n%d/%u/x", t, (i + 8) % 16);
        req("DELETE", target, NULL, NULL, 0);
        snprintf(target, sizeof target, "/d/arr%d/c/0?chunk=%u", t, i % 4);
        req("PUT", target, NULL, "ab", 2); /* layout from d/arrT/zarr.json */
        if (i % 16 == 0) {
            snprintf(target, sizeof target, "/d/arr%d/zarr.json", t);
            req("PUT", target, NULL, zt_sharded_zarr_json, strlen(zt_sharded_zarr_json));
            req("GET", "/d/?recursive=1", NULL, NULL, 0);
        }
    }
    return NULL;
}

static int exchange(void)
{
    char a[PATH_MAX + 16], b[PATH_MAX + 16];
    snprintf(a, sizeof a, "%s/d", root);
    snprintf(b, sizeof b, "%s/d.alt", root);
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static void *swapper(void *arg)
{
    (void)arg;
    unsigned seed = 7;
    while (!atomic_load(&stop)) {
        if (exchange() != 0) return (void *)1;
        atomic_fetch_add(&swaps, 1);
        nanosleep(&(struct timespec){0, (long)(rand_r(&seed) % 200) * 1000}, NULL); /* pacing */
    }
    return NULL;
}

/* Whether root/d is the symbolic link (else the real directory). */
static bool d_is_link(void)
{
    char a[PATH_MAX + 16];
    struct stat st;
    snprintf(a, sizeof a, "%s/d", root);
    cr_assert_eq(lstat(a, &st), 0);
    return S_ISLNK(st.st_mode);
}

static void race(double seconds)
{
    pthread_t clients[CLIENTS], sw;
    atomic_store(&stop, false);
    for (int i = 0; i < CLIENTS; i++)
        cr_assert_eq(pthread_create(&clients[i], NULL, client, (void *)(intptr_t)i), 0);
    cr_assert_eq(pthread_create(&sw, NULL, swapper, NULL), 0);
    nanosleep(&(struct timespec){(time_t)seconds, (long)((seconds - (time_t)seconds) * 1e9)}, NULL);
    atomic_store(&stop, true);
    void *bad;
    cr_assert_eq(pthread_join(sw, &bad), 0);
    cr_assert_null(bad, "renameat2(RENAME_EXCHANGE) failed");
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(clients[i], NULL);
}

static void start(void)
{
    zt_server_opts opts = {.store = "fs", .root = root};
    cr_assert_eq(zt_server_start(&server, &opts), 0);
}

static uint64_t outside_hash(void)
{
    uint64_t h;
    cr_assert_eq(zt_tree_hash(outside, &h), 0);
    return h;
}

static long journal_bytes(void)
{
    long n = 0;
    for (int i = 0; i < 4; i++) {
        char p[PATH_MAX + 64];
        struct stat st;
        snprintf(p, sizeof p, "%s/.zarrd-shards/shard.wal.%d", root, i);
        if (stat(p, &st) == 0) n += (long)st.st_size;
    }
    return n;
}

Test(swap_race, nothing_outside_is_touched_and_replay_stays_inside)
{
    const char *env = getenv("ZT_RACE_SECONDS");
    double seconds = env ? atof(env) : 20;
    char d[PATH_MAX + 16];
    snprintf(d, sizeof d, "%s/d", root);
    cr_assert_eq(mkdir(d, 0755), 0);
    snprintf(d, sizeof d, "%s/d.alt", root);
    cr_assert_eq(symlink(outside, d), 0);
    uint64_t before = outside_hash();
    start();

    race(seconds);
    cr_log_info("%ld requests (%ld refused) in %.0f s, %ld swaps", atomic_load(&requests),
                atomic_load(&refused), seconds, atomic_load(&swaps));
    cr_assert_gt(atomic_load(&swaps), 100, "the directory was hardly swapped");
    cr_assert_gt(atomic_load(&requests) - atomic_load(&refused), 100,
                 "hardly a request got through: the race tested nothing");
    cr_assert_gt(atomic_load(&refused), 10, "hardly a request met the link");
    cr_assert_eq(outside_hash(), before, "the race changed the directory outside the root");
    cr_assert_eq(atomic_load(&failed), 0, "requests failed with 5xx or broken connections");

    /* kill -9 in the middle of the race, restart with the link in place: replay */
    pthread_t killer_clients[CLIENTS], sw;
    atomic_store(&stop, false);
    for (int i = 0; i < CLIENTS; i++)
        pthread_create(&killer_clients[i], NULL, client, (void *)(intptr_t)i);
    pthread_create(&sw, NULL, swapper, NULL);
    nanosleep(&(struct timespec){1, 0}, NULL);
    cr_assert_eq(zt_server_signal(&server, SIGKILL), 0);
    int status;
    zt_server_wait(&server, 10000, &status);
    zt_server_stop(&server, NULL); /* reaped already; removes the server's own temp dir */
    atomic_store(&stop, true);
    pthread_join(sw, NULL);
    for (int i = 0; i < CLIENTS; i++)
        pthread_join(killer_clients[i], NULL);
    if (!d_is_link()) cr_assert_eq(exchange(), 0);
    cr_assert(d_is_link());
    cr_assert_gt(journal_bytes(), 0, "no journal to replay: the restart tests nothing");
    cr_assert_eq(outside_hash(), before, "the race changed the directory outside the root");
    /* Worse: the real directory, whose shards the journal's records are for (same inodes),
     * moves outside the root, and d becomes a link to it. A replay that followed the link
     * would patch (or delete) those files there. */
    char moved[PATH_MAX + 16], alt[PATH_MAX + 16];
    snprintf(moved, sizeof moved, "%s/moved", dir);
    snprintf(alt, sizeof alt, "%s/d.alt", root);
    snprintf(d, sizeof d, "%s/d", root);
    cr_assert_eq(rename(alt, moved), 0);
    cr_assert_eq(unlink(d), 0);
    cr_assert_eq(symlink(moved, d), 0);
    uint64_t moved_before;
    cr_assert_eq(zt_tree_hash(moved, &moved_before), 0);
    start(); /* replays the journal before it listens */
    cr_assert_eq(outside_hash(), before, "the journal's replay wrote outside the root");
    uint64_t moved_after;
    cr_assert_eq(zt_tree_hash(moved, &moved_after), 0);
    cr_assert_eq(moved_after, moved_before, "the journal's replay followed the link outside");
    zt_response r;
    cr_assert_eq(zt_request(&server, "GET", "/_zarrd/health", NULL, NULL, 0, &r), 0);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    cr_assert_eq(zt_server_stop(&server, NULL), 0);
    cr_assert_eq(outside_hash(), before);
}
