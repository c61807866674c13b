/* test_shard_index.c: the shard index format: layout validation, C-order chunk positions,
 * encode/decode round trips in every variant, every corruption decode must refuse, and the
 * incremental crc32c update. */
#include <criterion/criterion.h>

#include "zd_crc32c.h"
#include "zd_shard_index.h"

#include <stdlib.h>
#include <string.h>

static zd_shard_layout make_layout(int ndim, const uint64_t *chunks, bool end, bool crc, bool be)
{
    zd_shard_layout l;
    cr_assert_eq(zd_shard_layout_init(&l, ndim, chunks, end, crc, be, NULL), 0);
    return l;
}

Test(shard_index, layout_init_validates)
{
    zd_shard_layout l;
    zd_error err = {0};
    uint64_t ok[3] = {4, 4, 2};
    cr_assert_eq(zd_shard_layout_init(&l, 3, ok, true, true, false, &err), 0);
    cr_assert_eq(l.nchunks, 32);
    cr_assert_eq(zd_shard_index_size(&l), 32 * 16 + 4);
    uint64_t zero[2] = {4, 0};
    cr_assert_eq(zd_shard_layout_init(&l, 2, zero, true, true, false, &err), ZD_EINVAL);
    cr_assert_eq(zd_shard_layout_init(&l, 0, ok, true, true, false, &err), ZD_EINVAL);
    cr_assert_eq(zd_shard_layout_init(&l, ZD_MAX_DIMS + 1, ok, true, true, false, &err), ZD_EINVAL);
    uint64_t huge[2] = {UINT64_MAX, 3};
    cr_assert_eq(zd_shard_layout_init(&l, 2, huge, true, true, false, &err), ZD_EOVERFLOW);
    uint64_t big[2] = {1u << 12, (1u << 12) + 1};
    cr_assert_eq(zd_shard_layout_init(&l, 2, big, true, true, false, &err), ZD_EOVERFLOW);
}

Test(shard_index, chunk_index_is_c_order_and_bounded)
{
    uint64_t chunks[3] = {4, 4, 2};
    zd_shard_layout l = make_layout(3, chunks, true, true, false);
    uint64_t c[3] = {3, 0, 1}, out;
    cr_assert_eq(zd_shard_chunk_index(&l, c, &out), 0);
    cr_assert_eq(out, 3 * 8 + 0 * 2 + 1);
    uint64_t bad[3] = {0, 4, 0};
    cr_assert_eq(zd_shard_chunk_index(&l, bad, &out), ZD_ERANGE);
}

static void round_trip(bool end, bool crc, bool be)
{
    uint64_t chunks[2] = {3, 5};
    zd_shard_layout l = make_layout(2, chunks, end, crc, be);
    size_t isz = zd_shard_index_size(&l);
    uint64_t base = end ? 0 : isz;
    zd_shard_entry e[15];
    for (int i = 0; i < 15; i++) {
        e[i].offset = i % 3 == 0 ? ZD_SHARD_EMPTY : base + (uint64_t)(14 - i) * 10;
        e[i].nbytes = i % 3 == 0 ? ZD_SHARD_EMPTY : 10;
    }
    uint8_t *enc = malloc(isz);
    zd_shard_index_encode(&l, e, enc);
    if (!be)
        cr_assert_eq(enc[16], (uint8_t)e[1].offset); /* entry 1 offset, little endian */
    else
        cr_assert_eq(enc[16 + 7], (uint8_t)e[1].offset);
    zd_shard_entry d[15];
    zd_error err = {0};
    cr_assert_eq(zd_shard_index_decode(&l, enc, isz, 150 + isz, d, &err), 0, "%s", err.msg);
    cr_assert_eq(memcmp(d, e, sizeof e), 0);
    if (crc) cr_assert_eq(zd_shard_index_crc(&l, e), zd_crc32c(0, enc, 15 * 16));
    free(enc);
}

Test(shard_index, round_trips_every_variant)
{
    for (int v = 0; v < 8; v++)
        round_trip(v & 1, v & 2, v & 4);
}

static int decode_one(zd_shard_layout *l, zd_shard_entry *e, uint64_t shard_size, bool flip)
{
    size_t isz = zd_shard_index_size(l);
    uint8_t *enc = malloc(isz);
    zd_shard_index_encode(l, e, enc);
    if (flip) enc[0] ^= 1;
    zd_shard_entry out[4];
    zd_error err = {0};
    int rc = zd_shard_index_decode(l, enc, isz, shard_size, out, &err);
    if (rc) cr_assert_neq(err.msg[0], '\0');
    free(enc);
    return rc;
}

