/* cors.h: Cross-Origin Resource Sharing (the Fetch standard's CORS protocol) for the
 * listeners, so a page served from another origin (zarrita in a page, vizarr, neuroglancer)
 * can read and write through a browser.
 *
 * With `--cors-origin ORIGIN` (repeatable; `*` = any origin) a request whose Origin header is
 * allowed gets, on every answer (errors included), Access-Control-Allow-Origin (the origin,
 * or `*`) and Access-Control-Expose-Headers, plus `Vary: Origin` when the answer depends on
 * the origin; a preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
 * 204 with the allowed methods and headers and a Max-Age, before any token check (browsers
 * never send credentials on a preflight); a preflight from another origin is 403. Without
 * --cors-origin no CORS header is ever sent and OPTIONS is an ordinary request.
 *
 * Which methods and headers a listener allows and exposes is its policy (cors_native for the
 * native API and WebDAV); another front-end (S3) passes its own. Credentials (cookies) are never
 * allowed: tokens travel in Authorization, which the policy lists explicitly. */
#ifndef ZS_CORS_H
#define ZS_CORS_H

#include <stdbool.h>

struct cn_conn;

typedef struct cors_policy {
    const char *allow_methods; /* Access-Control-Allow-Methods */
    const char *allow_headers; /* Access-Control-Allow-Headers */
    const char *expose;        /* Access-Control-Expose-Headers */
    const char *max_age;       /* Access-Control-Max-Age, seconds */
} cors_policy;

extern const cors_policy cors_native;

/* Whether the request is a CORS preflight and CORS is configured (the router then answers it
 * with cors_preflight before anything else). */
bool cors_is_preflight(struct cn_conn *c);

/* Answer a preflight under policy p: 204 with the Access-Control-Allow-* headers when the
 * Origin is allowed, 403 otherwise. */
void cors_preflight(struct cn_conn *c, const cors_policy *p);

/* Add the response headers for an allowed Origin to the response being built (rs_begin calls
 * it); nothing when CORS is not configured or the request has no allowed Origin. */
void cors_response_headers(struct cn_conn *c);

#endif
