/* conn.c: client connections: llhttp glue, request lifecycle, body routing, keep-alive,
 * pipelining, timeouts and graceful/lingering close (see conn.h for the request lifecycle).
 *
 * Closing: after a response that ends the connection we shut down our side; if the client
 * may still be sending a body we refused, we keep reading and dropping it (lingering close,
 * bounded by the request timeout) so the kernel does not reset the connection before the
 * client has read our answer. */
#include "conn.h"

#include "access_log.h"
#include "handlers.h"
#include "io_pool.h"
#include "log.h"
#include "router.h"
#include "zd_ctype.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static llhttp_settings_t cn_settings;
static uv_once_t cn_settings_once = UV_ONCE_INIT;

static void cn_on_timer(uv_timer_t *t);
static void cn_close(cn_conn *c);
static void cn_feed(cn_conn *c);
static void cn_bufs_release(cn_conn *c);
static void cn_request_end(cn_conn *c);
static void cn_shutdown(cn_conn *c);

uint64_t cn_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const opt_config *cn_cfg(const cn_conn *c)
{
    return c->w->shared->cfg;
}

static void cn_arm(cn_conn *c, uint64_t ms)
{
    uv_timer_start(&c->timer, cn_on_timer, ms, 0);
}

void cn_write_progress(cn_conn *c)
{
    cn_arm(c, cn_cfg(c)->request_timeout_ms);
}

static void cn_read_stop(cn_conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = false;
    }
}

/* Hand the built response to the writer; parsing stays paused until it is written. Reading
 * goes on into the read buffer (pipelined requests) and stops only when the buffer is full
 * (cn_on_read): stopping and restarting the read watcher for every response cost two epoll_ctl
 * calls per request. */
static void cn_send(cn_conn *c)
{
    c->state = CN_RESPONDING;
    c->paused = true;
    cn_write_progress(c);
    rs_flush(c);
}

/* Answer now and close afterwards (errors in the middle of a request). Returns the llhttp
 * code that stops the parser. */
static int cn_fail_now(cn_conn *c, int status, const char *error, const char *detail)
{
    if (c->early) { /* an answer is already out: just end the connection after it */
        c->close_after = true;
        c->state = CN_RESPONDING;
        c->paused = true;
        cn_read_stop(c);
        if (c->early_done) cn_response_done(c);
        return HPE_PAUSED;
    }
    if (!c->resp.ready || status == 408) {
        rs_reset(c);
        rs_error(c, status, error, "%s", detail);
    }
    c->close_after = true;
    c->linger = true;
    cn_send(c);
    return HPE_PAUSED;
}

/* ---- request state ---- */

static void cn_req_cleanup(cn_conn *c)
{
    cn_request *r = &c->req;
    if (r->writer) {
        r->writer->abort(r->writer);
        r->writer = NULL;
    }
    r->handler = NULL;
    if (r->body.cap > CN_DISCARD_MAX) zd_buf_free(&r->body);
    zd_buf_reset(&r->body);
}

static void cn_req_start(cn_conn *c)
{
    cn_request *r = &c->req;
    memset(r, 0, offsetof(cn_request, key));
    r->key.len = 0;
    r->key.key[0] = '\0';
    r->key.is_prefix = false;
    r->method = -1; /* until the request line is parsed (metrics count it as OTHER) */
    r->body_expected = UINT64_MAX;
    r->body_mode = CN_BODY_DISCARD;
    r->start_ns = cn_now_ns();
    c->arena_len = 0;
    c->err_status = 0;
    c->err_detail = NULL;
}

const char *cn_header_get(const cn_conn *c, const char *lname, size_t *len)
{
    size_t n = strlen(lname);
    for (size_t i = 0; i < c->req.nheaders; i++) {
        const cn_header *h = &c->req.headers[i];
        if (h->name_len == n && zd_ascii_caseeq(c->arena + h->name, n, lname)) {
            *len = h->value_len;
            return c->arena + h->value;
        }
    }
    return NULL;
}

void cn_body_to_writer(cn_conn *c, st_writer *w)
{
    c->req.writer = w;
    c->req.body_mode = CN_BODY_WRITER;
}

