/* test_httpdate.c: HTTP date formatting and the three parse forms of RFC 9110 5.6.7. */
#include "zd_httpdate.h"

#include <criterion/criterion.h>
#include <string.h>

static int64_t parse(const char *s)
{
    int64_t t = -1;
    cr_assert(zd_httpdate_parse(s, strlen(s), &t), "should parse: %s", s);
    return t;
}

static void refuse(const char *s)
{
    int64_t t;
    cr_assert_not(zd_httpdate_parse(s, strlen(s), &t), "should refuse: %s", s);
}

Test(httpdate, rfc_example_in_three_forms)
{
    cr_assert_eq(parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    cr_assert_eq(parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    cr_assert_eq(parse("Sun Nov  6 08:49:37 1994"), 784111777);
    cr_assert_eq(parse("  Sun, 06 Nov 1994 08:49:37 GMT\t"), 784111777);
}

Test(httpdate, format_round_trips)
{
    char buf[ZD_HTTPDATE_LEN + 1];
    zd_httpdate_format(784111777, buf);
    cr_assert_str_eq(buf, "Sun, 06 Nov 1994 08:49:37 GMT");
    zd_httpdate_format(0, buf);
    cr_assert_str_eq(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
    zd_httpdate_format(951782400, buf); /* leap day of a century leap year */
    cr_assert_str_eq(buf, "Tue, 29 Feb 2000 00:00:00 GMT");
    for (int64_t t = 0; t < 4102444800; t += 86400 * 37 + 3727) {
        zd_httpdate_format(t, buf);
        cr_assert_eq(parse(buf), t, "%s", buf);
    }
}

Test(httpdate, iso_format)
{
    char buf[ZD_ISODATE_LEN + 1];
    zd_isodate_format(784111777123456789, buf);
    cr_assert_str_eq(buf, "1994-11-06T08:49:37.123Z");
    zd_isodate_format(0, buf);
    cr_assert_str_eq(buf, "1970-01-01T00:00:00.000Z");
}

Test(httpdate, invalid_forms_refused)
{
    refuse("");
    refuse("Sun, 06 Nov 1994 08:49:37");          /* no GMT */
    refuse("Sun, 06 Nov 1994 08:49:37 UTC");      /* another zone */
    refuse("Sun, 6 Nov 1994 08:49:37 GMT");       /* one-digit day */
    refuse("Sun, 31 Nov 1994 08:49:37 GMT");      /* no such day */
    refuse("Sun, 29 Feb 1900 08:49:37 GMT");      /* 1900 is no leap year */
    refuse("Sun, 06 Nov 1994 24:00:00 GMT");      /* hour out of range */
    refuse("Sun, 06 Foo 1994 08:49:37 GMT");      /* month */
    refuse("Sun, 06 Nov 1994 08:49:37 GMT junk"); /* trailing bytes */
    refuse("1994-11-06T08:49:37Z");               /* ISO 8601 is not an HTTP date */
    refuse("784111777");
}
