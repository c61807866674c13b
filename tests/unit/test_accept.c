/* test_accept.c: unit tests for Accept media-range matching (zd_accept). */
#include <criterion/criterion.h>

#include "zd_accept.h"

#include <string.h>

static int q(const char *h, const char *type)
{
    return zd_accept_quality(h, strlen(h), type, false);
}

static int qx(const char *h, const char *type)
{
    return zd_accept_quality(h, strlen(h), type, true);
}

Test(accept, exact_and_wildcards)
{
    cr_assert_eq(q("application/json", "application/json"), 1000);
    cr_assert_eq(q("APPLICATION/JSON", "application/json"), 1000);
    cr_assert_eq(q("text/html", "application/json"), -1);
    cr_assert_eq(q("*/*", "application/json"), 1000);
    cr_assert_eq(q("application/*;q=0.3", "application/json"), 300);
    cr_assert_eq(q("text/*", "application/json"), -1);
    cr_assert_eq(q("", "text/html"), -1);
}

Test(accept, most_specific_range_decides)
{
    /* The exact range's weight wins over a higher wildcard weight, and the other way. */
    cr_assert_eq(q("*/*;q=1, application/json;q=0.2", "application/json"), 200);
    cr_assert_eq(q("application/json;q=0, */*", "application/json"), 0);
    cr_assert_eq(q("text/*;q=0.5, */*;q=0.1", "text/html"), 500);
    /* A browser's header: HTML exact at 1, JSON only through * / * at 0.8. */
    const char *browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    cr_assert_eq(q(browser, "text/html"), 1000);
    cr_assert_eq(q(browser, "application/json"), 800);
    cr_assert_eq(qx(browser, "application/json"), -1);
}

Test(accept, exact_only_ignores_wildcards)
{
    cr_assert_eq(qx("*/*", "application/json"), -1);
    cr_assert_eq(qx("application/*", "application/json"), -1);
    cr_assert_eq(qx("*/*, application/json;q=0.5", "application/json"), 500);
}

Test(accept, qvalues)
{
    cr_assert_eq(q("text/html;q=1.000", "text/html"), 1000);
    cr_assert_eq(q("text/html;q=0.123", "text/html"), 123);
    cr_assert_eq(q("text/html; q=0.5 ", "text/html"), 500);
    cr_assert_eq(q("text/html;Q=0.5", "text/html"), 500);
    cr_assert_eq(q("text/html;q=0", "text/html"), 0);
    /* Malformed weights make the element invalid: skipped. */
    cr_assert_eq(q("text/html;q=1.5", "text/html"), -1);
    cr_assert_eq(q("text/html;q=0.1234", "text/html"), -1);
    cr_assert_eq(q("text/html;q=2", "text/html"), -1);
    cr_assert_eq(q("text/html;q=.5", "text/html"), -1);
    cr_assert_eq(q("text/html;q=", "text/html"), -1);
    cr_assert_eq(q("text/html;q=1.5, */*;q=0.1", "text/html"), 100);
}

Test(accept, parameters_and_quoting)
{
    /* A media type parameter makes the range match only that variant: not ours. */
    cr_assert_eq(q("text/html;level=1", "text/html"), -1);
    cr_assert_eq(q("text/html;level=1, text/html;q=0.4", "text/html"), 400);
    /* A quoted value may hold ',' and ';' without splitting the element. */
    cr_assert_eq(q("text/plain;x=\"a,b;c\", application/json;q=0.7", "application/json"), 700);
    cr_assert_eq(q("text/plain;x=\"a\\\"b,\";q=0.1, text/html;q=0.6", "text/html"), 600);
    /* An unterminated quote swallows the rest: nothing after it counts. */
    cr_assert_eq(q("text/plain;x=\"a, text/html", "text/html"), -1);
}

Test(accept, empty_elements_and_junk)
{
    cr_assert_eq(q(" , ,text/html ,", "text/html"), 1000);
    cr_assert_eq(q("garbage;;, text/html;q=0.2", "text/html"), 200);
    cr_assert_eq(q("text/html extra", "text/html"), -1);
}
