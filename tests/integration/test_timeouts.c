/* test_timeouts.c: clients that stall or crowd the server (server/API.md "Protocol details and
 * limits"): an idle keep-alive connection is closed after --idle-timeout; a header section or a
 * body that stops arriving gets 408 and a close after --request-timeout; connections beyond
 * --max-connections are closed at once while the admitted ones keep working, and their slots
 * are given back when they close. Timeouts are set to 1 s; the client waits up to 10 s, so
 * nothing here depends on exact timing. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

static void start_impatient(void)
{
    zt_fixture_start_args((const char *[]){"--idle-timeout", "1", "--request-timeout", "1",
                                           "--threads", "1", "--max-connections", "4", NULL});
}

TestSuite(timeouts, .init = start_impatient, .fini = zt_fixture_stop, .timeout = 60);

Test(timeouts, idle_keep_alive_connection_is_closed)
{
    zt_conn c;
    zt_open_idle_conn(&c);
    cr_assert(zt_conn_closed_by_peer(&c), "idle connection still open after --idle-timeout");
    zt_conn_close(&c);
}

/* Send partial, then wait: the server must answer 408 (JSON) and close. */
static void expect_408_after(const char *partial)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, partial, strlen(partial)), 0);
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no answer to a stalled request");
    zt_expect_error(&r, 408);
    cr_assert(zt_conn_closed_by_peer(&c), "connection left open after 408");
    zt_response_free(&r);
    zt_conn_close(&c);
}

Test(timeouts, stalled_header_section_408)
{
    expect_408_after("GET /k HTTP/1.1\r\nHost: t\r\nX-Part");
}

Test(timeouts, stalled_body_408_and_nothing_stored)
{
    expect_408_after("PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc");
    zt_expect_error_for("GET", "/k", NULL, NULL, 0, 404);
}

Test(timeouts, connections_over_the_cap_are_closed_at_once)
{
    zt_conn admitted[4];
    for (int i = 0; i < 4; i++)
        zt_open_idle_conn(&admitted[i]);
    zt_conn extra;
    cr_assert_eq(zt_conn_open_server(&extra, zt_srv()), 0); /* the kernel accepts it */
    zt_send_request(&extra, "GET", "/_zarrd/health", NULL, NULL, 0);
    cr_assert(zt_conn_closed_by_peer(&extra), "a 5th connection was served (cap 4)");
    zt_conn_close(&extra);
    /* the admitted ones still work; once one leaves, a new one is admitted */
    zt_response r;
    cr_assert_eq(zt_send_request(&admitted[0], "GET", "/_zarrd/health", NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_response(&admitted[0], &r, false), 0);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    for (int i = 0; i < 4; i++)
        zt_conn_close(&admitted[i]);
    /* their slots are given back: new connections are served again (retried while the
     * server notices the closes) */
    bool served = false;
    for (int attempt = 0; attempt < 100 && !served; attempt++) {
        zt_response r2;
        served = zt_request(zt_srv(), "GET", "/_zarrd/health", NULL, NULL, 0, &r2) == 0 &&
                 r2.status == 200;
        zt_response_free(&r2);
        if (!served) nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    cr_assert(served, "no connection admitted after the admitted ones closed");
}
