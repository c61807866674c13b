/* test_dates.c: Last-Modified and the date preconditions (RFC 9110 13.1.3, 13.1.4, 13.1.5 and
 * 13.2.2's order): Last-Modified on GET/HEAD/PUT answers equal to the value's modification
 * time; If-Modified-Since (304 for GET/HEAD; ignored when invalid, for other methods, and when
 * If-None-Match is present); If-Unmodified-Since (412 and nothing changed; ignored when
 * If-Match is present, when invalid, and when there is no value); If-Range with a date. */
#include <criterion/criterion.h>

#include "zd_httpdate.h"
#include "zt_fixture.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

TestSuite(dates, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

/* Last-Modified of target as seconds (asserts 200 and a valid HTTP-date). */
static int64_t last_modified(const char *method, const char *target)
{
    zt_response r;
    zt_do(method, target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "%s %s: %d", method, target, r.status);
    const char *lm = zt_header(&r, "Last-Modified");
    int64_t t;
    cr_assert(lm && zd_httpdate_parse(lm, strlen(lm), &t), "%s %s: Last-Modified %s", method,
              target, lm ? lm : "(none)");
    zt_response_free(&r);
    return t;
}

/* "Name: <HTTP-date of t>\r\n" (plus `more`) in a static buffer. */
static const char *date_hdr(const char *name, int64_t t, const char *more)
{
    static char buf[256];
    char d[ZD_HTTPDATE_LEN + 1];
    zd_httpdate_format(t, d);
    snprintf(buf, sizeof buf, "%s: %s\r\n%s", name, d, more ? more : "");
    return buf;
}

static char *etag_of(const char *target)
{
    zt_response r;
    zt_do("HEAD", target, NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    char *e = strdup(zt_header(&r, "ETag"));
    zt_response_free(&r);
    return e;
}

Test(dates, last_modified_is_the_values_mtime)
{
    /* One second of slack each way: zarrd stamps with the fine clock, the kernel and time()
     * read the coarse one, which lags it by up to a tick across a second boundary (seen once
     * in ten suite runs). */
    time_t before = time(NULL) - 1;
    zt_response r;
    zt_do("PUT", "/d/v", NULL, "value", 5, &r);
    cr_assert_eq(r.status, 201);
    const char *put_lm = zt_header(&r, "Last-Modified");
    cr_assert_not_null(put_lm, "PUT answered without Last-Modified");
    int64_t put_t;
    cr_assert(zd_httpdate_parse(put_lm, strlen(put_lm), &put_t));
    zt_response_free(&r);
    time_t after = time(NULL) + 1;
    int64_t t = last_modified("GET", "/d/v");
    cr_assert_eq(last_modified("HEAD", "/d/v"), t);
    cr_assert_eq(put_t, t, "PUT and GET disagree on Last-Modified");
    cr_assert(t >= before && t <= after, "Last-Modified %ld outside [%ld, %ld]", (long)t,
              (long)before, (long)after);
    if (zt_store_is_fs()) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/d/v", zt_srv()->root);
        struct stat st;
        cr_assert_eq(stat(path, &st), 0);
        cr_assert_eq(t, (int64_t)st.st_mtime, "Last-Modified is not the file's mtime");
    }
    /* A range answer and a 304 carry it too. */
    zt_do("GET", "/d/v", "Range: bytes=0-1\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 206);
    cr_assert_not_null(zt_header(&r, "Last-Modified"));
    zt_response_free(&r);
    zt_do("GET", "/d/v", date_hdr("If-Modified-Since", t, NULL), NULL, 0, &r);
    cr_assert_eq(r.status, 304);
    cr_assert_not_null(zt_header(&r, "Last-Modified"));
    cr_assert_not_null(zt_header(&r, "ETag"));
    zt_response_free(&r);
}

Test(dates, if_modified_since)
{
    zt_put_str("/d/m", "abc");
    int64_t t = last_modified("GET", "/d/m");
    /* Not modified since t or later: 304 for GET and HEAD, with no body. */
    cr_assert_eq(zt_status("GET", "/d/m", date_hdr("If-Modified-Since", t, NULL), NULL, 0), 304);
    cr_assert_eq(zt_status("GET", "/d/m", date_hdr("If-Modified-Since", t + 3600, NULL), NULL, 0),
                 304);
    cr_assert_eq(zt_status("HEAD", "/d/m", date_hdr("If-Modified-Since", t, NULL), NULL, 0), 304);
    /* Modified after t - 1: the value. */
    zt_response r;
    zt_do("GET", "/d/m", date_hdr("If-Modified-Since", t - 1, NULL), NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 3);
    zt_response_free(&r);
    /* The obsolete date forms are accepted (RFC 9110 5.6.7). */
    char rfc850[64], asc[64];
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(rfc850, sizeof rfc850, "If-Modified-Since: %A, %d-%b-%y %H:%M:%S GMT\r\n", &tm);
    strftime(asc, sizeof asc, "If-Modified-Since: %a %b %e %H:%M:%S %Y\r\n", &tm);
    cr_assert_eq(zt_status("GET", "/d/m", rfc850, NULL, 0), 304, "%s", rfc850);
    cr_assert_eq(zt_status("GET", "/d/m", asc, NULL, 0), 304, "%s", asc);
    /* An invalid date is ignored. */
    cr_assert_eq(zt_status("GET", "/d/m", "If-Modified-Since: yesterday\r\n", NULL, 0), 200);
    /* If-None-Match present: If-Modified-Since is not evaluated (13.2.2 step 4). */
    cr_assert_eq(zt_status("GET", "/d/m",
                           date_hdr("If-Modified-Since", t, "If-None-Match: \"other\"\r\n"), NULL,
                           0),
                 200);
    char *e = etag_of("/d/m");
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s\r\n", e);
    cr_assert_eq(zt_status("GET", "/d/m", date_hdr("If-Modified-Since", t - 100, inm), NULL, 0),
                 304);
    /* Only GET and HEAD: a PUT with it just happens. */
    cr_assert_eq(zt_status("PUT", "/d/m", date_hdr("If-Modified-Since", t + 3600, NULL), "new", 3),
                 204);
    zt_expect_value("/d/m", "new", 3);
    free(e);
}

Test(dates, if_unmodified_since)
{
    zt_put_str("/d/u", "keep");
    int64_t t = last_modified("GET", "/d/u");
    const char *old = date_hdr("If-Unmodified-Since", t - 1, NULL);
    /* Modified since t - 1: 412 for every method, nothing changed. */
    zt_expect_error_for("GET", "/d/u", old, NULL, 0, 412);
    zt_expect_error_for("PUT", "/d/u", old, "other", 5, 412);
    zt_expect_error_for("PATCH", "/d/u",
                        date_hdr("If-Unmodified-Since", t - 1, "Content-Range: bytes 0-0/*\r\n"),
                        "X", 1, 412);
    zt_expect_error_for("DELETE", "/d/u", old, NULL, 0, 412);
    zt_expect_value("/d/u", "keep", 4);
    /* Not modified since t: proceeds. */
    cr_assert_eq(zt_status("GET", "/d/u", date_hdr("If-Unmodified-Since", t, NULL), NULL, 0), 200);
    cr_assert_eq(
        zt_status("PATCH", "/d/u",
                  date_hdr("If-Unmodified-Since", t + 60, "Content-Range: bytes 0-0/*\r\n"), "K",
                  1),
        204);
    zt_expect_value("/d/u", "Keep", 4);
    /* If-Match present: If-Unmodified-Since is not evaluated (13.2.2 step 2), either way. */
    char *e = etag_of("/d/u");
    char im[128];
    snprintf(im, sizeof im, "If-Match: %s\r\n", e);
    cr_assert_eq(zt_status("PUT", "/d/u", date_hdr("If-Unmodified-Since", 0, im), "v2", 2), 204);
    zt_expect_value("/d/u", "v2", 2);
    zt_expect_error_for("PUT", "/d/u",
                        date_hdr("If-Unmodified-Since", t + 3600, "If-Match: \"stale\"\r\n"), "v3",
                        2, 412);
    zt_expect_value("/d/u", "v2", 2);
    /* An invalid date is ignored; so is the header when there is no value. */
    cr_assert_eq(zt_status("PUT", "/d/u", "If-Unmodified-Since: soon\r\n", "v4", 2), 204);
    cr_assert_eq(zt_status("PUT", "/d/new", date_hdr("If-Unmodified-Since", 0, NULL), "n", 1), 201);
    zt_expect_value("/d/new", "n", 1);
    free(e);
}

/* Make target's Last-Modified at least a second old (a strong validator, RFC 9110 8.8.2.2):
 * set the file's mtime on fs; on memory, let a second pass. */
static void age_value(const char *key)
{
    if (zt_store_is_fs()) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/%s", zt_srv()->root, key);
        struct timespec ts[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
        cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
    } else {
        struct timespec d = {.tv_sec = 1, .tv_nsec = 200000000};
        nanosleep(&d, NULL);
    }
}

Test(dates, if_range_with_a_date)
{
    zt_put_str("/d/r", "0123456789");
    age_value("d/r");
    int64_t t = last_modified("GET", "/d/r");
    zt_response r;
    /* The current Last-Modified: the range. */
    zt_do("GET", "/d/r", date_hdr("If-Range", t, "Range: bytes=2-4\r\n"), NULL, 0, &r);
    cr_assert_eq(r.status, 206);
    cr_assert_eq(r.body.len, 3);
    cr_assert_eq(memcmp(r.body.data, "234", 3), 0);
    zt_response_free(&r);
    /* Any other date (or garbage): the whole value. */
    zt_do("GET", "/d/r", date_hdr("If-Range", t - 1, "Range: bytes=2-4\r\n"), NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 10);
    zt_response_free(&r);
    zt_do("GET", "/d/r", "If-Range: not a date\r\nRange: bytes=2-4\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    zt_response_free(&r);
    /* A value changed within the last second has a weak Last-Modified: never a range. */
    zt_put_str("/d/r", "abcdefghij");
    t = last_modified("GET", "/d/r");
    zt_do("GET", "/d/r", date_hdr("If-Range", t, "Range: bytes=2-4\r\n"), NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.body.len, 10);
    zt_response_free(&r);
}
