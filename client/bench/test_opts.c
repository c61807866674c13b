/* test_opts.c: unit tests for zarrd-bench's value parsers, the prefix and loopback checks and
 * the op mix. */
#include <criterion/criterion.h>

#include "bench_mix.h"
#include "bench_opts.h"
#include "zd_error.h"

Test(opts, u64_accepts_only_plain_digits_in_range)
{
    uint64_t v = 0;
    cr_assert_eq(zb_parse_u64("42", 1, 100, &v), 0);
    cr_assert_eq(v, 42);
    cr_assert_eq(zb_parse_u64("0", 1, 100, &v), ZD_ERANGE);
    cr_assert_eq(zb_parse_u64("101", 1, 100, &v), ZD_ERANGE);
    cr_assert_eq(zb_parse_u64("-1", 0, 100, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_u64("+1", 0, 100, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_u64(" 1", 0, 100, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_u64("1x", 0, 100, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_u64("", 0, 100, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), ZD_ERANGE);
    cr_assert_eq(zb_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), 0);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(zb_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), ZD_ERANGE);
    cr_assert_eq(zb_parse_u64(NULL, 0, 100, &v), ZD_EINVAL);
}

Test(opts, usage_answers)
{
    cr_assert_eq(zb_help_or_usage('h', ""), 1);
    cr_assert_eq(zb_help_or_usage('?', ""), ZD_EINVAL);
    cr_assert_eq(zb_bad_value("load", "", "--keys", "x"), ZD_EINVAL);
}

Test(opts, sizes_take_binary_suffixes_and_check_overflow)
{
    uint64_t v = 0;
    cr_assert_eq(zb_parse_size("4K", 0, UINT64_MAX, &v), 0);
    cr_assert_eq(v, 4096);
    cr_assert_eq(zb_parse_size("2MiB", 0, UINT64_MAX, &v), 0);
    cr_assert_eq(v, 2u << 20);
    cr_assert_eq(zb_parse_size("1g", 0, UINT64_MAX, &v), 0);
    cr_assert_eq(v, 1u << 30);
    cr_assert_eq(zb_parse_size("100", 0, UINT64_MAX, &v), 0);
    cr_assert_eq(v, 100);
    cr_assert_eq(zb_parse_size("4KX", 0, UINT64_MAX, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_size("4T", 0, UINT64_MAX, &v), ZD_EINVAL);
    cr_assert_eq(zb_parse_size("17179869184G", 0, UINT64_MAX, &v), ZD_ERANGE);
    cr_assert_eq(zb_parse_size("2M", 0, 1u << 20, &v), ZD_ERANGE);
}

Test(opts, doubles_are_finite_and_bounded)
{
    double d = 0;
    cr_assert_eq(zb_parse_double("1.5", 0, 10, &d), 0);
    cr_assert_float_eq(d, 1.5, 1e-12);
    cr_assert_eq(zb_parse_double(".5", 0, 10, &d), 0);
    cr_assert_eq(zb_parse_double("11", 0, 10, &d), ZD_ERANGE);
    cr_assert_eq(zb_parse_double("-1", 0, 10, &d), ZD_EINVAL);
    cr_assert_eq(zb_parse_double("nan", 0, 10, &d), ZD_EINVAL);
    cr_assert_eq(zb_parse_double("1e999", 0, 10, &d), ZD_EINVAL);
    cr_assert_eq(zb_parse_double("1s", 0, 10, &d), ZD_EINVAL);
}

Test(opts, loopback_urls_only)
{
    cr_assert(zb_url_is_loopback("http://127.0.0.1:8080"));
    cr_assert(zb_url_is_loopback("http://127.1.2.3:1/prefix/x"));
    cr_assert(zb_url_is_loopback("http://localhost/"));
    cr_assert(zb_url_is_loopback("http://[::1]:9000"));
    cr_assert(zb_url_is_loopback("HTTP://LOCALHOST:80"));
    cr_assert_not(zb_url_is_loopback("http://10.0.0.1:8080"));
    cr_assert_not(zb_url_is_loopback("http://128.0.0.1"));
    cr_assert_not(zb_url_is_loopback("http://example.com/"));
    cr_assert_not(zb_url_is_loopback("http://localhost.example.com/"));
    cr_assert_not(zb_url_is_loopback("http://127.0.0.1@10.0.0.1/"));
    cr_assert_not(zb_url_is_loopback("http://[::2]/"));
    cr_assert_not(zb_url_is_loopback("https://127.0.0.1/"));
    cr_assert_not(zb_url_is_loopback("127.0.0.1:80"));
}

Test(opts, urls_split_into_their_parts)
{
    zb_url u;
    cr_assert(zb_url_split("http://127.0.0.1:8080/pre/fix/", &u));
    cr_assert_str_eq(u.host, "127.0.0.1");
    cr_assert_str_eq(u.port, "8080");
    cr_assert_str_eq(u.hostport, "127.0.0.1:8080");
    cr_assert_str_eq(u.path, "/pre/fix");
    cr_assert(zb_url_split("http://user@[::1]:9/", &u));
    cr_assert_str_eq(u.host, "::1");
    cr_assert_str_eq(u.port, "9");
    cr_assert_str_eq(u.hostport, "[::1]:9");
    cr_assert_str_eq(u.path, "");
    cr_assert(zb_url_split("HTTP://localhost", &u));
    cr_assert_str_eq(u.host, "localhost");
    cr_assert_str_eq(u.port, "80");
    cr_assert_str_eq(u.hostport, "localhost");
    cr_assert_not(zb_url_split("http://:80/", &u));
    cr_assert(zb_url_split("http://host:/", &u)); /* RFC 3986: an empty port is the default */
    cr_assert_str_eq(u.port, "80");
    cr_assert_not(zb_url_split("http://host:80x/", &u));
    cr_assert_not(zb_url_split("http://host:123456/", &u));
    cr_assert_not(zb_url_split("http://[::1/", &u));
    cr_assert_not(zb_url_split("http://[::1]x/", &u));
    cr_assert_not(zb_url_split("http://host/?q", &u));
    cr_assert_not(zb_url_split("http://host?q", &u));
    cr_assert_not(zb_url_split("ftp://host/", &u));
}

Test(mix, parses_weights_and_picks_in_proportion)
{
    zb_mix m;
    cr_assert_eq(zb_mix_parse("get=60,range=10,put=20,patch=10,shard=0", &m), 0);
    cr_assert_eq(m.total, 100);
    cr_assert_eq(m.weight[ZB_OP_GET], 60);
    cr_assert_eq(m.weight[ZB_OP_BATCH], 0);
    unsigned counts[ZB_OP_COUNT] = {0};
    for (uint64_t r = 0; r < 1000; r++)
        counts[zb_mix_pick(&m, r)]++;
    cr_assert_eq(counts[ZB_OP_GET], 600);
    cr_assert_eq(counts[ZB_OP_RANGE], 100);
    cr_assert_eq(counts[ZB_OP_PUT], 200);
    cr_assert_eq(counts[ZB_OP_PATCH], 100);
    cr_assert_eq(counts[ZB_OP_SHARD], 0);
    cr_assert_str_eq(zb_op_name(ZB_OP_BATCH), "batch");
}

Test(mix, rejects_malformed_specs)
{
    zb_mix m;
    cr_assert_eq(zb_mix_parse("", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=1,", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=1,get=2", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("post=1", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=0,put=0", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=-1", &m), ZD_EINVAL);
    cr_assert_eq(zb_mix_parse("get=1000001", &m), ZD_ERANGE);
    cr_assert_eq(zb_mix_parse("get=99999999999999999999", &m), ZD_ERANGE);
}

Test(opts, prefixes_are_nonempty_bounded_and_not_slash_ended)
{
    cr_assert(zb_prefix_ok("bench/load-1", 200));
    cr_assert(zb_prefix_ok("abc", 3));
    cr_assert(!zb_prefix_ok("abcd", 3));
    cr_assert(!zb_prefix_ok("", 200));
    cr_assert(!zb_prefix_ok("/abs", 200));
    cr_assert(!zb_prefix_ok("dir/", 200));
}
