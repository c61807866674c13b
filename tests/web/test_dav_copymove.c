/* test_dav_copymove.c: WebDAV COPY and MOVE (RFC 4918 9.8, 9.9), on both stores: values
 * (bytes equal; a copy is a new value, a move keeps ETag and Last-Modified), Overwrite T/F
 * (204 / 412, nothing changed), the destination's parent (409), same or overlapping source
 * and destination (403), collections with their members and empty subcollections (Depth
 * infinity and 0), shards moved under the shard engine's locks (a later patch of the old key
 * must not reach the moved file), tokens on both keys, and bad Destination headers. */
#include <criterion/criterion.h>

#include "web_xml.h"
#include "zt_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(copymove, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* METHOD src to dst with extra headers; returns the status (the response in *r if not NULL). */
static int cm(const char *method, const char *src, const char *dst, const char *extra,
              zt_response *r)
{
    char hdr[1024];
    snprintf(hdr, sizeof hdr, "Destination: %s\r\n%s", dst, extra ? extra : "");
    zt_response own;
    zt_response *rr = r ? r : &own;
    zt_do(method, src, hdr, NULL, 0, rr);
    int st = rr->status;
    if (!r) zt_response_free(&own);
    return st;
}

/* METHOD src to dst: an XML error with that status. */
static void cm_error(const char *method, const char *src, const char *dst, const char *extra,
                     int status)
{
    zt_response r;
    cm(method, src, dst, extra, &r);
    wx_expect_error(&r, status, NULL);
    zt_response_free(&r);
}

static char *header_of(const char *target, const char *name)
{
    zt_response r;
    zt_do("HEAD", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "HEAD %s: %d", target, r.status);
    char *v = strdup(zt_header(&r, name));
    zt_response_free(&r);
    return v;
}

static void expect_missing(const char *target)
{
    cr_assert_eq(zt_status("GET", target, NULL, NULL, 0), 404, "%s still there", target);
}

Test(copymove, copy_value)
{
    zt_put_str("/a/src", "source bytes");
    char *etag = header_of("/a/src", "ETag");
    cr_assert_eq(cm("COPY", "/a/src", "/a/dst", NULL, NULL), 201);
    zt_expect_value("/a/dst", "source bytes", 12);
    zt_expect_value("/a/src", "source bytes", 12);
    char *copy_etag = header_of("/a/dst", "ETag");
    cr_assert_str_neq(etag, copy_etag, "a copy is a new value");
    /* An absolute URI naming this request's Host works as well as a path (the test client
     * sends Host: zarrd-test). */
    zt_put_str("/a/src", "newer");
    cr_assert_eq(cm("COPY", "/a/src", "http://ZARRD-test/a/dst2", NULL, NULL), 201);
    zt_expect_value("/a/dst2", "newer", 5);
    /* Overwrite (default T): 204, replaced. Overwrite F: 412, nothing changed. */
    cr_assert_eq(cm("COPY", "/a/src", "/a/dst", NULL, NULL), 204);
    zt_expect_value("/a/dst", "newer", 5);
    zt_put_str("/a/src", "newest");
    cm_error("COPY", "/a/src", "/a/dst", "Overwrite: F\r\n", 412);
    zt_expect_value("/a/dst", "newer", 5);
    free(etag);
    free(copy_etag);
}

Test(copymove, move_value_keeps_etag_and_date)
{
    zt_put_str("/m/src", "moving");
    char *etag = header_of("/m/src", "ETag");
    char *lm = header_of("/m/src", "Last-Modified");
    cr_assert_eq(cm("MOVE", "/m/src", "/m/dst", NULL, NULL), 201);
    expect_missing("/m/src");
    zt_expect_value("/m/dst", "moving", 6);
    char *etag2 = header_of("/m/dst", "ETag");
    char *lm2 = header_of("/m/dst", "Last-Modified");
    cr_assert_str_eq(etag, etag2, "a moved value keeps its ETag");
    cr_assert_str_eq(lm, lm2, "a moved value keeps its Last-Modified");
    /* Onto an existing value: 204; Overwrite F: 412, both unchanged. */
    zt_put_str("/m/other", "other");
    cr_assert_eq(cm("MOVE", "/m/other", "/m/dst", NULL, NULL), 204);
    zt_expect_value("/m/dst", "other", 5);
    expect_missing("/m/other");
    zt_put_str("/m/third", "third");
    cm_error("MOVE", "/m/third", "/m/dst", "Overwrite: F\r\n", 412);
    zt_expect_value("/m/third", "third", 5);
    zt_expect_value("/m/dst", "other", 5);
    /* Missing source: 404. */
    cm_error("MOVE", "/m/none", "/m/x", NULL, 404);
    expect_missing("/m/x");
    free(etag);
    free(lm);
    free(etag2);
    free(lm2);
}

