/* test_range.c: unit tests for Range resolution and Content-Range parsing/formatting
 * (zd_range). */
#include <criterion/criterion.h>

#include "zd_range.h"

#include <stdio.h>
#include <string.h>

static zd_range got[ZD_MAX_RANGES];
static size_t ngot;

static int parse(const char *hdr, uint64_t size)
{
    return zd_range_parse(hdr, strlen(hdr), size, got, ZD_MAX_RANGES, &ngot, NULL);
}

static void expect_one(const char *hdr, uint64_t size, uint64_t first, uint64_t last)
{
    zd_error err = {0};
    cr_assert_eq(zd_range_parse(hdr, strlen(hdr), size, got, ZD_MAX_RANGES, &ngot, &err), 0,
                 "%s: %s", hdr, err.msg);
    cr_assert_eq(ngot, 1, "%s", hdr);
    cr_assert_eq(got[0].first, first, "%s first %lu", hdr, (unsigned long)got[0].first);
    cr_assert_eq(got[0].last, last, "%s last %lu", hdr, (unsigned long)got[0].last);
}

Test(range, single_forms)
{
    expect_one("bytes=0-499", 10000, 0, 499);
    expect_one("bytes=500-999", 10000, 500, 999);
    expect_one("bytes=9500-", 10000, 9500, 9999);
    expect_one("bytes=-500", 10000, 9500, 9999);
    expect_one("bytes=0-0", 1, 0, 0);
    expect_one("bytes=-1", 1, 0, 0);
}

Test(range, clamping)
{
    expect_one("bytes=0-99999", 100, 0, 99);
    expect_one("bytes=-1000", 100, 0, 99);
    expect_one("bytes=99-100", 100, 99, 99);
    expect_one("bytes=0-18446744073709551615", 100, 0, 99);
    expect_one("bytes=0-999999999999999999999999999999", 100, 0, 99);
    expect_one("bytes=-999999999999999999999999999999", 100, 0, 99);
    expect_one("bytes=000000000000000000000000000005-7", 100, 5, 7);
}

Test(range, unit_and_ows)
{
    expect_one("BYTES=1-2", 10, 1, 2);
    expect_one("  bytes=1-2\t", 10, 1, 2);
    expect_one("bytes= 1-2 ", 10, 1, 2);
    cr_assert_eq(parse("bytes =1-2", 10), ZD_EINVAL);
    cr_assert_eq(parse("items=1-2", 10), ZD_EINVAL);
    cr_assert_eq(parse("bytes", 10), ZD_EINVAL);
    cr_assert_eq(parse("", 10), ZD_EINVAL);
    cr_assert_eq(parse("bytes=1 -2", 10), ZD_EINVAL);
    cr_assert_eq(parse("bytes=1- 2", 10), ZD_EINVAL);
}

Test(range, several)
{
    cr_assert_eq(parse("bytes=0-0, -1, 5-6,,", 10), 0);
    cr_assert_eq(ngot, 3);
    cr_assert_eq(got[0].first, 0);
    cr_assert_eq(got[1].first, 9);
    cr_assert_eq(got[1].last, 9);
    cr_assert_eq(got[2].first, 5);
    cr_assert_eq(got[2].last, 6);
}

Test(range, unsatisfiable_dropped_from_set)
{
    cr_assert_eq(parse("bytes=50-60,1-2,-0", 10), 0);
    cr_assert_eq(ngot, 1);
    cr_assert_eq(got[0].first, 1);
}

Test(range, unsatisfiable)
{
    cr_assert_eq(parse("bytes=10-", 10), ZD_ERANGE);
    cr_assert_eq(parse("bytes=10-20", 10), ZD_ERANGE);
    cr_assert_eq(parse("bytes=-0", 10), ZD_ERANGE);
    cr_assert_eq(parse("bytes=0-", 0), ZD_ERANGE);
    cr_assert_eq(parse("bytes=-5", 0), ZD_ERANGE);
    cr_assert_eq(parse("bytes=99999999999999999999999-", 10), ZD_ERANGE);
    cr_assert_eq(parse("bytes=18446744073709551615-", UINT64_MAX), ZD_ERANGE);
    cr_assert_eq(parse("bytes=99999999999999999999-99999999999999999999", 10), ZD_ERANGE);
}

