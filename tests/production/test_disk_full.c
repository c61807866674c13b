/* test_disk_full.c: zarrd (fs store) on a 4 MiB tmpfs that fills up. A PUT that meets ENOSPC
 * is answered 507 (Insufficient Storage) with a JSON error; every value stored before is
 * intact byte for byte, the half-written object is not visible (a new key stays 404, a
 * replaced key keeps its old value), no temp file is left, and after a DELETE frees space
 * writes succeed again. A PATCH that would extend a value past the free space fails the same
 * way and leaves the value as it was, and so does a shard-endpoint PUT of an inner chunk: the
 * shard keeps every inner chunk and its exact bytes. When the disk turns read-only under the
 * server (EROFS: an I/O error on every write), writes answer 500 and reads keep working.
 * Eight writers filling the disk at once leave only whole values (201) or none (507).
 * Needs permission to mount a tmpfs (root); skipped otherwise. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "pd_fs.h"
#include "pd_metrics.h"
#include "zd_error.h"
#include "zt_fixture.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISK_KIB   4096
#define KEEP       8
#define KEEP_SIZE  (128 * 1024)
#define FILL_SIZE  (512 * 1024)
#define MAX_FILLS  32
#define PATCH_SIZE (2 * 1024 * 1024)
#define INNER      8             /* inner chunks of the test shard */
#define INNER_SIZE (16 * 1024)   /* bytes of each, as first written */
#define GROWN_SIZE (1536 * 1024) /* an inner chunk rewritten larger than the free space */
#define RACERS     8
#define RACE_PUTS  16
#define RACE_SIZE  (96 * 1024)
#define SHARD_HDR  "Zarr-Shard: chunks=8; index=end; crc32c=1\r\n"

static char disk[PATH_MAX];

/* Mount the small disk and start zarrd on it (a later --root overrides the fixture's). */
static void start_on_small_disk(void)
{
    int rc = pd_tmpfs_mount(disk, sizeof disk, DISK_KIB);
    if (rc == ZD_EUNSUPPORTED) cr_skip_test("cannot mount a tmpfs here (needs root)");
    cr_assert_eq(rc, 0, "mounting a tmpfs failed");
    zt_fixture_start_args((const char *[]){"--store", "fs", "--root", disk, NULL});
}

static void stop_and_unmount(void)
{
    zt_fixture_stop();
    if (disk[0]) pd_tmpfs_unmount(disk);
}

TestSuite(disk_full, .fini = stop_and_unmount, .timeout = 60);

/* Deterministic distinct bytes for value number n. */
static void pattern(char *buf, size_t len, unsigned n)
{
    unsigned x = 2654435761u * (n + 1);
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (char)(x >> 24);
    }
}

/* Assert that r refuses a write with `status` (507: the disk is full; 500: another I/O error)
 * and a JSON error body. */
static void expect_refused(const zt_response *r, int status, const char *what)
{
    cr_assert_eq(r->status, status, "%s: status %d, expected %d", what, r->status, status);
    zt_expect_error(r, status);
}

static void expect_refused_for(int status, const char *method, const char *key, const char *headers,
                               const void *body, size_t len)
{
    zt_response r;
    zt_do(method, key, headers, body, len, &r);
    expect_refused(&r, status, key);
    zt_response_free(&r);
}

static void expect_full_for(const char *method, const char *key, const char *headers,
                            const void *body, size_t len)
{
    expect_refused_for(507, method, key, headers, body, len);
}

/* PUT until the disk is full; returns how many fills succeeded and checks the failure. */
static int fill_disk(const char *fill)
{
    char key[32];
    for (int j = 0; j < MAX_FILLS; j++) {
        zt_response r;
        snprintf(key, sizeof key, "/fill/%d", j);
        zt_do("PUT", key, NULL, fill, FILL_SIZE, &r);
        if (r.status != 201) {
            expect_refused(&r, 507, key);
            zt_response_free(&r);
            zt_expect_error_for("GET", key, NULL, NULL, 0, 404);
            return j;
        }
        zt_response_free(&r);
    }
    cr_assert_fail("%d PUTs of %d bytes all fit on a %d KiB disk", MAX_FILLS, FILL_SIZE, DISK_KIB);
    return 0;
}