Test(copymove, destination_checks)
{
    zt_put_str("/d/v", "v");
    zt_response r;
    /* No parent collection at the destination: 409 (RFC 4918 9.8.5), nothing made. */
    cm_error("COPY", "/d/v", "/nowhere/v", NULL, 409);
    cm_error("MOVE", "/d/v", "/nowhere/deeper/v", NULL, 409);
    cr_assert_eq(zt_status("PROPFIND", "/nowhere/", "Depth: 0\r\n", NULL, 0), 404);
    /* Same resource, or one inside the other: 403. */
    cm_error("MOVE", "/d/v", "/d/v", NULL, 403);
    cm_error("COPY", "/d/", "/d/inner/", NULL, 403);
    cm_error("MOVE", "/d/v", "/", NULL, 403);
    /* Another server: 502. */
    cm_error("COPY", "/d/v", "http://elsewhere.example/d/w", NULL, 502);
    /* Malformed or forbidden destinations: 4xx, nothing stored. */
    static const char *const bad[] = {
        "d/w", "/d/../w", "/d/%2Fw", "/d/.zarrd-tmp-1", "/_zarrd/health", "http://", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int st = cm("COPY", "/d/v", bad[i], NULL, &r);
        cr_assert(st == 400 || st == 403, "Destination %s: %d", bad[i], st);
        wx_expect_error(&r, st, NULL);
        zt_response_free(&r);
    }
    zt_do("COPY", "/d/v", NULL, NULL, 0, &r); /* no Destination */
    wx_expect_error(&r, 400, NULL);
    zt_response_free(&r);
    cm_error("COPY", "/d/v", "/d/w", "Overwrite: maybe\r\n", 400);
    cm_error("MOVE", "/d/v", "/d/w", "Depth: 0\r\n", 400);
    cm_error("COPY", "/d/v", "/d/w", "Depth: 1\r\n", 400);
    expect_missing("/d/w");
    zt_expect_value("/d/v", "v", 1);
}

/* Fill collection /NAME/ with a small tree: two values, a nested value, an empty made
 * subcollection. */
static void fill_tree(const char *name)
{
    char t[128];
    snprintf(t, sizeof t, "/%s/", name);
    cr_assert_eq(zt_status("MKCOL", t, NULL, NULL, 0), 201);
    snprintf(t, sizeof t, "/%s/zarr.json", name);
    zt_put_str(t, "{\"zarr_format\":3}");
    snprintf(t, sizeof t, "/%s/c/0/1", name);
    zt_put_str(t, "chunk01");
    snprintf(t, sizeof t, "/%s/c/1/0", name);
    zt_put_str(t, "chunk10");
    snprintf(t, sizeof t, "/%s/empty/", name);
    cr_assert_eq(zt_status("MKCOL", t, NULL, NULL, 0), 201);
}

static void expect_tree(const char *name)
{
    char t[128];
    snprintf(t, sizeof t, "/%s/zarr.json", name);
    zt_expect_value(t, "{\"zarr_format\":3}", 17);
    snprintf(t, sizeof t, "/%s/c/0/1", name);
    zt_expect_value(t, "chunk01", 7);
    snprintf(t, sizeof t, "/%s/c/1/0", name);
    zt_expect_value(t, "chunk10", 7);
    snprintf(t, sizeof t, "/%s/empty/", name);
    cr_assert_eq(zt_status("PROPFIND", t, "Depth: 0\r\n", NULL, 0), 207, "%s missing", t);
}

