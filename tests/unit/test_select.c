/* test_select.c: unit tests for selections: chunk iteration, per-chunk regions and the strided
 * scatter (read) / gather (write) copies, checked against a naive element-by-element reference
 * over random (seeded) 0-D..4-D arrays, chunkings, steps and element sizes, edge chunks
 * included; the shared strided copy (zd_copy_strided) on transposes and sub-boxes; plus
 * validation errors and known answers. */
#include <criterion/criterion.h>

#include "zd_select.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rnd(uint64_t n) /* uniform-ish in [0, n) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? rng_state % n : 0;
}

/* The test array: element e of the whole array has bytes value_byte(e, i); chunk buffers are
 * built from it with a sentinel in the padding of edge chunks. */
static uint8_t value_byte(uint64_t linear, size_t i)
{
    uint64_t h = (linear + 1) * 0x9E3779B97F4A7C15ull + i * 0xBF58476D1CE4E5B9ull;
    return (uint8_t)(h >> 56);
}

typedef struct fixture {
    zd_grid grid;
    size_t elem;
    uint64_t total_chunks;
    uint8_t **chunks; /* by linear chunk index, C order */
} fixture;

static uint64_t chunk_linear(const zd_grid *g, const uint64_t *coords)
{
    uint64_t lin = 0;
    for (int d = 0; d < g->ndim; d++)
        lin = lin * g->nchunks[d] + coords[d];
    return lin;
}

static uint64_t array_linear(const zd_grid *g, const uint64_t *idx)
{
    uint64_t lin = 0;
    for (int d = 0; d < g->ndim; d++)
        lin = lin * g->shape[d] + idx[d];
    return lin;
}

/* Array index of element `k` (C order) of a chunk; false if it lies in edge padding. */
static bool chunk_elem_to_array(const zd_grid *g, const uint64_t *coords, uint64_t k, uint64_t *idx)
{
    bool inside = true;
    for (int d = g->ndim - 1; d >= 0; d--) {
        uint64_t within = k % g->chunk_shape[d];
        k /= g->chunk_shape[d];
        idx[d] = coords[d] * g->chunk_shape[d] + within;
        if (idx[d] >= g->shape[d]) inside = false;
    }
    return inside;
}

static void coords_of(const zd_grid *g, uint64_t lin, uint64_t *coords)
{
    for (int d = g->ndim - 1; d >= 0; d--) {
        coords[d] = lin % g->nchunks[d];
        lin /= g->nchunks[d];
    }
}

static void fixture_init(fixture *f, int ndim, const uint64_t *shape, const uint64_t *chunk,
                         size_t elem, bool with_values)
{
    cr_assert_eq(zd_grid_init(&f->grid, ndim, shape, chunk, NULL), 0);
    f->elem = elem;
    cr_assert_eq(zd_grid_total_chunks(&f->grid, &f->total_chunks), 0);
    f->chunks = calloc(f->total_chunks ? f->total_chunks : 1, sizeof *f->chunks);
    for (uint64_t c = 0; c < f->total_chunks; c++) {
        f->chunks[c] = malloc(f->grid.chunk_elems * elem);
        uint64_t coords[ZD_MAX_DIMS], idx[ZD_MAX_DIMS];
        coords_of(&f->grid, c, coords);
        for (uint64_t k = 0; k < f->grid.chunk_elems; k++) {
            bool inside = chunk_elem_to_array(&f->grid, coords, k, idx);
            for (size_t i = 0; i < elem; i++)
                f->chunks[c][k * elem + i] =
                    with_values && inside ? value_byte(array_linear(&f->grid, idx), i) : 0xEE;
        }
    }
}

static void fixture_free(fixture *f)
{
    for (uint64_t c = 0; c < f->total_chunks; c++)
        free(f->chunks[c]);
    free(f->chunks);
}

/* Output element `o` (C order over out_shape) -> array index. */
static void out_to_array(const zd_selection *s, uint64_t o, uint64_t *idx)
{
    for (int d = s->grid.ndim - 1; d >= 0; d--) {
        uint64_t i = o % s->out_shape[d];
        o /= s->out_shape[d];
        idx[d] = s->dim[d].start + i * s->dim[d].step;
    }
}