Test(range, syntax_errors)
{
    const char *bad[] = {"bytes=",      "bytes=,",     "bytes= , ,", "bytes=-",    "bytes=a-b",
                         "bytes=5-4",   "bytes=1-2-3", "bytes=--1",  "bytes=+1-2", "bytes=1-2;",
                         "bytes=0x1-2", "bytes=1",     "bytes=-1-",  "bytes=1-2,x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i], 100), ZD_EINVAL, "accepted %s", bad[i]);
}

Test(range, huge_first_greater_than_last_exactly)
{
    /* Both overflow uint64; the comparison must still see first > last. */
    cr_assert_eq(parse("bytes=99999999999999999999999-99999999999999999999998", 10), ZD_EINVAL);
    cr_assert_eq(parse("bytes=99999999999999999999999-9", 10), ZD_EINVAL);
    cr_assert_eq(parse("bytes=0099999999999999999999-99999999999999999999999", 10), ZD_ERANGE);
}

Test(range, too_many)
{
    char hdr[8 + 6 * (ZD_MAX_RANGES + 1)];
    size_t n = (size_t)sprintf(hdr, "bytes=0-0");
    for (int i = 1; i < ZD_MAX_RANGES; i++)
        n += (size_t)sprintf(hdr + n, ",%d-%d", i, i);
    cr_assert_eq(parse(hdr, 1000), 0);
    cr_assert_eq(ngot, ZD_MAX_RANGES);
    sprintf(hdr + n, ",99-99");
    cr_assert_eq(parse(hdr, 1000), ZD_EINVAL);
    /* A smaller caller array is respected. */
    cr_assert_eq(zd_range_parse("bytes=0-0,2-2", 13, 10, got, 1, &ngot, NULL), ZD_EINVAL);
}

Test(range, coalesce)
{
    zd_range r[] = {{50, 60}, {0, 10}, {11, 20}, {55, 100}, {200, 300}, {5, 6}};
    size_t n = zd_range_coalesce(r, 6);
    cr_assert_eq(n, 3);
    cr_assert_eq(r[0].first, 0);
    cr_assert_eq(r[0].last, 20);
    cr_assert_eq(r[1].first, 50);
    cr_assert_eq(r[1].last, 100);
    cr_assert_eq(r[2].first, 200);
    zd_range top[] = {{0, UINT64_MAX}, {UINT64_MAX, UINT64_MAX}};
    cr_assert_eq(zd_range_coalesce(top, 2), 1);
    cr_assert_eq(zd_range_coalesce(top, 0), 0);
}

Test(range, total)
{
    zd_range r[] = {{0, 9}, {20, 20}};
    uint64_t t;
    cr_assert(zd_range_total(r, 2, &t));
    cr_assert_eq(t, 11);
    zd_range big[] = {{0, UINT64_MAX - 1}, {0, 0}};
    cr_assert(zd_range_total(big, 1, &t));
    cr_assert_eq(t, UINT64_MAX);
    cr_assert_not(zd_range_total(big, 2, &t));
    zd_range all[] = {{0, UINT64_MAX}};
    cr_assert_not(zd_range_total(all, 1, &t));
}

static int cr_parse(const char *s, zd_content_range *cr)
{
    return zd_content_range_parse(s, strlen(s), cr, NULL);
}

Test(content_range, forms)
{
    zd_content_range cr;
    cr_assert_eq(cr_parse("bytes 0-499/1234", &cr), 0);
    cr_assert_not(cr.unsatisfied);
    cr_assert_eq(cr.first, 0);
    cr_assert_eq(cr.last, 499);
    cr_assert_eq(cr.complete_length, 1234);
    cr_assert_eq(cr_parse("bytes 7-7/*", &cr), 0);
    cr_assert_eq(cr.complete_length, ZD_LENGTH_UNKNOWN);
    cr_assert_eq(cr_parse("  Bytes  100-199/200 ", &cr), 0);
    cr_assert_eq(cr.first, 100);
    cr_assert_eq(cr_parse("bytes */42", &cr), 0);
    cr_assert(cr.unsatisfied);
    cr_assert_eq(cr.complete_length, 42);
    cr_assert_eq(
        cr_parse("bytes 18446744073709551613-18446744073709551613/18446744073709551614", &cr), 0);
}

Test(content_range, malformed)
{
    const char *bad[] = {"",
                         "bytes",
                         "bytes ",
                         "bytes=0-1/2",
                         "bytes0-1/2",
                         "items 0-1/2",
                         "bytes 0-1",
                         "bytes 0-1/",
                         "bytes -1/2",
                         "bytes 1-/2",
                         "bytes 2-1/5",
                         "bytes 0-5/5",
                         "bytes 0-1/*x",
                         "bytes */*",
                         "bytes */",
                         "bytes *-1/2",
                         "bytes 0 - 1/2",
                         "bytes 0-1/2 x",
                         "bytes 0-18446744073709551615/*",
                         "bytes 0-1/18446744073709551615",
                         "bytes 0-99999999999999999999/*",
                         "bytes +0-1/2"};
    zd_content_range cr;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_error err = {0};
        cr_assert_eq(zd_content_range_parse(bad[i], strlen(bad[i]), &cr, &err), ZD_EINVAL,
                     "accepted '%s'", bad[i]);
        cr_assert_neq(err.msg[0], '\0');
    }
}

Test(content_range, format_round_trip)
{
    char buf[ZD_CONTENT_RANGE_MAX];
    zd_content_range cr;
    size_t n = zd_content_range_format(buf, 0, 9, 10);
    cr_assert_str_eq(buf, "bytes 0-9/10");
    cr_assert_eq(n, strlen(buf));
    n = zd_content_range_format(buf, UINT64_MAX - 2, UINT64_MAX - 2, UINT64_MAX - 1);
    cr_assert_eq(n, strlen(buf));
    cr_assert_eq(zd_content_range_parse(buf, n, &cr, NULL), 0);
    cr_assert_eq(cr.first, UINT64_MAX - 2);
    cr_assert_eq(cr.complete_length, UINT64_MAX - 1);
    zd_content_range_format(buf, 3, 4, ZD_LENGTH_UNKNOWN);
    cr_assert_str_eq(buf, "bytes 3-4/*");
    n = zd_content_range_format_unsatisfied(buf, 77);
    cr_assert_str_eq(buf, "bytes */77");
    cr_assert_eq(n, 10);
    /* The longest possible value fits. */
    n = zd_content_range_format(buf, UINT64_MAX, UINT64_MAX, UINT64_MAX - 1);
    cr_assert_lt(n, ZD_CONTENT_RANGE_MAX);
}
