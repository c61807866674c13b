/* test_metrics.c: /_zarrd/metrics as a Prometheus scraper sees it. The exposition parses
 * strictly as text format 0.0.4, every family has a TYPE, the latency histogram is cumulative
 * and ends in +Inf = _count. Its counters move as known requests say: requests by method and
 * status, request and response bytes (at least the bodies sent and received), the latency
 * count, accepted connections, fsyncs, failed requests by cause (malformed, too large,
 * timed out), shard patches by placement and compactions (on either store), inner chunk reads
 * by where their bytes came from (fs), and the open-connections gauge follows clients coming
 * and going, spread evenly over the workers. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "pd_metrics.h"
#include "zt_fixture.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define BODY   10000
#define IDLERS 10

static void start_fsync_always(void)
{
    zt_fixture_start_args((const char *[]){"--fsync", "always", NULL});
}

static void start_strict(void)
{
    zt_fixture_start_args((const char *[]){"--max-body", "1000", "--request-timeout", "1", NULL});
}

/* Each test names its server's options. */
TestSuite(metrics, .fini = zt_fixture_stop, .timeout = 60);

static void scrape(pd_metrics *m)
{
    zd_error err = {0};
    cr_assert_eq(pd_metrics_scrape(zt_srv(), m, &err), 0, "metrics: %s", err.msg);
}

static double requests(const pd_metrics *m, const char *method, int status)
{
    char series[128];
    snprintf(series, sizeof series, "zarrd_requests_total{method=\"%s\",status=\"%d\"}", method,
             status);
    return pd_metric(m, series);
}

/* Every sample belongs to a family with a TYPE line. */
static bool typed(const char *exposition, const char *name)
{
    static const char *const suffixes[] = {"", "_bucket", "_sum", "_count"};
    char line[160];
    for (size_t i = 0; i < 4; i++) {
        size_t n = strlen(name), sl = strlen(suffixes[i]);
        if (n <= sl || strcmp(name + n - sl, suffixes[i]) != 0) continue;
        snprintf(line, sizeof line, "# TYPE %.*s ", (int)(n - sl), name);
        if (strstr(exposition, line)) return true;
    }
    return false;
}