void cn_body_to_buffer(cn_conn *c, uint64_t limit)
{
    c->req.body_mode = CN_BODY_BUFFER;
    c->req.body_limit = limit;
}

/* ---- llhttp callbacks ---- */

static int cn_arena_add(cn_conn *c, const char *at, size_t len)
{
    if (len > CN_MAX_HEADER_BYTES - c->arena_len) return -1;
    memcpy(c->arena + c->arena_len, at, len);
    c->arena_len += (uint32_t)len;
    return 0;
}

static int cn_cb_fail(cn_conn *c, int status, const char *detail)
{
    c->err_status = status;
    c->err_detail = detail;
    return -1;
}

static int cn_on_message_begin(llhttp_t *p)
{
    cn_conn *c = p->data;
    cn_idle_leave(c);
    cn_req_start(c);
    if (c->fe->request_start) c->fe->request_start(c);
    c->state = CN_HEADERS;
    cn_arm(c, cn_cfg(c)->request_timeout_ms);
    return 0;
}

static int cn_on_url(llhttp_t *p, const char *at, size_t len)
{
    cn_conn *c = p->data;
    if (cn_arena_add(c, at, len)) return cn_cb_fail(c, 414, "request target longer than 16 KiB");
    c->req.target_len += (uint32_t)len;
    return 0;
}

static int cn_on_header_field(llhttp_t *p, const char *at, size_t len)
{
    cn_conn *c = p->data;
    cn_request *r = &c->req;
    if (r->nheaders == 0 || r->in_value) {
        if (r->nheaders == CN_MAX_HEADERS) return cn_cb_fail(c, 431, "more than 100 header fields");
        r->headers[r->nheaders++] = (cn_header){.name = c->arena_len};
        r->in_value = false;
    }
    if (cn_arena_add(c, at, len)) return cn_cb_fail(c, 431, "header section larger than 16 KiB");
    r->headers[r->nheaders - 1].name_len += (uint32_t)len;
    return 0;
}

static int cn_on_header_field_complete(llhttp_t *p)
{
    cn_conn *c = p->data;
    cn_header *h = &c->req.headers[c->req.nheaders - 1];
    h->value = c->arena_len;
    h->value_len = 0;
    c->req.in_value = true;
    return 0;
}

static int cn_on_header_value(llhttp_t *p, const char *at, size_t len)
{
    cn_conn *c = p->data;
    if (cn_arena_add(c, at, len)) return cn_cb_fail(c, 431, "header section larger than 16 KiB");
    c->req.headers[c->req.nheaders - 1].value_len += (uint32_t)len;
    return 0;
}

/* The first field that may appear only once but does more often, or NULL. Host twice is a 400
 * by RFC 9112 section 3.2; the others would make the request ambiguous (which token, which
 * range, which shard layout applies?), so they are refused rather than read by their first
 * line. */
static const char *cn_repeated_singleton(const cn_conn *c)
{
    static const char *const once[] = {"host",  "authorization", "content-range",
                                       "range", "if-range",      "zarr-shard"};
    unsigned seen = 0; /* bit k: once[k] was met */
    for (size_t i = 0; i < c->req.nheaders; i++) {
        const cn_header *h = &c->req.headers[i];
        for (unsigned k = 0; k < sizeof once / sizeof once[0]; k++) {
            if (h->name_len != strlen(once[k]) ||
                !zd_ascii_caseeq(c->arena + h->name, h->name_len, once[k]))
                continue;
            if (seen & 1u << k) return once[k];
            seen |= 1u << k;
        }
    }
    return NULL;
}

static bool cn_has_body(const cn_request *r)
{
    return r->chunked || (r->has_length && r->content_length > 0);
}

static void cn_send_continue(cn_conn *c)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    uv_buf_t b = uv_buf_init((char *)cont, sizeof cont - 1);
    rs_out_flush(c); /* answers to earlier requests go first */
    c->cont_req.data = c;
    if (uv_write(&c->cont_req, (uv_stream_t *)&c->tcp, &b, 1, NULL) == 0)
        c->resp.bytes_out += b.len;
}

