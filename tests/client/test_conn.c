/* test_conn.c: unit tests for the response helpers of the client's connection layer:
 * Content-Range parsing (the client trusts no range the server did not state exactly). */
#include <criterion/criterion.h>

#include "zc_conn.h"

Test(conn, content_range_values)
{
    uint64_t a, b, size;
    cr_assert_eq(zc_content_range("bytes 2-4/10", &a, &b, &size), 0);
    cr_assert(a == 2 && b == 4 && size == 10);
    cr_assert_eq(zc_content_range("bytes 0-0/*", &a, &b, &size), 0);
    cr_assert_eq(size, UINT64_MAX);
    cr_assert_eq(zc_content_range("bytes 7-9/10", &a, &b, NULL), 0);
    cr_assert_eq(zc_content_range("bytes 18446744073709551614-18446744073709551614/"
                                  "18446744073709551615",
                                  &a, &b, &size),
                 0);
    cr_assert_eq(size, UINT64_MAX);
}

Test(conn, content_range_refusals)
{
    static const char *bad[] = {
        "",           "bytes",        "bytes 4-2/10", "bytes 2-4/",   "bytes 2-4/4",
        "bytes */10", "items 2-4/10", "bytes 2-4/1x", "bytes 2-4/-5", "bytes 2-4/10 ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t a, b, size;
        cr_assert_eq(zc_content_range(bad[i], &a, &b, &size), ZD_EIO, "accepted '%s'", bad[i]);
    }
}