Test(metrics, exposition_is_valid_prometheus_text, .init = zt_fixture_start)
{
    /* one connection: the PUT is recorded before the scrape that follows it is answered */
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(&c, "PUT", "/a", NULL, "x", 1), 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    zt_response_free(&r);
    cr_assert_eq(zt_send_request(&c, "GET", "/_zarrd/metrics", NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    zt_conn_close(&c);
    cr_assert_eq(r.status, 200);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert(ct && strstr(ct, "text/plain") && strstr(ct, "version=0.0.4"), "Content-Type %s",
              ct ? ct : "(none)");
    pd_metrics m;
    zd_error err = {0};
    cr_assert_eq(pd_metrics_parse((const char *)r.body.data, r.body.len, &m, &err), 0, "%s",
                 err.msg);
    cr_assert_gt(m.n, 0);
    cr_assert_eq(zd_buf_append(&r.body, "", 1), 0);
    for (size_t i = 0; i < m.n; i++)
        cr_assert(typed((const char *)r.body.data, m.samples[i].name), "%s has no # TYPE",
                  m.samples[i].series);

    double prev = 0, inf = -1, count = -1;
    for (size_t i = 0; i < m.n; i++) {
        const pd_sample *s = &m.samples[i];
        if (strcmp(s->name, "zarrd_request_duration_seconds_bucket") == 0) {
            cr_assert_geq(s->value, prev, "histogram not cumulative at %s", s->series);
            prev = s->value;
            if (strstr(s->series, "le=\"+Inf\"")) inf = s->value;
        } else if (strcmp(s->name, "zarrd_request_duration_seconds_count") == 0) {
            count = s->value;
        }
    }
    cr_assert_geq(inf, 1, "no +Inf bucket, or the PUT not counted");
    cr_assert_eq(inf, count, "+Inf bucket %.0f != _count %.0f", inf, count);
    pd_metrics_free(&m);
    zt_response_free(&r);
}

/* One request on the keep-alive connection c; asserts its status. */
static void on(zt_conn *c, const char *method, const char *target, const void *body, size_t len,
               int status)
{
    zt_response r;
    cr_assert_eq(zt_send_request(c, method, target, NULL, body, len), 0);
    cr_assert_eq(zt_read_response(c, &r, strcmp(method, "HEAD") == 0), 0);
    cr_assert_eq(r.status, status, "%s %s: %d, expected %d", method, target, r.status, status);
    cr_assert(strcmp(method, "GET") != 0 || status != 200 || r.body.len == len, "GET %s: %zu bytes",
              target, r.body.len);
    zt_response_free(&r);
}

static void scrape_on(zt_conn *c, pd_metrics *m)
{
    zd_error err = {0};
    cr_assert_eq(pd_metrics_read(c, m, &err), 0, "metrics: %s", err.msg);
}

static double delta(const pd_metrics *a, const pd_metrics *b, const char *series)
{
    return pd_metric(b, series) - pd_metric(a, series);
}

/* All on one keep-alive connection, whose requests the server finishes (and counts) one by
 * one, so the counts between two scrapes are exact. */
Test(metrics, counters_follow_known_requests, .init = zt_fixture_start)
{
    static char body[BODY];
    memset(body, 'm', sizeof body);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    pd_metrics a, b;
    scrape_on(&c, &a);
    on(&c, "PUT", "/m", body, BODY, 201);
    on(&c, "PUT", "/m", body, BODY, 204);
    for (int i = 0; i < 3; i++)
        on(&c, "GET", "/m", body, BODY, 200);
    for (int i = 0; i < 2; i++)
        on(&c, "GET", "/missing", NULL, 0, 404);
    on(&c, "HEAD", "/m", NULL, 0, 200);
    on(&c, "DELETE", "/m", NULL, 0, 204);
    scrape_on(&c, &b);
    zt_conn_close(&c);

    cr_assert_eq(requests(&b, "PUT", 201) - requests(&a, "PUT", 201), 1);
    cr_assert_eq(requests(&b, "PUT", 204) - requests(&a, "PUT", 204), 1);
    cr_assert_eq(requests(&b, "GET", 404) - requests(&a, "GET", 404), 2);
    cr_assert_eq(requests(&b, "HEAD", 200) - requests(&a, "HEAD", 200), 1);
    cr_assert_eq(requests(&b, "DELETE", 204) - requests(&a, "DELETE", 204), 1);
    cr_assert_eq(requests(&b, "GET", 200) - requests(&a, "GET", 200), 4, "3 GETs and scrape a");
    double in = delta(&a, &b, "zarrd_received_bytes_total");
    double out = delta(&a, &b, "zarrd_sent_bytes_total");
    cr_assert_geq(in, 2 * BODY, "received bytes moved by %.0f after two %d-byte PUTs", in, BODY);
    cr_assert_geq(out, 3 * BODY, "sent bytes moved by %.0f after three %d-byte GETs", out, BODY);
    double lat = delta(&a, &b, "zarrd_request_duration_seconds_count");
    cr_assert_eq(lat, 10, "latency count moved by %.0f for 9 requests and scrape a", lat);
    pd_metrics_free(&a);
    pd_metrics_free(&b);
}

static double settled(const char *series, double want)
{
    return pd_metric_settled(zt_srv(), series, want);
}

Test(metrics, open_connections_gauge_follows_clients, .init = zt_fixture_start)
{
    pd_metrics before, after;
    scrape(&before);
    zt_conn *idle = pd_conns_open(zt_srv(), IDLERS);
    cr_assert_not_null(idle);
    for (size_t i = 0; i < IDLERS; i++) { /* a request each, so each is surely accepted */
        zt_response r;
        cr_assert_eq(zt_send_request(&idle[i], "GET", "/_zarrd/health", NULL, NULL, 0), 0);
        cr_assert_eq(zt_read_response(&idle[i], &r, false), 0);
        zt_response_free(&r);
    }
    double with = settled("zarrd_open_connections", IDLERS + 1); /* the idle ones and the scrape */
    cr_assert_eq(with, IDLERS + 1, "gauge %.0f with %d idle clients and the scraper", with, IDLERS);
    pd_conns_close(idle, IDLERS);
    scrape(&after);
    double accepted = delta(&before, &after, "zarrd_connections_total");
    cr_assert_geq(accepted, IDLERS + 1, "connections_total moved by %.0f", accepted);
    pd_metrics_free(&before);
    pd_metrics_free(&after);
    double without = settled("zarrd_open_connections", 1);
    cr_assert_eq(without, 1, "gauge %.0f after the idle clients left", without);
}

static void start_two_workers(void)
{
    zt_fixture_start_args((const char *[]){"--threads", "2", NULL});
}

/* The per-worker open-connections gauges, read on c. */
static void per_worker(zt_conn *c, double open[2])
{
    pd_metrics m;
    zd_error err = {0};
    cr_assert_eq(pd_metrics_read(c, &m, &err), 0, "metrics: %s", err.msg);
    for (int w = 0; w < 2; w++) {
        char series[64];
        snprintf(series, sizeof series, "zarrd_worker_open_connections{worker=\"%d\"}", w);
        cr_assert(pd_metric_find(&m, series, &open[w]), "no %s", series);
    }
    pd_metrics_free(&m);
}

/* A client's pool of two opens its connections while its first connection (the array's
 * metadata) sits idle on one loop: the two go to different loops. The kernel's hash alone
 * (SO_REUSEPORT) puts them on one loop half the time; 8 rounds of it pass 1 time in 256. */
Test(metrics, a_clients_pool_is_spread_over_the_workers, .init = start_two_workers)
{
    zt_conn first;
    cr_assert_eq(zt_conn_open_server(&first, zt_srv()), 0);
    double before[2], after[2];
    per_worker(&first, before); /* first is now idle on the worker that counts 1 */
    int home = before[0] == 1 ? 0 : 1;
    cr_assert_eq(before[home], 1, "gauges %.0f, %.0f with one connection", before[0], before[1]);
    for (int round = 0; round < 8; round++) {
        zt_conn *pool = pd_conns_open(zt_srv(), 2); /* new connections: active until used */
        cr_assert_not_null(pool);
        nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL); /* let both be accepted */
        per_worker(&first, after);
        cr_assert(after[home] == 2 && after[1 - home] == 1,
                  "round %d: the idle connection's worker holds %.0f, the other %.0f", round,
                  after[home], after[1 - home]);
        pd_conns_close(pool, 2);
        for (int i = 0; i < 500 && (after[0] + after[1] != 1); i++) { /* the pool's closes */
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
            per_worker(&first, after);
        }
    }
    zt_conn_close(&first);
}

Test(metrics, fsyncs_are_counted, .init = start_fsync_always)
{
    if (!zt_store_is_fs()) cr_skip_test("the memory store never fsyncs");
    pd_metrics a, b;
    scrape(&a);
    for (int i = 0; i < 3; i++)
        zt_put_str("/durable", "synced");
    scrape(&b);
    double fsyncs = delta(&a, &b, "zarrd_fsyncs_total");
    cr_assert_geq(fsyncs, 3, "zarrd_fsyncs_total moved by %.0f for 3 PUTs with --fsync always",
                  fsyncs);
    pd_metrics_free(&a);
    pd_metrics_free(&b);
}

/* A shard request's status (layout: 8 inner chunks, index at the end, crc32c). */
static int shard_status(const char *method, int chunk, size_t len, char fill)
{
    static char body[3 << 19];
    memset(body, fill, len);
    char target[64];
    snprintf(target, sizeof target, "/sh?chunk=%d", chunk);
    zt_response r;
    cr_assert_eq(zt_request(zt_srv(), method, target,
                            "Zarr-Shard: chunks=8; index=end; crc32c=1\r\n", len ? body : NULL, len,
                            &r),
                 0);
    int status = r.status;
    zt_response_free(&r);
    return status;
}

#define PATCHES(placement) "zarrd_shard_patches_total{placement=\"" placement "\"}"

Test(metrics, shard_placements_compactions_and_fsyncs_are_counted, .init = start_fsync_always)
{
    pd_metrics a, b; /* either store: the memory store places and compacts as files do */
    scrape(&a);
    cr_assert_eq(shard_status("PUT", 0, 100, 'a'), 204);     /* a new shard: appended */
    cr_assert_eq(shard_status("PUT", 0, 100, 'b'), 204);     /* same size: in place */
    cr_assert_eq(shard_status("PUT", 1, 50, 'c'), 204);      /* appended */
    cr_assert_eq(shard_status("PUT", 0, 30, 'd'), 204);      /* its own freed slot: a gap */
    cr_assert_eq(shard_status("PUT", 2, 3 << 19, 'e'), 204); /* 1.5 MiB appended */
    cr_assert_eq(shard_status("DELETE", 2, 0, 0), 204);      /* 1.5 MiB dead: compaction */
    scrape(&b);
    cr_assert_eq(delta(&a, &b, PATCHES("appended")), 3);
    cr_assert_eq(delta(&a, &b, PATCHES("in_place")), 1);
    cr_assert_eq(delta(&a, &b, PATCHES("gap")), 1);
    cr_assert_eq(delta(&a, &b, "zarrd_shard_compactions_total"), 1);
    double fsyncs = delta(&a, &b, "zarrd_fsyncs_total");
    if (zt_store_is_fs())
        cr_assert_geq(fsyncs, 6,
                      "zarrd_fsyncs_total moved by %.0f for 6 shard changes with --fsync "
                      "always",
                      fsyncs);
    else
        cr_assert_eq(fsyncs, 0, "the memory store fsynced %.0f times", fsyncs);
    pd_metrics_free(&a);
    pd_metrics_free(&b);
}

/* GET of inner chunk `chunk` (layout as shard_status's): it must be len bytes of fill. */
static void shard_get_is(int chunk, size_t len, char fill)
{
    char target[64];
    snprintf(target, sizeof target, "/sh?chunk=%d", chunk);
    zt_response r;
    cr_assert_eq(zt_request(zt_srv(), "GET", target,
                            "Zarr-Shard: chunks=8; index=end; crc32c=1\r\n", NULL, 0, &r),
                 0);
    cr_assert_eq(r.status, 200, "GET %s: %d", target, r.status);
    cr_assert_eq(r.body.len, len, "GET %s: %zu bytes, expected %zu", target, r.body.len, len);
    for (size_t i = 0; i < len; i++)
        cr_assert_eq(r.body.data[i], (uint8_t)fill, "GET %s: byte %zu", target, i);
    zt_response_free(&r);
}

#define CHUNK_READS(from) "zarrd_shard_chunk_reads_total{from=\"" from "\"}"

/* On the fs store a small inner chunk is read from its file once, then from memory; a large
 * one from its file every time. The memory store has no file to read. */
Test(metrics, shard_chunk_reads_are_counted_by_where_they_came_from, .init = zt_fixture_start)
{
    cr_assert_eq(shard_status("PUT", 0, 100, 'a'), 204);
    cr_assert_eq(shard_status("PUT", 1, 20000, 'b'), 204);
    pd_metrics a, b;
    scrape(&a);
    for (int i = 0; i < 3; i++) {
        shard_get_is(0, 100, 'a');
        shard_get_is(1, 20000, 'b');
    }
    scrape(&b);
    bool fs = zt_store_is_fs();
    cr_assert_eq(delta(&a, &b, CHUNK_READS("file")), fs ? 4 : 0);
    cr_assert_eq(delta(&a, &b, CHUNK_READS("memory")), fs ? 2 : 0);
    if (fs) cr_assert_gt(pd_metric(&b, "zarrd_shard_chunk_memory_bytes"), 100);
    cr_assert_eq(shard_status("PUT", 0, 100, 'c'), 204); /* forgets the kept copy */
    shard_get_is(0, 100, 'c');
    shard_get_is(0, 100, 'c');
    pd_metrics_free(&a);
    scrape(&a);
    cr_assert_eq(delta(&b, &a, CHUNK_READS("file")), fs ? 1 : 0);
    cr_assert_eq(delta(&b, &a, CHUNK_READS("memory")), fs ? 1 : 0);
    pd_metrics_free(&a);
    pd_metrics_free(&b);
}

/* Send raw bytes on a new connection and read (and drop) the one answer. */
static int raw_status(const char *request)
{
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_send(&c, request, strlen(request)); /* the server may answer before reading it all */
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no answer to %.30s", request);
    int status = r.status;
    zt_response_free(&r);
    zt_conn_close(&c);
    return status;
}

#define ERRORS(kind) "zarrd_errors_total{kind=\"" kind "\"}"

Test(metrics, errors_are_counted_by_kind, .init = start_strict)
{
    cr_assert_eq(raw_status("GARBAGE\r\n\r\n"), 400);
    cr_assert_eq(raw_status("PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"), 413);
    zd_buf big = {0};
    cr_assert_eq(zd_buf_append_str(&big, "GET /k HTTP/1.1\r\nHost: t\r\nX-Big: "), 0);
    for (int i = 0; i < 20000; i++)
        cr_assert_eq(zd_buf_append(&big, "b", 1), 0);
    cr_assert_eq(zd_buf_append_str(&big, "\r\n\r\n"), 0);
    cr_assert_eq(zd_buf_append(&big, "", 1), 0);
    cr_assert_eq(raw_status((const char *)big.data), 431);
    zd_buf_free(&big);
    zt_conn stalled; /* a header section that never ends: 408 after --request-timeout 1 */
    cr_assert_eq(zt_conn_open_server(&stalled, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&stalled, "GET /k HTTP/1.1\r\nHost: t\r\n"), 0);
    zt_response r;
    cr_assert_eq(zt_read_response(&stalled, &r, false), 0, "stalled request not answered");
    cr_assert_eq(r.status, 408);
    zt_response_free(&r);
    cr_assert(zt_conn_closed_by_peer(&stalled), "stalled request's connection left open");
    zt_conn_close(&stalled);

    double malformed = settled(ERRORS("malformed"), 1);
    double too_large = settled(ERRORS("too_large"), 2);
    double timeout = settled(ERRORS("timeout"), 1);
    cr_assert_eq(malformed, 1, "malformed errors: %.0f", malformed);
    cr_assert_eq(too_large, 2, "too_large errors (413 + 431): %.0f", too_large);
    cr_assert_eq(timeout, 1, "timeout errors: %.0f", timeout);
}
