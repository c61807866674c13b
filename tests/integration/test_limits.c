/* test_limits.c: the limits a client cannot push past: a body over --max-body (413, by
 * Content-Length, by chunked bytes, on PUT and PATCH, and before `100 Continue`), a header
 * section too large (431), and malformed HTTP (400 with a JSON error, then the connection is
 * closed). After each, the server still answers. */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <stdio.h>
#include <string.h>

#define MAX_BODY 1000

static void start_small(void)
{
    zt_fixture_start_args((const char *[]){"--max-body", "1000", NULL});
}

TestSuite(limits, .init = start_small, .fini = zt_fixture_stop, .timeout = 60);

static void expect_alive(void)
{
    cr_assert_eq(zt_status("GET", "/_zarrd/health", NULL, NULL, 0), 200,
                 "server stopped answering");
}

/* Send raw bytes on a new connection and read one response into r. */
static void raw_exchange(const void *req, size_t len, zt_conn *c, zt_response *r)
{
    cr_assert_eq(zt_conn_open_server(c, zt_srv()), 0);
    cr_assert_eq(zt_send(c, req, len), 0);
    cr_assert_eq(zt_read_response(c, r, false), 0, "no response to %.40s", (const char *)req);
}

Test(limits, body_at_the_limit_is_accepted)
{
    static char body[MAX_BODY];
    memset(body, 'b', sizeof body);
    cr_assert_eq(zt_status("PUT", "/k", NULL, body, sizeof body), 201);
    zt_expect_value("/k", body, sizeof body);
}

Test(limits, content_length_over_the_limit_413)
{
    const char req[] = "PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n";
    zt_conn c;
    zt_response r;
    raw_exchange(req, sizeof req - 1, &c, &r);
    zt_expect_error(&r, 413);
    zt_response_free(&r);
    zt_conn_close(&c);
    zt_expect_error_for("GET", "/k", NULL, NULL, 0, 404);
    expect_alive();
}

Test(limits, huge_content_length_refused)
{
    const char req[] = "PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 18446744073709551617\r\n\r\n";
    zt_conn c;
    zt_response r;
    raw_exchange(req, sizeof req - 1, &c, &r);
    cr_assert(r.status == 400 || r.status == 413, "status %d", r.status);
    zt_expect_error(&r, r.status);
    zt_response_free(&r);
    zt_conn_close(&c);
    expect_alive();
}

Test(limits, patch_over_the_limit_413)
{
    zt_put_str("/k", "0123");
    const char req[] = "PATCH /k HTTP/1.1\r\nHost: t\r\nContent-Range: bytes 0-1999/*\r\n"
                       "Content-Length: 2000\r\n\r\n";
    zt_conn c;
    zt_response r;
    raw_exchange(req, sizeof req - 1, &c, &r);
    zt_expect_error(&r, 413);
    zt_response_free(&r);
    zt_conn_close(&c);
    zt_expect_value("/k", "0123", 4);
}

Test(limits, chunked_body_over_the_limit_413)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 0);
    static char chunk[400];
    memset(chunk, 'c', sizeof chunk);
    for (int i = 0; i < 3; i++) { /* 1200 bytes in all; the server may answer before the end */
        if (zt_sendf(&c, "%zx\r\n", sizeof chunk) || zt_send(&c, chunk, sizeof chunk) ||
            zt_send(&c, "\r\n", 2))
            break;
    }
    zt_send(&c, "0\r\n\r\n", 5);
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0);
    zt_expect_error(&r, 413);
    zt_response_free(&r);
    zt_conn_close(&c);
    zt_expect_error_for("GET", "/k", NULL, NULL, 0, 404);
    expect_alive();
}

Test(limits, expect_continue_over_the_limit_gets_413_not_100)
{
    const char req[] = "PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n"
                       "Expect: 100-continue\r\n\r\n";
    zt_conn c;
    zt_response r;
    raw_exchange(req, sizeof req - 1, &c, &r);
    zt_expect_error(&r, 413);
    zt_response_free(&r);
    zt_conn_close(&c);
}

static void expect_431(size_t header_bytes, size_t nheaders)
{
    zd_buf req = {0};
    cr_assert_eq(zd_buf_append_str(&req, "GET /k HTTP/1.1\r\nHost: t\r\n"), 0);
    for (size_t i = 0; i < nheaders; i++) {
        cr_assert_eq(zd_buf_appendf(&req, "X-Filler-%zu: ", i), 0);
        for (size_t j = 0; j < header_bytes; j++)
            cr_assert_eq(zd_buf_append(&req, "f", 1), 0);
        cr_assert_eq(zd_buf_append_str(&req, "\r\n"), 0);
    }
    cr_assert_eq(zd_buf_append_str(&req, "\r\n"), 0);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    zt_send(&c, req.data, req.len); /* the server may close before it has read everything */
    zt_response r;
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no response to a %zu-byte header section",
                 req.len);
    zt_expect_error(&r, 431);
    zt_response_free(&r);
    zt_conn_close(&c);
    zd_buf_free(&req);
    expect_alive();
}

Test(limits, one_huge_header_431)
{
    expect_431(64 * 1024, 1);
}

Test(limits, many_headers_431)
{
    expect_431(100, 1000);
}

Test(limits, ordinary_header_section_is_accepted)
{
    zt_put_str("/k", "v");
    char hdr[4200];
    memset(hdr, 'h', sizeof hdr);
    memcpy(hdr, "X-Big: ", 7);
    memcpy(hdr + sizeof hdr - 3, "\r\n", 3);
    cr_assert_eq(zt_status("GET", "/k", hdr, NULL, 0), 200);
}

static const char *const malformed[] = {
    "GARBAGE\r\n\r\n",
    "GET\r\n\r\n",
    "\x16\x03\x01\x02\x05\x01\x01\x01\xfc\x03\x03", /* like a TLS ClientHello */
    "GET /k HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n",
    "GET /k HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
    "PUT /k HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    "PUT /k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
    "PUT /k HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
    "3\r\nabc\r\n0\r\n\r\n",
    "GET /k HTTP/1.1\r\nHost: t\r\nBad\x01Name: v\r\n\r\n",
    "GET /k\x01 HTTP/1.1\r\nHost: t\r\n\r\n",
};

Test(limits, malformed_http_400_and_close)
{
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        zt_conn c;
        zt_response r;
        raw_exchange(malformed[i], strlen(malformed[i]), &c, &r);
        /* cr_expect: report every request that is answered wrongly, not just the first */
        cr_expect_eq(r.status, 400, "request %zu (%.20s...): status %d", i, malformed[i], r.status);
        if (r.status == 400) zt_expect_error(&r, 400);
        cr_expect(zt_conn_closed_by_peer(&c), "request %zu: connection left open", i);
        zt_response_free(&r);
        zt_conn_close(&c);
    }
    zt_expect_error_for("GET", "/k", NULL, NULL, 0, 404);
    expect_alive();
}
