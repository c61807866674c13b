/* test_fill.c: unit tests for fill values: known bytes for every data type, the special float
 * spellings and hex bit patterns, range and integrality checks, JSON round trips, and the
 * buffer fill / uniformity helpers. */
#include <criterion/criterion.h>

#include "zd_fill.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse `json` text as a fill value of type t; returns the code, bytes in out. */
static int parse_text(const char *json, zd_dtype t, uint8_t out[ZD_FILL_BYTES], zd_error *err)
{
    cJSON *doc = cJSON_Parse(json);
    cr_assert_not_null(doc, "bad test JSON %s", json);
    memset(out, 0xAA, ZD_FILL_BYTES);
    int rc = zd_fill_parse(doc, t, out, err);
    cJSON_Delete(doc);
    return rc;
}

/* A fill value that must be refused as type t with error code. */
typedef struct bad_fill {
    const char *json;
    zd_dtype t;
    int code;
} bad_fill;

/* Each case fails with its code, a message naming fill_value, and the output untouched. */
static void expect_refused(const bad_fill *bad, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t out[ZD_FILL_BYTES];
        zd_error err = {0};
        cr_assert_eq(parse_text(bad[i].json, bad[i].t, out, &err), bad[i].code, "%s as %s",
                     bad[i].json, zd_dtype_name(bad[i].t));
        cr_assert(strstr(err.msg, "fill_value"), "%s", err.msg);
        cr_assert_eq(out[0], 0xAA, "output untouched on error: %s", bad[i].json);
    }
}

/* The fill value must parse to exactly `want` (little-endian, zero padded) and re-encode to
 * JSON that parses back to the same bytes. */
static void check_fill(const char *json, zd_dtype t, const void *want, size_t n)
{
    uint8_t got[ZD_FILL_BYTES], expect[ZD_FILL_BYTES] = {0};
    memcpy(expect, want, n);
    cr_assert_eq(parse_text(json, t, got, NULL), 0, "%s as %s", json, zd_dtype_name(t));
    cr_assert_eq(memcmp(got, expect, ZD_FILL_BYTES), 0, "%s as %s: wrong bytes", json,
                 zd_dtype_name(t));
    cJSON *enc = zd_fill_to_json(t, got);
    cr_assert_not_null(enc);
    char *text = cJSON_PrintUnformatted(enc);
    uint8_t again[ZD_FILL_BYTES];
    cr_assert_eq(parse_text(text, t, again, NULL), 0, "re-encoded %s", text);
    cr_assert_eq(memcmp(again, expect, ZD_FILL_BYTES), 0, "%s -> %s changed", json, text);
    cJSON_free(text);
    cJSON_Delete(enc);
}

/* Encoding `bytes` must print exactly `want`. */
static void check_encoding(zd_dtype t, const void *bytes, size_t n, const char *want)
{
    uint8_t fill[ZD_FILL_BYTES] = {0};
    memcpy(fill, bytes, n);
    cJSON *enc = zd_fill_to_json(t, fill);
    char *text = cJSON_PrintUnformatted(enc);
    cr_assert_str_eq(text, want);
    cJSON_free(text);
    cJSON_Delete(enc);
}

Test(fill, bool)
{
    uint8_t one = 1, zero = 0;
    check_fill("true", ZD_BOOL, &one, 1);
    check_fill("false", ZD_BOOL, &zero, 1);
    check_encoding(ZD_BOOL, &one, 1, "true");
}

Test(fill, integers_of_every_width)
{
    int8_t i8 = -128;
    int16_t i16 = -32768;
    int32_t i32 = INT32_MIN;
    int64_t i64 = -((int64_t)1 << 53);
    uint8_t u8 = 255;
    uint16_t u16 = 65535;
    uint32_t u32 = UINT32_MAX;
    uint64_t u64 = (uint64_t)1 << 53;
    check_fill("-128", ZD_INT8, &i8, 1);
    check_fill("-32768", ZD_INT16, &i16, 2);
    check_fill("-2147483648", ZD_INT32, &i32, 4);
    check_fill("-9007199254740992", ZD_INT64, &i64, 8);
    check_fill("255", ZD_UINT8, &u8, 1);
    check_fill("65535", ZD_UINT16, &u16, 2);
    check_fill("4294967295", ZD_UINT32, &u32, 4);
    check_fill("9007199254740992", ZD_UINT64, &u64, 8);
    check_fill("-0", ZD_INT32, &(int32_t){0}, 4);
    check_fill("1e3", ZD_UINT16, &(uint16_t){1000}, 2);
    check_encoding(ZD_UINT32, &u32, 4, "4294967295");
    check_encoding(ZD_INT64, &i64, 8, "-9007199254740992");
}

