/* route_shard.c: the shard endpoints (`?chunk=C` on GET/HEAD/PUT/DELETE, `?chunks=C;C;...` on
 * GET/HEAD, `?batch` on POST; see DESIGN.md and server/SHARDS.md). The router sends every such
 * request here. This file is the connection glue only: it buffers the body, hands the request
 * to shard_http.c with the server's shard backend (shard_backend.h: the file engine or the
 * memory store's, whichever main.c opened) and sends the answer. */
#include "handlers.h"

#include "metrics.h"
#include "shard_http.h"

#include <stdio.h>
#include <stdlib.h>

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
    sh_method m = shard_method(c->req.method);
    if (sh_http_wants_body(m))
        cn_body_to_buffer(c, cfg->max_body < SH_HTTP_BODY_MAX ? cfg->max_body : SH_HTTP_BODY_MAX);
    /* Under --fsync batch|always a change waits for the journal's sync: an I/O thread. Else it
     * is tried on the loop and moves to one only if it needs more than small writes. */
    if (m != SH_GET && m != SH_HEAD && m != SH_OTHER) hd_offload(c, false);
}

/* The request against the server's shard backend. On the loop a change that would block
 * (ZD_EWOULDBLOCK from the engine, nothing changed) asks for an I/O thread instead. */
static void shard_work(cn_conn *c)
{
    cn_request *r = &c->req;
    sh_http_request rq = {
        .method = shard_method(r->method),
        .key = r->key.key,
        .query = r->query,
        .query_len = r->query_len,
        .body = r->body.data,
        .body_len = r->body.len,
        .may_block = r->offload,
    };
    rq.zarr_shard = cn_header_get(c, "zarr-shard", &rq.zarr_shard_len);
    sh_http_response *rs = calloc(1, sizeof *rs);
    if (rs) sh_http_handle(c->w->shared->shards, &rq, rs);
    if (rs && rs->status == 0) { /* would block: again, on an I/O thread */
        zd_buf_free(&rs->body);
        free(rs);
        r->offload = true;
        return;
    }
    r->work_state = rs;
}

static void shard_finish(cn_conn *c)
{
    sh_http_response *rs = c->req.work_state;
    c->req.work_state = NULL;
    if (!rs) {
        mt_error_status(503);
        rs_error(c, 503, "out of memory", "no memory for a shard request");
    } else if (rs->status >= 400) {
        mt_error_status(rs->status);
        rs_begin(c, rs->status);
        if (rs->retry_after > 0) { /* the shard index budget is in use: a moment later */
            char secs[16];
            snprintf(secs, sizeof secs, "%d", rs->retry_after);
            rs_header(c, "Retry-After", secs);
        }
        rs_error_body(c, rs->error, "%s", rs->detail.msg);
    } else if (rs->status == 200 && c->req.method == HTTP_HEAD) { /* its length, no bytes */
        rs_begin(c, 200);
        rs_send(c, "application/octet-stream", NULL, (size_t)rs->length);
    } else {
        rs_begin(c, rs->status);
        rs_send(c, rs->status == 200 ? "application/octet-stream" : NULL, rs->body.data,
                rs->body.len);
    }
    if (rs) zd_buf_free(&rs->body);
    free(rs);
}

const hd_handler hd_shard = {.begin = shard_begin, .work = shard_work, .finish = shard_finish};
