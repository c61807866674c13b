/* test_slow_clients.c: slow and stalled clients against a zarrd started with a short
 * --request-timeout. Slowloris clients trickle a header section one byte at a time: the
 * header-section deadline closes them however steadily they trickle; clients that trickle a
 * body at 10 bytes a second are cut off too. Clients that stop in the middle of a body are
 * closed after one timeout and leave nothing stored and no temp file; clients that stop
 * reading a large response are dropped when the writes stall. In every attack a normal
 * client is served while the attackers are still connected (checked by order, not by a clock:
 * the attackers are verified open after the normal answer). */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "pd_fs.h"
#include "pd_metrics.h"
#include "zt_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ATTACKERS        100
#define STALLERS         20
#define TRICKLE_MS       100
#define MAX_TRICKLES     100 /* 10 s of trickling at most; --request-timeout is 2 s */
#define STALL_BODY       100000
#define STALL_SENT       1000
#define SERVED_WITHIN_MS 5000
#define SLOW_READERS     20
#define BIG_VALUE        (32 * 1024 * 1024) /* far more than socket buffers hold */

static void start_short_timeouts(void)
{
    zt_fixture_start_args((const char *[]){"--request-timeout", "2", NULL});
}

TestSuite(slow, .init = start_short_timeouts, .fini = zt_fixture_stop, .timeout = 60);

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Trickle one byte every TRICKLE_MS to each attacker (whose request was started by the
 * caller) until the server has closed them all or MAX_TRICKLES rounds have passed. A normal
 * client must be served meanwhile, while attackers are still connected. */
static void trickle_until_closed(zt_conn *a, const char *attack)
{
    size_t open_when_served = 0, closed = 0;
    bool served = false;
    for (int round = 0; round < MAX_TRICKLES && closed < ATTACKERS; round++) {
        for (size_t i = 0; i < ATTACKERS; i++)
            zt_send(&a[i], "s", 1); /* fails once the server has closed it: expected */
        if (round == 3) {
            served = pd_served(zt_srv(), SERVED_WITHIN_MS);
            open_when_served = ATTACKERS - pd_conns_closed(a, ATTACKERS);
        }
        sleep_ms(TRICKLE_MS);
        closed = pd_conns_closed(a, ATTACKERS);
    }
    cr_assert(served, "%s: a normal client was not served during the attack", attack);
    cr_assert_gt(open_when_served, 0, "%s: the normal client was served only after the attack",
                 attack);
    cr_assert_eq(closed, ATTACKERS, "%s: %zu of %d connections still open after %d s", attack,
                 ATTACKERS - closed, ATTACKERS, MAX_TRICKLES * TRICKLE_MS / 1000);
    pd_conns_close(a, ATTACKERS);
    cr_assert(pd_served(zt_srv(), SERVED_WITHIN_MS), "server stopped answering");
}

Test(slow, slowloris_header_trickle_is_cut_off_while_others_are_served)
{
    zt_conn *a = pd_conns_open(zt_srv(), ATTACKERS);
    cr_assert_not_null(a);
    for (size_t i = 0; i < ATTACKERS; i++)
        cr_assert_eq(zt_sendf(&a[i], "GET /_zarrd/health HTTP/1.1\r\nHost: t\r\nX-Slow: "), 0);
    trickle_until_closed(a, "slowloris headers");
}

/* 10 bytes a second never pauses as long as the timeout, but a body that slow must not hold a
 * connection (a slot of --max-connections, a temp file) for as long as its sender likes. */
Test(slow, trickled_body_is_cut_off_while_others_are_served)
{
    zt_conn *a = pd_conns_open(zt_srv(), ATTACKERS);
    cr_assert_not_null(a);
    for (size_t i = 0; i < ATTACKERS; i++)
        cr_assert_eq(zt_sendf(&a[i],
                              "PUT /trickle/%zu HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n",
                              i, STALL_BODY),
                     0);
    trickle_until_closed(a, "trickled bodies");
    if (zt_store_is_fs())
        cr_assert_eq(pd_temp_files_settle(zt_srv()->root, 5000), 0,
                     "temp files left behind by cut-off uploads");
}

/* Attackers announce a body of STALL_BODY bytes, send STALL_SENT and then nothing. method is
 * PUT (a new key each) or PATCH (of an existing key). */
