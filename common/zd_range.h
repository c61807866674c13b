/* zd_range.h: HTTP byte ranges (RFC 9110 section 14): the `Range: bytes=...` request header
 * resolved against a representation size, and the `Content-Range` header of PATCH requests,
 * multipart parts and 206/416 responses.
 *
 * Ranges are inclusive [first, last] byte positions, as on the wire. Numbers of any length
 * are accepted where RFC 9110 allows them and never overflow: a first-pos beyond 2^64-1 is
 * simply unsatisfiable, a last-pos beyond the size is clamped. */
#ifndef ZD_RANGE_H
#define ZD_RANGE_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZD_MAX_RANGES        64         /* ranges in one Range header or multipart body */
#define ZD_LENGTH_UNKNOWN    UINT64_MAX /* complete-length "*" in Content-Range */
#define ZD_CONTENT_RANGE_MAX 80         /* bytes needed by zd_content_range_format, with NUL */

typedef struct zd_range {
    uint64_t first; /* inclusive */
    uint64_t last;  /* inclusive, >= first */
} zd_range;

/* Parse a Range header value of `len` bytes against a representation of `size` bytes.
 * Resolves A-B, A- and -N specs (comma-separated, OWS and empty list elements allowed) into
 * out[0..*n), in header order, clamped to the representation; unsatisfiable specs of a set
 * that has satisfiable ones are dropped.
 *   0            *n >= 1 ranges: answer 206
 *   ZD_EINVAL    not a valid bytes range-set, another unit, or more than `max` (at most
 *                ZD_MAX_RANGES) specs: the server ignores the header and answers 200
 *   ZD_ERANGE    valid but no spec is satisfiable (also any range of an empty
 *                representation): answer 416 with the unsatisfied Content-Range form */
int zd_range_parse(const char *hdr, size_t len, uint64_t size, zd_range *out, size_t max, size_t *n,
                   zd_error *err);

/* Sort ranges by first and merge overlapping or adjacent ones, in place; returns the new
 * count. A server may do this (RFC 9110 15.3.7.2) so overlapping sets cannot multiply the
 * response size. */
size_t zd_range_coalesce(zd_range *r, size_t n);

/* Sum of the lengths of n ranges (each last-first+1); false on overflow. */
bool zd_range_total(const zd_range *r, size_t n, uint64_t *total);

typedef struct zd_content_range {
    bool unsatisfied;         /* unsatisfied form: first and last are meaningless */
    uint64_t first, last;     /* inclusive, first <= last */
    uint64_t complete_length; /* ZD_LENGTH_UNKNOWN for "*"; if known, last < complete_length */
} zd_content_range;

/* Parse a Content-Range value: "bytes A-B/LEN", "bytes A-B/" "*" (unknown length) or the
 * unsatisfied form "bytes " "*" "/LEN" (pieces quoted apart only so this comment stays open).
 * The unit is case-insensitive; OWS around the value is allowed. Numbers must be below
 * ZD_LENGTH_UNKNOWN. Anything else, last < first, or last >= LEN: ZD_EINVAL. */
int zd_content_range_parse(const char *hdr, size_t len, zd_content_range *out, zd_error *err);

/* Write "bytes A-B/LEN" (LEN as "*" if ZD_LENGTH_UNKNOWN) NUL-terminated into out, which has
 * room for ZD_CONTENT_RANGE_MAX bytes; returns the length without the NUL. */
size_t zd_content_range_format(char *out, uint64_t first, uint64_t last, uint64_t complete);

/* Write the unsatisfied form ("bytes " "*" "/LEN") for a 416 answer; returns the length. */
size_t zd_content_range_format_unsatisfied(char *out, uint64_t complete);

#endif
