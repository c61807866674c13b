/* test_protocol.c: HTTP/1.1 connection behaviour: keep-alive reuse, pipelining (several
 * requests in one write, answers in order and sent together; refused requests with bodies in
 * the middle; large answers queued behind a slow reader), a request trickled one byte at a time,
 * chunked request bodies, `Expect: 100-continue`, `Connection: close`, HTTP/1.0, and the refusals
 * RFC 9112 asks for: no Host in HTTP/1.1 (400), another HTTP version (505), a transfer coding but
 * chunked (501); ambiguous requests (a single-valued field or a query parameter given twice) are
 * 400. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_proc.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

TestSuite(protocol, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static void read_expect(zt_conn *c, bool head, int status, const char *body)
{
    zt_response r;
    cr_assert_eq(zt_read_response(c, &r, head), 0, "no response (expected %d)", status);
    cr_assert_eq(r.status, status, "status %d, expected %d", r.status, status);
    if (body) {
        cr_assert_eq(r.body.len, strlen(body));
        cr_assert_eq(memcmp(r.body.data, body, r.body.len), 0);
    }
    zt_response_free(&r);
}

Test(protocol, keep_alive_serves_many_requests_on_one_connection)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(zt_send_request(&c, "PUT", "/ka", NULL, "abc", 3), 0);
        read_expect(&c, false, i == 0 ? 201 : 204, NULL);
        cr_assert_eq(zt_send_request(&c, "GET", "/ka", NULL, NULL, 0), 0);
        read_expect(&c, false, 200, "abc");
        cr_assert_eq(zt_send_request(&c, "HEAD", "/ka", NULL, NULL, 0), 0);
        read_expect(&c, true, 200, NULL);
        cr_assert_eq(zt_send_request(&c, "GET", "/missing", NULL, NULL, 0), 0);
        read_expect(&c, false, 404, NULL);
    }
    zt_conn_close(&c);
}

Test(protocol, pipelined_requests_answered_in_order)
{
    const char batch[] = "PUT /p1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                         "PUT /p2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                         "GET /p1 HTTP/1.1\r\nHost: t\r\n\r\n"
                         "HEAD /p2 HTTP/1.1\r\nHost: t\r\n\r\n"
                         "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
                         "PATCH /p2 HTTP/1.1\r\nHost: t\r\nContent-Range: bytes 3-4/*\r\n"
                         "Content-Length: 2\r\n\r\nde"
                         "GET /p2 HTTP/1.1\r\nHost: t\r\nRange: bytes=1-3\r\n\r\n"
                         "DELETE /p1 HTTP/1.1\r\nHost: t\r\n\r\n"
                         "GET /p1 HTTP/1.1\r\nHost: t\r\n\r\n";
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, batch, sizeof batch - 1), 0);
    read_expect(&c, false, 201, NULL);
    read_expect(&c, false, 201, NULL);
    read_expect(&c, false, 200, "hello");
    read_expect(&c, true, 200, NULL);
    read_expect(&c, false, 404, NULL);
    read_expect(&c, false, 204, NULL);
    read_expect(&c, false, 206, "bcd");
    read_expect(&c, false, 204, NULL);
    read_expect(&c, false, 404, NULL);
    zt_conn_close(&c);
}

Test(protocol, many_pipelined_gets)
{
    zt_put_str("/m", "0123456789");
    zd_buf batch = {0};
    for (int i = 0; i < 200; i++)
        cr_assert_eq(zd_buf_appendf(&batch,
                                    "GET /m HTTP/1.1\r\nHost: t\r\nRange: bytes=%d-%d\r\n\r\n",
                                    i % 10, i % 10),
                     0);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, batch.data, batch.len), 0);
    for (int i = 0; i < 200; i++) {
        char want[2] = {(char)('0' + i % 10), '\0'};
        read_expect(&c, false, 206, want);
    }
    zt_conn_close(&c);
    zd_buf_free(&batch);
}

/* Pipelined requests answered at once leave together: their answers (up to 16 a loop turn)
 * are gathered into one send, which on loopback saves the sender the receiver's TCP work for
 * each of them, and the server a write system call each. Counted as the data segments the
 * client's socket received (TCP_INFO) and the server's write system calls (/proc/PID/io). */