static int cn_on_headers_complete(llhttp_t *p)
{
    cn_conn *c = p->data;
    cn_request *r = &c->req;
    const opt_config *cfg = cn_cfg(c);
    r->method = llhttp_get_method(p);
    r->head = r->method == HTTP_HEAD;
    r->http_minor = llhttp_get_http_minor(p);
    for (size_t i = 0; i < r->nheaders; i++) { /* llhttp keeps trailing whitespace */
        cn_header *h = &r->headers[i];
        while (h->value_len > 0 && (c->arena[h->value + h->value_len - 1] == ' ' ||
                                    c->arena[h->value + h->value_len - 1] == '\t'))
            h->value_len--;
    }
    r->path = c->arena;
    r->path_len = r->target_len;
    r->query = "";
    const char *q = memchr(c->arena, '?', r->target_len);
    if (q) {
        r->path_len = (size_t)(q - c->arena);
        r->query = q + 1;
        r->query_len = r->target_len - r->path_len - 1;
    }
    p->upgrade = 0; /* no protocol upgrades: "Upgrade: h2c/websocket" is ignored (RFC 9110 7.8) */
    r->chunked = (p->flags & F_CHUNKED) != 0;
    r->has_length = (p->flags & F_CONTENT_LENGTH) != 0;
    r->content_length = r->has_length ? p->content_length : 0;
    c->state = CN_BODY;

    size_t elen;
    const char *expect = cn_header_get(c, "expect", &elen);
    bool expect_continue = expect && zd_ascii_caseeq(expect, elen, "100-continue");
    size_t hlen, telen;
    const char *te = cn_header_get(c, "transfer-encoding", &telen), *repeated;
    if (llhttp_get_http_major(p) != 1) {
        rs_error(c, 505, "HTTP version not supported", "this server speaks HTTP/1.0 and 1.1");
    } else if (r->http_minor >= 1 && !cn_header_get(c, "host", &hlen)) {
        rs_error(c, 400, "bad request", "an HTTP/1.1 request needs a Host header");
    } else if ((repeated = cn_repeated_singleton(c)) != NULL) {
        rs_error(c, 400, "bad request", "more than one %s header field", repeated);
    } else if (te && !zd_ascii_caseeq(te, telen, "chunked")) {
        /* llhttp strips a final "chunked" but would store the bytes still gzip-coded */
        rs_error(c, 501, "not implemented", "the only supported transfer coding is chunked");
    } else if (r->has_length && r->content_length > cfg->max_body) {
        mt_event(MT_EV_ERR_TOO_LARGE);
        rs_error(c, 413, "body too large", "Content-Length %lu exceeds the limit of %lu bytes",
                 (unsigned long)r->content_length, (unsigned long)cfg->max_body);
    } else if (expect && !expect_continue) {
        rs_error(c, 417, "expectation failed", "only 100-continue is supported");
    } else {
        c->fe->route(c);
    }

    bool has_body = cn_has_body(r);
    if (c->resp.ready) {
        if (!has_body) return 0; /* answered at message end, right away */
        if (r->writer) {
            r->writer->abort(r->writer);
            r->writer = NULL;
        }
        if (r->has_length && r->content_length <= CN_DISCARD_MAX && !expect_continue) {
            /* Answer now (the client may wait for it before sending), then read and drop the
             * body and keep the connection. */
            r->body_mode = CN_BODY_DISCARD;
            c->early = true;
            cn_arm(c, cfg->request_timeout_ms);
            rs_flush(c);
            return 0;
        }
        c->close_after = true;
        c->linger = true;
        cn_send(c);
        return HPE_PAUSED;
    }
    if (has_body) {
        if (expect_continue && r->http_minor >= 1) cn_send_continue(c);
        c->progress = 0;
        cn_arm(c, cfg->request_timeout_ms);
    }
    return 0;
}

