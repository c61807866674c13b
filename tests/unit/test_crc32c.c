/* test_crc32c.c: CRC-32C known answers, the hardware and table paths agreeing, incremental
 * continuation and combine. */
#include <criterion/criterion.h>

#include "zd_crc32c.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

Test(crc32c, known_answers)
{
    cr_assert_eq(zd_crc32c(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(zd_crc32c_portable(0, "123456789", 9), 0xE3069283u);
    cr_assert_eq(zd_crc32c(0, "", 0), 0u);
    uint8_t zeros[32] = {0};
    /* RFC 3720 B.4: 32 bytes of zeros. */
    cr_assert_eq(zd_crc32c(0, zeros, sizeof zeros), 0x8A9136AAu);
    uint8_t ones[32];
    memset(ones, 0xFF, sizeof ones);
    cr_assert_eq(zd_crc32c(0, ones, sizeof ones), 0x62A8AB43u);
}

Test(crc32c, fast_path_matches_table_at_every_length_and_alignment)
{
    uint8_t buf[600];
    srand(7);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    for (size_t start = 0; start < 9; start++)
        for (size_t len = 0; start + len <= sizeof buf; len += 7)
            cr_assert_eq(zd_crc32c(0, buf + start, len), zd_crc32c_portable(0, buf + start, len),
                         "start %zu len %zu", start, len);
}

Test(crc32c, continuation_equals_one_pass)
{
    const char *msg = "the quick brown fox jumps over the lazy dog";
    size_t n = strlen(msg);
    uint32_t whole = zd_crc32c(0, msg, n);
    for (size_t cut = 0; cut <= n; cut++) {
        cr_assert_eq(zd_crc32c(zd_crc32c(0, msg, cut), msg + cut, n - cut), whole);
        cr_assert_eq(zd_crc32c_portable(zd_crc32c_portable(0, msg, cut), msg + cut, n - cut),
                     whole);
    }
}

Test(crc32c, combine_equals_crc_of_concatenation)
{
    static uint8_t buf[70000];
    srand(11);
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)rand();
    size_t cuts[] = {0, 1, 15, 16, 4096, 69999, 70000};
    uint32_t whole = zd_crc32c(0, buf, sizeof buf);
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        size_t cut = cuts[k];
        uint32_t a = zd_crc32c(0, buf, cut);
        uint32_t b = zd_crc32c(0, buf + cut, sizeof buf - cut);
        cr_assert_eq(zd_crc32c_combine(a, b, sizeof buf - cut), whole, "cut %zu", cut);
    }
}
