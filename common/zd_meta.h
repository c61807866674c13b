/* zd_meta.h: Zarr v3 `zarr.json` for arrays and groups — parse and validate, build, write.
 *
 * Validation follows the Zarr v3 core spec: zarr_format 3; node_type "array" or "group"; for
 * arrays shape, data_type (core types), chunk_grid (regular), chunk_key_encoding (default or
 * v2), fill_value, codecs (kept as JSON; only its outer shape — an array of objects with a
 * "name", or short-hand name strings, which are rewritten as {"name": ...} — is checked here,
 * the codec chain checks the rest), optional attributes,
 * dimension_names and storage_transformers (which must be empty). An unknown field that is an
 * object with "must_understand": false is kept aside and written back unchanged; any other
 * unknown field is refused. Every error message starts with the field it is about. */
#ifndef ZD_META_H
#define ZD_META_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "zd_buf.h"
#include "zd_chunk_spec.h"
#include "zd_dtype.h"
#include "zd_error.h"
#include "zd_fill.h"
#include "zd_grid.h"
#include "zd_limits.h"

typedef enum zd_node_type {
    ZD_NODE_ARRAY,
    ZD_NODE_GROUP,
} zd_node_type;

typedef struct zd_meta {
    zd_node_type node_type;
    /* Arrays only. */
    int ndim;
    uint64_t shape[ZD_MAX_DIMS];
    uint64_t chunk_shape[ZD_MAX_DIMS];
    zd_dtype dtype;
    uint8_t fill[ZD_FILL_BYTES];
    zd_key_encoding key_encoding;
    cJSON *codecs;          /* owned: array of codec objects, each with a "name" */
    cJSON *dimension_names; /* owned: array of ndim strings/nulls, or NULL when absent */
    /* Arrays and groups. */
    cJSON *attributes; /* owned: object, or NULL when absent */
    cJSON *extra;      /* owned: object of ignored fields kept for writing back, or NULL */
} zd_meta;

/* Parse and validate zarr.json text (`len` bytes, no NUL needed). On success *out is a new
 * zd_meta (zd_meta_free). ZD_EINVAL / ZD_EUNSUPPORTED / ZD_ERANGE / ZD_EOVERFLOW / ZD_ENOMEM
 * with a message naming the field. */
int zd_meta_parse(const char *text, size_t len, zd_meta **out, zd_error *err);

/* The same from an already parsed document (which is not modified or kept). */
int zd_meta_from_json(const cJSON *doc, zd_meta **out, zd_error *err);

/* A new array with default settings: chunk key encoding default "/", fill value all zero
 * bytes, codecs [{"name": "bytes", "configuration": {"endian": "little"}}], no attributes.
 * Validated as zd_meta_parse would (bounds, chunk size). */
int zd_meta_new_array(int ndim, const uint64_t *shape, const uint64_t *chunk_shape, zd_dtype dtype,
                      zd_meta **out, zd_error *err);

/* A new group without attributes; ZD_ENOMEM. */
int zd_meta_new_group(zd_meta **out);

/* Replace the codecs with a (normalised) copy of `codecs` after checking its outer shape. */
int zd_meta_set_codecs(zd_meta *m, const cJSON *codecs, zd_error *err);

/* Replace the fill value by parsing `json` for the array's data type. */
int zd_meta_set_fill_json(zd_meta *m, const cJSON *json, zd_error *err);

void zd_meta_free(zd_meta *m);

/* The document as a new cJSON tree (caller deletes it); NULL when out of memory. */
cJSON *zd_meta_to_json(const zd_meta *m);

/* Append the document as formatted JSON text to `out`. 0 or ZD_ENOMEM. */
int zd_meta_write(const zd_meta *m, zd_buf *out);

/* The array's chunk grid. ZD_EINVAL for a group. */
int zd_meta_grid(const zd_meta *m, zd_grid *g);

/* What the codec chain needs for this array's chunks (chunk_shape, dtype, fill).
 * ZD_EINVAL for a group. */
int zd_meta_chunk_spec(const zd_meta *m, zd_chunk_spec *spec);

#endif