/* Naive set of chunks holding selected elements, as a flag per linear chunk index. */
static uint8_t *naive_touched(const zd_selection *s, uint64_t total_chunks)
{
    uint8_t *touched = calloc(total_chunks ? total_chunks : 1, 1);
    uint64_t idx[ZD_MAX_DIMS], coords[ZD_MAX_DIMS];
    for (uint64_t o = 0; o < s->out_elems; o++) {
        out_to_array(s, o, idx);
        for (int d = 0; d < s->grid.ndim; d++)
            coords[d] = idx[d] / s->grid.chunk_shape[d];
        touched[chunk_linear(&s->grid, coords)] = 1;
    }
    return touched;
}

/* Whether every element of the chunk that lies inside the array is selected. */
static bool naive_covers(const zd_selection *s, const uint64_t *coords)
{
    for (int d = 0; d < s->grid.ndim; d++) {
        const zd_slice *sl = &s->dim[d];
        uint64_t lo = coords[d] * s->grid.chunk_shape[d];
        for (uint64_t i = lo; i < lo + s->grid.chunk_shape[d] && i < s->grid.shape[d]; i++)
            if (i < sl->start || i >= sl->stop || (i - sl->start) % sl->step != 0) return false;
    }
    return true;
}

/* Iterate the selection's chunks: visited in increasing C order, exactly the naive set, with
 * parts that agree with zd_selection_part and zd_selection_count_chunks. */
static void check_iteration(const zd_selection *s, uint64_t total_chunks)
{
    uint8_t *touched = naive_touched(s, total_chunks);
    uint64_t expected = 0, visited = 0, elems = 0, count;
    for (uint64_t c = 0; c < total_chunks; c++)
        expected += touched[c];
    zd_chunk_iter it;
    zd_chunk_part part, again;
    zd_chunk_iter_init(&it, s);
    int64_t prev = -1;
    while (zd_chunk_iter_next(&it, &part)) {
        uint64_t lin = chunk_linear(&s->grid, part.coords);
        cr_assert_lt(prev, (int64_t)lin, "chunks not in increasing C order");
        cr_assert(touched[lin], "visited a chunk without selected elements");
        prev = (int64_t)lin;
        cr_assert_eq(part.covers_chunk, naive_covers(s, part.coords));
        visited++;
        elems += part.elems;
        cr_assert(zd_selection_part(s, part.coords, &again));
        cr_assert(again.elems == part.elems && again.covers_chunk == part.covers_chunk);
        for (int d = 0; d < s->grid.ndim; d++)
            cr_assert(again.coords[d] == part.coords[d] && again.count[d] == part.count[d] &&
                      again.out_start[d] == part.out_start[d] &&
                      again.region[d].start == part.region[d].start &&
                      again.region[d].stop == part.region[d].stop &&
                      again.region[d].step == part.region[d].step);
    }
    cr_assert_eq(visited, expected);
    cr_assert_eq(elems, s->out_elems);
    cr_assert_eq(zd_selection_count_chunks(s, &count), 0);
    cr_assert_eq(count, expected);
    cr_assert_not(zd_chunk_iter_next(&it, &part), "iterator stays finished");
    free(touched);
}

/* Read: scatter every touched chunk into the result; compare with the naive result. */
static void check_scatter(const fixture *f, const zd_selection *s)
{
    size_t bytes;
    cr_assert_eq(zd_selection_out_bytes(s, f->elem, &bytes), 0);
    uint8_t *out = malloc(bytes + 1);
    memset(out, 0xCC, bytes + 1);
    zd_chunk_iter it;
    zd_chunk_part part;
    zd_chunk_iter_init(&it, s);
    while (zd_chunk_iter_next(&it, &part))
        zd_part_scatter(s, &part, f->elem, f->chunks[chunk_linear(&f->grid, part.coords)], out);
    uint64_t idx[ZD_MAX_DIMS];
    for (uint64_t o = 0; o < s->out_elems; o++) {
        out_to_array(s, o, idx);
        uint64_t lin = array_linear(&f->grid, idx);
        for (size_t i = 0; i < f->elem; i++)
            cr_assert_eq(out[o * f->elem + i], value_byte(lin, i), "out element %llu byte %zu",
                         (unsigned long long)o, i);
    }
    cr_assert_eq(out[bytes], 0xCC, "wrote past the result");
    /* a part said to be one run of the result holds exactly its chunk's bytes there (a read
     * decodes such a chunk straight into the result) */
    size_t chunk_bytes = (size_t)f->grid.chunk_elems * f->elem, off;
    zd_chunk_iter_init(&it, s);
    while (zd_chunk_iter_next(&it, &part))
        if (zd_part_is_dense_run(s, &part, f->elem, &off)) {
            cr_assert_leq(off + chunk_bytes, bytes, "a dense run past the result");
            cr_assert_eq(
                memcmp(out + off, f->chunks[chunk_linear(&f->grid, part.coords)], chunk_bytes), 0,
                "a dense run that is not the chunk's bytes");
        }
    free(out);
}