static zt_conn *start_stalled_bodies(const char *method)
{
    static char part[STALL_SENT];
    memset(part, 'x', sizeof part);
    zt_conn *a = pd_conns_open(zt_srv(), STALLERS);
    cr_assert_not_null(a);
    for (size_t i = 0; i < STALLERS; i++) {
        bool patch = strcmp(method, "PATCH") == 0;
        cr_assert_eq(zt_sendf(&a[i], "%s /stall/%zu HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n",
                              method, i, STALL_BODY),
                     0);
        if (patch)
            cr_assert_eq(zt_sendf(&a[i], "Content-Range: bytes 0-%d/*\r\n", STALL_BODY - 1), 0);
        cr_assert_eq(zt_send(&a[i], "\r\n", 2), 0);
        cr_assert_eq(zt_send(&a[i], part, sizeof part), 0);
    }
    return a;
}

/* A normal upload and read while the stalled clients hold their connections. */
static void normal_client_is_served(zt_conn *a)
{
    zt_put_str("/normal", "served");
    zt_expect_value("/normal", "served", 6);
    cr_assert_gt(STALLERS - pd_conns_closed(a, STALLERS), 0,
                 "the normal client was served only after the stalled clients were closed");
}

static void all_stalled_closed(zt_conn *a)
{
    size_t closed = pd_conns_wait_closed(a, STALLERS, 10000);
    cr_assert_eq(closed, STALLERS, "%zu of %d stalled bodies still open after 10 s",
                 STALLERS - closed, STALLERS);
    pd_conns_close(a, STALLERS);
}

Test(slow, stalled_put_bodies_time_out_and_store_nothing)
{
    zt_conn *a = start_stalled_bodies("PUT");
    normal_client_is_served(a);
    all_stalled_closed(a);
    for (size_t i = 0; i < STALLERS; i++) {
        char key[32];
        snprintf(key, sizeof key, "/stall/%zu", i);
        zt_expect_error_for("GET", key, NULL, NULL, 0, 404);
    }
    if (zt_store_is_fs())
        cr_assert_eq(pd_temp_files_settle(zt_srv()->root, 5000), 0,
                     "temp files left behind by timed-out uploads");
}

Test(slow, stalled_patch_bodies_time_out_and_change_nothing)
{
    char value[64];
    for (size_t i = 0; i < STALLERS; i++) {
        char key[32];
        snprintf(key, sizeof key, "/stall/%zu", i);
        snprintf(value, sizeof value, "value of %zu, untouched", i);
        zt_put_str(key, value);
    }
    zt_conn *a = start_stalled_bodies("PATCH");
    normal_client_is_served(a);
    all_stalled_closed(a);
    for (size_t i = 0; i < STALLERS; i++) {
        char key[32];
        snprintf(key, sizeof key, "/stall/%zu", i);
        snprintf(value, sizeof value, "value of %zu, untouched", i);
        zt_expect_value(key, value, strlen(value));
    }
}

/* Clients that ask for a large value and never read it: the server's writes stall, and after
 * --request-timeout without progress it drops them (seen in its open-connections gauge, since
 * a client that reads nothing cannot see the close), while a normal client is served. */
Test(slow, readers_that_stop_reading_are_cut_off)
{
    char *big = malloc(BIG_VALUE);
    cr_assert_not_null(big);
    memset(big, 'r', BIG_VALUE);
    cr_assert_eq(zt_status("PUT", "/big", NULL, big, BIG_VALUE), 201);
    free(big);
    zt_conn *a = pd_conns_open(zt_srv(), SLOW_READERS);
    cr_assert_not_null(a);
    for (size_t i = 0; i < SLOW_READERS; i++)
        cr_assert_eq(zt_send_request(&a[i], "GET", "/big", NULL, NULL, 0), 0);
    cr_assert(pd_served(zt_srv(), SERVED_WITHIN_MS), "a normal client was not served");
    double open = pd_metric_settled(zt_srv(), "zarrd_open_connections", SLOW_READERS + 1);
    cr_assert_eq(open, SLOW_READERS + 1,
                 "the stalled readers were dropped before the normal "
                 "client was served, or not all accepted (%.0f open)",
                 open);
    double left = open;
    for (int i = 0; i < 3 && left != 1; i++) /* up to 15 s; the timeout is 2 s */
        left = pd_metric_settled(zt_srv(), "zarrd_open_connections", 1);
    cr_assert_eq(left, 1, "%.0f connections still open: stalled readers were never dropped",
                 left - 1);
    pd_conns_close(a, SLOW_READERS);
}
