/* test_shard_protocol.c: unit tests of the shard endpoints' wire formats: the Zarr-Shard
 * header (every malformed form refused), and batch bodies read into the shard engine's
 * operations (the framing itself is tested in tests/unit/test_batch.c). */
#include <criterion/criterion.h>

#include "shard_batch.h"
#include "shard_header.h"
#include "zd_batch.h"

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

Test(shard_batch, ops_map_to_engine_operations)
{
    zd_buf b = {0};
    uint64_t c1[2] = {3, 300}, c2[2] = {0, UINT64_MAX};
    cr_assert_eq(zd_batch_begin(&b, 2), 0);
    cr_assert_eq(zd_batch_add_put(&b, 2, c1, "payload", 7), 0);
    cr_assert_eq(zd_batch_add_delete(&b, 2, c2), 0);
    sh_op *ops;
    size_t n;
    zd_error err = {0};
    cr_assert_eq(sh_batch_parse(b.data, b.len, 2, &ops, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_eq(ops[0].kind, SH_OP_PUT);
    cr_assert_eq(ops[0].coords[0], 3);
    cr_assert_eq(ops[0].coords[1], 300);
    cr_assert_eq(ops[0].len, 7);
    cr_assert_eq(memcmp(ops[0].data, "payload", 7), 0);
    cr_assert_eq(ops[1].kind, SH_OP_DELETE);
    cr_assert_eq(ops[1].coords[1], UINT64_MAX);
    free(ops);
    /* an empty batch is valid */
    cr_assert_eq(sh_batch_parse(b.data, ZD_BATCH_HEAD_LEN, 2, &ops, &n, NULL), 0);
    cr_assert_eq(n, 0);
    free(ops);
    zd_buf_free(&b);
}

/* Framing errors are tested with the reader (tests/unit/test_batch.c); here only that a body
 * failing after some good ops hands back nothing. */
Test(shard_batch, an_error_after_good_ops_returns_none)
{
    zd_buf b = {0};
    uint64_t c[1] = {200};
    zd_batch_begin(&b, 1);
    zd_batch_add_delete(&b, 1, c);
    zd_batch_add_put(&b, 1, c, "abcdef", 6);
    sh_op *ops = NULL;
    size_t n = 99;
    zd_error err = {0};
    cr_assert_eq(sh_batch_parse(b.data, b.len - 1, 1, &ops, &n, &err), ZD_EINVAL);
    cr_assert_neq(err.msg[0], '\0');
    cr_assert_null(ops);
    cr_assert_eq(n, 0);
    zd_buf_free(&b);
}
