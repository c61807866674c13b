/* test_query.c: unit tests for query-string pairs, decoding and integer lists (zd_query). */
#include <criterion/criterion.h>

#include "zd_limits.h"
#include "zd_query.h"

#include <stdio.h>
#include <string.h>

static int get(const char *q, const char *name, char *out, size_t cap, bool *found)
{
    size_t n;
    return zd_query_get(q, strlen(q), name, out, cap, &n, found, NULL);
}

Test(query, iterate_pairs)
{
    const char *q = "chunk=3,0,7&&batch&x=&=nameless&y=a=b&";
    zd_query_iter it;
    zd_query_pair p;
    zd_query_iter_init(&it, q, strlen(q));
    cr_assert(zd_query_next(&it, &p));
    cr_assert_eq(p.name_len, 5);
    cr_assert_eq(memcmp(p.name, "chunk", 5), 0);
    cr_assert_eq(p.value_len, 5);
    cr_assert_eq(memcmp(p.value, "3,0,7", 5), 0);
    cr_assert(p.has_value);
    cr_assert(zd_query_next(&it, &p));
    cr_assert_eq(memcmp(p.name, "batch", 5), 0);
    cr_assert_not(p.has_value);
    cr_assert_eq(p.value_len, 0);
    cr_assert(zd_query_next(&it, &p));
    cr_assert_eq(memcmp(p.name, "x", 1), 0);
    cr_assert(p.has_value);
    cr_assert_eq(p.value_len, 0);
    cr_assert(zd_query_next(&it, &p));
    cr_assert_eq(memcmp(p.name, "y", 1), 0);
    cr_assert_eq(p.value_len, 3);
    cr_assert_eq(memcmp(p.value, "a=b", 3), 0);
    cr_assert_not(zd_query_next(&it, &p));
    cr_assert_not(zd_query_next(&it, &p));
}

Test(query, empty)
{
    zd_query_iter it;
    zd_query_pair p;
    zd_query_iter_init(&it, "", 0);
    cr_assert_not(zd_query_next(&it, &p));
    zd_query_iter_init(&it, "&&&", 3);
    cr_assert_not(zd_query_next(&it, &p));
}

Test(query, decode)
{
    char out[32];
    size_t n;
    cr_assert_eq(zd_query_decode("a+b%20c%2Fd%2f", 14, out, sizeof out, &n, NULL), 0);
    cr_assert_eq(n, 8);
    cr_assert_eq(memcmp(out, "a b c/d/", 8), 0);
    cr_assert_eq(zd_query_decode("%zz", 3, out, sizeof out, &n, NULL), ZD_EINVAL);
    cr_assert_eq(zd_query_decode("%4", 2, out, sizeof out, &n, NULL), ZD_EINVAL);
    cr_assert_eq(zd_query_decode("%", 1, out, sizeof out, &n, NULL), ZD_EINVAL);
    cr_assert_eq(zd_query_decode("a%00", 4, out, sizeof out, &n, NULL), ZD_EINVAL);
    cr_assert_eq(zd_query_decode("abcd", 4, out, 3, &n, NULL), ZD_EINVAL);
    cr_assert_eq(zd_query_decode("abc", 3, out, 3, &n, NULL), 0);
    cr_assert_eq(zd_query_decode("", 0, out, 0, &n, NULL), 0);
    cr_assert_eq(n, 0);
}

Test(query, get)
{
    char out[16];
    bool found;
    cr_assert_eq(get("a=1&chunk=3%2C0&b", "chunk", out, sizeof out, &found), 0);
    cr_assert(found);
    cr_assert_str_eq(out, "3,0");
    cr_assert_eq(get("a=1&b", "b", out, sizeof out, &found), 0);
    cr_assert(found);
    cr_assert_str_eq(out, "");
    cr_assert_eq(get("a=1&b", "c", out, sizeof out, &found), 0);
    cr_assert_not(found);
    cr_assert_str_eq(out, "");
    /* Encoded names match their decoded form; prefixes do not match. */
    cr_assert_eq(get("%63hunk=1", "chunk", out, sizeof out, &found), 0);
    cr_assert(found);
    cr_assert_eq(get("chunks=1&chun=2", "chunk", out, sizeof out, &found), 0);
    cr_assert_not(found);
    /* The first occurrence wins. */
    cr_assert_eq(get("r=1&r=2", "r", out, sizeof out, &found), 0);
    cr_assert_str_eq(out, "1");
    /* Value as '+'-decoded text. */
    cr_assert_eq(get("q=a+b", "q", out, sizeof out, &found), 0);
    cr_assert_str_eq(out, "a b");
}

