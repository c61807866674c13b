/* zd_cond.h: conditional request headers (RFC 9110 13.1.1, 13.1.2, 8.8.3): If-Match and
 * If-None-Match values are "*" or a comma-separated list of entity-tags ("abc", W/"abc").
 *
 * If-Match uses the strong comparison (both tags strong and equal opaque-tags); If-None-Match
 * uses the weak comparison (equal opaque-tags, W/ ignored). What to answer (412, 304) is the
 * server's business; this only says whether the header matches the current entity-tag. */
#ifndef ZD_COND_H
#define ZD_COND_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>

/* Does the header value hdr[0..len) match the current entity-tag? `etag` is the tag as sent in
 * the ETag header, quotes included (e.g. "\"5f3a-1c\"" or "W/\"x\""), or NULL when the
 * resource does not exist: then "*" and every list fail to match. `weak_compare` selects the
 * weak comparison (If-None-Match) instead of the strong one (If-Match). Empty list elements
 * and OWS are allowed. Returns 0 with *match set, or ZD_EINVAL for a malformed value (also
 * an empty one, "*" inside a list, or a malformed `etag`). */
int zd_etag_list_match(const char *hdr, size_t len, const char *etag, bool weak_compare,
                       bool *match, zd_error *err);

/* Check that s[0..len) is exactly one entity-tag; ZD_EINVAL otherwise. */
int zd_etag_validate(const char *s, size_t len, zd_error *err);

#endif
