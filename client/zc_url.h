/* zc_url.h: the client's base URL (http://host[:port][/prefix]) and request targets built from
 * it: the prefix, then the key percent-encoded segment by segment, then an optional query. */
#ifndef ZC_URL_H
#define ZC_URL_H

#include "zd_buf.h"
#include "zd_error.h"
#include "zd_limits.h"

typedef struct zc_url {
    char host[256];              /* name or address, IPv6 without brackets */
    char port[8];                /* decimal, "80" when absent */
    char hostport[272];          /* the Host header value, as written in the URL */
    char prefix[ZD_MAX_KEY + 1]; /* "" or "/seg/seg" (already encoded, no trailing '/') */
} zc_url;

/* Parse a base URL. Only http:// is supported; no user info, query or fragment. */
int zc_url_parse(const char *url, zc_url *out, zd_error *err);

/* Append to `out` the request target for `key` ("" = the prefix root): prefix + "/" + encoded
 * key, a trailing "/" when `dir` is set, then "?" + query when query is not NULL. Rejects keys
 * the server would refuse, by the server's own rule (zd_key_validate: empty segments, "." or
 * "..", backslash, control characters, invalid UTF-8, longer than ZD_MAX_KEY). */
int zc_url_target(const zc_url *u, const char *key, int dir, const char *query, zd_buf *out,
                  zd_error *err);

#endif
