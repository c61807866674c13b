/* test_batch.c: unit tests for the shard batch body writer (framing in server/SHARDS.md):
 * exact bytes for puts and deletes, LEB128 coordinates and lengths past one byte, and the
 * full-batch limit. */
#include <criterion/criterion.h>

#include "zc_batch.h"

#include <string.h>

Test(batch, exact_bytes)
{
    zc_batch b = {0};
    cr_assert_eq(zc_batch_begin(&b, 2), 0);
    uint64_t c1[2] = {1, 300}, c2[2] = {0, 127};
    cr_assert_eq(zc_batch_put(&b, c1, "xyz", 3), 0);
    cr_assert_eq(zc_batch_delete(&b, c2), 0);
    static const uint8_t want[] = {'Z',  'S', 'B', '1', 2,   'P', 1, 0xAC,
                                   0x02, 3,   'x', 'y', 'z', 'D', 0, 127};
    cr_assert_eq(b.body.len, sizeof want);
    cr_assert_eq(memcmp(b.body.data, want, sizeof want), 0);
    cr_assert_eq(b.nops, 2);
    cr_assert(!zc_batch_full(&b));
    cr_assert_eq(zc_batch_begin(&b, 2), 0); /* restart keeps nothing */
    cr_assert_eq(b.body.len, 5);
    cr_assert_eq(b.nops, 0);
    zc_batch_free(&b);
}

Test(batch, large_varints)
{
    zc_batch b = {0};
    cr_assert_eq(zc_batch_begin(&b, 1), 0);
    uint64_t c[1] = {UINT64_MAX};
    cr_assert_eq(zc_batch_delete(&b, c), 0);
    cr_assert_eq(b.body.len, 5 + 1 + 10); /* 64 bits take ten 7-bit groups */
    cr_assert_eq(b.body.data[6], 0xFF);
    cr_assert_eq(b.body.data[15], 0x01);
    zc_batch_free(&b);
}

Test(batch, full_after_the_op_limit)
{
    zc_batch b = {0};
    cr_assert_eq(zc_batch_begin(&b, 1), 0);
    uint64_t c[1] = {0};
    for (int i = 0; i < ZC_BATCH_MAX_OPS - 1; i++)
        cr_assert_eq(zc_batch_delete(&b, c), 0);
    cr_assert(!zc_batch_full(&b));
    cr_assert_eq(zc_batch_delete(&b, c), 0);
    cr_assert(zc_batch_full(&b));
    zc_batch_free(&b);
}