/* Write: gather a source shaped like the result into chunks that start as sentinel bytes; every
 * selected element must hold its source value and every other byte stay untouched. */
static void check_gather(const fixture *f, const zd_selection *s)
{
    size_t bytes;
    cr_assert_eq(zd_selection_out_bytes(s, f->elem, &bytes), 0);
    uint8_t *in = malloc(bytes ? bytes : 1);
    for (size_t b = 0; b < bytes; b++)
        in[b] = value_byte(b / f->elem + 7777, b % f->elem);
    zd_chunk_iter it;
    zd_chunk_part part;
    zd_chunk_iter_init(&it, s);
    while (zd_chunk_iter_next(&it, &part))
        zd_part_gather(s, &part, f->elem, in, f->chunks[chunk_linear(&f->grid, part.coords)]);
    uint64_t coords[ZD_MAX_DIMS], idx[ZD_MAX_DIMS];
    for (uint64_t c = 0; c < f->total_chunks; c++) {
        coords_of(&f->grid, c, coords);
        for (uint64_t k = 0; k < f->grid.chunk_elems; k++) {
            bool inside = chunk_elem_to_array(&f->grid, coords, k, idx);
            bool selected = inside && s->out_elems > 0;
            uint64_t o = 0;
            for (int d = 0; selected && d < f->grid.ndim; d++) {
                const zd_slice *sl = &s->dim[d];
                selected = idx[d] >= sl->start && idx[d] < sl->stop &&
                           (idx[d] - sl->start) % sl->step == 0;
                o = o * s->out_shape[d] + (idx[d] - sl->start) / sl->step;
            }
            for (size_t i = 0; i < f->elem; i++) {
                uint8_t want = selected ? in[o * f->elem + i] : 0xEE;
                cr_assert_eq(f->chunks[c][k * f->elem + i], want, "chunk %llu elem %llu",
                             (unsigned long long)c, (unsigned long long)k);
            }
        }
    }
    free(in);
}

static void random_case(int ndim, bool empty_ok)
{
    static const size_t elems[] = {1, 2, 3, 4, 8, 16};
    uint64_t shape[ZD_MAX_DIMS], chunk[ZD_MAX_DIMS];
    zd_slice sl[ZD_MAX_DIMS];
    for (int d = 0; d < ndim; d++) {
        shape[d] = (empty_ok ? 0 : 1) + rnd(ndim <= 2 ? 40 : 11);
        chunk[d] = 1 + rnd(ndim <= 2 ? 12 : 5);
        uint64_t a = rnd(shape[d] + 1), b = rnd(shape[d] + 1);
        if (rnd(3) == 0) /* often the full extent */
            a = 0, b = shape[d];
        sl[d].start = a < b ? a : b;
        sl[d].stop = a < b ? b : a;
        if (!empty_ok && sl[d].start == sl[d].stop) sl[d].start = 0, sl[d].stop = shape[d];
        sl[d].step = rnd(2) ? 1 : 1 + rnd(7);
    }
    size_t elem = elems[rnd(sizeof elems / sizeof elems[0])];
    fixture f;
    fixture_init(&f, ndim, shape, chunk, elem, true);
    zd_selection s;
    zd_error err = {0};
    cr_assert_eq(zd_selection_init(&s, &f.grid, sl, &err), 0, "%s", err.msg);
    check_iteration(&s, f.total_chunks);
    check_scatter(&f, &s);
    fixture_free(&f);
    fixture_init(&f, ndim, shape, chunk, elem, false);
    check_gather(&f, &s);
    fixture_free(&f);
}

