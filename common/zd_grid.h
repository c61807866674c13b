/* zd_grid.h: the Zarr v3 regular chunk grid and the chunk key encodings.
 *
 * A regular grid cuts an array of `shape` into chunks of `chunk_shape`; chunk (c0, c1, ...)
 * covers [ci * chunk_shape[i], (ci + 1) * chunk_shape[i]) clipped to the shape (edge chunks are
 * still stored full size; the extent says how much of them is inside the array).
 *
 * Chunk keys: `default` encoding is "c" followed by each coordinate after the separator ("/"
 * or "."): "c/1/2", "c.1.2", and "c" for a 0-d array. `v2` joins the coordinates with the
 * separator ("." by default): "1.2", and "0" for a 0-d array. Coordinates are plain decimal
 * without leading zeros, so every chunk has exactly one key and zd_key_decode refuses others. */
#ifndef ZD_GRID_H
#define ZD_GRID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zd_error.h"
#include "zd_limits.h"

typedef struct zd_grid {
    int ndim;
    uint64_t shape[ZD_MAX_DIMS];
    uint64_t chunk_shape[ZD_MAX_DIMS];
    uint64_t nchunks[ZD_MAX_DIMS]; /* chunks along each dimension: ceil(shape / chunk_shape) */
    uint64_t chunk_elems;          /* elements in one (full) chunk */
} zd_grid;

/* Set up a grid: 0 <= ndim <= ZD_MAX_DIMS, chunk_shape entries >= 1, elements per chunk must
 * not overflow. ZD_EINVAL / ZD_EOVERFLOW otherwise, with a message. */
int zd_grid_init(zd_grid *g, int ndim, const uint64_t *shape, const uint64_t *chunk_shape,
                 zd_error *err);

/* Total number of chunks (product of nchunks); ZD_EOVERFLOW if it does not fit in 64 bits. */
int zd_grid_total_chunks(const zd_grid *g, uint64_t *out);

/* Whether `coords` names a chunk of the grid (every coordinate < nchunks). */
bool zd_grid_contains(const zd_grid *g, const uint64_t *coords);

/* The part of chunk `coords` inside the array, per dimension (the chunk shape except at the
 * array's far edges). ZD_ERANGE if coords is outside the grid. */
int zd_grid_chunk_extent(const zd_grid *g, const uint64_t *coords, uint64_t *extent);

typedef enum zd_key_kind {
    ZD_KEY_DEFAULT, /* "c/1/2" */
    ZD_KEY_V2,      /* "1.2" */
} zd_key_kind;

typedef struct zd_key_encoding {
    zd_key_kind kind;
    char separator; /* '/' or '.' */
} zd_key_encoding;

/* Longest chunk key: "c" plus ZD_MAX_DIMS times a separator and 20 digits, plus NUL. */
#define ZD_CHUNK_KEY_MAX (1 + ZD_MAX_DIMS * 21 + 1)

/* Write the key of chunk `coords` into out (NUL-terminated) and its length into *len (may be
 * NULL). ZD_EINVAL for a bad encoding or ndim, ZD_EOVERFLOW if cap is too small. */
int zd_key_encode(const zd_key_encoding *enc, int ndim, const uint64_t *coords, char *out,
                  size_t cap, size_t *len);

/* Parse a chunk key of `len` bytes (relative to the array) back into ndim coordinates.
 * ZD_EINVAL (with a message) if it is not exactly a key this encoding would produce. */
int zd_key_decode(const zd_key_encoding *enc, int ndim, const char *key, size_t len,
                  uint64_t *coords, zd_error *err);

/* zd_key_decode, and the coordinates must name a chunk of grid g (ZD_ERANGE otherwise). */
int zd_grid_key_decode(const zd_grid *g, const zd_key_encoding *enc, const char *key, size_t len,
                       uint64_t *coords, zd_error *err);

#endif
