/* zd_select.c: chunks touched by a selection and strided copies between chunk buffers and the
 * dense result (see zd_select.h).
 *
 * Per dimension the selected indices are start, start + step, ... < stop. Chunk c covers
 * [c * cs, c * cs + cs); its first selected index is the first one >= max(c * cs, start), and
 * the next touched chunk after c is the chunk of the first selected index >= (c + 1) * cs, so
 * iteration costs O(touched chunks) however large the step. */
#include "zd_select.h"

#include <inttypes.h>
#include <string.h>

#include "zd_checked.h"

int zd_selection_init(zd_selection *s, const zd_grid *g, const zd_slice *slices, zd_error *err)
{
    memset(s, 0, sizeof *s);
    s->grid = *g;
    s->out_elems = 1;
    for (int d = 0; d < g->ndim; d++) {
        zd_slice sl = slices[d];
        if (sl.step == 0)
            return zd_error_set(err, ZD_EINVAL, "selection: step of dimension %d is 0", d);
        if (sl.start > sl.stop)
            return zd_error_set(err, ZD_EINVAL,
                                "selection: dimension %d start %" PRIu64 " > stop %" PRIu64, d,
                                sl.start, sl.stop);
        if (sl.stop > g->shape[d])
            return zd_error_set(err, ZD_ERANGE,
                                "selection: dimension %d stop %" PRIu64 " > shape %" PRIu64, d,
                                sl.stop, g->shape[d]);
        s->dim[d] = sl;
        uint64_t span = sl.stop - sl.start;
        s->out_shape[d] = span / sl.step + (span % sl.step != 0);
        if (!zd_mul_u64(s->out_elems, s->out_shape[d], &s->out_elems))
            return zd_error_set(err, ZD_EOVERFLOW, "selection: result size overflows");
    }
    return 0;
}

void zd_selection_all(zd_selection *s, const zd_grid *g)
{
    zd_slice slices[ZD_MAX_DIMS];
    for (int d = 0; d < g->ndim; d++)
        slices[d] = (zd_slice){0, g->shape[d], 1};
    /* Cannot fail: the whole array with step 1 is valid and its size is the array's. */
    if (zd_selection_init(s, g, slices, NULL) != 0) s->out_elems = 0;
}

int zd_selection_out_bytes(const zd_selection *s, size_t elem_size, size_t *out)
{
    uint64_t bytes;
    if (!zd_mul_u64(s->out_elems, elem_size, &bytes) || bytes > SIZE_MAX) return ZD_EOVERFLOW;
    *out = (size_t)bytes;
    return 0;
}

/* First selected index >= x in dimension d; false if there is none. */
static bool first_selected_from(const zd_selection *s, int d, uint64_t x, uint64_t *out)
{
    const zd_slice *sl = &s->dim[d];
    uint64_t idx = sl->start;
    if (x > sl->start) {
        uint64_t gap = x - sl->start;
        uint64_t steps = gap / sl->step + (gap % sl->step != 0);
        uint64_t offset;
        if (!zd_mul_u64(steps, sl->step, &offset) || !zd_add_u64(sl->start, offset, &idx))
            return false;
    }
    if (idx >= sl->stop) return false;
    *out = idx;
    return true;
}

int zd_selection_count_chunks(const zd_selection *s, uint64_t *out)
{
    uint64_t total = s->out_elems ? 1 : 0;
    for (int d = 0; total && d < s->grid.ndim; d++) {
        const zd_slice *sl = &s->dim[d];
        uint64_t cs = s->grid.chunk_shape[d];
        uint64_t last = sl->start + (s->out_shape[d] - 1) * sl->step;
        /* Steps no longer than a chunk leave no chunk between first and last untouched;
         * longer steps put every selected index in a chunk of its own. */
        uint64_t n = sl->step <= cs ? last / cs - sl->start / cs + 1 : s->out_shape[d];
        if (!zd_mul_u64(total, n, &total)) return ZD_EOVERFLOW;
    }
    *out = total;
    return 0;
}

