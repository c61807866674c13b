/* test_batch.c: unit tests of the shard batch framing (common/zd_batch.h): exact bytes of the
 * writer, LEB128 values past one byte, a round trip through the reader, and every truncation
 * or malformation refused by the reader. */
#include <criterion/criterion.h>

#include "zd_batch.h"

#include <string.h>

/* Reads every op of body into ops (at most max); returns the first error or 0. */
static int read_all(const uint8_t *body, size_t len, int ndim, zd_batch_op *ops, size_t max,
                    size_t *n)
{
    zd_batch_reader r;
    zd_error err = {0};
    *n = 0;
    int rc = zd_batch_open(&r, body, len, ndim, &err);
    while (rc == 0 && zd_batch_more(&r)) {
        zd_batch_op op;
        rc = zd_batch_next(&r, &op, &err);
        if (rc == 0 && *n < max) ops[*n] = op;
        if (rc == 0) ++*n;
    }
    if (rc) cr_assert_neq(err.msg[0], '\0', "no message for error %d", rc);
    return rc;
}

Test(batch, exact_bytes)
{
    zd_buf b = {0};
    uint64_t c1[2] = {1, 300}, c2[2] = {0, 127};
    cr_assert_eq(zd_batch_begin(&b, 2), 0);
    cr_assert_eq(zd_batch_add_put(&b, 2, c1, "xyz", 3), 0);
    cr_assert_eq(zd_batch_add_delete(&b, 2, c2), 0);
    static const uint8_t want[] = {'Z',  'S', 'B', '1', 2,   'P', 1, 0xAC,
                                   0x02, 3,   'x', 'y', 'z', 'D', 0, 127};
    cr_assert_eq(b.len, sizeof want);
    cr_assert_eq(memcmp(b.data, want, sizeof want), 0);
    zd_buf_free(&b);
}

Test(batch, large_varints)
{
    zd_buf b = {0};
    uint64_t c[1] = {UINT64_MAX};
    cr_assert_eq(zd_batch_begin(&b, 1), 0);
    cr_assert_eq(zd_batch_add_delete(&b, 1, c), 0);
    cr_assert_eq(b.len, 5 + 1 + 10); /* 64 bits take ten 7-bit groups */
    cr_assert_eq(b.data[6], 0xFF);
    cr_assert_eq(b.data[15], 0x01);
    zd_batch_op op;
    size_t n;
    cr_assert_eq(read_all(b.data, b.len, 1, &op, 1, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(op.coords[0], UINT64_MAX);
    zd_buf_free(&b);
}

Test(batch, round_trip)
{
    zd_buf b = {0};
    uint64_t c1[2] = {3, 300}, c2[2] = {0, UINT64_MAX};
    cr_assert_eq(zd_batch_begin(&b, 2), 0);
    cr_assert_eq(zd_batch_add_put(&b, 2, c1, "payload", 7), 0);
    cr_assert_eq(zd_batch_add_delete(&b, 2, c2), 0);
    cr_assert_eq(zd_batch_add_put(&b, 2, c2, "\0\1", 2), 0);
    zd_batch_op ops[3];
    size_t n;
    cr_assert_eq(read_all(b.data, b.len, 2, ops, 3, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(ops[0].kind, ZD_BATCH_PUT);
    cr_assert_eq(ops[0].coords[0], 3);
    cr_assert_eq(ops[0].coords[1], 300);
    cr_assert_eq(ops[0].len, 7);
    cr_assert_eq(memcmp(ops[0].data, "payload", 7), 0);
    cr_assert_eq(ops[1].kind, ZD_BATCH_DELETE);
    cr_assert_eq(ops[1].coords[1], UINT64_MAX);
    cr_assert_eq(ops[1].len, 0);
    cr_assert_eq(ops[2].len, 2);
    cr_assert_eq(memcmp(ops[2].data, "\0\1", 2), 0);
    /* an empty batch is valid */
    cr_assert_eq(read_all(b.data, ZD_BATCH_HEAD_LEN, 2, ops, 3, &n), 0);
    cr_assert_eq(n, 0);
    zd_buf_free(&b);
}

Test(batch, every_truncation_is_refused)
{
    zd_buf b = {0};
    uint64_t c[1] = {200};
    zd_batch_begin(&b, 1);
    zd_batch_add_put(&b, 1, c, "abcdef", 6);
    zd_batch_op op;
    size_t n;
    /* cuts inside the header, then inside the op (after its kind byte, before its end) */
    for (size_t cut = 0; cut < b.len; cut++)
        if (cut != ZD_BATCH_HEAD_LEN)
            cr_assert_eq(read_all(b.data, cut, 1, &op, 1, &n), ZD_EINVAL, "cut %zu", cut);
    zd_buf_free(&b);
}

Test(batch, malformed_bodies_are_refused)
{
    zd_batch_op op;
    size_t n;
    const uint8_t bad_magic[] = {'Z', 'S', 'B', '2', 1};
    cr_assert_eq(read_all(bad_magic, sizeof bad_magic, 1, &op, 1, &n), ZD_EINVAL);
    const uint8_t wrong_ndim[] = {'Z', 'S', 'B', '1', 2};
    cr_assert_eq(read_all(wrong_ndim, sizeof wrong_ndim, 1, &op, 1, &n), ZD_EINVAL);
    const uint8_t zero_ndim[] = {'Z', 'S', 'B', '1', 0};
    cr_assert_eq(read_all(zero_ndim, sizeof zero_ndim, 0, &op, 1, &n), ZD_EINVAL);
    const uint8_t bad_kind[] = {'Z', 'S', 'B', '1', 1, 'X', 0};
    cr_assert_eq(read_all(bad_kind, sizeof bad_kind, 1, &op, 1, &n), ZD_EINVAL);
    const uint8_t long_varint[] = {'Z',  'S',  'B',  '1',  1,    'D',  0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    cr_assert_eq(read_all(long_varint, sizeof long_varint, 1, &op, 1, &n), ZD_EINVAL);
    const uint8_t huge_len[] = {'Z', 'S', 'B', '1', 1, 'P', 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    cr_assert_eq(read_all(huge_len, sizeof huge_len, 1, &op, 1, &n), ZD_EINVAL);
}

Test(batch, op_count_is_bounded)
{
    zd_buf b = {0};
    uint64_t c[1] = {0};
    zd_batch_begin(&b, 1);
    for (int i = 0; i < ZD_BATCH_MAX_OPS; i++)
        zd_batch_add_delete(&b, 1, c);
    zd_batch_op op;
    size_t n;
    cr_assert_eq(read_all(b.data, b.len, 1, &op, 1, &n), 0);
    cr_assert_eq(n, ZD_BATCH_MAX_OPS);
    zd_batch_add_delete(&b, 1, c);
    cr_assert_eq(read_all(b.data, b.len, 1, &op, 1, &n), ZD_EINVAL);
    cr_assert_eq(n, ZD_BATCH_MAX_OPS);
    zd_buf_free(&b);
}