Test(select, random_1d_to_4d_against_naive_reference)
{
    rng_state = 0x2545F4914F6CDD1Dull;
    for (int ndim = 1; ndim <= 4; ndim++)
        for (int i = 0; i < 300; i++)
            random_case(ndim, false);
}

Test(select, random_with_empty_dimensions_and_selections)
{
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int ndim = 1; ndim <= 3; ndim++)
        for (int i = 0; i < 150; i++)
            random_case(ndim, true);
}

Test(select, zero_d_array_is_one_chunk_of_one_element)
{
    fixture f;
    fixture_init(&f, 0, NULL, NULL, 8, true);
    zd_selection s;
    cr_assert_eq(zd_selection_init(&s, &f.grid, NULL, NULL), 0);
    cr_assert_eq(s.out_elems, 1);
    check_iteration(&s, 1);
    check_scatter(&f, &s);
    fixture_free(&f);
}

Test(select, known_parts_with_steps_and_edge_chunks)
{
    /* shape 10, chunks of 4: [0..3] [4..7] [8..9]; select 1:10:3 -> 1, 4, 7 */
    zd_grid g;
    cr_assert_eq(zd_grid_init(&g, 1, (uint64_t[]){10}, (uint64_t[]){4}, NULL), 0);
    zd_selection s;
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{1, 10, 3}}, NULL), 0);
    cr_assert_eq(s.out_shape[0], 3);
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &s);
    cr_assert(zd_chunk_iter_next(&it, &p));
    cr_assert(p.coords[0] == 0 && p.region[0].start == 1 && p.region[0].stop == 2 &&
              p.count[0] == 1 && p.out_start[0] == 0 && !p.covers_chunk);
    cr_assert(zd_chunk_iter_next(&it, &p));
    cr_assert(p.coords[0] == 1 && p.region[0].start == 0 && p.region[0].stop == 4 &&
              p.region[0].step == 3 && p.count[0] == 2 && p.out_start[0] == 1);
    cr_assert_not(zd_chunk_iter_next(&it, &p), "chunk 2 holds 10, 13.. none selected");

    /* 8:10 covers the whole (clipped) edge chunk 2 */
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{8, 10, 1}}, NULL), 0);
    cr_assert(zd_selection_part(&s, (uint64_t[]){2}, &p));
    cr_assert(p.covers_chunk);
    cr_assert_not(zd_selection_part(&s, (uint64_t[]){1}, &p));
    cr_assert_not(zd_selection_part(&s, (uint64_t[]){3}, &p), "outside the grid");
}

Test(select, steps_larger_than_chunks_skip_chunks_in_between)
{
    zd_grid g;
    cr_assert_eq(zd_grid_init(&g, 1, (uint64_t[]){1000000000000ull}, (uint64_t[]){10}, NULL), 0);
    zd_selection s;
    cr_assert_eq(
        zd_selection_init(&s, &g, (zd_slice[]){{5, 1000000000000ull, 100000000000ull}}, NULL), 0);
    uint64_t count, n = 0;
    cr_assert_eq(zd_selection_count_chunks(&s, &count), 0);
    cr_assert_eq(count, 10);
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &s);
    while (zd_chunk_iter_next(&it, &p)) {
        cr_assert_eq(p.coords[0], (5 + n * 100000000000ull) / 10);
        cr_assert_eq(p.region[0].start, 5);
        n++;
    }
    cr_assert_eq(n, 10);
}

Test(select, huge_shapes_do_not_overflow)
{
    zd_grid g;
    uint64_t max = UINT64_MAX;
    cr_assert_eq(zd_grid_init(&g, 1, &max, (uint64_t[]){1ull << 40}, NULL), 0);
    zd_selection s;
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{max - 3, max, 2}}, NULL), 0);
    cr_assert_eq(s.out_elems, 2);
    zd_chunk_iter it;
    zd_chunk_part p;
    int n = 0;
    zd_chunk_iter_init(&it, &s);
    while (zd_chunk_iter_next(&it, &p))
        n++;
    cr_assert_eq(n, 1);
    cr_assert_eq(p.count[0], 2);
    size_t bytes;
    uint64_t all = UINT64_MAX;
    cr_assert_eq(zd_grid_init(&g, 1, &all, &all, NULL), 0);
    zd_selection_all(&s, &g);
    cr_assert_eq(zd_selection_out_bytes(&s, 2, &bytes), ZD_EOVERFLOW);
}

