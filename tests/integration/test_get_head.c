/* test_get_head.c: GET and HEAD of whole values and byte ranges (RFC 9110 14): 200/404, single
 * A-B, A- and -N ranges (206 + Content-Range), several ranges as multipart/byteranges (each
 * part checked), 416 with `Content-Range: bytes * /SIZE`, and Range headers the server must
 * ignore. */
#include <criterion/criterion.h>

#include "zt_fixture.h"
#include "zt_multipart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(get_head, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static const char digits[] = "0123456789abcdefghij"; /* the 20-byte value of /v */

static void put_digits(void)
{
    zt_put_str("/v", digits);
}

/* GET /v with a Range header; asserts status. Caller frees r. */
static void get_range(const char *range, int status, zt_response *r)
{
    char hdr[256];
    snprintf(hdr, sizeof hdr, "Range: %s\r\n", range);
    zt_do("GET", "/v", hdr, NULL, 0, r);
    cr_assert_eq(r->status, status, "Range %s: status %d, expected %d", range, r->status, status);
}

static void expect_single(const char *range, size_t first, size_t last)
{
    zt_response r;
    get_range(range, 206, &r);
    char want[64];
    snprintf(want, sizeof want, "bytes %zu-%zu/20", first, last);
    const char *cr = zt_header(&r, "Content-Range");
    cr_assert(cr && strcmp(cr, want) == 0, "Range %s: Content-Range %s, expected %s", range,
              cr ? cr : "(none)", want);
    cr_assert_eq(r.body.len, last - first + 1, "Range %s: %zu bytes", range, r.body.len);
    cr_assert_eq(memcmp(r.body.data, digits + first, r.body.len), 0, "Range %s: wrong bytes",
                 range);
    zt_response_free(&r);
}

Test(get_head, whole_value_200)
{
    put_digits();
    zt_response r;
    zt_do("GET", "/v", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    uint64_t cl;
    cr_assert(zt_content_length(&r, &cl) && cl == 20, "Content-Length must be 20");
    cr_assert_eq(r.body.len, 20);
    cr_assert_eq(memcmp(r.body.data, digits, 20), 0);
    cr_assert_not_null(zt_header(&r, "ETag"));
    zt_response_free(&r);
}

Test(get_head, binary_value_round_trips)
{
    uint8_t all[512];
    for (size_t i = 0; i < sizeof all; i++)
        all[i] = (uint8_t)(i * 7 + (i >> 8));
    cr_assert_eq(zt_status("PUT", "/bin", NULL, all, sizeof all), 201);
    zt_expect_value("/bin", all, sizeof all);
}

Test(get_head, missing_key_404)
{
    zt_expect_error_for("GET", "/nope", NULL, NULL, 0, 404);
    zt_expect_error_for("GET", "/deep/er/nope", NULL, NULL, 0, 404);
}

Test(get_head, head_has_get_headers_and_no_body)
{
    put_digits();
    zt_response get, head;
    zt_do("GET", "/v", NULL, NULL, 0, &get);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_send_request(&c, "HEAD", "/v", NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_response(&c, &head, true), 0);
    cr_assert_eq(head.status, 200);
    uint64_t cl;
    cr_assert(zt_content_length(&head, &cl) && cl == 20, "HEAD Content-Length must be 20");
    cr_assert_str_eq(zt_header(&head, "ETag"), zt_header(&get, "ETag"));
    /* A body after HEAD's headers would show up as the start of the next response. */
    zt_response next;
    cr_assert_eq(zt_send_request(&c, "GET", "/v", NULL, NULL, 0), 0);
    cr_assert_eq(zt_read_response(&c, &next, false), 0, "HEAD response carried a body");
    cr_assert_eq(next.status, 200);
    zt_conn_close(&c);
    zt_response_free(&get);
    zt_response_free(&head);
    zt_response_free(&next);
}

Test(get_head, head_missing_404)
{
    cr_assert_eq(zt_status("HEAD", "/nope", NULL, NULL, 0), 404);
}

Test(get_head, single_range_206)
{
    put_digits();
    expect_single("bytes=2-5", 2, 5);
    expect_single("bytes=0-0", 0, 0);
    expect_single("bytes=19-19", 19, 19);
    expect_single("bytes=0-19", 0, 19);
}

Test(get_head, open_and_clipped_ranges_206)
{
    put_digits();
    expect_single("bytes=15-", 15, 19);
    expect_single("bytes=10-1000", 10, 19);
    expect_single("bytes=0-99999999999999", 0, 19);
}

Test(get_head, suffix_ranges_206)
{
    put_digits();
    expect_single("bytes=-3", 17, 19);
    expect_single("bytes=-20", 0, 19);
    expect_single("bytes=-500", 0, 19);
}

static void expect_416(const char *range, const char *size)
{
    zt_response r;
    get_range(range, 416, &r);
    char want[64];
    snprintf(want, sizeof want, "bytes */%s", size);
    const char *cr = zt_header(&r, "Content-Range");
    cr_assert(cr && strcmp(cr, want) == 0, "Range %s: Content-Range %s, expected %s", range,
              cr ? cr : "(none)", want);
    zt_expect_error(&r, 416);
    zt_response_free(&r);
}

Test(get_head, unsatisfiable_range_416)
{
    put_digits();
    expect_416("bytes=20-", "20");
    expect_416("bytes=25-30", "20");
    expect_416("bytes=20-20,30-", "20");
    expect_416("bytes=-0", "20");
}

Test(get_head, any_range_of_empty_value_416)
{
    cr_assert_eq(zt_status("PUT", "/v", NULL, "", 0), 201);
    expect_416("bytes=0-0", "0");
    expect_416("bytes=0-", "0");
}

Test(get_head, invalid_range_header_is_ignored)
{
    put_digits();
    const char *bad[] = {"bytes=abc", "bytes=5-2", "items=0-1", "bytes=1-2-3", "bytes="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zt_response r;
        get_range(bad[i], 200, &r);
        cr_assert_eq(r.body.len, 20, "Range %s: whole value expected", bad[i]);
        zt_response_free(&r);
    }
}

Test(get_head, several_ranges_multipart_206)
{
    put_digits();
    zt_response r;
    get_range("bytes=0-1,4-6,-2", 206, &r);
    zt_part parts[8];
    size_t n = 0;
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert_eq(zt_multipart_parse(ct, r.body.data, r.body.len, parts, 8, &n), 0,
                 "not a multipart/byteranges body (Content-Type %s): %.*s", ct ? ct : "(none)",
                 (int)r.body.len, (const char *)r.body.data);
    cr_assert_eq(n, 3);
    const size_t first[] = {0, 4, 18}, last[] = {1, 6, 19};
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(parts[i].first, first[i], "part %zu", i);
        cr_assert_eq(parts[i].last, last[i], "part %zu", i);
        cr_assert_eq(parts[i].complete, 20, "part %zu", i);
        cr_assert_eq(memcmp(parts[i].data, digits + first[i], parts[i].len), 0, "part %zu", i);
    }
    zt_response_free(&r);
}

