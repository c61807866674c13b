/* test_key.c: unit tests for request path -> key decoding and validation (zd_key). */
#include <criterion/criterion.h>

#include "zd_key.h"

#include <string.h>

static int parse(const char *path, zd_key *k, zd_error *err)
{
    return zd_key_from_path(path, strlen(path), k, err);
}

static void expect_key(const char *path, const char *key, bool prefix)
{
    zd_key k;
    zd_error err = {0};
    cr_assert_eq(parse(path, &k, &err), 0, "%s: %s", path, err.msg);
    cr_assert_str_eq(k.key, key, "%s", path);
    cr_assert_eq(k.len, strlen(key));
    cr_assert_eq(k.is_prefix, prefix, "%s", path);
}

static void expect_bad(const char *path, size_t len, const char *msg_part)
{
    zd_key k;
    zd_error err = {0};
    cr_assert_eq(zd_key_from_path(path, len, &k, &err), ZD_EINVAL, "accepted %.*s", (int)len, path);
    cr_assert_neq(strstr(err.msg, msg_part), NULL, "message '%s' lacks '%s'", err.msg, msg_part);
    cr_assert_eq(k.len, 0);
}

Test(key, plain_keys)
{
    expect_key("/a", "a", false);
    expect_key("/arr/zarr.json", "arr/zarr.json", false);
    expect_key("/arr/c/0/1/2", "arr/c/0/1/2", false);
    expect_key("/a.b/..c/...", "a.b/..c/...", false);
}

Test(key, percent_decoding)
{
    expect_key("/a%20b", "a b", false);
    expect_key("/%41%62", "Ab", false);
    expect_key("/x%2e", "x.", false);
    expect_key("/caf%C3%A9", "caf\xc3\xa9", false);
    expect_key("/a+b", "a+b", false); /* '+' is literal in a path */
}

Test(key, prefixes)
{
    expect_key("/", "", true);
    expect_key("/a/", "a", true);
    expect_key("/a/b%20c/", "a/b c", true);
}

Test(key, must_start_with_slash)
{
    expect_bad("a", 1, "start with '/'");
    expect_bad("", 0, "start with '/'");
    expect_bad("%2Fa", 4, "start with '/'");
}

Test(key, empty_segments)
{
    expect_bad("//", 2, "empty");
    expect_bad("//a", 3, "empty path segment");
    expect_bad("/a//b", 5, "empty path segment");
    expect_bad("/a//", 4, "empty path segment");
}

Test(key, dot_segments)
{
    expect_bad("/.", 2, "'.' or '..'");
    expect_bad("/..", 3, "'.' or '..'");
    expect_bad("/a/../b", 7, "'.' or '..'");
    expect_bad("/a/./b", 6, "'.' or '..'");
    expect_bad("/%2e%2e/etc", 11, "'.' or '..'");
    expect_bad("/a/%2E/", 7, "'.' or '..'");
    expect_bad("/../", 4, "'.' or '..'");
}

Test(key, encoded_slash_nul_backslash)
{
    expect_bad("/a%2Fb", 6, "%2F");
    expect_bad("/a%2fb", 6, "%2F");
    expect_bad("/a%00b", 6, "NUL");
    expect_bad("/a\0b", 4, "NUL");
    expect_bad("/a\\b", 4, "backslash");
    expect_bad("/a%5Cb", 6, "backslash");
    expect_bad("/%5c..", 6, "backslash");
}

Test(key, control_characters)
{
    expect_bad("/a\nb", 4, "control");
    expect_bad("/a%0Ab", 6, "control");
    expect_bad("/a%7Fb", 6, "control");
    expect_bad("/a%1b", 5, "control");
}

Test(key, malformed_escapes)
{
    expect_bad("/a%", 3, "percent-escape");
    expect_bad("/a%4", 4, "percent-escape");
    expect_bad("/a%4g", 5, "percent-escape");
    expect_bad("/a%%41", 6, "percent-escape");
    expect_bad("/a%/", 4, "percent-escape");
    expect_bad("/a%2/", 5, "percent-escape"); /* the trailing '/' is not an escape digit */
}

