/* cors.c: CORS preflights and response headers (see cors.h). */
#include "cors.h"

#include "conn.h"

#include <string.h>

const cors_policy cors_native = {
    .allow_methods = "GET, HEAD, PUT, PATCH, DELETE, POST, OPTIONS, PROPFIND, MKCOL, COPY, MOVE",
    .allow_headers = "Authorization, Content-Type, Content-Range, Range, If-Match, If-None-Match, "
                     "If-Modified-Since, If-Unmodified-Since, If-Range, Zarr-Shard, Depth, "
                     "Destination, Overwrite",
    .expose =
        "ETag, Content-Range, Content-Length, Accept-Ranges, Last-Modified, Content-Type, DAV",
    .max_age = "3600",
};

static const opt_config *cors_cfg(cn_conn *c)
{
    return c->w->shared->cfg;
}

/* The configured origin matching the request's Origin: "*", the origin itself, or NULL. */
static const char *cors_allowed(cn_conn *c)
{
    const opt_config *cfg = cors_cfg(c);
    if (!cfg->ncors_origins) return NULL;
    size_t n;
    const char *origin = cn_header_get(c, "origin", &n);
    if (!origin) return NULL;
    for (int i = 0; i < cfg->ncors_origins; i++) {
        const char *o = cfg->cors_origins[i];
        if (strcmp(o, "*") == 0) return o;
        if (strlen(o) == n && memcmp(o, origin, n) == 0) return o;
    }
    return NULL;
}

bool cors_is_preflight(cn_conn *c)
{
    size_t n;
    return cors_cfg(c)->ncors_origins && c->req.method == HTTP_OPTIONS &&
           cn_header_get(c, "origin", &n) && cn_header_get(c, "access-control-request-method", &n);
}

/* Allow-Origin and Vary for an allowed origin. */
static void cors_origin_headers(cn_conn *c, const char *allowed)
{
    rs_header(c, "Access-Control-Allow-Origin", allowed);
    if (strcmp(allowed, "*") != 0) rs_header(c, "Vary", "Origin");
}

void cors_preflight(cn_conn *c, const cors_policy *p)
{
    const char *allowed = cors_allowed(c);
    if (!allowed) {
        rs_error(c, 403, "origin not allowed",
                 "this origin is not one of the server's --cors-origin values");
        return;
    }
    rs_begin(c, 204); /* adds Allow-Origin itself (cors_response_headers) */
    rs_header(c, "Access-Control-Allow-Methods", p->allow_methods);
    rs_header(c, "Access-Control-Allow-Headers", p->allow_headers);
    rs_header(c, "Access-Control-Max-Age", p->max_age);
    rs_send(c, NULL, NULL, 0);
}

void cors_response_headers(cn_conn *c)
{
    const char *allowed = cors_allowed(c);
    if (!allowed) return;
    cors_origin_headers(c, allowed);
    if (!cors_is_preflight(c)) rs_header(c, "Access-Control-Expose-Headers", c->cors->expose);
}
