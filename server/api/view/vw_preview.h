/* vw_preview.h: the preview of an array (see view.h): which 2-D slice, sampled how, and the
 * rendered image with its colour scale.
 *
 * A slice shows two dimensions of the array, y (rows) and x (columns), at fixed indices of
 * the others. Query parameters (the page's and the image's): `y=D`, `x=D` (dimension numbers;
 * default the last two; a 1-D array is one row), `iD=N` the index of every other dimension D
 * (default the middle of its extent). The image has at most VW_MAX_SIDE pixels a side: every
 * step-th row and column (nearest sample, no averaging). Work is bounded: the plan decodes at
 * most VW_MAX_CHUNKS chunks (inner chunks for a lone sharding_indexed codec, read through the
 * shard index) and VW_MAX_BYTES decoded bytes, and takes larger steps until it fits; a single
 * chunk beyond the byte bound cannot be previewed.
 *
 * Colours: grey from black (the slice's smallest finite value) to white (its largest); NaN
 * magenta; +/-infinity as the largest / smallest; complex values by magnitude. */
#ifndef VW_PREVIEW_H
#define VW_PREVIEW_H

#include "store.h"
#include "zd_buf.h"
#include "zd_codec.h"
#include "zd_error.h"
#include "zd_meta.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VW_MAX_SIDE   512
#define VW_MAX_CHUNKS 4096
#define VW_MAX_BYTES  ((uint64_t)64 << 20)

/* The NaN colour (also shown on the page). */
#define VW_NAN_RGB     255, 0, 255
#define VW_NAN_RGB_CSS "#ff00ff"

/* An array as the preview reads it: its codec chain and the unit it decodes (a chunk, or an
 * inner chunk of a lone sharding_indexed codec). */
typedef struct vw_array {
    const zd_meta *meta;
    zd_codec_chain *chain;
    const zd_shard_layout *layout; /* sharded: the shard layout, else NULL */
    const zd_codec_chain *unit_chain;
    uint64_t unit[ZD_MAX_DIMS]; /* unit shape */
    uint64_t unit_bytes;        /* decoded bytes of one unit */
} vw_array;

/* Build the chain of array m (kept, not copied). ZD_EINVAL / ZD_EUNSUPPORTED with the codec
 * chain's message. */
int vw_array_open(const zd_meta *m, vw_array *a, zd_error *err);
void vw_array_close(vw_array *a);

typedef struct vw_slice {
    int ndim;
    int ydim, xdim;           /* ydim -1: a 1-D array, one row */
    uint64_t at[ZD_MAX_DIMS]; /* index of every other dimension */
    uint64_t h, w;            /* image size in pixels */
    uint64_t step_y, step_x;  /* array elements per pixel */
} vw_slice;

/* The slice the query asks for (query[0..qlen), the request's) of array a, planned within the
 * bounds. ZD_EINVAL (a bad parameter, named) or ZD_EOVERFLOW (one chunk alone is too large). */
int vw_slice_plan(const vw_array *a, const char *query, size_t qlen, vw_slice *s, zd_error *err);

/* Append the query parameters that select slice s ("y=..&x=..&i0=.."). */
void vw_slice_query(const vw_slice *s, zd_buf *out);

/* A rendered preview. */
typedef struct vw_image {
    zd_buf png;
    double min, max;  /* finite values' range (min > max: none) */
    uint64_t nans;    /* NaN pixels */
    uint64_t decoded; /* chunks decoded */
    uint64_t missing; /* chunks absent (fill value) */
} vw_image;

/* The ETag the preview of slice s of the array at prefix (zarr.json's ETag meta_etag) has:
 * a hash of the slice and of the ETags of every value it reads (stat only, no data). */
int vw_preview_etag(st_store *st, const char *prefix, const vw_array *a, const char *meta_etag,
                    const vw_slice *s, char *etag, zd_error *err);

/* Render slice s: read and decode its chunks, scale, encode a PNG. */
int vw_render(st_store *st, const char *prefix, const vw_array *a, const vw_slice *s, vw_image *img,
              zd_error *err);
void vw_image_free(vw_image *img);

/* An RGB image (w * h * 3 bytes, rows top down) as a PNG (zlib deflate, crc32). */
int vw_png_encode(const uint8_t *rgb, uint32_t w, uint32_t h, zd_buf *out);

#endif
