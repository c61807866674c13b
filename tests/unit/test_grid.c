/* test_grid.c: unit tests for the regular chunk grid (chunk counts, edge extents) and the
 * chunk key encodings (default "/" and ".", v2), including keys that must be refused. */
#include <criterion/criterion.h>

#include "zd_grid.h"

#include <stdint.h>
#include <string.h>

static zd_grid make_grid(int ndim, const uint64_t *shape, const uint64_t *chunks)
{
    zd_grid g;
    cr_assert_eq(zd_grid_init(&g, ndim, shape, chunks, NULL), 0);
    return g;
}

Test(grid, chunk_counts_round_up_and_allow_empty_dimensions)
{
    uint64_t shape[] = {100, 10, 0, 7};
    uint64_t chunks[] = {30, 10, 4, 1};
    zd_grid g = make_grid(4, shape, chunks);
    cr_assert_eq(g.nchunks[0], 4);
    cr_assert_eq(g.nchunks[1], 1);
    cr_assert_eq(g.nchunks[2], 0);
    cr_assert_eq(g.nchunks[3], 7);
    cr_assert_eq(g.chunk_elems, 30 * 10 * 4 * 1);
    uint64_t total;
    cr_assert_eq(zd_grid_total_chunks(&g, &total), 0);
    cr_assert_eq(total, 0);
}

Test(grid, edge_chunks_are_clipped_to_the_shape)
{
    uint64_t shape[] = {100, 64};
    uint64_t chunks[] = {30, 32};
    zd_grid g = make_grid(2, shape, chunks);
    uint64_t total, ext[2];
    cr_assert_eq(zd_grid_total_chunks(&g, &total), 0);
    cr_assert_eq(total, 8);
    cr_assert_eq(zd_grid_chunk_extent(&g, (uint64_t[]){0, 0}, ext), 0);
    cr_assert(ext[0] == 30 && ext[1] == 32);
    cr_assert_eq(zd_grid_chunk_extent(&g, (uint64_t[]){3, 1}, ext), 0);
    cr_assert(ext[0] == 10 && ext[1] == 32);
    cr_assert_eq(zd_grid_chunk_extent(&g, (uint64_t[]){4, 0}, ext), ZD_ERANGE);
    cr_assert_eq(zd_grid_chunk_extent(&g, (uint64_t[]){0, 2}, ext), ZD_ERANGE);
    cr_assert(zd_grid_contains(&g, (uint64_t[]){3, 1}));
    cr_assert_not(zd_grid_contains(&g, (uint64_t[]){3, 2}));
}

Test(grid, zero_d_grid_has_one_chunk)
{
    zd_grid g = make_grid(0, NULL, NULL);
    uint64_t total;
    cr_assert_eq(zd_grid_total_chunks(&g, &total), 0);
    cr_assert_eq(total, 1);
    cr_assert_eq(g.chunk_elems, 1);
}

Test(grid, bad_grids_are_refused)
{
    zd_grid g;
    zd_error err = {0};
    uint64_t shape[] = {10, 10};
    cr_assert_eq(zd_grid_init(&g, 2, shape, (uint64_t[]){5, 0}, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "chunk_shape[1]"), "%s", err.msg);
    cr_assert_eq(zd_grid_init(&g, ZD_MAX_DIMS + 1, shape, shape, NULL), ZD_EINVAL);
    cr_assert_eq(zd_grid_init(&g, -1, shape, shape, NULL), ZD_EINVAL);
    uint64_t big[] = {UINT64_MAX, UINT64_MAX};
    cr_assert_eq(zd_grid_init(&g, 2, big, (uint64_t[]){1u << 31, 1ull << 33}, NULL), ZD_EOVERFLOW);
}

Test(grid, total_chunk_count_overflow_is_reported)
{
    uint64_t shape[] = {UINT64_MAX, UINT64_MAX};
    zd_grid g = make_grid(2, shape, (uint64_t[]){1, 1});
    uint64_t total;
    cr_assert_eq(zd_grid_total_chunks(&g, &total), ZD_EOVERFLOW);
}

static void check_key(zd_key_kind kind, char sep, int ndim, const uint64_t *coords,
                      const char *want)
{
    zd_key_encoding enc = {kind, sep};
    char key[ZD_CHUNK_KEY_MAX];
    size_t len = 0;
    cr_assert_eq(zd_key_encode(&enc, ndim, coords, key, sizeof key, &len), 0);
    cr_assert_str_eq(key, want);
    cr_assert_eq(len, strlen(want));
    uint64_t back[ZD_MAX_DIMS] = {0};
    cr_assert_eq(zd_key_decode(&enc, ndim, key, len, back, NULL), 0, "%s", key);
    for (int d = 0; d < ndim; d++)
        cr_assert_eq(back[d], coords[d], "%s dim %d", key, d);
}

Test(key, known_keys_for_every_encoding)
{
    uint64_t c[] = {1, 2, 30};
    check_key(ZD_KEY_DEFAULT, '/', 2, c, "c/1/2");
    check_key(ZD_KEY_DEFAULT, '.', 2, c, "c.1.2");
    check_key(ZD_KEY_DEFAULT, '/', 3, c, "c/1/2/30");
    check_key(ZD_KEY_DEFAULT, '/', 0, c, "c");
    check_key(ZD_KEY_DEFAULT, '.', 0, c, "c");
    check_key(ZD_KEY_V2, '.', 2, c, "1.2");
    check_key(ZD_KEY_V2, '/', 3, c, "1/2/30");
    check_key(ZD_KEY_V2, '.', 1, c, "1");
    check_key(ZD_KEY_V2, '.', 0, c, "0");
    check_key(ZD_KEY_DEFAULT, '/', 1, (uint64_t[]){0}, "c/0");
    check_key(ZD_KEY_DEFAULT, '/', 1, (uint64_t[]){UINT64_MAX}, "c/18446744073709551615");
}