Test(shard_index, decode_refuses_corruption)
{
    uint64_t chunks[1] = {4};
    zd_shard_layout l = make_layout(1, chunks, true, true, false);
    zd_shard_entry good[4] = {{0, 10}, {10, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 5}};
    uint64_t size = 25 + zd_shard_index_size(&l);
    cr_assert_eq(decode_one(&l, good, size, false), 0);
    cr_assert_eq(decode_one(&l, good, size, true), ZD_ECORRUPT); /* crc */
    zd_shard_entry overlap[4] = {{0, 11}, {10, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 5}};
    cr_assert_eq(decode_one(&l, overlap, size, false), ZD_ECORRUPT);
    zd_shard_entry outside[4] = {{0, 10}, {10, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 500}};
    cr_assert_eq(decode_one(&l, outside, size, false), ZD_ECORRUPT);
    zd_shard_entry into_index[4] = {{0, 10}, {10, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 6}};
    cr_assert_eq(decode_one(&l, into_index, size, false), ZD_ECORRUPT);
    zd_shard_entry wrap[4] = {
        {0, 10}, {UINT64_MAX - 1, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 5}};
    cr_assert_eq(decode_one(&l, wrap, size, false), ZD_ECORRUPT);
    zd_shard_entry zero_len[4] = {{0, 0}, {10, 10}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}, {20, 5}};
    cr_assert_eq(decode_one(&l, zero_len, size, false), ZD_ECORRUPT);
    zd_shard_entry half_empty[4] = {{0, 10}, {10, ZD_SHARD_EMPTY}, {ZD_SHARD_EMPTY, 3}, {20, 5}};
    cr_assert_eq(decode_one(&l, half_empty, size, false), ZD_ECORRUPT);
    cr_assert_eq(decode_one(&l, good, zd_shard_index_size(&l) - 1, false), ZD_ECORRUPT);
    uint8_t tiny[8] = {0};
    zd_shard_entry out[4];
    cr_assert_eq(zd_shard_index_decode(&l, tiny, sizeof tiny, size, out, NULL), ZD_ECORRUPT);
}

Test(shard_index, index_at_start_excludes_its_region)
{
    uint64_t chunks[1] = {2};
    zd_shard_layout l = make_layout(1, chunks, false, false, false);
    zd_shard_entry e[2] = {{0, 4}, {ZD_SHARD_EMPTY, ZD_SHARD_EMPTY}};
    cr_assert_eq(decode_one(&l, e, 100, false), ZD_ECORRUPT);
    e[0].offset = 32;
    cr_assert_eq(decode_one(&l, e, 100, false), 0);
}

Test(shard_index, crc_update_matches_full_recompute)
{
    uint64_t chunks[2] = {32, 32};
    for (int be = 0; be < 2; be++) {
        zd_shard_layout l = make_layout(2, chunks, true, true, be);
        zd_shard_entry *e = malloc(l.nchunks * sizeof *e);
        for (uint64_t i = 0; i < l.nchunks; i++)
            e[i] = (zd_shard_entry){ZD_SHARD_EMPTY, ZD_SHARD_EMPTY};
        uint32_t crc = zd_shard_index_crc(&l, e);
        uint64_t pos[] = {0, 1, 500, 1023, 1023, 0};
        for (size_t k = 0; k < sizeof pos / sizeof pos[0]; k++) {
            zd_shard_entry before = e[pos[k]];
            e[pos[k]] = (zd_shard_entry){k * 1000 + 7, k + 3};
            crc = zd_shard_index_crc_update(&l, crc, pos[k], &before, &e[pos[k]]);
            cr_assert_eq(crc, zd_shard_index_crc(&l, e), "step %zu", k);
        }
        free(e);
    }
}

Test(shard_index, layout_equal)
{
    uint64_t a[2] = {4, 2}, b[2] = {2, 4};
    zd_shard_layout la = make_layout(2, a, true, true, false);
    zd_shard_layout lb = make_layout(2, b, true, true, false);
    zd_shard_layout lc = make_layout(2, a, true, false, false);
    cr_assert(zd_shard_layout_equal(&la, &la));
    cr_assert_not(zd_shard_layout_equal(&la, &lb));
    cr_assert_not(zd_shard_layout_equal(&la, &lc));
}
