/* zd_multipart.h: media types and byte-range bodies.
 *
 * - Content-Type parsing (RFC 9110 8.3.1): type/subtype compared case-insensitively,
 *   parameters as token or quoted-string; the `boundary` parameter is extracted, unquoted.
 * - Reading request bodies of PATCH (draft-ietf-httpapi-patch-byterange): an in-memory
 *   `multipart/byteranges` body (RFC 9110 14.6, RFC 2046 5.1.1: optional preamble, parts
 *   opened by CRLF "--" boundary, part headers with a required Content-Range and an optional
 *   Content-Type, the close delimiter "--" boundary "--", epilogue ignored) and a
 *   `message/byterange` body (a header block with Content-Range, CRLF, then the bytes).
 *   Lines end in CRLF. Each part's data must be exactly last-first+1 bytes. Parts point into
 *   the body (no copies); every malformed case is ZD_EINVAL with a message.
 * - Writing 206 multipart/byteranges responses: the per-part header text and the exact total
 *   body length, computed from the same formatter so they always agree. Body layout:
 *     for each range: CRLF "--" B CRLF ["Content-Type: " T CRLF] "Content-Range: bytes
 *     first-last/size" CRLF CRLF <bytes>;  then CRLF "--" B "--" CRLF. */
#ifndef ZD_MULTIPART_H
#define ZD_MULTIPART_H

#include "zd_buf.h"
#include "zd_error.h"
#include "zd_range.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZD_MAX_BOUNDARY 70            /* RFC 2046: 1..70 characters */
#define ZD_MAX_PARTS    ZD_MAX_RANGES /* parts in one multipart/byteranges body */

typedef struct zd_content_type {
    const char *type; /* "type/subtype" span into the header, as written (any case) */
    size_t type_len;
    char boundary[ZD_MAX_BOUNDARY + 1]; /* unquoted, NUL-terminated; "" if absent */
    size_t boundary_len;
} zd_content_type;

/* Parse a Content-Type value of `len` bytes. ZD_EINVAL on bad syntax, a duplicate boundary or
 * a boundary that is empty, longer than ZD_MAX_BOUNDARY or has characters RFC 2046 forbids;
 * *out is then all zero. A missing boundary is not an error here (boundary_len 0): callers
 * that need one check. */
int zd_content_type_parse(const char *hdr, size_t len, zd_content_type *out, zd_error *err);

/* True if the parsed type/subtype equals `type` (lowercase, e.g. "multipart/byteranges"),
 * ignoring case. */
bool zd_content_type_is(const zd_content_type *ct, const char *type);

typedef struct zd_byterange_part {
    uint64_t first, last;     /* inclusive, from the part's Content-Range */
    uint64_t complete_length; /* ZD_LENGTH_UNKNOWN for "*" */
    const uint8_t *data;      /* last-first+1 bytes inside the body */
    size_t len;
    const char *content_type; /* the part's Content-Type value (trimmed), NULL if absent */
    size_t content_type_len;
} zd_byterange_part;

/* Parse a multipart/byteranges body with the given boundary into parts[0..*n), at most `max`
 * (<= ZD_MAX_PARTS). At least one part. */
int zd_multipart_parse(const uint8_t *body, size_t len, const char *boundary, size_t blen,
                       zd_byterange_part *parts, size_t max, size_t *n, zd_error *err);

/* Parse a message/byterange body: header fields (Content-Range required), CRLF, data. */
int zd_message_byterange_parse(const uint8_t *body, size_t len, zd_byterange_part *part,
                               zd_error *err);

/* Write a boundary for a response, "zarrd-" + 16 hex digits of `nonce` (pass random bits),
 * NUL-terminated into out (room for ZD_MAX_BOUNDARY + 1); returns its length. */
size_t zd_multipart_make_boundary(char *out, uint64_t nonce);

/* Append the header text that precedes the bytes of range r (see the layout above) to *out.
 * content_type may be NULL (no Content-Type line). 0 or ZD_ENOMEM/ZD_EOVERFLOW. */
int zd_multipart_part_header(zd_buf *out, const char *boundary, const char *content_type,
                             zd_range r, uint64_t size);

/* Append the close delimiter CRLF "--" boundary "--" CRLF to *out. */
int zd_multipart_close(zd_buf *out, const char *boundary);

/* Exact length of the whole response body for ranges r[0..n) of a `size`-byte value: every
 * part header + every range's bytes + the close delimiter. ZD_EOVERFLOW if it does not fit. */
int zd_multipart_body_length(const char *boundary, const char *content_type, const zd_range *r,
                             size_t n, uint64_t size, uint64_t *total);

#endif
