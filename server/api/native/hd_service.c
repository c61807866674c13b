/* hd_service.c: the service endpoints under /_zarrd/: `health` (200 JSON, no token needed)
 * and `metrics` (Prometheus text; with --token-file it needs a token without a prefix). */
#include "handlers.h"

#include "metrics.h"

#include <string.h>

static bool svc_is(const cn_request *r, const char *path)
{
    return r->path_len == strlen(path) && memcmp(r->path, path, r->path_len) == 0;
}

static void svc_begin(cn_conn *c)
{
    if (c->req.method != HTTP_GET && c->req.method != HTTP_HEAD) {
        rs_begin(c, 405);
        rs_header(c, "Allow", "GET, HEAD");
        rs_error_body(c, "method not allowed", "service endpoints answer GET and HEAD");
    }
}

static void svc_finish(cn_conn *c)
{
    cn_request *r = &c->req;
    if (svc_is(r, "/_zarrd/health")) {
        static const char ok[] = "{\"status\": \"ok\"}\n";
        rs_begin(c, 200);
        rs_header(c, "Cache-Control", "no-store");
        rs_send(c, "application/json", ok, sizeof ok - 1);
        return;
    }
    if (!svc_is(r, "/_zarrd/metrics")) {
        rs_error(c, 404, "not found", "unknown service endpoint");
        return;
    }
    const wk_shared *sh = c->w->shared;
    if (sh->auth) {
        size_t alen = 0;
        const char *authz = cn_header_get(c, "authorization", &alen);
        int rc = au_check(sh->auth, authz, alen, "", 0, false);
        if (rc) {
            rs_error(c, rc, rc == 401 ? "unauthorized" : "forbidden",
                     "metrics need a token without a prefix");
            return;
        }
    }
    zd_buf out = {0};
    if (mt_render(&out, sh->metrics, sh->nworkers)) {
        zd_buf_free(&out);
        rs_error(c, 503, "out of memory", "rendering metrics");
        return;
    }
    rs_begin(c, 200);
    rs_header(c, "Cache-Control", "no-store");
    rs_send(c, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
    zd_buf_free(&out);
}

const hd_handler hd_service = {.begin = svc_begin, .finish = svc_finish};