static void expect_kept(const char *keep)
{
    char key[32];
    for (unsigned i = 0; i < KEEP; i++) {
        snprintf(key, sizeof key, "/keep/%u", i);
        zt_expect_value(key, keep + (size_t)i * KEEP_SIZE, KEEP_SIZE);
    }
}

Test(disk_full, put_on_a_full_disk_fails_cleanly, .init = start_on_small_disk)
{
    char *keep = malloc((size_t)KEEP * KEEP_SIZE);
    char *fill = malloc(FILL_SIZE);
    char *huge = malloc(PATCH_SIZE);
    cr_assert(keep && fill && huge);
    char key[32];
    for (unsigned i = 0; i < KEEP; i++) {
        pattern(keep + (size_t)i * KEEP_SIZE, KEEP_SIZE, i);
        snprintf(key, sizeof key, "/keep/%u", i);
        cr_assert_eq(zt_status("PUT", key, NULL, keep + (size_t)i * KEEP_SIZE, KEEP_SIZE), 201);
    }
    pattern(fill, FILL_SIZE, 100);
    int fills = fill_disk(fill);
    fprintf(stderr, "disk_full: %d fills of %d KiB fitted\n", fills, FILL_SIZE / 1024);
    cr_assert_eq(pd_temp_files_settle(disk, 5000), 0, "temp file left by the failed PUT");

    /* Replacing a value with a larger one that does not fit keeps the old value. */
    pattern(huge, PATCH_SIZE, 200);
    expect_full_for("PUT", "/keep/0", NULL, huge, PATCH_SIZE);
    expect_kept(keep);
    for (int j = 0; j < fills; j++) {
        snprintf(key, sizeof key, "/fill/%d", j);
        zt_expect_value(key, fill, FILL_SIZE);
    }
    cr_assert_eq(pd_temp_files_settle(disk, 5000), 0, "temp file left by the failed replace");

    double nospace = pd_metric_settled(zt_srv(), "zarrd_errors_total{kind=\"nospace\"}", 2);
    cr_assert_eq(nospace, 2, "nospace errors counted: %.0f, expected 2", nospace);

    /* Space freed: writes work again. */
    cr_assert_eq(zt_status("DELETE", "/fill/0", NULL, NULL, 0), 204);
    cr_assert_eq(zt_status("PUT", "/after", NULL, fill, FILL_SIZE), 201);
    zt_expect_value("/after", fill, FILL_SIZE);
    expect_kept(keep);
    free(keep);
    free(fill);
    free(huge);
}

Test(disk_full, patch_past_the_free_space_changes_nothing, .init = start_on_small_disk)
{
    char *fill = malloc(FILL_SIZE);
    char *value = malloc(KEEP_SIZE);
    char *huge = malloc(PATCH_SIZE);
    cr_assert(fill && value && huge);
    pattern(value, KEEP_SIZE, 7);
    cr_assert_eq(zt_status("PUT", "/v", NULL, value, KEEP_SIZE), 201);
    pattern(fill, FILL_SIZE, 8);
    int fills = fill_disk(fill);
    cr_assert_gt(fills, 0);
    /* Leave about one fill's worth of space, less than the PATCH needs. */
    cr_assert_eq(zt_status("DELETE", "/fill/0", NULL, NULL, 0), 204);

    pattern(huge, PATCH_SIZE, 9);
    char range[96];
    snprintf(range, sizeof range, "Content-Range: bytes %d-%d/*\r\n", KEEP_SIZE,
             KEEP_SIZE + PATCH_SIZE - 1);
    expect_full_for("PATCH", "/v", range, huge, PATCH_SIZE);
    zt_expect_value("/v", value, KEEP_SIZE);
    cr_assert_eq(pd_temp_files_settle(disk, 5000), 0);
    cr_assert(pd_served(zt_srv(), 5000));
    free(fill);
    free(value);
    free(huge);
}

static void expect_inner_chunks(const char *inner)
{
    char target[48];
    for (unsigned i = 0; i < INNER; i++) {
        zt_response r;
        snprintf(target, sizeof target, "/s?chunk=%u", i);
        zt_do("GET", target, SHARD_HDR, NULL, 0, &r);
        cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
        cr_assert(r.body.len == INNER_SIZE &&
                      memcmp(r.body.data, inner + (size_t)i * INNER_SIZE, INNER_SIZE) == 0,
                  "inner chunk %u changed (%zu bytes)", i, r.body.len);
        zt_response_free(&r);
    }
}

