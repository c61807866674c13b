/* zd_fill.h: Zarr v3 fill values. Parses a zarr.json `fill_value` for a data type into the raw
 * bytes of one element (native little-endian, zero padded to 16 bytes), encodes them back to
 * JSON so that parse(encode(x)) gives the same bytes, and fills / tests buffers with it.
 *
 * Accepted JSON, as the Zarr v3 core spec says: booleans for bool; integral numbers in range for
 * the integer types; numbers, "NaN", "Infinity", "-Infinity" or a hex string of the raw bits
 * ("0x7fc00000" for a float32) for the float types; a pair [re, im] of those for complex. */
#ifndef ZD_FILL_H
#define ZD_FILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "zd_dtype.h"
#include "zd_error.h"

#define ZD_FILL_BYTES 16

/* Parse `json` as a fill value of type `t` into out (ZD_FILL_BYTES bytes, zero padded).
 * 0, or ZD_EINVAL (wrong JSON kind, malformed string) / ZD_ERANGE (out of range, non-integral
 * for an integer type) with a message naming fill_value. */
int zd_fill_parse(const cJSON *json, zd_dtype t, uint8_t out[ZD_FILL_BYTES], zd_error *err);

/* A new cJSON value for the fill value (caller deletes it); NULL when out of memory. Integers
 * outside the int32 range and finite floats are written as exact decimal text (raw items),
 * special floats as their names, NaNs other than the canonical one and -0.0 as hex strings, so
 * the bits survive a round trip through JSON text. */
cJSON *zd_fill_to_json(zd_dtype t, const uint8_t fill[ZD_FILL_BYTES]);

/* Write `n` copies of the element `fill` into buf (n * zd_dtype_size(t) bytes). */
void zd_fill_buffer(void *buf, size_t n, zd_dtype t, const uint8_t fill[ZD_FILL_BYTES]);

/* Whether all `n` elements of buf have exactly the bytes of `fill` (a chunk that need not be
 * stored). Comparison is bitwise: -0.0 differs from 0.0, a NaN matches only the same NaN. */
bool zd_fill_is_uniform(const void *buf, size_t n, zd_dtype t, const uint8_t fill[ZD_FILL_BYTES]);

/* Exact JSON integers. cJSON keeps numbers as doubles, so integers outside the int32 range are
 * written as raw decimal text (a cJSON raw item). zd_json_int reads either form: a number must
 * be integral (and, beyond 2^53, is only as exact as the double it was parsed into); raw text
 * must be plain decimal. 0, or ZD_EINVAL (not an integer) / ZD_ERANGE (beyond 64 bits). */
int zd_json_int(const cJSON *item, bool *negative, uint64_t *magnitude);
cJSON *zd_json_from_u64(uint64_t v);
cJSON *zd_json_from_i64(int64_t v);

#endif
