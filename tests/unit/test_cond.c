/* test_cond.c: unit tests for If-Match / If-None-Match entity-tag lists (zd_cond). */
#include <criterion/criterion.h>

#include "zd_cond.h"

#include <string.h>

/* 1 match, 0 no match, -1 error. */
static int m(const char *hdr, const char *etag, bool weak)
{
    bool match = true;
    int rc = zd_etag_list_match(hdr, strlen(hdr), etag, weak, &match, NULL);
    if (rc < 0) {
        cr_assert_eq(rc, ZD_EINVAL);
        cr_assert_not(match);
        return -1;
    }
    return match;
}

Test(cond, star)
{
    cr_assert_eq(m("*", "\"a\"", false), 1);
    cr_assert_eq(m(" * ", "\"a\"", true), 1);
    cr_assert_eq(m("*", NULL, false), 0);
    cr_assert_eq(m("*", NULL, true), 0);
}

Test(cond, strong_comparison)
{
    cr_assert_eq(m("\"a\"", "\"a\"", false), 1);
    cr_assert_eq(m("\"b\", \"a\"", "\"a\"", false), 1);
    cr_assert_eq(m("W/\"a\"", "\"a\"", false), 0);
    cr_assert_eq(m("\"a\"", "W/\"a\"", false), 0);
    cr_assert_eq(m("W/\"a\"", "W/\"a\"", false), 0);
    cr_assert_eq(m("\"A\"", "\"a\"", false), 0);
    cr_assert_eq(m("\"ab\"", "\"a\"", false), 0);
    cr_assert_eq(m("\"a\"", NULL, false), 0);
}

Test(cond, weak_comparison)
{
    cr_assert_eq(m("W/\"a\"", "\"a\"", true), 1);
    cr_assert_eq(m("\"a\"", "W/\"a\"", true), 1);
    cr_assert_eq(m("W/\"a\"", "W/\"a\"", true), 1);
    cr_assert_eq(m("W/\"b\"", "\"a\"", true), 0);
}

Test(cond, list_syntax)
{
    cr_assert_eq(m(" , \"x\" ,, \"a\" , ", "\"a\"", false), 1);
    cr_assert_eq(m("\"a,b\"", "\"a,b\"", false), 1); /* comma inside an opaque-tag */
    cr_assert_eq(m("\"\"", "\"\"", false), 1);       /* empty opaque-tag */
    cr_assert_eq(m("\"\xc3\xa9\"", "\"\xc3\xa9\"", false), 1);
    cr_assert_eq(m("\"a\"\t,\t\"b\"", "\"b\"", false), 1);
}

Test(cond, malformed)
{
    const char *bad[] = {"",          "   ",         ",",        "a",       "\"a",
                         "a\"",       "\"a\" \"b\"", "\"a\"b",   "w/\"a\"", "W/a",
                         "W/",        "*, \"a\"",    "\"a\", *", "**",      "\"a\x7f\"",
                         "\"a\x01\"", "\"a\"\"b\"",  "\"a b\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(m(bad[i], "\"a\"", false), -1, "accepted '%s'", bad[i]);
}

Test(cond, malformed_current_etag)
{
    cr_assert_eq(m("\"a\"", "a", false), -1);
    cr_assert_eq(m("*", "\"a\" x", true), -1);
}

Test(cond, validate)
{
    cr_assert_eq(zd_etag_validate("\"x\"", 3, NULL), 0);
    cr_assert_eq(zd_etag_validate("W/\"x\"", 5, NULL), 0);
    cr_assert_eq(zd_etag_validate("\"x\" ", 4, NULL), ZD_EINVAL);
    cr_assert_eq(zd_etag_validate("", 0, NULL), ZD_EINVAL);
    cr_assert_eq(zd_etag_validate("\"", 1, NULL), ZD_EINVAL);
}