Test(disk_full, shard_patch_on_a_full_disk_keeps_the_shard, .init = start_on_small_disk)
{
    char *inner = malloc((size_t)INNER * INNER_SIZE);
    char *fill = malloc(FILL_SIZE);
    char *grown = malloc(GROWN_SIZE);
    cr_assert(inner && fill && grown);
    char target[48];
    for (unsigned i = 0; i < INNER; i++) {
        pattern(inner + (size_t)i * INNER_SIZE, INNER_SIZE, 300 + i);
        snprintf(target, sizeof target, "/s?chunk=%u", i);
        cr_assert_eq(
            zt_status("PUT", target, SHARD_HDR, inner + (size_t)i * INNER_SIZE, INNER_SIZE), 204);
    }
    zt_response whole;
    zt_do("GET", "/s", NULL, NULL, 0, &whole);
    cr_assert_eq(whole.status, 200);
    pattern(fill, FILL_SIZE, 400);
    int fills = fill_disk(fill);
    cr_assert_gt(fills, 0);

    pattern(grown, GROWN_SIZE, 500);
    zt_response r;
    zt_do("PUT", "/s?chunk=3", SHARD_HDR, grown, GROWN_SIZE, &r);
    expect_refused(&r, 507, "shard PUT"); /* like a plain PUT (h8-8) */
    zt_response_free(&r);
    expect_inner_chunks(inner);
    zt_expect_value("/s", whole.body.data, whole.body.len);
    cr_assert_eq(pd_temp_files_settle(disk, 5000), 0);

    /* Space freed (the journal needs room for the chunk too): the same patch now lands. */
    for (int j = 0; j < fills; j++) {
        snprintf(target, sizeof target, "/fill/%d", j);
        cr_assert_eq(zt_status("DELETE", target, NULL, NULL, 0), 204);
    }
    zt_do("PUT", "/s?chunk=3", SHARD_HDR, grown, GROWN_SIZE, &r);
    cr_assert_eq(r.status, 204, "PUT of the grown chunk after freeing space: %d %.*s", r.status,
                 (int)r.body.len, (const char *)r.body.data);
    zt_response_free(&r);
    zt_do("GET", "/s?chunk=3", SHARD_HDR, NULL, 0, &r);
    cr_assert(r.status == 200 && r.body.len == GROWN_SIZE &&
                  memcmp(r.body.data, grown, GROWN_SIZE) == 0,
              "grown inner chunk not read back (%d, %zu bytes)", r.status, r.body.len);
    zt_response_free(&r);
    zt_response_free(&whole);
    free(inner);
    free(fill);
    free(grown);
}

Test(disk_full, writes_on_a_disk_turned_read_only_fail_cleanly, .init = start_on_small_disk)
{
    char *keep = malloc((size_t)KEEP * KEEP_SIZE);
    cr_assert(keep);
    char key[32];
    for (unsigned i = 0; i < KEEP; i++) {
        pattern(keep + (size_t)i * KEEP_SIZE, KEEP_SIZE, 600 + i);
        snprintf(key, sizeof key, "/keep/%u", i);
        cr_assert_eq(zt_status("PUT", key, NULL, keep + (size_t)i * KEEP_SIZE, KEEP_SIZE), 201);
    }
    /* (before any shard request: the shard journal, once open for writing, keeps the file
     * system busy and a read-only remount fails) */
    cr_assert_eq(pd_tmpfs_set_readonly(disk, true), 0, "remounting read-only failed");

    expect_refused_for(500, "PUT", "/new", NULL, keep, KEEP_SIZE);
    expect_refused_for(500, "PUT", "/keep/1", NULL, keep, KEEP_SIZE);
    expect_refused_for(500, "PATCH", "/keep/2", "Content-Range: bytes 0-9/*\r\n", "0123456789", 10);
    expect_refused_for(500, "DELETE", "/keep/3", NULL, NULL, 0);
    expect_refused_for(500, "PUT", "/s?chunk=1", SHARD_HDR, keep, INNER_SIZE);
    double io = pd_metric_settled(zt_srv(), "zarrd_errors_total{kind=\"io\"}", 5);
    cr_assert_eq(io, 5, "io errors counted: %.0f, expected 5", io);
    expect_kept(keep);
    zt_expect_error_for("GET", "/new", NULL, NULL, 0, 404);

    cr_assert_eq(pd_tmpfs_set_readonly(disk, false), 0);
    cr_assert_eq(zt_status("PUT", "/new", NULL, keep, KEEP_SIZE), 201);
    cr_assert_eq(zt_status("PUT", "/s?chunk=1", SHARD_HDR, keep, INNER_SIZE), 204);
    zt_expect_value("/new", keep, KEEP_SIZE);
    zt_response r;
    zt_do("GET", "/s?chunk=1", SHARD_HDR, NULL, 0, &r);
    cr_assert(r.status == 200 && r.body.len == INNER_SIZE &&
                  memcmp(r.body.data, keep, INNER_SIZE) == 0,
              "inner chunk written after the remount not read back");
    zt_response_free(&r);
    free(keep);
}

