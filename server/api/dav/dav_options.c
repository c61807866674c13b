/* dav_options.c: OPTIONS on a key, a prefix or `*` (RFC 9110 9.3.7, RFC 4918 10.1): 200 with
 * Allow (the methods the native API and WebDAV answer there), `DAV: 1` (class 1, no locks) and
 * `MS-Author-Via: DAV` (which some Windows clients look for). A CORS preflight never gets
 * here: the router hands it to cors.c first. */
#include "dav_internal.h"

#define DAV_ALLOW_COMMON "OPTIONS, GET, HEAD, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE"

static void options_finish(cn_conn *c)
{
    rs_begin(c, 200);
    rs_header(c, "Allow",
              c->req.key.is_prefix ? DAV_ALLOW_COMMON : DAV_ALLOW_COMMON ", PUT, PATCH");
    rs_header(c, "DAV", "1");
    rs_header(c, "MS-Author-Via", "DAV");
    rs_header(c, "Accept-Ranges", "bytes");
    rs_send(c, NULL, NULL, 0);
}

const hd_handler hd_dav_options = {.finish = options_finish};