Test(protocol, pipelined_answers_leave_together)
{
    zt_put_str("/together", "x");
    zd_buf batch = {0};
    for (int i = 0; i < 8; i++)
        cr_assert_eq(zd_buf_appendf(&batch, "GET /together HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    /* one exchange first: the connection is adopted by its worker (a handoff's wakeup is a
     * write too) before the server's writes are counted */
    cr_assert_eq(zt_send_request(&c, "GET", "/together", NULL, NULL, 0), 0);
    read_expect(&c, false, 200, "x");
    long long writes = zt_proc_io(zt_srv()->pid, "syscw");
    cr_assert_geq(writes, 0, "no /proc/PID/io");
    cr_assert_eq(zt_send(&c, batch.data, batch.len), 0);
    for (int i = 0; i < 8; i++)
        read_expect(&c, false, 200, "x");
    writes = zt_proc_io(zt_srv()->pid, "syscw") - writes;
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    cr_assert_eq(getsockopt(c.fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
    cr_assert_leq(ti.tcpi_data_segs_in, 4, "one answer and 8 pipelined ones came in %u segments",
                  ti.tcpi_data_segs_in);
    cr_assert_leq(writes, 2, "8 pipelined answers took %lld write calls", writes);
    zt_conn_close(&c);
    zd_buf_free(&batch);
}

Test(protocol, request_trickled_byte_by_byte)
{
    const char req[] = "PUT /slow HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nslow";
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    for (size_t i = 0; i < sizeof req - 1; i++)
        cr_assert_eq(zt_send(&c, req + i, 1), 0);
    read_expect(&c, false, 201, NULL);
    zt_conn_close(&c);
    zt_expect_value("/slow", "slow", 4);
}

Test(protocol, chunked_request_body)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /ch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n"
                              "1;ext=1\r\n \r\n"
                              "A\r\n0123456789\r\n"
                              "0\r\nX-Trailer: t\r\n\r\n"),
                 0);
    read_expect(&c, false, 201, NULL);
    /* the connection stays usable after a chunked body */
    cr_assert_eq(zt_send_request(&c, "GET", "/ch", NULL, NULL, 0), 0);
    read_expect(&c, false, 200, "hello 0123456789");
    zt_conn_close(&c);
}

Test(protocol, chunked_empty_body)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(
        zt_sendf(&c, "PUT /e HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        0);
    read_expect(&c, false, 201, NULL);
    zt_conn_close(&c);
    zt_expect_value("/e", "", 0);
}

Test(protocol, expect_100_continue)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                              "Expect: 100-continue\r\n\r\n"),
                 0);
    read_expect(&c, false, 100, NULL);
    cr_assert_eq(zt_send(&c, "12345", 5), 0);
    read_expect(&c, false, 201, NULL);
    zt_conn_close(&c);
    zt_expect_value("/x", "12345", 5);
}

/* Answers gathered for one send still leave before a 100 Continue to the request after them,
 * and before the connection closes after a last request that asked for it. */
Test(protocol, gathered_answers_keep_their_place)
{
    zt_put_str("/g", "gg");
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "GET /g HTTP/1.1\r\nHost: t\r\n\r\n"
                              "GET /g HTTP/1.1\r\nHost: t\r\n\r\n"
                              "PUT /h HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
                              "Expect: 100-continue\r\n\r\n"),
                 0);
    read_expect(&c, false, 200, "gg");
    read_expect(&c, false, 200, "gg");
    read_expect(&c, false, 100, NULL);
    cr_assert_eq(zt_send(&c, "hhh", 3), 0);
    read_expect(&c, false, 201, NULL);
    cr_assert_eq(zt_sendf(&c, "GET /g HTTP/1.1\r\nHost: t\r\n\r\n"
                              "GET /h HTTP/1.1\r\nHost: t\r\n\r\n"
                              "GET /g HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
                 0);
    read_expect(&c, false, 200, "gg");
    read_expect(&c, false, 200, "hhh");
    read_expect(&c, false, 200, "gg");
    cr_assert(zt_conn_closed_by_peer(&c), "connection left open after Connection: close");
    zt_conn_close(&c);
}

Test(protocol, connection_close_is_honoured)
{
    zt_put_str("/cc", "v");
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(&c, "GET", "/cc", "Connection: close\r\n", NULL, 0), 0);
    read_expect(&c, false, 200, "v");
    cr_assert(zt_conn_closed_by_peer(&c), "connection left open after Connection: close");
    zt_conn_close(&c);
}

Test(protocol, http_1_0_closes_after_response)
{
    zt_put_str("/old", "v");
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "GET /old HTTP/1.0\r\n\r\n"), 0);
    read_expect(&c, false, 200, "v");
    cr_assert(zt_conn_closed_by_peer(&c), "HTTP/1.0 connection left open");
    zt_conn_close(&c);
}

Test(protocol, refused_requests_with_bodies_keep_the_pipeline_in_step)
{
    zt_put_str("/v", "value");
    const char batch[] = "PUT /a%2Fb HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nGET /"
                         "PATCH /missing HTTP/1.1\r\nHost: t\r\nContent-Range: bytes 0-4/*\r\n"
                         "Content-Length: 5\r\n\r\nGET /"
                         "PUT /v HTTP/1.1\r\nHost: t\r\nIf-Match: \"stale\"\r\n"
                         "Content-Length: 5\r\n\r\nGET /"
                         "GET /v HTTP/1.1\r\nHost: t\r\n\r\n";
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, batch, sizeof batch - 1), 0);
    read_expect(&c, false, 400, NULL);
    read_expect(&c, false, 404, NULL);
    read_expect(&c, false, 412, NULL);
    read_expect(&c, false, 200, "value"); /* the bodies ("GET /") were not taken as requests */
    zt_conn_close(&c);
}