bool zd_selection_part(const zd_selection *s, const uint64_t *coords, zd_chunk_part *part)
{
    const zd_grid *g = &s->grid;
    if (s->out_elems == 0 || !zd_grid_contains(g, coords)) return false;
    part->elems = 1;
    part->covers_chunk = true;
    for (int d = 0; d < g->ndim; d++) {
        const zd_slice *sl = &s->dim[d];
        uint64_t cs = g->chunk_shape[d];
        uint64_t lo = coords[d] * cs; /* < shape: coords is inside the grid */
        uint64_t extent = g->shape[d] - lo < cs ? g->shape[d] - lo : cs;
        uint64_t hi = lo + extent;
        uint64_t bound = hi < sl->stop ? hi : sl->stop;
        uint64_t first;
        if (!first_selected_from(s, d, lo, &first) || first >= bound) return false;
        uint64_t count = (bound - 1 - first) / sl->step + 1;
        part->coords[d] = coords[d];
        part->count[d] = count;
        part->region[d].start = first - lo;
        part->region[d].stop = first - lo + (count - 1) * sl->step + 1;
        part->region[d].step = sl->step;
        part->out_start[d] = (first - sl->start) / sl->step;
        part->elems *= count;
        if (count != extent) /* all `extent` indices selected implies step 1 (or one index) */
            part->covers_chunk = false;
    }
    return true;
}

void zd_chunk_iter_init(zd_chunk_iter *it, const zd_selection *s)
{
    it->sel = s;
    it->done = s->out_elems == 0;
    for (int d = 0; d < s->grid.ndim; d++)
        it->chunk[d] = s->dim[d].start / s->grid.chunk_shape[d];
}

/* The next touched chunk after chunk c in dimension d; false if c was the last. */
static bool next_chunk_in_dim(const zd_selection *s, int d, uint64_t c, uint64_t *next)
{
    uint64_t cs = s->grid.chunk_shape[d];
    uint64_t end, first;
    if (!zd_mul_u64(c + 1, cs, &end) || !first_selected_from(s, d, end, &first)) return false;
    *next = first / cs;
    return true;
}

bool zd_chunk_iter_next(zd_chunk_iter *it, zd_chunk_part *part)
{
    const zd_selection *s = it->sel;
    if (it->done) return false;
    /* Every chunk the odometer stops at holds selected elements in each dimension. */
    zd_selection_part(s, it->chunk, part);
    int d = s->grid.ndim - 1;
    for (; d >= 0; d--) {
        uint64_t next;
        if (next_chunk_in_dim(s, d, it->chunk[d], &next)) {
            it->chunk[d] = next;
            break;
        }
        it->chunk[d] = s->dim[d].start / s->grid.chunk_shape[d];
    }
    if (d < 0) it->done = true;
    return true;
}

/* A strided copy: `ndim` loops (outermost first) of count[] elements with byte strides on both
 * sides. Dimensions of one element are dropped and contiguous neighbours merged, so the common
 * cases reduce to a few long memcpy runs. */
typedef struct copy_plan {
    int ndim;
    uint64_t count[ZD_MAX_DIMS];
    size_t src_stride[ZD_MAX_DIMS];
    size_t dst_stride[ZD_MAX_DIMS];
} copy_plan;

static void plan_add_outer(copy_plan *p, uint64_t count, size_t src_stride, size_t dst_stride)
{
    if (count == 1) return;
    if (p->ndim > 0) {
        int in = ZD_MAX_DIMS - p->ndim; /* dimensions are filled from the end backwards */
        if (src_stride == p->count[in] * p->src_stride[in] &&
            dst_stride == p->count[in] * p->dst_stride[in]) {
            p->count[in] *= count;
            return;
        }
    }
    int at = ZD_MAX_DIMS - 1 - p->ndim;
    p->count[at] = count;
    p->src_stride[at] = src_stride;
    p->dst_stride[at] = dst_stride;
    p->ndim++;
}

static inline __attribute__((always_inline)) void copy_elems(uint8_t *dst, size_t dst_stride,
                                                             const uint8_t *src, size_t src_stride,
                                                             uint64_t n, size_t elem)
{
    for (uint64_t i = 0; i < n; i++, dst += dst_stride, src += src_stride)
        memcpy(dst, src, elem);
}

/* The innermost loop: one memcpy when both sides are contiguous, else element by element with
 * the element size known at compile time for the common sizes. */
static void copy_run(uint8_t *dst, size_t dst_stride, const uint8_t *src, size_t src_stride,
                     uint64_t n, size_t elem)
{
    if (src_stride == elem && dst_stride == elem) {
        memcpy(dst, src, n * elem);
        return;
    }
    switch (elem) {
    case 1:
        copy_elems(dst, dst_stride, src, src_stride, n, 1);
        break;
    case 2:
        copy_elems(dst, dst_stride, src, src_stride, n, 2);
        break;
    case 4:
        copy_elems(dst, dst_stride, src, src_stride, n, 4);
        break;
    case 8:
        copy_elems(dst, dst_stride, src, src_stride, n, 8);
        break;
    case 16:
        copy_elems(dst, dst_stride, src, src_stride, n, 16);
        break;
    default:
        copy_elems(dst, dst_stride, src, src_stride, n, elem);
    }
}