Test(fill, extreme_64_bit_integers_survive_a_round_trip_as_text)
{
    int64_t values[] = {INT64_MIN, INT64_MAX, INT64_MAX - 1, -1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t fill[ZD_FILL_BYTES] = {0}, back[ZD_FILL_BYTES];
        memcpy(fill, &values[i], 8);
        cJSON *enc = zd_fill_to_json(ZD_INT64, fill);
        cr_assert_eq(zd_fill_parse(enc, ZD_INT64, back, NULL), 0);
        cr_assert_eq(memcmp(fill, back, 8), 0, "%lld", (long long)values[i]);
        char *text = cJSON_PrintUnformatted(enc);
        char want[32];
        snprintf(want, sizeof want, "%lld", (long long)values[i]);
        cr_assert_str_eq(text, want);
        cJSON_free(text);
        cJSON_Delete(enc);
    }
    uint8_t fill[ZD_FILL_BYTES] = {0}, back[ZD_FILL_BYTES];
    memset(fill, 0xFF, 8);
    cJSON *enc = zd_fill_to_json(ZD_UINT64, fill);
    cr_assert_eq(zd_fill_parse(enc, ZD_UINT64, back, NULL), 0);
    cr_assert_eq(memcmp(fill, back, 8), 0);
    cJSON_Delete(enc);
}

Test(fill, integers_out_of_range_or_not_integral_are_refused)
{
    static const bad_fill bad[] = {
        {"128", ZD_INT8, ZD_ERANGE},
        {"-129", ZD_INT8, ZD_ERANGE},
        {"256", ZD_UINT8, ZD_ERANGE},
        {"-1", ZD_UINT8, ZD_ERANGE},
        {"-1", ZD_UINT64, ZD_ERANGE},
        {"32768", ZD_INT16, ZD_ERANGE},
        {"65536", ZD_UINT16, ZD_ERANGE},
        {"2147483648", ZD_INT32, ZD_ERANGE},
        {"4294967296", ZD_UINT32, ZD_ERANGE},
        {"9223372036854775808", ZD_INT64, ZD_ERANGE},
        {"18446744073709551616", ZD_UINT64, ZD_ERANGE},
        {"1e300", ZD_INT64, ZD_ERANGE},
        {"1.5", ZD_INT32, ZD_ERANGE},
        {"0.1", ZD_UINT8, ZD_ERANGE},
        {"\"1\"", ZD_INT32, ZD_EINVAL},
        {"true", ZD_UINT8, ZD_EINVAL},
        {"\"NaN\"", ZD_INT16, ZD_EINVAL},
        {"[1, 2]", ZD_INT16, ZD_EINVAL},
        {"null", ZD_INT16, ZD_EINVAL},
        {"1", ZD_BOOL, ZD_EINVAL},
        {"\"true\"", ZD_BOOL, ZD_EINVAL},
    };
    expect_refused(bad, sizeof bad / sizeof bad[0]);
}

Test(fill, floats_numbers_and_special_values)
{
    float f = 0.1f, f_nan_bits_check;
    double d = 0.1, inf = INFINITY;
    check_fill("0.1", ZD_FLOAT32, &f, 4);
    check_fill("0.1", ZD_FLOAT64, &d, 8);
    check_fill("\"Infinity\"", ZD_FLOAT64, &inf, 8);
    double ninf = -INFINITY;
    check_fill("\"-Infinity\"", ZD_FLOAT64, &ninf, 8);
    uint32_t nan32 = 0x7fc00000;
    uint64_t nan64 = 0x7ff8000000000000ull;
    check_fill("\"NaN\"", ZD_FLOAT32, &nan32, 4);
    check_fill("\"NaN\"", ZD_FLOAT64, &nan64, 8);
    memcpy(&f_nan_bits_check, &nan32, 4);
    cr_assert(isnan(f_nan_bits_check));
    check_encoding(ZD_FLOAT32, &nan32, 4, "\"NaN\"");
    check_encoding(ZD_FLOAT64, &inf, 8, "\"Infinity\"");
    check_encoding(ZD_FLOAT64, &ninf, 8, "\"-Infinity\"");
    check_encoding(ZD_FLOAT64, &(double){2.5}, 8, "2.5");
}