Test(key, invalid_utf8)
{
    expect_bad("/a%FFb", 6, "UTF-8");
    expect_bad("/a%C3", 5, "UTF-8");          /* truncated */
    expect_bad("/%C0%AF", 7, "UTF-8");        /* overlong '/' */
    expect_bad("/%ED%A0%80", 10, "UTF-8");    /* surrogate */
    expect_bad("/%F4%90%80%80", 13, "UTF-8"); /* above U+10FFFF */
    expect_key("/%F0%9F%98%80", "\xf0\x9f\x98\x80", false);
}

static void fill_path(char *path, size_t key_len, bool prefix)
{
    path[0] = '/';
    memset(path + 1, 'k', key_len);
    for (size_t i = 100; i < key_len; i += 100)
        path[1 + i] = '/';
    if (prefix) path[1 + key_len++] = '/';
    path[1 + key_len] = '\0';
}

Test(key, length_limit)
{
    static char path[ZD_MAX_KEY + 8];
    zd_key k;
    zd_error err = {0};
    fill_path(path, ZD_MAX_KEY, false);
    cr_assert_eq(parse(path, &k, &err), 0, "%s", err.msg);
    cr_assert_eq(k.len, ZD_MAX_KEY);
    fill_path(path, ZD_MAX_KEY, true);
    cr_assert_eq(parse(path, &k, &err), 0, "%s", err.msg);
    cr_assert(k.is_prefix);
    cr_assert_eq(k.len, ZD_MAX_KEY);
    fill_path(path, ZD_MAX_KEY + 1, false);
    expect_bad(path, strlen(path), "longer than 1024");
}

Test(key, length_counts_decoded_bytes)
{
    /* 1024 decoded bytes written as 3072 encoded ones are fine; one more is not. */
    static char path[3 * (ZD_MAX_KEY + 1) + 2];
    zd_key k;
    path[0] = '/';
    for (size_t i = 0; i < ZD_MAX_KEY + 1; i++)
        memcpy(path + 1 + 3 * i, "%41", 3);
    cr_assert_eq(zd_key_from_path(path, 1 + 3 * ZD_MAX_KEY, &k, NULL), 0);
    cr_assert_eq(k.len, ZD_MAX_KEY);
    cr_assert_eq(zd_key_from_path(path, 1 + 3 * (ZD_MAX_KEY + 1), &k, NULL), ZD_EINVAL);
}

Test(key, validate_decoded)
{
    cr_assert_eq(zd_key_validate("a/b", 3, NULL), 0);
    cr_assert_eq(zd_key_validate("", 0, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_validate("/a", 2, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_validate("a/", 2, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_validate("a/..", 4, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_validate("a\\b", 3, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_validate("a\0b", 3, NULL), ZD_EINVAL);
}

Test(key, to_path_round_trips)
{
    const char *keys[] = {"a/b", "a b/c%d", "caf\xc3\xa9/x+y", "~._-/Z9", "q?#&="};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        zd_buf b = {0};
        zd_key k;
        zd_error err = {0};
        cr_assert_eq(zd_key_to_path(keys[i], strlen(keys[i]), &b), 0);
        cr_assert_eq(memchr(b.data, '?', b.len), NULL);
        cr_assert_eq(memchr(b.data, ' ', b.len), NULL);
        cr_assert_eq(zd_key_from_path((const char *)b.data, b.len, &k, &err), 0, "%s", err.msg);
        cr_assert_str_eq(k.key, keys[i]);
        zd_buf_free(&b);
    }
}

Test(key, to_path_encoding)
{
    zd_buf b = {0};
    cr_assert_eq(zd_key_to_path("a b/%", 5, &b), 0);
    cr_assert_eq(b.len, 10);
    cr_assert_eq(memcmp(b.data, "/a%20b/%25", 10), 0);
    zd_buf_free(&b);
}