/* Reading needs no writable disk: a shard read on a read-only root (say ext4 remounted
 * read-only after an I/O error, or zarrd restarted on it) answers like on a writable one. */
Test(disk_full, shard_reads_work_on_a_read_only_disk, .init = start_on_small_disk)
{
    cr_assert_eq(pd_tmpfs_set_readonly(disk, true), 0, "remounting read-only failed");
    zt_expect_error_for("GET", "/s?chunk=1", SHARD_HDR, NULL, 0, 404);
    cr_assert_eq(pd_tmpfs_set_readonly(disk, false), 0);
}

typedef struct racer {
    int id;
    int status[RACE_PUTS];
    int transport_errors;
} racer;

static void race_value(char *buf, int id, int k)
{
    pattern(buf, RACE_SIZE, 1000u + (unsigned)(id * RACE_PUTS + k));
}

static void *race_puts(void *arg)
{
    racer *r = arg;
    static _Thread_local char body[RACE_SIZE];
    char key[32];
    for (int k = 0; k < RACE_PUTS; k++) {
        zt_response resp;
        snprintf(key, sizeof key, "/race/%d/%d", r->id, k);
        race_value(body, r->id, k);
        if (zt_request(zt_srv(), "PUT", key, NULL, body, RACE_SIZE, &resp)) {
            r->transport_errors++;
            continue;
        }
        r->status[k] = resp.status;
        zt_response_free(&resp);
    }
    return NULL;
}

/* 8 writers at once fill the disk (128 PUTs of 96 KiB for about 4 MiB): every PUT answered 201
 * reads back exactly, every one answered 507 is absent, and no temp file is left. */
Test(disk_full, concurrent_writers_filling_the_disk_leave_only_whole_values,
     .init = start_on_small_disk)
{
    static racer racers[RACERS];
    pthread_t t[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (racer){.id = i};
        cr_assert_eq(pthread_create(&t[i], NULL, race_puts, &racers[i]), 0);
    }
    for (int i = 0; i < RACERS; i++)
        pthread_join(t[i], NULL);
    static char want[RACE_SIZE];
    char key[32];
    int stored = 0, refused = 0;
    for (int i = 0; i < RACERS; i++) {
        cr_assert_eq(racers[i].transport_errors, 0, "writer %d: no answer to some PUTs", i);
        for (int k = 0; k < RACE_PUTS; k++) {
            int st = racers[i].status[k];
            snprintf(key, sizeof key, "/race/%d/%d", i, k);
            cr_assert(st == 201 || st == 507, "PUT %s: %d", key, st);
            if (st == 201) {
                race_value(want, i, k);
                zt_expect_value(key, want, RACE_SIZE);
                stored++;
            } else {
                zt_expect_error_for("GET", key, NULL, NULL, 0, 404);
                refused++;
            }
        }
    }
    fprintf(stderr, "disk_full: concurrent writers: %d stored, %d refused\n", stored, refused);
    cr_assert_gt(refused, 0, "the disk never filled");
    cr_assert_gt(stored, 0);
    cr_assert_eq(pd_temp_files_settle(disk, 5000), 0, "temp files left by refused PUTs");
}