#define BIG_VALUE (1u << 20)
#define BIG_GETS  48

Test(protocol, pipelined_large_answers_wait_for_a_slow_reader)
{
    uint8_t *v = malloc(BIG_VALUE);
    for (size_t i = 0; i < BIG_VALUE; i++)
        v[i] = (uint8_t)(i * 7 + 3);
    cr_assert_eq(zt_status("PUT", "/big", NULL, v, BIG_VALUE), 201);
    zd_buf batch = {0};
    for (int i = 0; i < BIG_GETS; i++)
        cr_assert_eq(zd_buf_append_str(&batch, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send(&c, batch.data, batch.len), 0); /* 48 MiB of answers pile up */
    for (int i = 0; i < BIG_GETS; i++) {
        zt_response r;
        cr_assert_eq(zt_read_response(&c, &r, false), 0, "answer %d missing", i);
        cr_assert_eq(r.status, 200);
        cr_assert_eq(r.body.len, BIG_VALUE, "answer %d: %zu bytes", i, r.body.len);
        cr_assert_eq(memcmp(r.body.data, v, BIG_VALUE), 0, "answer %d: wrong bytes", i);
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    zd_buf_free(&batch);
    free(v);
}

/* Send raw request text and expect an error status with a JSON body; nothing stored at /bad. */
static void raw_refused(const char *request, int status)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "%s", request), 0);
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no answer to: %s", request);
    zt_expect_error(&r, status);
    zt_response_free(&r);
    zt_conn_close(&c);
    cr_assert_eq(zt_status("GET", "/bad", NULL, NULL, 0), 404, "refused request stored a value");
}

Test(protocol, http_1_1_without_host_400)
{
    raw_refused("PUT /bad HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", 400);
    raw_refused("GET /bad HTTP/1.1\r\n\r\n", 400);
}

Test(protocol, other_http_versions_505)
{
    raw_refused("PUT /bad HTTP/2.0\r\nHost: t\r\nContent-Length: 1\r\n\r\nx", 505);
}

Test(protocol, transfer_codings_other_than_chunked_501)
{
    /* llhttp removes the chunked framing but would hand over still gzip-coded bytes */
    raw_refused("PUT /bad HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                "1\r\nx\r\n0\r\n\r\n",
                501);
}

/* Ambiguous requests are refused, never read by their first line or pair: a field that may
 * appear once given twice (Host: RFC 9112 section 3.2; Range, Content-Range, If-Range,
 * Zarr-Shard), a query parameter given twice (names compared decoded), more than 64 query
 * parameters. 400 with a JSON error; nothing is created or changed. */
Test(protocol, ambiguous_requests_400)
{
    zt_put_str("/v", "0123456789");
    raw_refused("PUT /bad HTTP/1.1\r\nHost: t\r\nHost: u\r\nContent-Length: 1\r\n\r\nx", 400);
    zt_expect_error_for("GET", "/v", "Range: bytes=0-1\r\nRange: bytes=5-6\r\n", NULL, 0, 400);
    zt_expect_error_for("PATCH", "/v",
                        "Content-Range: bytes 0-1/*\r\nContent-Range: bytes 4-5/*\r\n", "ab", 2,
                        400);
    zt_expect_error_for("GET", "/v", "If-Range: \"x\"\r\nIf-Range: \"y\"\r\nRange: bytes=0-1\r\n",
                        NULL, 0, 400);
    const char *shard = "Zarr-Shard: chunks=2,2\r\n";
    zt_expect_error_for("PUT", "/s/c/0?chunk=0,0",
                        "Zarr-Shard: chunks=2,2\r\nZarr-Shard: chunks=4,4\r\n", "x", 1, 400);
    zt_expect_error_for("PUT", "/s/c/0?chunk=1,1&chunk=0,0", shard, "x", 1, 400);
    zt_expect_error_for("PUT", "/s/c/0?chunk=1,1&%63hunk=0,0", shard, "x", 1, 400);
    zt_expect_error_for("GET", "/s/c/0?chunk=1,1&chunk=0,0", shard, NULL, 0, 400);
    zt_expect_error_for("PUT", "/bad?x=1&x=2", NULL, "x", 1, 400);
    zt_expect_error_for("GET", "/?recursive=1&recursive=0", NULL, NULL, 0, 400);
    char many[1024] = "/bad?";
    for (int i = 0; i < 65; i++)
        sprintf(many + strlen(many), "%sp%d=1", i ? "&" : "", i);
    zt_expect_error_for("PUT", many, NULL, "x", 1, 400);
    zt_expect_error_for("GET", "/bad?p0=1&p1=1", NULL, NULL, 0, 404); /* a few are fine */
    zt_expect_value("/v", "0123456789", 10);
    zt_expect_error_for("GET", "/s/c/0", NULL, NULL, 0, 404);
    zt_expect_error_for("GET", "/bad", NULL, NULL, 0, 404);
}
