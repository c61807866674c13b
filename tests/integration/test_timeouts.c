/* test_timeouts.c: clients that stall (server/API.md "Protocol details and limits"): an idle
 * keep-alive connection is closed after --idle-timeout; a header section or a body that stops
 * arriving gets 408 and a close after --request-timeout. (Crowds past --max-connections:
 * tests/production/test_conn_cap.c.) Timeouts are set to 1 s; the client waits up to 10 s, so
 * nothing here depends on exact timing. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdbool.h>
#include <string.h>
#include <time.h>

static void start_impatient(void)
{
    zt_fixture_start_args(
        (const char *[]){"--idle-timeout", "1", "--request-timeout", "1", "--threads", "1", NULL});
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