static int cn_on_body(llhttp_t *p, const char *at, size_t len)
{
    cn_conn *c = p->data;
    cn_request *r = &c->req;
    if (c->resp.ready) return 0; /* dropping a refused body (at most CN_DISCARD_MAX bytes) */
    r->body_bytes += len;
    if (r->body_bytes > cn_cfg(c)->max_body) {
        mt_event(MT_EV_ERR_TOO_LARGE);
        return cn_fail_now(c, 413, "body too large", "the body exceeds --max-body");
    }
    if (r->body_bytes > r->body_expected)
        return cn_fail_now(c, 400, "bad body length",
                           "the body is longer than its Content-Range says");
    switch (r->body_mode) {
    case CN_BODY_WRITER: {
        int rc = r->writer->write(r->writer, at, len);
        if (rc) {
            r->writer->abort(r->writer);
            r->writer = NULL;
            c->fe->store_error(c, rc, "writing the body");
            return cn_fail_now(c, c->resp.status, "", "");
        }
        break;
    }
    case CN_BODY_BUFFER:
        if (r->body.len + len > r->body_limit)
            return cn_fail_now(c, 413, "body too large",
                               "this request's body must fit in the server's buffer limit");
        if (zd_buf_append(&r->body, at, len))
            return cn_fail_now(c, 503, "out of memory", "cannot buffer the body");
        break;
    case CN_BODY_DISCARD:
        break;
    }
    return 0;
}

static void cn_work(uv_work_t *req);
static void cn_after_work(uv_work_t *req, int status);

/* Queue the handler's work step on an I/O thread (the answer comes from cn_after_work); false
 * when the pool refuses it (then it runs here). */
static bool cn_offload(cn_conn *c)
{
    c->state = CN_WORKING;
    c->paused = true;
    cn_read_stop(c); /* nothing can close the connection while a thread works for it */
    if (iop_queue(&c->w->loop, &c->work_req, cn_work, cn_after_work) == 0) {
        mt_add(&c->w->metrics.work_offloaded, 1);
        return true;
    }
    c->req.offload = false;
    return false;
}

/* The handler's work step (on the loop, or done on an I/O thread for an offloaded request),
 * then its finish, then the answer goes out. A work step run on the loop may ask for an I/O
 * thread after all (it sets req.offload, having changed nothing: the shard engine's
 * ZD_EWOULDBLOCK). */
static void cn_finish(cn_conn *c, bool worked)
{
    cn_request *r = &c->req;
    if (!worked && !c->resp.ready && r->handler && r->handler->work) {
        r->handler->work(c);
        if (r->offload && cn_offload(c)) return;
    }
    if (!c->resp.ready && r->handler && r->handler->finish) r->handler->finish(c);
    if (!c->resp.ready) rs_error(c, 500, "internal error", "the request produced no response");
    cn_send(c);
}

/* On an I/O thread: nothing here touches the loop, the socket or the response. */
static void cn_work(uv_work_t *req)
{
    cn_conn *c = req->data;
    c->req.handler->work(c);
}

static void cn_after_work(uv_work_t *req, int status)
{
    (void)status; /* never cancelled */
    cn_finish(req->data, true);
}

static int cn_on_message_complete(llhttp_t *p)
{
    cn_conn *c = p->data;
    cn_request *r = &c->req;
    uv_timer_stop(&c->timer);
    if (c->early) { /* the answer went out before the (dropped) body */
        if (!c->early_done) {
            c->state = CN_RESPONDING; /* cn_response_done continues once it is written */
            c->paused = true;
            cn_read_stop(c);
            return HPE_PAUSED;
        }
        cn_request_end(c);
        if (c->close_after || c->w->draining) {
            c->paused = true;
            cn_shutdown(c);
            return HPE_PAUSED;
        }
        c->state = CN_IDLE;
        cn_idle_enter(c);
        cn_arm(c, cn_cfg(c)->idle_timeout_ms);
        return 0;
    }
    if (!c->resp.ready && r->handler && r->handler->work && r->offload && cn_offload(c))
        return HPE_PAUSED;
    cn_finish(c, false);
    return HPE_PAUSED;
}

static void cn_settings_init(void)
{
    llhttp_settings_init(&cn_settings);
    cn_settings.on_message_begin = cn_on_message_begin;
    cn_settings.on_url = cn_on_url;
    cn_settings.on_header_field = cn_on_header_field;
    cn_settings.on_header_field_complete = cn_on_header_field_complete;
    cn_settings.on_header_value = cn_on_header_value;
    cn_settings.on_headers_complete = cn_on_headers_complete;
    cn_settings.on_body = cn_on_body;
    cn_settings.on_message_complete = cn_on_message_complete;
}