Test(copymove, collections)
{
    fill_tree("src");
    cr_assert_eq(cm("COPY", "/src/", "/copy/", NULL, NULL), 201);
    expect_tree("src");
    expect_tree("copy");
    /* Depth 0: the collection alone. */
    cr_assert_eq(cm("COPY", "/src/", "/shallow/", "Depth: 0\r\n", NULL), 201);
    cr_assert_eq(zt_status("PROPFIND", "/shallow/", "Depth: 0\r\n", NULL, 0), 207);
    expect_missing("/shallow/zarr.json");
    /* MOVE: everything arrives, the source is gone. */
    cr_assert_eq(cm("MOVE", "/copy", "/moved/", NULL, NULL), 201);
    expect_tree("moved");
    cr_assert_eq(zt_status("PROPFIND", "/copy/", "Depth: 0\r\n", NULL, 0), 404);
    expect_missing("/copy/c/0/1");
    /* Onto an existing collection: Overwrite F 412, T replaces it wholly (204). */
    zt_put_str("/target/stale", "stale");
    cm_error("COPY", "/src/", "/target/", "Overwrite: F\r\n", 412);
    zt_expect_value("/target/stale", "stale", 5);
    cr_assert_eq(cm("MOVE", "/src/", "/target/", NULL, NULL), 204);
    expect_tree("target");
    expect_missing("/target/stale");
    cr_assert_eq(zt_status("PROPFIND", "/src/", "Depth: 0\r\n", NULL, 0), 404);
    /* A value onto a collection and back. */
    zt_put_str("/v", "value");
    cr_assert_eq(cm("COPY", "/v", "/moved/", NULL, NULL), 204);
    zt_expect_value("/moved", "value", 5);
    expect_missing("/moved/zarr.json");
}

/* A sharded array (8 x 8 uint8, shards 8 x 4 of 4 x 4 inner chunks, raw inner chunks). */
static void put_sharded_array(const char *name)
{
    char json[1024], target[128];
    snprintf(json, sizeof json,
             "{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [8, 8], "
             "\"data_type\": \"uint8\", \"chunk_grid\": {\"name\": \"regular\", "
             "\"configuration\": {\"chunk_shape\": [8, 4]}}, \"chunk_key_encoding\": "
             "{\"name\": \"default\"}, \"fill_value\": 0, \"codecs\": [{\"name\": "
             "\"sharding_indexed\", \"configuration\": {\"chunk_shape\": [4, 4], \"codecs\": "
             "[{\"name\": \"bytes\"}], \"index_codecs\": [{\"name\": \"bytes\", "
             "\"configuration\": {\"endian\": \"little\"}}], \"index_location\": \"end\"}}]}");
    snprintf(target, sizeof target, "/%s/zarr.json", name);
    zt_put_str(target, json);
}

static void put_chunk(const char *target, int byte)
{
    char chunk[16];
    memset(chunk, byte, sizeof chunk);
    cr_assert_eq(zt_status("PUT", target, NULL, chunk, sizeof chunk), 204, "PUT %s", target);
}

static void expect_chunk(const char *target, int byte)
{
    char chunk[16];
    memset(chunk, byte, sizeof chunk);
    zt_expect_value(target, chunk, sizeof chunk);
}

Test(copymove, shards_move_under_the_engines_locks)
{
    put_sharded_array("arr");
    /* The engine now knows shard c/0/0 (and caches it). */
    put_chunk("/arr/c/0/0?chunk=0,0", 1);
    put_chunk("/arr/c/0/0?chunk=1,0", 2);
    cr_assert_eq(cm("MOVE", "/arr/c/0/0", "/arr/c/0/1", NULL, NULL), 201);
    cr_assert_eq(zt_status("GET", "/arr/c/0/0?chunk=0,0", NULL, NULL, 0), 404);
    /* A new shard at the old key must be a new file: the moved one keeps its chunks. */
    put_chunk("/arr/c/0/0?chunk=0,0", 7);
    expect_chunk("/arr/c/0/1?chunk=0,0", 1);
    expect_chunk("/arr/c/0/1?chunk=1,0", 2);
    expect_chunk("/arr/c/0/0?chunk=0,0", 7);
    cr_assert_eq(zt_status("GET", "/arr/c/0/0?chunk=1,0", NULL, NULL, 0), 404);
    /* Patching the moved shard works at its new key. */
    put_chunk("/arr/c/0/1?chunk=1,0", 3);
    expect_chunk("/arr/c/0/1?chunk=1,0", 3);
    expect_chunk("/arr/c/0/1?chunk=0,0", 1);
    /* A whole array moved: its shards are read through the new array's zarr.json. */
    cr_assert_eq(cm("MOVE", "/arr/", "/arr2/", NULL, NULL), 201);
    expect_chunk("/arr2/c/0/1?chunk=1,0", 3);
    expect_chunk("/arr2/c/0/0?chunk=0,0", 7);
    expect_missing("/arr/c/0/1");
    expect_missing("/arr/zarr.json");
}

static void start_with_tokens(void)
{
    zt_fixture_start_tokens("writer rw\nreader ro\nmine rw mine\n", NULL);
}

#define W "Authorization: Bearer writer\r\n"
#define R "Authorization: Bearer reader\r\n"
#define M "Authorization: Bearer mine\r\n"