Test(select, invalid_selections_are_refused)
{
    zd_grid g;
    cr_assert_eq(zd_grid_init(&g, 2, (uint64_t[]){10, 20}, (uint64_t[]){3, 3}, NULL), 0);
    zd_selection s;
    zd_error err = {0};
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{0, 10, 1}, {0, 20, 0}}, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "dimension 1"), "%s", err.msg);
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{5, 4, 1}, {0, 20, 1}}, &err), ZD_EINVAL);
    cr_assert(strstr(err.msg, "dimension 0"), "%s", err.msg);
    cr_assert_eq(zd_selection_init(&s, &g, (zd_slice[]){{0, 11, 1}, {0, 20, 1}}, &err), ZD_ERANGE);
    uint64_t big[3] = {1ull << 32, 1ull << 32, 1ull << 32};
    cr_assert_eq(zd_grid_init(&g, 3, big, (uint64_t[]){1 << 20, 1 << 20, 1 << 10}, NULL), 0);
    cr_assert_eq(zd_selection_init(
                     &s, &g, (zd_slice[]){{0, big[0], 1}, {0, big[1], 1}, {0, big[2], 1}}, &err),
                 ZD_EOVERFLOW);
}

Test(select, whole_chunk_reads_are_one_contiguous_copy)
{
    /* A selection equal to one chunk of a 3-D array: result equals the chunk bytes. */
    fixture f;
    fixture_init(&f, 3, (uint64_t[]){8, 8, 8}, (uint64_t[]){4, 4, 8}, 4, true);
    zd_selection s;
    cr_assert_eq(
        zd_selection_init(&s, &f.grid, (zd_slice[]){{4, 8, 1}, {0, 4, 1}, {0, 8, 1}}, NULL), 0);
    uint8_t out[4 * 4 * 8 * 4];
    zd_chunk_iter it;
    zd_chunk_part p;
    zd_chunk_iter_init(&it, &s);
    cr_assert(zd_chunk_iter_next(&it, &p));
    cr_assert(p.covers_chunk);
    zd_part_scatter(&s, &p, 4, f.chunks[chunk_linear(&f.grid, p.coords)], out);
    cr_assert_eq(memcmp(out, f.chunks[chunk_linear(&f.grid, p.coords)], sizeof out), 0);
    size_t off = 1;
    cr_assert(zd_part_is_dense_run(&s, &p, 4, &off), "one whole chunk is one run");
    cr_assert_eq(off, 0);
    cr_assert_not(zd_chunk_iter_next(&it, &p));
    fixture_free(&f);
}

/* Which parts a read may decode straight into the result: known answers. */
static bool dense_run(int ndim, const uint64_t *shape, const uint64_t *chunk, const zd_slice *sl,
                      const uint64_t *coords, size_t *off)
{
    zd_grid g;
    zd_selection s;
    zd_chunk_part p;
    cr_assert_eq(zd_grid_init(&g, ndim, shape, chunk, NULL), 0);
    cr_assert_eq(zd_selection_init(&s, &g, sl, NULL), 0);
    cr_assert(zd_selection_part(&s, coords, &p));
    return zd_part_is_dense_run(&s, &p, 2, off);
}