/* ---- reading ---- */

static void cn_parse_error(cn_conn *c)
{
    int status = c->err_status ? c->err_status : 400;
    const char *detail = c->err_detail ? c->err_detail : llhttp_get_error_reason(&c->parser);
    if (c->state == CN_BODY && c->req.chunked && !c->err_status) detail = "malformed chunked body";
    mt_event(status == 400 ? MT_EV_ERR_MALFORMED : MT_EV_ERR_TOO_LARGE);
    cn_fail_now(c, status,
                status == 431   ? "header section too large"
                : status == 414 ? "request target too long"
                                : "malformed request",
                detail ? detail : "");
}

static void cn_feed(cn_conn *c)
{
    while (c->rpos < c->rlen && !c->paused && c->state != CN_CLOSING) {
        const char *start = c->rbuf + c->rpos;
        llhttp_errno_t e = llhttp_execute(&c->parser, start, c->rlen - c->rpos);
        if (e == HPE_OK) {
            c->rpos = c->rlen;
        } else if (e == HPE_PAUSED) {
            c->rpos = (size_t)(llhttp_get_error_pos(&c->parser) - c->rbuf);
        } else {
            c->rpos = c->rlen;
            cn_parse_error(c);
        }
    }
    if (c->rpos == c->rlen) c->rpos = c->rlen = 0;
}

static void cn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    cn_conn *c = h->data;
    if (!c->rbuf) {
        uint8_t *b = wk_pool_get(&c->w->connbufs);
        if (!b) {
            *buf = uv_buf_init(NULL, 0); /* UV_ENOBUFS: the connection is closed */
            return;
        }
        c->rbuf = (char *)b;
        c->arena = (char *)b + CN_RBUF;
    }
    if (c->state == CN_CLOSING) { /* lingering: the bytes are dropped */
        *buf = uv_buf_init(c->rbuf, CN_RBUF);
        return;
    }
    if (c->rpos > 0) {
        memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
        c->rlen -= c->rpos;
        c->rpos = 0;
    }
    *buf = uv_buf_init(c->rbuf + c->rlen, (unsigned)(CN_RBUF - c->rlen));
}

static void cn_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    cn_conn *c = s->data;
    if (n == 0) return;
    if (n < 0 || c->state == CN_CLOSING) {
        if (n == UV_EOF && c->state == CN_RESPONDING) { /* half-closed: answer, then close */
            cn_read_stop(c);
            c->peer_eof = true;
        } else if (n < 0) {
            cn_close(c); /* peer closed or failed: an unfinished request is dropped */
        }
        return;
    }
    c->rlen += (size_t)n;
    c->bytes_in += (uint64_t)n;
    if (c->state == CN_BODY) { /* progress means CN_MIN_PROGRESS bytes, not a byte */
        c->progress += (uint64_t)n;
        if (c->progress >= CN_MIN_PROGRESS) {
            c->progress = 0;
            cn_arm(c, cn_cfg(c)->request_timeout_ms);
        }
    }
    cn_feed(c);
    cn_bufs_release(c);
    if (c->paused && c->rlen - c->rpos == CN_RBUF) cn_read_stop(c); /* full: back-pressure */
}

/* An idle connection with nothing buffered gives its buffers back to the pool. */
static void cn_bufs_release(cn_conn *c)
{
    if (c->rbuf && c->state == CN_IDLE && c->rpos == c->rlen) {
        wk_pool_put(&c->w->connbufs, (uint8_t *)c->rbuf);
        c->rbuf = c->arena = NULL;
        c->rpos = c->rlen = 0;
    }
}

static void cn_read_start(cn_conn *c)
{
    if (!c->reading && uv_read_start((uv_stream_t *)&c->tcp, cn_on_alloc, cn_on_read) == 0)
        c->reading = true;
}

/* ---- closing ---- */

