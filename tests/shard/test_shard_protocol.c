/* test_shard_protocol.c: unit tests of the shard endpoints' wire formats: the Zarr-Shard
 * header (every malformed form refused) and the batch framing (round trip, every truncation
 * and malformation refused with nothing parsed). */
#include <criterion/criterion.h>

#include "shard_batch.h"
#include "shard_header.h"

#include <stdlib.h>
#include <string.h>

static int parse(const char *s, zd_shard_layout *l)
{
    zd_error err = {0};
    int rc = sh_header_parse(s, strlen(s), l, &err);
    if (rc) cr_assert_neq(err.msg[0], '\0', "no message for %s", s);
    return rc;
}

Test(shard_header, full_and_default_forms)
{
    zd_shard_layout l;
    cr_assert_eq(parse("chunks=4,4,2; index=end; crc32c=1", &l), 0);
    cr_assert_eq(l.ndim, 3);
    cr_assert_eq(l.nchunks, 32);
    cr_assert(l.index_at_end && l.index_crc32c && !l.index_big_endian);
    cr_assert_eq(parse("chunks=7", &l), 0);
    cr_assert(l.index_at_end && l.index_crc32c);
    cr_assert_eq(parse(" CHUNKS = 2,3 ;Index=start;\tcrc32c=0 ; endian=big ", &l), 0);
    cr_assert_eq(l.nchunks, 6);
    cr_assert(!l.index_at_end && !l.index_crc32c && l.index_big_endian);
}

Test(shard_header, malformed_forms_are_refused)
{
    zd_shard_layout l;
    const char *bad[] = {
        "",
        ";",
        "chunks=4;",
        "index=end",
        "chunks=",
        "chunks=4,,4",
        "chunks=4,-1",
        "chunks=4,0",
        "chunks=a",
        "chunks=4 4",
        "chunks=4;chunks=4",
        "chunks=4;index=middle",
        "chunks=4;crc32c=2",
        "chunks=4;endian=native",
        "chunks=4;colour=red",
        "chunks",
        "chunks=4;index",
        "chunks=4096,4096,4096",
        "chunks=18446744073709551616",
        "chunks=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i], &l), ZD_EINVAL, "accepted \"%s\"", bad[i]);
    char huge[SH_HEADER_MAX + 2];
    memset(huge, ' ', sizeof huge - 1);
    memcpy(huge, "chunks=4", 8);
    huge[sizeof huge - 1] = '\0';
    cr_assert_eq(parse(huge, &l), ZD_EINVAL);
}

Test(shard_batch, round_trip)
{
    zd_buf b = {0};
    uint64_t c1[2] = {3, 300}, c2[2] = {0, UINT64_MAX};
    cr_assert_eq(sh_batch_begin(&b, 2), 0);
    cr_assert_eq(sh_batch_add_put(&b, 2, c1, "payload", 7), 0);
    cr_assert_eq(sh_batch_add_delete(&b, 2, c2), 0);
    cr_assert_eq(sh_batch_add_put(&b, 2, c2, "\0\1", 2), 0);
    sh_op *ops;
    size_t n;
    zd_error err = {0};
    cr_assert_eq(sh_batch_parse(b.data, b.len, 2, &ops, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 3);
    cr_assert_eq(ops[0].kind, SH_OP_PUT);
    cr_assert_eq(ops[0].coords[1], 300);
    cr_assert_eq(ops[0].len, 7);
    cr_assert_eq(memcmp(ops[0].data, "payload", 7), 0);
    cr_assert_eq(ops[1].kind, SH_OP_DELETE);
    cr_assert_eq(ops[1].coords[1], UINT64_MAX);
    cr_assert_eq(ops[2].len, 2);
    free(ops);
    /* an empty batch is valid */
    cr_assert_eq(sh_batch_parse(b.data, 5, 2, &ops, &n, NULL), 0);
    cr_assert_eq(n, 0);
    free(ops);
    zd_buf_free(&b);
}

Test(shard_batch, every_truncation_is_refused)
{
    zd_buf b = {0};
    uint64_t c[1] = {200};
    sh_batch_begin(&b, 1);
    sh_batch_add_put(&b, 1, c, "abcdef", 6);
    /* cuts that fall inside the op (after its kind byte, before its payload ends) */
    for (size_t cut = 6; cut < b.len; cut++) {
        sh_op *ops = NULL;
        size_t n = 99;
        cr_assert_eq(sh_batch_parse(b.data, cut, 1, &ops, &n, NULL), ZD_EINVAL, "cut %zu", cut);
        cr_assert_null(ops);
        cr_assert_eq(n, 0);
    }
    zd_buf_free(&b);
}

Test(shard_batch, malformed_bodies_are_refused)
{
    sh_op *ops;
    size_t n;
    const uint8_t bad_magic[] = {'Z', 'S', 'B', '2', 1};
    cr_assert_eq(sh_batch_parse(bad_magic, sizeof bad_magic, 1, &ops, &n, NULL), ZD_EINVAL);
    const uint8_t wrong_ndim[] = {'Z', 'S', 'B', '1', 2};
    cr_assert_eq(sh_batch_parse(wrong_ndim, sizeof wrong_ndim, 1, &ops, &n, NULL), ZD_EINVAL);
    const uint8_t bad_kind[] = {'Z', 'S', 'B', '1', 1, 'X', 0};
    cr_assert_eq(sh_batch_parse(bad_kind, sizeof bad_kind, 1, &ops, &n, NULL), ZD_EINVAL);
    const uint8_t long_varint[] = {'Z',  'S',  'B',  '1',  1,    'D',  0xFF, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    cr_assert_eq(sh_batch_parse(long_varint, sizeof long_varint, 1, &ops, &n, NULL), ZD_EINVAL);
    const uint8_t huge_len[] = {'Z', 'S', 'B', '1', 1, 'P', 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    cr_assert_eq(sh_batch_parse(huge_len, sizeof huge_len, 1, &ops, &n, NULL), ZD_EINVAL);
    cr_assert_eq(sh_batch_parse(bad_magic, 3, 1, &ops, &n, NULL), ZD_EINVAL);
}

Test(shard_batch, op_count_is_bounded)
{
    zd_buf b = {0};
    uint64_t c[1] = {0};
    sh_batch_begin(&b, 1);
    for (int i = 0; i <= SH_BATCH_MAX_OPS; i++)
        sh_batch_add_delete(&b, 1, c);
    sh_op *ops;
    size_t n;
    cr_assert_eq(sh_batch_parse(b.data, b.len, 1, &ops, &n, NULL), ZD_EINVAL);
    zd_buf_free(&b);
}
