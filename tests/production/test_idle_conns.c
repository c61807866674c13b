/* test_idle_conns.c: a crowd of idle keep-alive connections. 2,000 clients each upload one
 * value and then sit idle: the server keeps them all open in bounded memory (a budget per
 * connection, measured from VmRSS) and still serves a newcomer at once; with a short
 * --idle-timeout it closes every idle connection and the open-connections gauge falls back.
 * (Crowds past --max-connections: test_conn_cap.c.) The 10,000-connection case is the manual script
 * idle_conns.sh. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "pd_metrics.h"
#include "zt_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CROWD       2000
#define SHORT_CROWD 200
#define UPLOAD      (48 * 1024)
/* Resident memory a server may spend per idle keep-alive connection: its socket handle,
 * parser, timer and request state, with no I/O buffers held between requests (10,000 idle
 * connections, the default cap, then cost at most 160 MiB beside fixed caches). A server
 * that keeps a 64 KiB read buffer per connection, filled once by an upload, exceeds it. */
#ifdef __SANITIZE_ADDRESS__
/* ASan leg: redzones and the quarantine make VmRSS noisy; the normal leg is the one that
 * holds the server to the budget. */
#define RSS_PER_CONN_KB 96
#else
#define RSS_PER_CONN_KB 16
#endif
/* Plus what the server may keep whatever the number of connections: per-worker pools of
 * streaming and connection buffers (64 x 256 KiB and 64 x 80 KiB per worker, 42 MiB for the
 * two worker threads the test runs) and allocator slack. */
#define CACHES_KB (64 * 1024)

/* PUT bodies held in memory until their commit are freed into ASan's quarantine: a small one
 * keeps the budget meaningful in the sanitizer leg. */
static void start_two_workers(void)
{
    zt_small_asan_quarantine();
    zt_fixture_start_args((const char *[]){"--threads", "2", NULL});
}

static void start_short_idle(void)
{
    zt_fixture_start_args((const char *[]){"--idle-timeout", "1", NULL});
}

/* One suite, each test with its own server options (two suites in one executable make
 * Criterion 2.4 leak a suite record, which fails the LeakSanitizer leg). */
TestSuite(idle, .fini = zt_fixture_stop, .timeout = 90);

/* n connections, each sending one request as soon as it is open (so a short --idle-timeout
 * cannot close a connection before its request arrives, however slow the machine), then every
 * answer read: a GET of the health endpoint, or a PUT of `upload` bytes (so the server's
 * receive path has really been used by each connection before it goes idle). The caller
 * closes them (pd_conns_close). */
static zt_conn *crowd_with_one_request_each(size_t n, size_t upload)
{
    static char body[UPLOAD];
    cr_assert_leq(upload, sizeof body);
    memset(body, 'u', upload);
    zt_conn *conns = calloc(n, sizeof *conns);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(zt_conn_open_server(&conns[i], zt_srv()), 0, "connection %zu: no connect", i);
        int rc = upload ? zt_send_request(&conns[i], "PUT", "/idle/upload", NULL, body, upload)
                        : zt_send_request(&conns[i], "GET", "/_zarrd/health", NULL, NULL, 0);
        cr_assert_eq(rc, 0, "connection %zu: send failed", i);
    }
    for (size_t i = 0; i < n; i++) {
        zt_response r;
        cr_assert_eq(zt_read_response(&conns[i], &r, false), 0, "connection %zu: no answer", i);
        cr_assert(r.status / 100 == 2, "connection %zu: status %d", i, r.status);
        zt_response_free(&r);
    }
    return conns;
}

Test(idle, thousands_of_idle_keep_alive_connections_in_bounded_memory, .init = start_two_workers)
{
    long before = pd_rss_kb(zt_srv());
    zt_conn *crowd = crowd_with_one_request_each(CROWD, UPLOAD);

    cr_assert(pd_served(zt_srv(), 5000), "a new client was not served beside %d idle ones", CROWD);
    long after = pd_rss_kb(zt_srv());
    double open = pd_metric_scrape(zt_srv(), "zarrd_open_connections");
    cr_assert_eq(pd_conns_closed(crowd, CROWD), 0, "the server closed idle connections early");
    cr_assert_geq(open, CROWD, "open connections gauge %.0f with %d clients connected", open,
                  CROWD);
    long grown = after - before;
    fprintf(stderr, "idle: %d keep-alive connections: VmRSS %ld -> %ld kB (%.1f kB each)\n", CROWD,
            before, after, (double)grown / CROWD);
    cr_assert_lt(grown, (long)CROWD * RSS_PER_CONN_KB + CACHES_KB,
                 "VmRSS grew by %ld kB for %d idle connections (budget %d kB each + %d kB)", grown,
                 CROWD, RSS_PER_CONN_KB, CACHES_KB);
    pd_conns_close(crowd, CROWD);
}

Test(idle, idle_timeout_closes_every_idle_connection, .init = start_short_idle)
{
    zt_conn *crowd = crowd_with_one_request_each(SHORT_CROWD, 0);
    size_t closed = pd_conns_wait_closed(crowd, SHORT_CROWD, 10000);
    cr_assert_eq(closed, SHORT_CROWD, "%zu of %d idle connections outlived --idle-timeout 1",
                 SHORT_CROWD - closed, SHORT_CROWD);
    pd_conns_close(crowd, SHORT_CROWD);
    /* The gauge counts the scrape's own connection, which is open while it renders. */
    double open = pd_metric_scrape(zt_srv(), "zarrd_open_connections");
    for (int i = 0; i < 50 && open > 1; i++) {
        cr_assert(pd_served(zt_srv(), 5000));
        open = pd_metric_scrape(zt_srv(), "zarrd_open_connections");
    }
    cr_assert_eq(open, 1, "open connections gauge %.0f after every client left", open);
}