Test(get_head, multipart_skips_unsatisfiable_ranges)
{
    put_digits();
    zt_response r;
    get_range("bytes=1-2,50-60,5-5", 206, &r);
    zt_part parts[8];
    size_t n = 0;
    cr_assert_null(zt_header(&r, "Content-Range"), "two ranges remain: expected multipart");
    cr_assert_eq(
        zt_multipart_parse(zt_header(&r, "Content-Type"), r.body.data, r.body.len, parts, 8, &n),
        0);
    cr_assert_eq(n, 2);
    cr_assert_eq(parts[0].first, 1);
    cr_assert_eq(parts[1].first, 5);
    cr_assert_eq(memcmp(parts[1].data, "5", 1), 0);
    zt_response_free(&r);
}

Test(get_head, large_value_streams_back_intact)
{
    size_t n = 3 * 1024 * 1024 + 17;
    uint8_t *v = malloc(n);
    for (size_t i = 0; i < n; i++)
        v[i] = (uint8_t)((i * 2654435761u) >> 11);
    cr_assert_eq(zt_status("PUT", "/big", NULL, v, n), 201);
    zt_expect_value("/big", v, n);
    zt_response r;
    zt_do("GET", "/big", "Range: bytes=1000000-1000009\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 206);
    cr_assert_eq(r.body.len, 10);
    cr_assert_eq(memcmp(r.body.data, v + 1000000, 10), 0);
    zt_response_free(&r);
    free(v);
}

Test(get_head, if_range_with_current_etag_honours_range)
{
    put_digits();
    zt_response r;
    zt_do("GET", "/v", NULL, NULL, 0, &r);
    char hdr[300];
    snprintf(hdr, sizeof hdr, "Range: bytes=0-1\r\nIf-Range: %s\r\n", zt_header(&r, "ETag"));
    zt_response_free(&r);
    zt_do("GET", "/v", hdr, NULL, 0, &r);
    cr_assert_eq(r.status, 206);
    cr_assert_eq(r.body.len, 2);
    zt_response_free(&r);
    zt_do("GET", "/v", "Range: bytes=0-1\r\nIf-Range: \"stale\"\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200, "If-Range with another ETag must send the whole value");
    cr_assert_eq(r.body.len, 20);
    zt_response_free(&r);
}
