/* test_batch.c: unit tests for the client's batch accumulator (client/zc_batch.h): it counts
 * ops, restarts empty, and says "full" at the server's op limit. The framing bytes themselves
 * are tested with common/zd_batch.c in tests/unit/test_batch.c. */
#include <criterion/criterion.h>

#include "zc_batch.h"

Test(batch, counts_ops_and_restarts_empty)
{
    zc_batch b = {0};
    cr_assert_eq(zc_batch_begin(&b, 2), 0);
    uint64_t c1[2] = {1, 300}, c2[2] = {0, 127};
    cr_assert_eq(zc_batch_put(&b, c1, "xyz", 3), 0);
    cr_assert_eq(zc_batch_delete(&b, c2), 0);
    cr_assert_eq(b.nops, 2);
    cr_assert_eq(b.body.len, 16); /* header 5, put 1+1+2+1+3, delete 1+1+1 */
    cr_assert(!zc_batch_full(&b));
    cr_assert_eq(zc_batch_begin(&b, 2), 0); /* restart keeps nothing */
    cr_assert_eq(b.body.len, ZD_BATCH_HEAD_LEN);
    cr_assert_eq(b.nops, 0);
    zc_batch_free(&b);
}

Test(batch, full_after_the_op_limit)
{
    zc_batch b = {0};
    cr_assert_eq(zc_batch_begin(&b, 1), 0);
    uint64_t c[1] = {0};
    for (int i = 0; i < ZD_BATCH_MAX_OPS - 1; i++)
        cr_assert_eq(zc_batch_delete(&b, c), 0);
    cr_assert(!zc_batch_full(&b));
    cr_assert_eq(zc_batch_delete(&b, c), 0);
    cr_assert(zc_batch_full(&b));
    zc_batch_free(&b);
}
