/* test_url.c: unit tests for the client's base URL parser and request target encoding. */
#include <criterion/criterion.h>

#include "zc_url.h"

#include <string.h>

static void target_is(const zc_url *u, const char *key, int dir, const char *query,
                      const char *expect)
{
    zd_buf b = {0};
    cr_assert_eq(zc_url_target(u, key, dir, query, &b, NULL), 0, "target for '%s'", key);
    cr_assert_eq(zd_buf_append(&b, "", 1), 0);
    cr_assert_str_eq((const char *)b.data, expect);
    zd_buf_free(&b);
}

Test(url, host_port_prefix)
{
    zc_url u;
    cr_assert_eq(zc_url_parse("http://127.0.0.1:8080/data/v1/", &u, NULL), 0);
    cr_assert_str_eq(u.host, "127.0.0.1");
    cr_assert_str_eq(u.port, "8080");
    cr_assert_str_eq(u.hostport, "127.0.0.1:8080");
    cr_assert_str_eq(u.prefix, "/data/v1");
    target_is(&u, "a/zarr.json", 0, NULL, "/data/v1/a/zarr.json");
}

Test(url, default_port_and_no_prefix)
{
    zc_url u;
    cr_assert_eq(zc_url_parse("http://example.org", &u, NULL), 0);
    cr_assert_str_eq(u.host, "example.org");
    cr_assert_str_eq(u.port, "80");
    cr_assert_str_eq(u.prefix, "");
    target_is(&u, "", 1, NULL, "/");
    target_is(&u, "x/y", 1, "recursive=1", "/x/y/?recursive=1");
}

Test(url, ipv6_literal)
{
    zc_url u;
    cr_assert_eq(zc_url_parse("http://[::1]:9000/p", &u, NULL), 0);
    cr_assert_str_eq(u.host, "::1");
    cr_assert_str_eq(u.port, "9000");
    cr_assert_str_eq(u.hostport, "[::1]:9000");
}

Test(url, rejects_bad_urls)
{
    static const char *bad[] = {
        "https://h:1/",   "ftp://h",     "http://",     "http://:80",    "http://h:0",
        "http://h:65536", "http://h:8x", "http://u@h/", "http://h/?q=1", "http://[::1",
        "http://h/#f",    "http://h:/",  "h:80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zc_url u;
        zd_error err = {0};
        cr_assert_eq(zc_url_parse(bad[i], &u, &err), ZD_EINVAL, "accepted '%s'", bad[i]);
        cr_assert(err.msg[0] != '\0');
    }
}

Test(url, percent_encodes_keys)
{
    zc_url u;
    cr_assert_eq(zc_url_parse("http://h:1", &u, NULL), 0);
    target_is(&u, "a b/c%d/é~_-.x", 0, NULL, "/a%20b/c%25d/%C3%A9~_-.x");
    target_is(&u, "s/c/0?x#y", 0, "chunk=1,2", "/s/c/0%3Fx%23y?chunk=1,2");
}

Test(url, rejects_keys_the_server_refuses)
{
    static const char *bad[] = {"/a",   "a/",      "a//b",  ".",    "a/../b", "a/./b",
                                "a\\b", "a\x01/b", "a\x7f", "\xff", "\xc3(",  "\xed\xa0\x80"};
    zc_url u;
    cr_assert_eq(zc_url_parse("http://h:1", &u, NULL), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_buf b = {0};
        cr_assert_eq(zc_url_target(&u, bad[i], 0, NULL, &b, NULL), ZD_EINVAL, "accepted '%s'",
                     bad[i]);
        zd_buf_free(&b);
    }
    char longkey[ZD_MAX_KEY + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    zd_buf b = {0};
    cr_assert_eq(zc_url_target(&u, longkey, 0, NULL, &b, NULL), ZD_EINVAL);
    zd_buf_free(&b);
}
