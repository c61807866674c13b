/* test_bad_bodies.c: request bodies a hostile or broken client gets wrong. Absurd or
 * contradictory Content-Length values are refused (400, or 413 for a well-formed length over
 * the body limit) with a JSON error, before any body is read, and nothing is stored. Bodies
 * whose client closes midway -- a new value, a replacement, a chunked upload, a PATCH -- leave
 * nothing visible: no key, the old value byte for byte, and no temp file. */
#include <criterion/criterion.h>

#include "pd_conns.h"
#include "pd_fs.h"
#include "zt_fixture.h"

#include <stdio.h>
#include <string.h>

#define OLD_SIZE  (64 * 1024)
#define ANNOUNCED (1024 * 1024)
#define SENT_PART (300 * 1024)

TestSuite(bad_bodies, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

static const char *const absurd_lengths[] = {
    "99999999999999999999", /* beyond 64 bits */
    "18446744073709551616", /* 2^64 */
    "-1",
    "-0",
    "+5",
    "0x10",
    "1e3",
    "5 5",
    "3, 4",
    "",
    "abc",
};

/* Send a PUT of /absurd with the given header lines and a 5-byte body; the answer must be
 * 400 or 413 with a JSON error. Returns the status. */
static int absurd_put(const char *headers)
{
    zt_conn c;
    zt_response r;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /absurd HTTP/1.1\r\nHost: t\r\n%s\r\nabcde", headers), 0);
    cr_assert_eq(zt_read_response(&c, &r, false), 0, "no answer to %s", headers);
    cr_assert(r.status == 400 || r.status == 413, "%s answered %d", headers, r.status);
    zt_expect_error(&r, r.status);
    int status = r.status;
    zt_response_free(&r);
    zt_conn_close(&c);
    return status;
}

Test(bad_bodies, absurd_content_lengths_refused)
{
    char hdr[128];
    for (size_t i = 0; i < sizeof absurd_lengths / sizeof *absurd_lengths; i++) {
        snprintf(hdr, sizeof hdr, "Content-Length: %s\r\n", absurd_lengths[i]);
        absurd_put(hdr);
    }
    absurd_put("Content-Length: 5\r\nContent-Length: 6\r\n");
    absurd_put("Content-Length: 6\r\nContent-Length: 5\r\n");
    absurd_put("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n");
    /* well formed, but beyond the default --max-body of 64 GiB: refused before the body */
    cr_assert_eq(absurd_put("Content-Length: 99999999999999\r\n"), 413);
    zt_expect_error_for("GET", "/absurd", NULL, NULL, 0, 404);
    if (zt_store_is_fs()) cr_assert_eq(pd_temp_files_settle(zt_srv()->root, 5000), 0);
    cr_assert(pd_served(zt_srv(), 5000));
}

/* Start `method key` with the given extra header lines announcing ANNOUNCED bytes, send
 * SENT_PART of them and close the connection. */
static void abandon_body(const char *method, const char *key, const char *headers)
{
    static char part[SENT_PART];
    memset(part, 'A', sizeof part);
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "%s %s HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n%s\r\n", method,
                          key, ANNOUNCED, headers ? headers : ""),
                 0);
    cr_assert_eq(zt_send(&c, part, sizeof part), 0);
    zt_conn_close(&c);
}

static void fill_old(char *old)
{
    for (size_t i = 0; i < OLD_SIZE; i++)
        old[i] = (char)('a' + i % 23);
}

static void expect_no_temp_files(void)
{
    if (zt_store_is_fs())
        cr_assert_eq(pd_temp_files_settle(zt_srv()->root, 5000), 0,
                     "temp files left by an abandoned body");
    cr_assert(pd_served(zt_srv(), 5000));
}

Test(bad_bodies, abandoned_put_of_a_new_key_stores_nothing)
{
    abandon_body("PUT", "/dir/new", NULL);
    expect_no_temp_files(); /* also waits until the server has seen the close */
    zt_expect_error_for("GET", "/dir/new", NULL, NULL, 0, 404);
}

Test(bad_bodies, abandoned_replacement_keeps_the_old_value)
{
    static char old[OLD_SIZE];
    fill_old(old);
    cr_assert_eq(zt_status("PUT", "/k", NULL, old, sizeof old), 201);
    abandon_body("PUT", "/k", NULL);
    expect_no_temp_files();
    zt_expect_value("/k", old, sizeof old);
}

Test(bad_bodies, abandoned_chunked_upload_stores_nothing)
{
    zt_conn c;
    cr_assert_eq(zt_conn_open_server(&c, zt_srv()), 0);
    cr_assert_eq(zt_sendf(&c, "PUT /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                              "\r\n"),
                 0);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(zt_sendf(&c, "10\r\n0123456789abcdef\r\n"), 0);
    zt_conn_close(&c); /* no last chunk */
    expect_no_temp_files();
    zt_expect_error_for("GET", "/chunked", NULL, NULL, 0, 404);
}

Test(bad_bodies, abandoned_patch_changes_nothing)
{
    static char old[OLD_SIZE];
    fill_old(old);
    cr_assert_eq(zt_status("PUT", "/k", NULL, old, sizeof old), 201);
    char range[96];
    snprintf(range, sizeof range, "Content-Range: bytes 1000-%d/*\r\n", 1000 + ANNOUNCED - 1);
    abandon_body("PATCH", "/k", range);
    expect_no_temp_files();
    zt_expect_value("/k", old, sizeof old);
}