static void cn_on_close(uv_handle_t *h)
{
    cn_conn *c = h->data;
    if (--c->pending_closes > 0) return;
    cn_req_cleanup(c);
    zd_buf_free(&c->req.body);
    if (c->fe_data && c->fe->conn_close) c->fe->conn_close(c);
    rs_free(c);
    if (c->resp.poll_open) close(c->resp.poll_fd);
    if (c->rbuf) wk_pool_put(&c->w->connbufs, (uint8_t *)c->rbuf);
    if (c->prev)
        c->prev->next = c->next;
    else
        c->w->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    atomic_fetch_sub(&c->w->metrics.open_connections, 1);
    ag_release(cn_cfg(c)->max_connections);
    free(c);
}

static void cn_close(cn_conn *c)
{
    if (c->pending_closes) return;
    cn_idle_leave(c);
    c->state = CN_CLOSING;
    c->pending_closes = c->resp.poll_open ? 3 : 2;
    uv_close((uv_handle_t *)&c->tcp, cn_on_close);
    uv_close((uv_handle_t *)&c->timer, cn_on_close);
    if (c->resp.poll_open) uv_close((uv_handle_t *)&c->resp.poll, cn_on_close);
}

void cn_abort(cn_conn *c)
{
    cn_close(c);
}

static void cn_on_shutdown(uv_shutdown_t *req, int status)
{
    cn_conn *c = req->data;
    if (c->pending_closes) return;
    if (status < 0 || !c->linger) {
        cn_close(c);
        return;
    }
    cn_read_start(c); /* drop whatever the client still sends, until EOF or the timer */
}

static void cn_shutdown(cn_conn *c)
{
    c->state = CN_CLOSING;
    cn_read_stop(c);
    cn_arm(c, cn_cfg(c)->request_timeout_ms < 5000 ? cn_cfg(c)->request_timeout_ms : 5000);
    c->shut.data = c;
    rs_out_flush(c);
    if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, cn_on_shutdown) != 0) cn_close(c);
}

static void cn_on_timer(uv_timer_t *t)
{
    cn_conn *c = t->data;
    switch (c->state) {
    case CN_HEADERS:
    case CN_BODY:
        if (c->early) {
            cn_close(c);
            break;
        }
        mt_event(MT_EV_ERR_TIMEOUT);
        cn_fail_now(c, 408, "request timeout", "the request did not arrive in time");
        c->linger = false;
        break;
    default: /* idle keep-alive, stalled response, lingering close */
        cn_close(c);
        break;
    }
}

/* ---- response completion ---- */

/* Account for the finished request and reset the per-request state. */
static void cn_request_end(cn_conn *c)
{
    cn_request *r = &c->req;
    wk_worker *w = c->w;
    mt_record(&w->metrics, mt_method_index(r->method), c->resp.status, cn_now_ns() - r->start_ns,
              c->bytes_in, c->resp.bytes_out);
    if (al_enabled())
        al_write(&(al_entry){.peer = c->peer,
                             .method = r->method >= 0 ? llhttp_method_name(r->method) : NULL,
                             .target = c->arena,
                             .target_len = r->target_len,
                             .http_minor = r->http_minor,
                             .status = c->resp.status,
                             .sent = c->resp.bytes_out,
                             .received = c->bytes_in,
                             .usec = (cn_now_ns() - r->start_ns) / 1000});
    cn_req_cleanup(c);
    rs_reset(c);
    c->resp.bytes_out = 0;
    c->bytes_in = 0;
    c->early = c->early_done = false;
}

void cn_response_done(cn_conn *c)
{
    if (c->early && c->state == CN_BODY) {
        c->early_done = true; /* the refused body is still arriving */
        return;
    }
    cn_request_end(c);
    if (c->close_after || c->w->draining) {
        cn_shutdown(c);
        return;
    }
    c->state = CN_IDLE;
    cn_idle_enter(c);
    c->paused = false;
    llhttp_resume(&c->parser);
    cn_arm(c, cn_cfg(c)->idle_timeout_ms);
    cn_feed(c);
    cn_bufs_release(c);
    if (c->paused || c->state == CN_CLOSING) return;
    if (c->peer_eof) /* the client sent nothing more: what it sent is answered */
        cn_close(c);
    else
        cn_read_start(c);
}

/* ---- accepting and draining ---- */

