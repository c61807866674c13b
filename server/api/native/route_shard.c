/* route_shard.c: the shard endpoints (`?chunk=C` on GET/HEAD/PUT/DELETE, `?batch` on POST; see
 * DESIGN.md and server/SHARDS.md). The router sends every such request here. This file is the
 * connection glue only: it buffers the body, hands the request to shard_http.c with the
 * server's shard backend (shard_backend.h: the file engine or the memory store's, whichever
 * main.c opened) and sends the answer. */
#include "handlers.h"

#include "metrics.h"
#include "shard_http.h"

#include <stdio.h>

static sh_method shard_method(int method)
{
    switch (method) {
    case HTTP_GET:
        return SH_GET;
    case HTTP_HEAD:
        return SH_HEAD;
    case HTTP_PUT:
        return SH_PUT;
    case HTTP_DELETE:
        return SH_DELETE;
    case HTTP_POST:
        return SH_POST;
    default:
        return SH_OTHER;
    }
}

static void shard_begin(cn_conn *c)
{
    const opt_config *cfg = c->w->shared->cfg;
    if (c->req.key.is_prefix) {
        rs_error(c, 400, "bad request", "a shard key cannot end in '/'");
        return;
    }
    if (sh_http_wants_body(shard_method(c->req.method)))
        cn_body_to_buffer(c, cfg->max_body < SH_HTTP_BODY_MAX ? cfg->max_body : SH_HTTP_BODY_MAX);
}

static void shard_finish(cn_conn *c)
{
    cn_request *r = &c->req;
    sh_http_request rq = {
        .method = shard_method(r->method),
        .key = r->key.key,
        .query = r->query,
        .query_len = r->query_len,
        .body = r->body.data,
        .body_len = r->body.len,
    };
    rq.zarr_shard = cn_header_get(c, "zarr-shard", &rq.zarr_shard_len);
    sh_http_response rs = {0};
    sh_http_handle(c->w->shared->shards, &rq, &rs);
    if (rs.status >= 400) {
        if (rs.status == 500) mt_event(MT_EV_ERR_IO);
        if (rs.status == 503 && !rs.retry_after) mt_event(MT_EV_ERR_NOMEM);
        if (rs.status == 507) mt_event(MT_EV_ERR_NOSPACE);
        rs_begin(c, rs.status);
        if (rs.retry_after > 0) {
            char secs[16];
            snprintf(secs, sizeof secs, "%d", rs.retry_after);
            rs_header(c, "Retry-After", secs);
        }
        rs_error_body(c, rs.error, "%s", rs.detail.msg);
    } else {
        rs_begin(c, rs.status);
        rs_send(c, rs.status == 200 ? "application/octet-stream" : NULL, rs.body.data, rs.body.len);
    }
    zd_buf_free(&rs.body);
}

const hd_handler hd_shard = {.begin = shard_begin, .finish = shard_finish};