static void plan_run(const copy_plan *p, const uint8_t *src, uint8_t *dst, size_t elem)
{
    if (p->ndim == 0) {
        memcpy(dst, src, elem);
        return;
    }
    int inner = ZD_MAX_DIMS - 1;
    int outer = ZD_MAX_DIMS - p->ndim;
    /* A run contiguous on both sides becomes one wider element, so the next dimension is the
     * loop and short runs (a small inner chunk's rows) are fixed-size copies, not memcpy calls. */
    if (p->ndim >= 2 && p->src_stride[inner] == elem && p->dst_stride[inner] == elem) {
        elem *= (size_t)p->count[inner];
        inner--;
    }
    uint64_t idx[ZD_MAX_DIMS] = {0};
    for (;;) {
        copy_run(dst, p->dst_stride[inner], src, p->src_stride[inner], p->count[inner], elem);
        int d = inner - 1;
        for (; d >= outer; d--) {
            src += p->src_stride[d];
            dst += p->dst_stride[d];
            if (++idx[d] < p->count[d]) break;
            src -= p->count[d] * p->src_stride[d];
            dst -= p->count[d] * p->dst_stride[d];
            idx[d] = 0;
        }
        if (d < outer) return;
    }
}

/* Plan the copy of a part between the chunk buffer and the result; returns the byte offsets of
 * the part's first element in each. */
static void plan_part(const zd_selection *s, const zd_chunk_part *part, size_t elem,
                      bool chunk_to_out, copy_plan *p, size_t *chunk_off, size_t *out_off)
{
    const zd_grid *g = &s->grid;
    size_t chunk_stride = elem, out_stride = elem;
    *chunk_off = 0;
    *out_off = 0;
    p->ndim = 0;
    for (int d = g->ndim - 1; d >= 0; d--) {
        size_t cstep = (size_t)part->region[d].step * chunk_stride;
        *chunk_off += (size_t)part->region[d].start * chunk_stride;
        *out_off += (size_t)part->out_start[d] * out_stride;
        if (chunk_to_out)
            plan_add_outer(p, part->count[d], cstep, out_stride);
        else
            plan_add_outer(p, part->count[d], out_stride, cstep);
        chunk_stride *= (size_t)g->chunk_shape[d];
        out_stride *= (size_t)s->out_shape[d];
    }
}

void zd_part_scatter(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                     const void *chunk, void *out)
{
    copy_plan p;
    size_t chunk_off, out_off;
    plan_part(s, part, elem_size, true, &p, &chunk_off, &out_off);
    plan_run(&p, (const uint8_t *)chunk + chunk_off, (uint8_t *)out + out_off, elem_size);
}

bool zd_part_is_dense_run(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                          size_t *out_off)
{
    /* as many elements as the chunk: every dimension whole, step 1 */
    if (part->elems != s->grid.chunk_elems) return false;
    copy_plan p;
    size_t chunk_off;
    plan_part(s, part, elem_size, true, &p, &chunk_off, out_off);
    int in = ZD_MAX_DIMS - 1; /* plan_part fills dimensions from the end */
    return chunk_off == 0 && (p.ndim == 0 || (p.ndim == 1 && p.src_stride[in] == elem_size &&
                                              p.dst_stride[in] == elem_size));
}

void zd_part_gather(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                    const void *in, void *chunk)
{
    copy_plan p;
    size_t chunk_off, out_off;
    plan_part(s, part, elem_size, false, &p, &chunk_off, &out_off);
    plan_run(&p, (const uint8_t *)in + out_off, (uint8_t *)chunk + chunk_off, elem_size);
}

void zd_copy_strided(int ndim, const uint64_t *shape, size_t elem_size, void *dst,
                     const size_t *dst_stride, const void *src, const size_t *src_stride)
{
    copy_plan p;
    p.ndim = 0;
    for (int d = ndim - 1; d >= 0; d--)
        plan_add_outer(&p, shape[d], src_stride[d], dst_stride[d]);
    plan_run(&p, src, dst, elem_size);
}

void zd_dense_strides(int ndim, const uint64_t *shape, size_t elem_size, size_t *stride)
{
    size_t s = elem_size;
    for (int d = ndim - 1; d >= 0; d--) {
        stride[d] = s;
        s *= (size_t)shape[d];
    }
}
