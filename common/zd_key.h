/* zd_key.h: turning an HTTP request path into a store key, and a key back into a URL path.
 *
 * A key is what the stores see: '/'-separated segments, each non-empty and neither "." nor
 * "..", no NUL, no backslash, no control character, valid UTF-8, at most ZD_MAX_KEY bytes,
 * without a leading '/'. The request path (the part of the target before '?') is still
 * percent-encoded; an encoded '/' (%2F) is refused rather than decoded, so a segment boundary
 * is always a literal '/'. A path ending in '/' names a listing prefix; "/" alone is the root
 * prefix (the empty key). Every refusal is ZD_EINVAL with a message naming the problem. */
#ifndef ZD_KEY_H
#define ZD_KEY_H

#include "zd_buf.h"
#include "zd_error.h"
#include "zd_limits.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct zd_key {
    char key[ZD_MAX_KEY + 1]; /* decoded key, NUL-terminated, no leading or trailing '/' */
    size_t len;               /* strlen(key): 0..ZD_MAX_KEY (0 only for the root prefix) */
    bool is_prefix;           /* the path ended in '/': a listing of everything below key */
} zd_key;

/* Decode and validate a request path of `len` bytes (must start with '/'). On success fills
 * *out; e.g. "/a/b%20c" -> key "a/b c", "/a/b/" -> key "a/b" with is_prefix, "/" -> key ""
 * with is_prefix. ZD_MAX_KEY bounds the decoded key without its leading and trailing '/'. */
int zd_key_from_path(const char *path, size_t len, zd_key *out, zd_error *err);

/* Validate an already decoded key (no leading '/', not empty, no trailing '/'), e.g. one named
 * inside a request body. Same rules as zd_key_from_path. */
int zd_key_validate(const char *key, size_t len, zd_error *err);

/* Append "/" + key percent-encoded for a request path (unreserved characters and '/' kept,
 * every other byte as %XX) to *out. The key is not validated. 0 or ZD_ENOMEM/ZD_EOVERFLOW. */
int zd_key_to_path(const char *key, size_t len, zd_buf *out);

#endif