Test(key, longest_key_fits_the_documented_bound)
{
    uint64_t coords[ZD_MAX_DIMS];
    for (int d = 0; d < ZD_MAX_DIMS; d++)
        coords[d] = UINT64_MAX;
    zd_key_encoding enc = {ZD_KEY_DEFAULT, '/'};
    char key[ZD_CHUNK_KEY_MAX];
    size_t len;
    cr_assert_eq(zd_key_encode(&enc, ZD_MAX_DIMS, coords, key, sizeof key, &len), 0);
    cr_assert_eq(len, ZD_CHUNK_KEY_MAX - 1);
    cr_assert_eq(zd_key_encode(&enc, ZD_MAX_DIMS, coords, key, sizeof key - 1, &len), ZD_EOVERFLOW);
    cr_assert_eq(zd_key_encode(&enc, 1, coords, key, 3, &len), ZD_EOVERFLOW);
}

Test(key, decode_refuses_anything_encode_would_not_write)
{
    static const struct {
        zd_key_kind kind;
        char sep;
        int ndim;
        const char *key;
    } bad[] = {
        {ZD_KEY_DEFAULT, '/', 2, "c/1"},
        {ZD_KEY_DEFAULT, '/', 2, "c/1/2/3"},
        {ZD_KEY_DEFAULT, '/', 2, "c.1.2"},
        {ZD_KEY_DEFAULT, '/', 2, "1/2"},
        {ZD_KEY_DEFAULT, '/', 2, "c/01/2"},
        {ZD_KEY_DEFAULT, '/', 2, "c/1//2"},
        {ZD_KEY_DEFAULT, '/', 2, "c/1/2/"},
        {ZD_KEY_DEFAULT, '/', 2, "c/-1/2"},
        {ZD_KEY_DEFAULT, '/', 2, "c/1/x"},
        {ZD_KEY_DEFAULT, '/', 2, "c/+1/2"},
        {ZD_KEY_DEFAULT, '/', 1, "c/18446744073709551616"},
        {ZD_KEY_DEFAULT, '/', 0, ""},
        {ZD_KEY_DEFAULT, '/', 0, "c/0"},
        {ZD_KEY_DEFAULT, '/', 1, "c"},
        {ZD_KEY_DEFAULT, '/', 1, "d/1"},
        {ZD_KEY_V2, '.', 2, "1.2."},
        {ZD_KEY_V2, '.', 2, ".1.2"},
        {ZD_KEY_V2, '.', 2, "c.1.2"},
        {ZD_KEY_V2, '.', 0, "c"},
        {ZD_KEY_V2, '.', 0, "00"},
        {ZD_KEY_V2, '.', 1, ""},
        {ZD_KEY_V2, '.', 2, "1/2"},
        {ZD_KEY_V2, '.', 1, "1 "},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_key_encoding enc = {bad[i].kind, bad[i].sep};
        uint64_t coords[ZD_MAX_DIMS];
        zd_error err = {0};
        cr_assert_eq(zd_key_decode(&enc, bad[i].ndim, bad[i].key, strlen(bad[i].key), coords, &err),
                     ZD_EINVAL, "\"%s\" accepted", bad[i].key);
        cr_assert(strstr(err.msg, "chunk key"), "%s", err.msg);
    }
}

Test(key, decode_uses_the_length_not_a_terminator)
{
    zd_key_encoding enc = {ZD_KEY_DEFAULT, '/'};
    uint64_t coords[2];
    cr_assert_eq(zd_key_decode(&enc, 2, "c/4/5/zarr.json", 5, coords, NULL), 0);
    cr_assert(coords[0] == 4 && coords[1] == 5);
    cr_assert_eq(zd_key_decode(&enc, 2, "c/4/5\0", 6, coords, NULL), ZD_EINVAL);
}

Test(key, grid_decode_refuses_chunks_outside_the_grid)
{
    uint64_t shape[] = {100, 64};
    zd_grid g = make_grid(2, shape, (uint64_t[]){30, 32});
    zd_key_encoding enc = {ZD_KEY_DEFAULT, '/'};
    uint64_t coords[2];
    zd_error err = {0};
    cr_assert_eq(zd_grid_key_decode(&g, &enc, "c/3/1", 5, coords, &err), 0);
    cr_assert_eq(zd_grid_key_decode(&g, &enc, "c/4/1", 5, coords, &err), ZD_ERANGE);
    cr_assert(strstr(err.msg, "outside"), "%s", err.msg);
}

Test(key, bad_encodings_are_refused)
{
    zd_key_encoding enc = {ZD_KEY_DEFAULT, '-'};
    char key[16];
    uint64_t c[1] = {0};
    cr_assert_eq(zd_key_encode(&enc, 1, c, key, sizeof key, NULL), ZD_EINVAL);
    cr_assert_eq(zd_key_decode(&enc, 1, "c-0", 3, c, NULL), ZD_EINVAL);
    enc = (zd_key_encoding){(zd_key_kind)7, '/'};
    cr_assert_eq(zd_key_encode(&enc, 1, c, key, sizeof key, NULL), ZD_EINVAL);
}