Test(fill, hex_strings_are_raw_bits_sign_first)
{
    uint32_t f32 = 0x7fc00001; /* a NaN with payload: must keep its bits */
    uint64_t f64 = 0xfff0000000000001ull;
    uint16_t f16 = 0x7c01;
    uint32_t one = 0x3f800000;
    check_fill("\"0x7fc00001\"", ZD_FLOAT32, &f32, 4);
    check_fill("\"0xFFF0000000000001\"", ZD_FLOAT64, &f64, 8);
    check_fill("\"0x7c01\"", ZD_FLOAT16, &f16, 2);
    check_fill("\"0x3f800000\"", ZD_FLOAT32, &one, 4);
    check_encoding(ZD_FLOAT32, &f32, 4, "\"0x7fc00001\"");
    check_encoding(ZD_FLOAT16, &f16, 2, "\"0x7c01\"");
    double neg_zero = -0.0;
    check_fill("-0.0", ZD_FLOAT64, &neg_zero, 8);
    check_encoding(ZD_FLOAT64, &neg_zero, 8, "\"0x8000000000000000\"");
}

Test(fill, float16_conversions_round_to_nearest_even)
{
    static const struct {
        const char *json;
        uint16_t bits;
    } cases[] = {
        {"1", 0x3c00},
        {"-2", 0xc000},
        {"0.5", 0x3800},
        {"65504", 0x7bff},
        {"0", 0x0000},
        {"-0.0", 0x8000},
        {"6.103515625e-05", 0x0400},        /* smallest normal */
        {"5.960464477539063e-08", 0x0001},  /* smallest subnormal */
        {"2.9802322387695312e-08", 0x0000}, /* half of it: tie to even (0) */
        {"0.1", 0x2e66},
        {"1.0009765625", 0x3c01},
        {"1.00048828125", 0x3c00}, /* tie between 0x3c00 and 0x3c01: even */
        {"1.00146484375", 0x3c02}, /* tie between 0x3c01 and 0x3c02: even */
        {"65519", 0x7bff},
        {"\"Infinity\"", 0x7c00},
        {"\"NaN\"", 0x7e00},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_fill(cases[i].json, ZD_FLOAT16, &cases[i].bits, 2);
    check_encoding(ZD_FLOAT16, &(uint16_t){0x3c00}, 2, "1");
    check_encoding(ZD_FLOAT16, &(uint16_t){0x7e00}, 2, "\"NaN\"");
}

Test(fill, every_float16_bit_pattern_round_trips)
{
    for (uint32_t b = 0; b <= 0xffff; b++) {
        uint8_t fill[ZD_FILL_BYTES] = {(uint8_t)b, (uint8_t)(b >> 8)}, back[ZD_FILL_BYTES];
        cJSON *enc = zd_fill_to_json(ZD_FLOAT16, fill);
        char *text = cJSON_PrintUnformatted(enc);
        cJSON *reparsed = cJSON_Parse(text);
        cr_assert_eq(zd_fill_parse(reparsed, ZD_FLOAT16, back, NULL), 0, "%s", text);
        cr_assert_eq(memcmp(fill, back, 2), 0, "0x%04x -> %s", b, text);
        cJSON_Delete(reparsed);
        cJSON_free(text);
        cJSON_Delete(enc);
    }
}

Test(fill, random_float32_and_float64_bits_round_trip)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        zd_dtype t = i % 2 ? ZD_FLOAT32 : ZD_FLOAT64;
        uint8_t fill[ZD_FILL_BYTES] = {0}, back[ZD_FILL_BYTES];
        memcpy(fill, &x, zd_dtype_size(t));
        cJSON *enc = zd_fill_to_json(t, fill);
        char *text = cJSON_PrintUnformatted(enc);
        cJSON *reparsed = cJSON_Parse(text);
        cr_assert_eq(zd_fill_parse(reparsed, t, back, NULL), 0, "%s", text);
        cr_assert_eq(memcmp(fill, back, ZD_FILL_BYTES), 0, "%s", text);
        cJSON_Delete(reparsed);
        cJSON_free(text);
        cJSON_Delete(enc);
    }
}