static void cn_on_refused_close(uv_handle_t *h)
{
    free(h);
}

/* Set up connection c (tcp initialised on w's loop and connected) and start reading it. */
static void cn_start(wk_worker *w, const cn_frontend *fe, cn_conn *c)
{
    const opt_config *cfg = w->shared->cfg;
    uv_once(&cn_settings_once, cn_settings_init);
    c->w = w;
    c->fe = fe;
    c->cors = &cors_native;
    c->tcp.data = c;
    uv_timer_init(&w->loop, &c->timer);
    c->timer.data = c;
    uv_tcp_nodelay(&c->tcp, 1);
    strcpy(c->peer, "-");
    if (al_enabled()) {
        struct sockaddr_storage ss;
        int len = sizeof ss;
        if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
            uv_ip_name((struct sockaddr *)&ss, c->peer, sizeof c->peer);
    }
    llhttp_init(&c->parser, HTTP_REQUEST, &cn_settings);
    c->parser.data = c;
    c->resp.wreq.data = c;
    c->work_req.data = c;
    c->state = CN_IDLE;
    c->next = w->conns;
    if (w->conns) w->conns->prev = c;
    w->conns = c;
    mt_add(&w->metrics.connections_total, 1);
    cn_req_start(c);
    cn_arm(c, cfg->idle_timeout_ms);
    cn_read_start(c);
}

/* A connection handed over to another worker: only its handle here is closed. */
static void cn_on_handed_over(uv_handle_t *h)
{
    free(h->data);
}

/* Give the accepted connection c to a worker with fewer connections: true if one took it
 * (then only c's handle here is closed); either way it is counted for the worker that serves
 * it (wk_handoff). */
static bool cn_hand_over(wk_worker *w, const cn_frontend *fe, cn_conn *c)
{
    uv_os_fd_t fd;
    if (!wk_handoff(w, uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 ? fd : -1, fe)) return false;
    c->tcp.data = c;
    uv_close((uv_handle_t *)&c->tcp, cn_on_handed_over);
    return true;
}

void cn_accept(wk_listener *l)
{
    wk_worker *w = l->w;
    const opt_config *cfg = w->shared->cfg;
    if (!ag_admit(cfg->max_connections)) {
        wk_pause_accept(l); /* the client waits in the listen backlog, nothing is closed */
        return;
    }
    cn_conn *c = malloc(sizeof *c);
    if (!c) {
        ag_release(cfg->max_connections);
        mt_add(&w->metrics.connections_refused, 1);
        uv_tcp_t *t = malloc(sizeof *t); /* accept and drop so the backlog drains */
        if (t && uv_tcp_init(&w->loop, t) == 0) {
            uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)t);
            uv_close((uv_handle_t *)t, cn_on_refused_close);
        } else
            free(t);
        return;
    }
    memset(c, 0, sizeof *c);
    uv_tcp_init(&w->loop, &c->tcp);
    /* tcp is the first member: cn_on_refused_close frees the whole connection */
    if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) != 0) {
        ag_release(cfg->max_connections);
        uv_close((uv_handle_t *)&c->tcp, cn_on_refused_close);
        return;
    }
    if (cn_hand_over(w, l->fe, c)) return;
    cn_start(w, l->fe, c);
}

void cn_adopt(wk_worker *w, int fd, const cn_frontend *fe)
{
    cn_conn *c = calloc(1, sizeof *c);
    if (!c) {
        mt_add(&w->metrics.connections_refused, 1);
        wk_handoff_drop(w, fd);
        return;
    }
    uv_tcp_init(&w->loop, &c->tcp);
    if (uv_tcp_open(&c->tcp, fd) != 0) {
        wk_handoff_drop(w, fd);
        uv_close((uv_handle_t *)&c->tcp, cn_on_refused_close);
        return;
    }
    cn_start(w, fe, c);
}

void cn_drain_all(wk_worker *w)
{
    cn_conn *next;
    for (cn_conn *c = w->conns; c; c = next) {
        next = c->next;
        if (c->state == CN_IDLE && c->rpos == c->rlen)
            cn_close(c);
        else
            c->close_after = true;
    }
}