Test(select, dense_runs_are_whole_chunks_contiguous_in_the_result)
{
    size_t off = 0;
    /* 1-D, whole array: each full chunk is a run at its place; the edge chunk is not */
    uint64_t s1[] = {25}, c1[] = {10};
    zd_slice all1[] = {{0, 25, 1}};
    cr_assert(dense_run(1, s1, c1, all1, (uint64_t[]){1}, &off));
    cr_assert_eq(off, 10 * 2);
    cr_assert_not(dense_run(1, s1, c1, all1, (uint64_t[]){2}, &off), "edge chunk");
    cr_assert_not(dense_run(1, s1, c1, (zd_slice[]){{0, 20, 2}}, (uint64_t[]){0}, &off), "step");
    cr_assert_not(dense_run(1, s1, c1, (zd_slice[]){{1, 20, 1}}, (uint64_t[]){0}, &off), "part");
    /* 2-D: chunks spanning the whole inner dimension are runs, rows of narrower ones are not */
    uint64_t s2[] = {8, 6};
    zd_slice all2[] = {{0, 8, 1}, {0, 6, 1}};
    cr_assert(dense_run(2, s2, (uint64_t[]){4, 6}, all2, (uint64_t[]){1, 0}, &off));
    cr_assert_eq(off, 4 * 6 * 2);
    cr_assert_not(dense_run(2, s2, (uint64_t[]){4, 3}, all2, (uint64_t[]){1, 0}, &off));
    /* ... unless the chunk is one row: a 1 x 3 chunk is a run inside its row */
    cr_assert(dense_run(2, s2, (uint64_t[]){1, 3}, all2, (uint64_t[]){2, 1}, &off));
    cr_assert_eq(off, (2 * 6 + 3) * 2);
}

/* zd_copy_strided with the strides of a random permutation (a transpose, as the transpose
 * codec uses it) and of a sub-box (a sharding inner chunk), against element-by-element
 * copies; element sizes include ones without a fixed-size fast path. */
Test(select, copy_strided_permuted_and_sub_box_against_naive_reference)
{
    rng_state = 0xD1B54A32D192ED03ull;
    static const size_t elems[] = {1, 2, 3, 4, 8, 16};
    for (int i = 0; i < 400; i++) {
        int ndim = 1 + (int)rnd(4);
        size_t elem = elems[rnd(6)];
        uint64_t shape[4], total = 1, box[4];
        int perm[4];
        for (int d = 0; d < ndim; d++) {
            shape[d] = 1 + rnd(6);
            box[d] = 1 + rnd(shape[d]);
            total *= shape[d];
            perm[d] = d;
        }
        for (int d = ndim - 1; d > 0; d--) {
            int j = (int)rnd((uint64_t)d + 1), t = perm[d];
            perm[d] = perm[j];
            perm[j] = t;
        }
        uint8_t *src = malloc(total * elem), *got = malloc(total * elem);
        uint8_t *want = malloc(total * elem);
        for (uint64_t e = 0; e < total * elem; e++)
            src[e] = value_byte(e / elem, e % elem);
        /* Transpose: dst dimension d walks src dimension perm[d]. */
        uint64_t tshape[4];
        size_t sstride[4], dstride[4], tsrc[4];
        zd_dense_strides(ndim, shape, elem, sstride);
        for (int d = 0; d < ndim; d++) {
            tshape[d] = shape[perm[d]];
            tsrc[d] = sstride[perm[d]];
        }
        zd_dense_strides(ndim, tshape, elem, dstride);
        zd_copy_strided(ndim, tshape, elem, got, dstride, src, tsrc);
        for (uint64_t lin = 0; lin < total; lin++) {
            uint64_t rest = lin;
            size_t s_off = 0;
            for (int d = ndim - 1; d >= 0; d--) {
                s_off += (size_t)(rest % tshape[d]) * tsrc[d];
                rest /= tshape[d];
            }
            memcpy(want + lin * elem, src + s_off, elem);
        }
        cr_assert_eq(memcmp(got, want, total * elem), 0, "transpose case %d", i);
        /* Sub-box: gather the leading box[] corner of src into a dense buffer. */
        size_t bstride[4];
        uint64_t btotal = 1;
        for (int d = 0; d < ndim; d++)
            btotal *= box[d];
        zd_dense_strides(ndim, box, elem, bstride);
        zd_copy_strided(ndim, box, elem, got, bstride, src, sstride);
        for (uint64_t lin = 0; lin < btotal; lin++) {
            uint64_t rest = lin;
            size_t s_off = 0;
            for (int d = ndim - 1; d >= 0; d--) {
                s_off += (size_t)(rest % box[d]) * sstride[d];
                rest /= box[d];
            }
            memcpy(want + lin * elem, src + s_off, elem);
        }
        cr_assert_eq(memcmp(got, want, btotal * elem), 0, "sub-box case %d", i);
        free(src);
        free(got);
        free(want);
    }
}