Test(fill, bad_float_values_are_refused)
{
    static const bad_fill bad[] = {
        {"\"nan\"", ZD_FLOAT32, ZD_EINVAL},
        {"\"inf\"", ZD_FLOAT64, ZD_EINVAL},
        {"\"0x7fc0000\"", ZD_FLOAT32, ZD_EINVAL},   /* too few digits */
        {"\"0x7fc000000\"", ZD_FLOAT32, ZD_EINVAL}, /* too many */
        {"\"0x3c00\"", ZD_FLOAT64, ZD_EINVAL},
        {"\"0x7fg00000\"", ZD_FLOAT32, ZD_EINVAL},
        {"\"7fc00000\"", ZD_FLOAT32, ZD_EINVAL},
        {"\"1.5\"", ZD_FLOAT64, ZD_EINVAL},
        {"true", ZD_FLOAT32, ZD_EINVAL},
        {"[1.0]", ZD_FLOAT32, ZD_EINVAL},
        {"1e39", ZD_FLOAT32, ZD_ERANGE},
        {"70000", ZD_FLOAT16, ZD_ERANGE},
        {"65520", ZD_FLOAT16, ZD_ERANGE},
    };
    expect_refused(bad, sizeof bad / sizeof bad[0]);
}

Test(fill, complex_pairs)
{
    float c64[2] = {1.5f, -2.0f};
    double c128[2] = {NAN, INFINITY};
    uint64_t nan64 = 0x7ff8000000000000ull;
    memcpy(&c128[0], &nan64, 8);
    check_fill("[1.5, -2]", ZD_COMPLEX64, c64, 8);
    check_fill("[\"NaN\", \"Infinity\"]", ZD_COMPLEX128, c128, 16);
    uint32_t hex_pair[2] = {0x3f800000, 0x7fc00001};
    check_fill("[\"0x3f800000\", \"0x7fc00001\"]", ZD_COMPLEX64, hex_pair, 8);
    check_encoding(ZD_COMPLEX64, c64, 8, "[1.5,-2]");
    const char *bad[] = {"1.5", "[1.5]", "[1, 2, 3]", "[1, \"x\"]", "[true, 1]", "\"NaN\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[ZD_FILL_BYTES];
        zd_error err = {0};
        cr_assert_neq(parse_text(bad[i], ZD_COMPLEX128, out, &err), 0, "%s", bad[i]);
        cr_assert(strstr(err.msg, "fill_value"), "%s", err.msg);
    }
}

Test(fill, null_or_missing_is_refused)
{
    uint8_t out[ZD_FILL_BYTES];
    zd_error err = {0};
    cr_assert_eq(zd_fill_parse(NULL, ZD_UINT8, out, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "fill_value"), "%s", err.msg);
}

Test(fill, buffer_fill_and_uniformity_for_every_type)
{
    for (int t = 0; t < ZD_DTYPE_COUNT; t++) {
        size_t size = zd_dtype_size((zd_dtype)t);
        uint8_t fill[ZD_FILL_BYTES] = {0};
        for (size_t i = 0; i < size; i++)
            fill[i] = (uint8_t)(0x11 * (i + 1));
        size_t counts[] = {0, 1, 2, 3, 7, 1000, 4097};
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            size_t n = counts[c];
            uint8_t *buf = malloc(n * size + 1);
            buf[n * size] = 0x5A; /* guard byte */
            zd_fill_buffer(buf, n, (zd_dtype)t, fill);
            for (size_t e = 0; e < n; e++)
                cr_assert_eq(memcmp(buf + e * size, fill, size), 0, "%s n=%zu e=%zu",
                             zd_dtype_name((zd_dtype)t), n, e);
            cr_assert_eq(buf[n * size], 0x5A);
            cr_assert(zd_fill_is_uniform(buf, n, (zd_dtype)t, fill));
            if (n > 0) {
                buf[(n - 1) * size + size - 1] ^= 1;
                cr_assert_not(zd_fill_is_uniform(buf, n, (zd_dtype)t, fill));
                buf[(n - 1) * size + size - 1] ^= 1;
                buf[0] ^= 0x80;
                cr_assert_not(zd_fill_is_uniform(buf, n, (zd_dtype)t, fill));
            }
            free(buf);
        }
    }
}

Test(fill, zero_fill_uses_all_zero_bytes)
{
    uint8_t zero[ZD_FILL_BYTES] = {0};
    uint8_t buf[64];
    memset(buf, 0xFF, sizeof buf);
    zd_fill_buffer(buf, 4, ZD_COMPLEX128, zero);
    for (size_t i = 0; i < sizeof buf; i++)
        cr_assert_eq(buf[i], 0);
}
