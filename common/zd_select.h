/* zd_select.h: selections over a chunked array and the copies between chunks and a dense
 * result.
 *
 * A selection is start/stop/step per dimension (start <= stop <= shape, step >= 1); its result
 * is a C-order dense block of out_shape[d] = ceil((stop - start) / step) elements. The chunk
 * iterator visits, in C order of chunk coordinates, only the chunks that hold selected elements
 * (with steps larger than a chunk, chunks in between are skipped) and describes each one as a
 * zd_chunk_part: its coordinates, the region inside the chunk, and where that region lands in
 * the result. zd_part_scatter (read: chunk → result) and zd_part_gather (write: source → chunk)
 * copy one part, merging contiguous dimensions and copying contiguous runs with memcpy.
 * Chunk buffers are C order with the grid's full chunk shape (edge chunks included). */
#ifndef ZD_SELECT_H
#define ZD_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zd_error.h"
#include "zd_grid.h"
#include "zd_limits.h"

typedef struct zd_slice {
    uint64_t start;
    uint64_t stop; /* exclusive */
    uint64_t step; /* >= 1 */
} zd_slice;

typedef struct zd_selection {
    zd_grid grid;
    zd_slice dim[ZD_MAX_DIMS];
    uint64_t out_shape[ZD_MAX_DIMS];
    uint64_t out_elems; /* product of out_shape; 0 for an empty selection */
} zd_selection;

/* Validate `slices` (grid.ndim of them) against the grid and set up the selection.
 * ZD_EINVAL (step 0, start > stop) / ZD_ERANGE (stop > shape) / ZD_EOVERFLOW, with a message. */
int zd_selection_init(zd_selection *s, const zd_grid *g, const zd_slice *slices, zd_error *err);

/* The whole array, step 1. */
void zd_selection_all(zd_selection *s, const zd_grid *g);

/* Bytes of the result for elements of elem_size bytes; ZD_EOVERFLOW if that overflows. */
int zd_selection_out_bytes(const zd_selection *s, size_t elem_size, size_t *out);

/* Number of chunks holding selected elements; ZD_EOVERFLOW if it does not fit. */
int zd_selection_count_chunks(const zd_selection *s, uint64_t *out);

typedef struct zd_chunk_part {
    uint64_t coords[ZD_MAX_DIMS];    /* chunk coordinates in the grid */
    zd_slice region[ZD_MAX_DIMS];    /* selected elements inside the chunk (chunk-relative) */
    uint64_t count[ZD_MAX_DIMS];     /* selected elements per dimension (>= 1) */
    uint64_t out_start[ZD_MAX_DIMS]; /* where count[] lands in the result */
    uint64_t elems;                  /* product of count */
    bool covers_chunk; /* every element of the chunk inside the array is selected, so a write
                          need not read the old chunk */
} zd_chunk_part;

/* The part of the selection in chunk `coords`; false if that chunk holds no selected element
 * (or is outside the grid). */
bool zd_selection_part(const zd_selection *s, const uint64_t *coords, zd_chunk_part *part);

typedef struct zd_chunk_iter {
    const zd_selection *sel;
    uint64_t chunk[ZD_MAX_DIMS];
    bool done;
} zd_chunk_iter;

/* Start iterating the chunks of `s` (which must outlive the iterator). */
void zd_chunk_iter_init(zd_chunk_iter *it, const zd_selection *s);

/* Fill `part` with the next chunk and return true; false when all chunks were visited. */
bool zd_chunk_iter_next(zd_chunk_iter *it, zd_chunk_part *part);

/* Read: copy the part's region of `chunk` into its place in the result `out`. */
void zd_part_scatter(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                     const void *chunk, void *out);

/* Whether the part is its whole chunk and lands in the result as one contiguous run, at byte
 * *out_off: then a read can decode the chunk straight into the result, with nothing to scatter
 * (a read of one whole chunk, or of whole rows of chunks in C order). */
bool zd_part_is_dense_run(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                          size_t *out_off);

/* Write: copy the part's place in `in` (shaped like the result) into its region of `chunk`. */
void zd_part_gather(const zd_selection *s, const zd_chunk_part *part, size_t elem_size,
                    const void *in, void *chunk);

/* The strided copy behind the two above, shared with the codecs (transpose, sharding): an
 * `ndim` box of `shape` elements of `elem_size` bytes, byte strides on both sides. Dimensions
 * of one element are dropped and contiguous neighbours merged into single memcpy runs. */
void zd_copy_strided(int ndim, const uint64_t *shape, size_t elem_size, void *dst,
                     const size_t *dst_stride, const void *src, const size_t *src_stride);

/* C-order byte strides of a dense array. */
void zd_dense_strides(int ndim, const uint64_t *shape, size_t elem_size, size_t *stride);

#endif