Test(copymove, tokens, .init = start_with_tokens, .fini = zt_fixture_stop)
{
    cr_assert_eq(zt_status("PUT", "/mine/v", W, "v", 1), 201);
    cr_assert_eq(zt_status("MKCOL", "/theirs/", W, NULL, 0), 201);
    /* A read-only token may PROPFIND, nothing else. */
    cr_assert_eq(zt_status("PROPFIND", "/mine/", "Depth: 1\r\n" R, NULL, 0), 207);
    static const char *const writes[] = {"MKCOL", "DELETE", "COPY", "MOVE", "PROPPATCH"};
    for (size_t i = 0; i < sizeof writes / sizeof *writes; i++) {
        zt_response r;
        zt_do(writes[i], "/mine/v", "Destination: /mine/w\r\n" R, NULL, 0, &r);
        cr_assert_eq(r.status, 403, "%s with a read-only token: %d", writes[i], r.status);
        zt_response_free(&r);
    }
    cr_assert_eq(zt_status("PROPFIND", "/mine/", "Depth: 1\r\n", NULL, 0), 401);
    /* A token for mine/ cannot copy or move out of it, nor read what is outside. */
    cm_error("COPY", "/mine/v", "/theirs/v", M, 403);
    cm_error("MOVE", "/mine/v", "/theirs/v", M, 403);
    cr_assert_eq(zt_status("PROPFIND", "/theirs/", "Depth: 0\r\n" M, NULL, 0), 403);
    cr_assert_eq(cm("MOVE", "/mine/v", "/mine/w", M, NULL), 201);
    cr_assert_eq(zt_status("GET", "/mine/w", W, NULL, 0), 200);
    cr_assert_eq(zt_status("GET", "/mine/v", W, NULL, 0), 404);
    cr_assert_eq(zt_status("GET", "/theirs/v", W, NULL, 0), 404);
}

/* Racing MOVEs with Overwrite F to one destination: the "destination absent" check is made
 * atomically with each move, so exactly one wins (201) and every other is 412 with its source
 * untouched, whatever the interleaving. */
typedef struct race_arg {
    int round, i, status;
    pthread_barrier_t *start;
} race_arg;

static void *race_move(void *p)
{
    race_arg *a = p;
    char src[64], hdr[128];
    snprintf(src, sizeof src, "/race/s%d-%d", a->round, a->i);
    snprintf(hdr, sizeof hdr, "Destination: /race/d%d\r\nOverwrite: F\r\n", a->round);
    pthread_barrier_wait(a->start);
    zt_response r;
    a->status = zt_request(zt_srv(), "MOVE", src, hdr, NULL, 0, &r) ? -1 : r.status;
    if (a->status >= 0) zt_response_free(&r);
    return NULL;
}

#define RACERS 6

Test(copymove, racing_moves_overwrite_f_one_winner)
{
    for (int round = 0; round < 10; round++) {
        pthread_barrier_t start;
        pthread_barrier_init(&start, NULL, RACERS);
        pthread_t t[RACERS];
        race_arg a[RACERS];
        for (int i = 0; i < RACERS; i++) {
            char src[64], val[32];
            snprintf(src, sizeof src, "/race/s%d-%d", round, i);
            snprintf(val, sizeof val, "from %d", i);
            zt_put_str(src, val);
            a[i] = (race_arg){.round = round, .i = i, .start = &start};
        }
        for (int i = 0; i < RACERS; i++)
            pthread_create(&t[i], NULL, race_move, &a[i]);
        int winner = -1;
        for (int i = 0; i < RACERS; i++) {
            pthread_join(t[i], NULL);
            cr_assert(a[i].status == 201 || a[i].status == 412, "round %d: MOVE answered %d", round,
                      a[i].status);
            if (a[i].status == 201) {
                cr_assert_eq(winner, -1, "round %d: two MOVEs both won", round);
                winner = i;
            }
        }
        pthread_barrier_destroy(&start);
        cr_assert_neq(winner, -1, "round %d: nobody won", round);
        char dst[64], val[32], src[64];
        snprintf(dst, sizeof dst, "/race/d%d", round);
        snprintf(val, sizeof val, "from %d", winner);
        zt_expect_value(dst, val, strlen(val));
        for (int i = 0; i < RACERS; i++) {
            snprintf(src, sizeof src, "/race/s%d-%d", round, i);
            snprintf(val, sizeof val, "from %d", i);
            if (i == winner)
                expect_missing(src);
            else
                zt_expect_value(src, val, strlen(val));
        }
    }
}