Test(query, get_errors)
{
    char out[4];
    bool found;
    cr_assert_eq(get("x=%G0", "x", out, sizeof out, &found), ZD_EINVAL);
    cr_assert_eq(get("%=1&x=2", "x", out, sizeof out, &found), ZD_EINVAL);
    cr_assert_eq(get("x=abcd", "x", out, sizeof out, &found), ZD_EINVAL); /* needs 5 with NUL */
    cr_assert_eq(get("x=abc", "x", out, sizeof out, &found), 0);
    cr_assert_str_eq(out, "abc");
    /* A malformed value of another pair does not matter. */
    cr_assert_eq(get("y=%G0&x=1", "x", out, sizeof out, &found), 0);
    cr_assert(found);
}

static int repeated(const char *q, size_t max, zd_query_pair *dup)
{
    return zd_query_repeated(q, strlen(q), max, dup, NULL);
}

Test(query, repeated_names)
{
    zd_query_pair d;
    cr_assert_eq(repeated("", 64, &d), 0);
    cr_assert_eq(repeated("chunk=1,2&batch&recursive=1", 64, &d), 0);
    cr_assert_eq(repeated("chunk=1,2&chunk=1,1", 64, &d), 1);
    cr_assert(d.value_len == 3 && memcmp(d.value, "1,1", 3) == 0, "the second pair is named");
    cr_assert_eq(repeated("chunk=1&x=2&%63hunk=3", 64, &d), 1); /* names compare decoded */
    cr_assert_eq(repeated("a+b=1&a%20b=2", 64, &d), 1);
    cr_assert_eq(repeated("batch&batch=", 64, &d), 1);
    cr_assert_eq(repeated("ab=1&a=2&abc=3&b=4", 64, &d), 0); /* prefixes are other names */
    cr_assert_eq(repeated("a=1&&a", 64, &d), 1);             /* empty elements skipped */
    cr_assert_eq(repeated("%zz=1", 64, &d), ZD_EINVAL);
    cr_assert_eq(repeated("a&b&c", 3, &d), 0);
    cr_assert_eq(repeated("a&b&c&d", 3, &d), ZD_ERANGE);
    char many[1024] = "";
    for (int i = 0; i < ZD_QUERY_MAX_PAIRS + 1; i++)
        sprintf(many + strlen(many), "%sp%d", i ? "&" : "", i);
    cr_assert_eq(repeated(many, 1000, &d), ZD_ERANGE, "the cap is ZD_QUERY_MAX_PAIRS");
}

static int list(const char *s, uint64_t *out, size_t max, size_t *n)
{
    return zd_parse_u64_list(s, strlen(s), out, max, n, NULL);
}

Test(query, u64_list)
{
    uint64_t v[ZD_MAX_DIMS];
    size_t n;
    cr_assert_eq(list("3,0,7", v, ZD_MAX_DIMS, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(v[0], 3);
    cr_assert_eq(v[1], 0);
    cr_assert_eq(v[2], 7);
    cr_assert_eq(list("18446744073709551615", v, ZD_MAX_DIMS, &n), 0);
    cr_assert_eq(v[0], UINT64_MAX);
    cr_assert_eq(list("007", v, ZD_MAX_DIMS, &n), 0);
    cr_assert_eq(v[0], 7);
}

Test(query, u64_list_errors)
{
    uint64_t v[ZD_MAX_DIMS];
    size_t n = 99;
    const char *bad[] = {"",
                         ",",
                         "1,",
                         ",1",
                         "1,,2",
                         "-1",
                         "+1",
                         " 1",
                         "1 ",
                         "1a",
                         "0x1",
                         "1.5",
                         "18446744073709551616",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(list(bad[i], v, ZD_MAX_DIMS, &n), ZD_EINVAL, "accepted '%s'", bad[i]);
        cr_assert_eq(n, 0);
    }
}

Test(query, u64_list_max_count)
{
    char s[3 * ZD_MAX_DIMS + 4];
    uint64_t v[ZD_MAX_DIMS];
    size_t n, len = 0;
    for (int i = 0; i < ZD_MAX_DIMS; i++)
        len += (size_t)sprintf(s + len, i ? ",%d" : "%d", i);
    cr_assert_eq(zd_parse_u64_list(s, len, v, ZD_MAX_DIMS, &n, NULL), 0);
    cr_assert_eq(n, ZD_MAX_DIMS);
    cr_assert_eq(v[ZD_MAX_DIMS - 1], ZD_MAX_DIMS - 1);
    strcpy(s + len, ",5");
    cr_assert_eq(zd_parse_u64_list(s, len + 2, v, ZD_MAX_DIMS, &n, NULL), ZD_EINVAL);
    cr_assert_eq(list("1,2,3", v, 2, &n), ZD_EINVAL);
}
