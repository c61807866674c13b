/* test_shutdown.c: graceful shutdown. SIGTERM while a PUT body is still arriving, or while a
 * large GET is still being sent: the request completes normally (the fs store holds the drained
 * PUT's value after the exit) and the server then exits 0.
 * SIGTERM with an idle keep-alive connection open: the server does not wait for it. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

TestSuite(shutdown, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static void expect_exit_0(void)
{
    int wstatus = 0;
    cr_assert_eq(zt_server_wait(zt_srv(), 20000, &wstatus), 0, "zarrd did not exit after SIGTERM");
    cr_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0, "wait status %d", wstatus);
}

/* Give the server a moment to handle the signal first; nothing below depends on how long. */
static void pause_briefly(void)
{
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
}

Test(shutdown, in_flight_put_completes_then_exit_0)
{
    size_t n = 1 << 20;
    char *body = malloc(n);
    memset(body, 'p', n);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    /* Wait for 100 Continue so the server has surely begun this request before the signal:
     * a connection whose bytes are still unread when SIGTERM lands counts as idle. */
    cr_assert_eq(zt_sendf(&c,
                          "PUT /inflight HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n"
                          "Expect: 100-continue\r\n\r\n",
                          n),
                 0);
    zt_response interim;
    cr_assert_eq(zt_read_head(&c, &interim), 0);
    cr_assert_eq(interim.status, 100);
    zt_response_free(&interim);
    cr_assert_eq(zt_send(&c, body, n / 2), 0);
    cr_assert_eq(zt_server_signal(zt_srv(), SIGTERM), 0);
    pause_briefly();
    cr_assert_eq(zt_send(&c, body + n / 2, n - n / 2), 0, "connection cut during drain");
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no response during drain");
    cr_assert_eq(r.status, 201);
    zt_response_free(&r);
    zt_conn_close(&c);
    expect_exit_0();
    if (zt_store_is_fs()) { /* the acknowledged value outlives the server, byte for byte */
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/inflight", zt_srv()->root);
        FILE *f = fopen(path, "rb");
        cr_assert_not_null(f, "the drained PUT left no %s", path);
        char *got = malloc(n + 1);
        size_t len = fread(got, 1, n + 1, f);
        fclose(f);
        cr_assert(len == n && memcmp(got, body, n) == 0, "the drained PUT stored %zu bytes", len);
        free(got);
    }
    free(body);
}

Test(shutdown, in_flight_get_completes_then_exit_0)
{
    size_t n = 32 << 20;
    char *v = malloc(n);
    for (size_t i = 0; i < n; i++)
        v[i] = (char)(i * 131);
    cr_assert_eq(zt_status("PUT", "/big", NULL, v, n), 201);
    zt_conn c;
    zt_response r;
    zt_open_get_head(&c, "/big", &r);
    cr_assert_eq(zt_server_signal(zt_srv(), SIGTERM), 0);
    pause_briefly();
    cr_assert_eq(zt_read_body(&c, &r, false), 0, "body cut during drain");
    cr_assert_eq(r.body.len, n);
    cr_assert_eq(memcmp(r.body.data, v, n), 0);
    zt_response_free(&r);
    zt_conn_close(&c);
    free(v);
    expect_exit_0();
}

Test(shutdown, idle_keep_alive_connection_does_not_block_exit)
{
    zt_conn c;
    zt_open_idle_conn(&c);
    cr_assert_eq(zt_server_signal(zt_srv(), SIGTERM), 0);
    expect_exit_0();
    zt_conn_close(&c);
}
