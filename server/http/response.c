/* response.c: response building and sending (see response.h). */
#include "response.h"

#include "accept_gate.h"
#include "conn.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct {
    int status;
    const char *reason;
} rs_reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {201, "Created"},
    {204, "No Content"},
    {207, "Multi-Status"},
    {206, "Partial Content"},
    {304, "Not Modified"},
    {301, "Moved Permanently"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {409, "Conflict"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {414, "URI Too Long"},
    {415, "Unsupported Media Type"},
    {416, "Range Not Satisfiable"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {423, "Locked"},
    {424, "Failed Dependency"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Unavailable"},
    {504, "Gateway Timeout"},
    {507, "Insufficient Storage"},
};

const char *rs_reason(int status)
{
    for (size_t i = 0; i < sizeof rs_reasons / sizeof *rs_reasons; i++)
        if (rs_reasons[i].status == status) return rs_reasons[i].reason;
    return "Unknown";
}

static bool rs_no_body_status(int status)
{
    return status < 200 || status == 204 || status == 304;
}

void rs_begin(cn_conn *c, int status)
{
    rs_state *r = &c->resp;
    rs_reset(c);
    r->status = status;
    r->head_only = c->req.head;
    char code[4] = {(char)('0' + status / 100 % 10), (char)('0' + status / 10 % 10),
                    (char)('0' + status % 10), ' '};
    zd_buf_append_str(&r->head, "HTTP/1.1 ");
    zd_buf_append(&r->head, code, sizeof code);
    zd_buf_append_str(&r->head, rs_reason(status));
    zd_buf_append_str(&r->head, "\r\n");
    zd_buf_append_str(&r->head, wk_date(c->w));
    zd_buf_append_str(&r->head, "Server: zarrd/" ZARRD_VERSION "\r\n");
    cors_response_headers(c);
}

void rs_header(cn_conn *c, const char *name, const char *value)
{
    zd_buf *h = &c->resp.head;
    zd_buf_append_str(h, name);
    zd_buf_append(h, ": ", 2);
    zd_buf_append_str(h, value);
    zd_buf_append(h, "\r\n", 2);
}

static void rs_end_headers(cn_conn *c, const char *ctype, uint64_t len)
{
    if (ctype) rs_header(c, "Content-Type", ctype);
    if (!rs_no_body_status(c->resp.status)) {
        char digits[24];
        size_t i = sizeof digits;
        do
            digits[--i] = (char)('0' + len % 10);
        while ((len /= 10) != 0);
        zd_buf_append_str(&c->resp.head, "Content-Length: ");
        zd_buf_append(&c->resp.head, digits + i, sizeof digits - i);
        zd_buf_append(&c->resp.head, "\r\n", 2);
    }
}

void rs_send(cn_conn *c, const char *ctype, const void *body, size_t len)
{
    rs_state *r = &c->resp;
    rs_end_headers(c, ctype, len);
    if (!r->head_only && !rs_no_body_status(r->status)) zd_buf_append(&r->body, body, len);
    r->ready = true;
}

void rs_seg_store(cn_conn *c, uint64_t off, uint64_t len)
{
    rs_state *r = &c->resp;
    if (len && r->nsegs < RS_MAX_SEGS)
        r->segs[r->nsegs++] = (rs_seg){.off = off, .len = len, .from_store = true};
}

void rs_seg_meta(cn_conn *c, const void *data, size_t len)
{
    rs_state *r = &c->resp;
    if (len && r->nsegs < RS_MAX_SEGS) {
        r->segs[r->nsegs++] = (rs_seg){.off = r->meta.len, .len = len};
        zd_buf_append(&r->meta, data, len);
    }
}

/* Large stretches of a file-backed value go out with sendfile (no copy through user space). */
static bool rs_can_sendfile(const rs_state *r, const rs_seg *s)
{
    return s->from_store && r->rd->fd >= 0 && s->len - r->seg_pos >= RS_SENDFILE_MIN;
}

/* Copy up to cap bytes of the remaining segments into dst, stopping before a stretch that
 * can be sent with sendfile unless `all`; returns the count or < 0. */
static int64_t rs_fill(rs_state *r, uint8_t *dst, size_t cap, bool all)
{
    size_t n = 0;
    while (n < cap && r->seg < r->nsegs) {
        rs_seg *s = &r->segs[r->seg];
        if (!all && rs_can_sendfile(r, s)) break;
        uint64_t left = s->len - r->seg_pos;
        size_t take = left < cap - n ? (size_t)left : cap - n;
        if (s->from_store) {
            int rc = r->rd->read(r->rd, s->off + r->seg_pos, dst + n, take);
            if (rc) return rc;
        } else {
            memcpy(dst + n, r->meta.data + s->off + r->seg_pos, take);
        }
        n += take;
        r->seg_pos += take;
        if (r->seg_pos == s->len) {
            r->seg++;
            r->seg_pos = 0;
        }
    }
    return (int64_t)n;
}

void rs_send_stream(cn_conn *c, const char *ctype, st_reader *rd)
{
    rs_state *r = &c->resp;
    uint64_t total = 0;
    for (size_t i = 0; i < r->nsegs; i++)
        total += r->segs[i].len;
    if (r->head_only || total == 0) {
        rd->close(rd);
        rs_end_headers(c, ctype, total);
        r->ready = true;
        return;
    }
    r->rd = rd;
    if (total <= RS_INLINE_MAX) { /* small: read now, so a read error can still be a 500 */
        int64_t n = -1;
        if (zd_buf_reserve(&r->body, (size_t)total) == 0)
            n = rs_fill(r, r->body.data, (size_t)total, true);
        if (n != (int64_t)total) {
            rs_error(c, 500, "read failed", "reading the stored value failed");
            return;
        }
        r->body.len = (size_t)total;
        r->rd->close(r->rd);
        r->rd = NULL;
    }
    rs_end_headers(c, ctype, total);
    r->ready = true;
}

void rs_send_value(cn_conn *c, const char *ctype, st_reader *rd, uint64_t size, const zd_range *r)
{
    if (r) {
        char cr[ZD_CONTENT_RANGE_MAX];
        zd_content_range_format(cr, r->first, r->last, size);
        rs_header(c, "Content-Range", cr);
        rs_seg_store(c, r->first, r->last - r->first + 1);
    } else {
        rs_seg_store(c, 0, size);
    }
    rs_send_stream(c, ctype, rd);
}

int rs_json_string(zd_buf *out, const char *s, size_t len)
{
    int rc = zd_buf_append(out, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        rc = zd_buf_append(out, s + start, i - start);
        if (!rc) {
            if (ch == '"' || ch == '\\')
                rc = zd_buf_appendf(out, "\\%c", ch);
            else
                rc = zd_buf_appendf(out, "\\u%04x", ch);
        }
        start = i + 1;
    }
    if (!rc) rc = zd_buf_append(out, s + start, len - start);
    if (!rc) rc = zd_buf_append(out, "\"", 1);
    return rc;
}

static void rs_error_body_v(cn_conn *c, const char *error, const char *fmt, va_list ap)
{
    char detail[ZD_ERRMSG_MAX + 128];
    vsnprintf(detail, sizeof detail, fmt, ap);
    lg_log(LG_DEBUG, "error %d: %s: %s", c->resp.status, error, detail);
    if (c->req.error_writer) {
        c->req.error_writer(c, error, detail);
        return;
    }
    zd_buf json = {0};
    zd_buf_append_str(&json, "{\"error\": ");
    rs_json_string(&json, error, strlen(error));
    zd_buf_append_str(&json, ", \"detail\": ");
    rs_json_string(&json, detail, strlen(detail));
    zd_buf_append_str(&json, "}\n");
    rs_send(c, "application/json", json.data, json.len);
    zd_buf_free(&json);
}

void rs_error_body(cn_conn *c, const char *error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rs_error_body_v(c, error, fmt, ap);
    va_end(ap);
}

void rs_error(cn_conn *c, int status, const char *error, const char *fmt, ...)
{
    if (c->fe && c->fe->error) { /* the front-end's own error format */
        char detail[ZD_ERRMSG_MAX + 128];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
        c->fe->error(c, status, error, detail);
        return;
    }
    rs_begin(c, status);
    if (status == 401) rs_header(c, "WWW-Authenticate", "Bearer realm=\"zarrd\"");
    va_list ap;
    va_start(ap, fmt);
    rs_error_body_v(c, error, fmt, ap);
    va_end(ap);
}

static void rs_pump(cn_conn *c);
static void rs_unlist(cn_conn *c);

/* What was gathered in r->out is sent: empty it, and give back a buffer grown past what an
 * idle connection keeps (like the inline body's). */
static void rs_out_sent(rs_state *r)
{
    if (r->out.cap > RS_KEEP_BODY)
        zd_buf_free(&r->out);
    else
        zd_buf_reset(&r->out);
}

static void rs_on_write(uv_write_t *req, int status)
{
    cn_conn *c = req->data;
    if (c->resp.out_held == RS_OUT_IN_WREQ) {
        c->resp.out_held = RS_OUT_FREE;
        rs_out_sent(&c->resp);
    }
    if (c->pending_closes) return;
    if (status < 0) {
        cn_abort(c);
        return;
    }
    rs_pump(c);
}

/* The writability watch stays on (level-triggered) while a file streams, so each loop turn
 * that finds the socket writable sends more without re-arming; it is turned off when the
 * body is done or continues through uv_write. */
static void rs_on_writable(uv_poll_t *p, int status, int events)
{
    (void)events;
    cn_conn *c = p->data;
    if (c->pending_closes) return;
    if (status < 0) {
        cn_abort(c);
        return;
    }
    rs_pump(c);
}

/* Wait until the socket takes more bytes. libuv watches the socket's own fd for the stream,
 * so the poll handle watches a duplicate of it (created once per connection). */
static int rs_wait_writable(cn_conn *c)
{
    rs_state *r = &c->resp;
    if (r->poll_active) return 0;
    if (!r->poll_open) {
        uv_os_fd_t sock;
        if (uv_fileno((uv_handle_t *)&c->tcp, &sock)) return -1;
        int fd = fcntl(sock, F_DUPFD_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (uv_poll_init(&c->w->loop, &r->poll, fd)) {
            close(fd);
            return -1;
        }
        r->poll.data = c;
        r->poll_fd = fd;
        r->poll_open = true;
    }
    int rc = uv_poll_start(&r->poll, UV_WRITABLE, rs_on_writable);
    r->poll_active = rc == 0;
    return rc;
}

static void rs_poll_stop(cn_conn *c)
{
    if (c->resp.poll_active) {
        uv_poll_stop(&c->resp.poll);
        c->resp.poll_active = false;
    }
}

/* sendfile from the current segment, at most `budget` bytes. Returns 0 when it may continue,
 * 1 when it must wait for the socket (already arranged), < 0 on failure. */
static int rs_sendfile(cn_conn *c, size_t *budget)
{
    rs_state *r = &c->resp;
    rs_seg *s = &r->segs[r->seg];
    uv_os_fd_t sock;
    if (uv_fileno((uv_handle_t *)&c->tcp, &sock)) return -1;
    off_t off = (off_t)(s->off + r->seg_pos);
    uint64_t left = s->len - r->seg_pos;
    ssize_t n = sendfile(sock, r->rd->fd, &off, left < *budget ? (size_t)left : *budget);
    if (n > 0) {
        r->seg_pos += (uint64_t)n;
        r->bytes_out += (uint64_t)n;
        *budget -= (size_t)n;
        if (r->seg_pos == s->len) {
            r->seg++;
            r->seg_pos = 0;
        }
        if (*budget > 0) return 0;
    } else if (n < 0 && errno == EINTR) {
        return 0;
    } else if (n == 0 || errno != EAGAIN) {
        return -1; /* n == 0: the file is shorter than when it was opened */
    }
    return rs_wait_writable(c) ? -1 : 1; /* socket full, or our turn is over */
}

/* ---- writing without libuv's write requests when the socket takes everything ----
 *
 * A uv_write that completes at once still costs an epoll_ctl (libuv re-arms the stream's
 * watcher when its write queue drains) and a trip through the pending queue. Most responses
 * fit the socket buffer, so rs_write first tries a plain writev (uv_try_write) and only queues
 * what the socket did not take. A response so written completes from the worker's idle
 * handle, in the next loop turn before polling, never from here: the caller may be inside
 * llhttp's callbacks, and completion resumes the parser. */

/* Complete what was listed when this turn began. Completing a response parses the
 * connection's next pipelined request, and when that is answered at once too, up to
 * RS_PIPELINED_TURN of them are answered in this turn and their responses, gathered by
 * rs_write, leave in one send at its end: on loopback each send costs the sender the
 * receiver's TCP work as well, and each write is a system call. Beyond the bound the rest
 * waits for the next turn, so a pipelining client cannot hold the loop for a whole read
 * buffer of requests. */
static void rs_complete_written(uv_idle_t *h)
{
    wk_worker *w = h->data;
    cn_conn *last = w->written_tail;
    for (cn_conn *c = w->written_head; c != NULL;) {
        cn_conn *next = c == last ? NULL : c->resp.written_next; /* closes free only later */
        for (int n = 1;; n++) {
            rs_unlist(c);
            if (c->pending_closes) break;
            rs_pump(c);
            if (!c->resp.written_listed || n == RS_PIPELINED_TURN) break;
        }
        if (!c->pending_closes) rs_out_flush(c);
        c = next;
    }
    if (!w->written_head) uv_idle_stop(h);
}

void rs_worker_init(wk_worker *w)
{
    uv_idle_init(&w->loop, &w->written_idle);
    w->written_idle.data = w;
}

void rs_worker_close(wk_worker *w)
{
    rs_complete_written(&w->written_idle);
    uv_close((uv_handle_t *)&w->written_idle, NULL);
}

static void rs_list_written(cn_conn *c)
{
    wk_worker *w = c->w;
    rs_state *r = &c->resp;
    r->written_prev = w->written_tail;
    r->written_next = NULL;
    if (w->written_tail)
        w->written_tail->resp.written_next = c;
    else
        w->written_head = c;
    w->written_tail = c;
    r->written_listed = true;
    uv_idle_start(&w->written_idle, rs_complete_written);
}

static void rs_unlist(cn_conn *c)
{
    rs_state *r = &c->resp;
    if (!r->written_listed) return;
    wk_worker *w = c->w;
    if (r->written_prev)
        r->written_prev->resp.written_next = r->written_next;
    else
        w->written_head = r->written_next;
    if (r->written_next)
        r->written_next->resp.written_prev = r->written_prev;
    else
        w->written_tail = r->written_prev;
    r->written_prev = r->written_next = NULL;
    r->written_listed = false;
}

static void rs_on_out_written(uv_write_t *req, int status)
{
    cn_conn *c = req->data;
    c->resp.out_held = RS_OUT_FREE;
    rs_out_sent(&c->resp);
    if (status < 0 && !c->pending_closes) cn_abort(c);
}

void rs_out_flush(cn_conn *c)
{
    rs_state *r = &c->resp;
    if (r->out_held || r->out.len == 0) return;
    uv_buf_t b = uv_buf_init((char *)r->out.data, (unsigned)r->out.len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)b.len) {
        rs_out_sent(r);
        return;
    }
    if (n < 0 && n != UV_EAGAIN) {
        cn_abort(c);
        return;
    }
    size_t sent = n > 0 ? (size_t)n : 0;
    b = uv_buf_init((char *)r->out.data + sent, (unsigned)(r->out.len - sent));
    r->out_req.data = c;
    if (uv_write(&r->out_req, (uv_stream_t *)&c->tcp, &b, 1, rs_on_out_written) != 0) {
        cn_abort(c);
        return;
    }
    r->out_held = RS_OUT_IN_OUT_REQ;
}

/* Whether the whole response in r->bufs[0..nbufs) is gathered into `out` instead of sent:
 * a short response of a connection whose next request is already here (so its answer
 * follows in this turn, rs_complete_written), with room in `out`. */
static bool rs_gather(cn_conn *c, unsigned nbufs)
{
    rs_state *r = &c->resp;
    if (r->rd || r->out_held || c->close_after || c->early || c->rpos >= c->rlen) return false;
    size_t len = 0;
    for (unsigned i = 0; i < nbufs; i++)
        len += r->bufs[i].len;
    if (len > RS_GATHER_ONE || r->out.len + len > RS_GATHER_MAX) return false;
    size_t before = r->out.len;
    for (unsigned i = 0; i < nbufs; i++)
        if (zd_buf_append(&r->out, r->bufs[i].base, r->bufs[i].len)) {
            r->out.len = before; /* out of memory: sent at once, and only once */
            return false;
        }
    return true;
}

/* Send r->bufs[0..nbufs), after what was gathered before it: what the socket takes now
 * directly, the rest through uv_write; either way rs_pump continues once all of it is
 * written. While the worker drains, always through uv_write (its idle handle is closed). */
static void rs_write(cn_conn *c, unsigned nbufs)
{
    rs_state *r = &c->resp;
    if (!c->w->draining && rs_gather(c, nbufs)) {
        rs_list_written(c);
        return;
    }
    uv_buf_t all[3], *b = all;
    unsigned nall = 0;
    bool with_out = r->out.len > 0 && !r->out_held;
    if (with_out) all[nall++] = uv_buf_init((char *)r->out.data, (unsigned)r->out.len);
    for (unsigned i = 0; i < nbufs; i++)
        all[nall++] = r->bufs[i];
    if (!c->w->draining) {
        int n = uv_try_write((uv_stream_t *)&c->tcp, b, nall);
        if (n < 0 && n != UV_EAGAIN) {
            lg_log(LG_DEBUG, "writing a response failed: %s; closing", uv_strerror(n));
            cn_abort(c);
            return;
        }
        for (size_t done = n > 0 ? (size_t)n : 0; done > 0 && nall > 0;) {
            if (done < b->len) {
                b->base += done;
                b->len -= done;
                break;
            }
            done -= b->len;
            b++;
            nall--;
        }
        if (nall == 0) {
            if (with_out) rs_out_sent(r);
            rs_list_written(c);
            return;
        }
    }
    if (uv_write(&r->wreq, (uv_stream_t *)&c->tcp, b, nall, rs_on_write) != 0) {
        cn_abort(c);
        return;
    }
    if (with_out) r->out_held = RS_OUT_IN_WREQ; /* released by rs_on_write */
}

/* Send the rest of a streamed body: copied pieces through uv_write, large file stretches
 * with sendfile; each step continues from a write or writable callback, so one slow client
 * never blocks the loop. Ends in cn_response_done. */
static void rs_pump(cn_conn *c)
{
    rs_state *r = &c->resp;
    size_t budget = RS_SENDFILE_TURN;
    cn_write_progress(c);
    while (r->rd && r->seg < r->nsegs) {
        if (rs_can_sendfile(r, &r->segs[r->seg])) {
            int rc = rs_sendfile(c, &budget);
            if (rc == 0) continue;
            if (rc < 0) {
                lg_log(errno == EPIPE || errno == ECONNRESET ? LG_DEBUG : LG_WARN,
                       "sendfile failed mid-response: %s; closing", strerror(errno));
                cn_abort(c);
            }
            return;
        }
        rs_poll_stop(c);
        if (!r->iobuf) r->iobuf = wk_pool_get(&c->w->iobufs);
        int64_t n = r->iobuf ? rs_fill(r, r->iobuf, RS_IOBUF, false) : -1;
        if (n <= 0) {
            lg_log(LG_WARN, "reading a stored value failed mid-response; closing");
            cn_abort(c);
            return;
        }
        r->bufs[0] = uv_buf_init((char *)r->iobuf, (unsigned)n);
        r->bytes_out += (uint64_t)n;
        rs_write(c, 1);
        return;
    }
    rs_poll_stop(c);
    cn_response_done(c);
}

/* Start a file-backed body in the same loop turn as its headers: the headers go out with
 * MSG_MORE (so they share packets with the file data) and sendfile follows at once. Only
 * when nothing else is queued on the stream. Completion always comes from the writability
 * callback or the worker's idle handle, never from here (the caller may be inside llhttp).
 * Returns false if the headers could not all be sent directly (the caller then uses
 * uv_write for the rest). */
static bool rs_flush_direct(cn_conn *c)
{
    rs_state *r = &c->resp;
    uv_os_fd_t sock;
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) != 0 || r->out.len ||
        uv_fileno((uv_handle_t *)&c->tcp, &sock))
        return false;
    ssize_t n = send(sock, r->head.data, r->head.len, MSG_MORE | MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
        cn_abort(c);
        return true;
    }
    if (n > 0) r->bytes_out += (uint64_t)n;
    if (n != (ssize_t)r->head.len) { /* the rest of the headers through uv_write */
        size_t sent = n > 0 ? (size_t)n : 0;
        r->bufs[0] = uv_buf_init((char *)r->head.data + sent, (unsigned)(r->head.len - sent));
        r->bytes_out += r->head.len - sent;
        if (uv_write(&r->wreq, (uv_stream_t *)&c->tcp, r->bufs, 1, rs_on_write) != 0) cn_abort(c);
        return true;
    }
    size_t budget = RS_SENDFILE_TURN;
    int rc = 0;
    while (rc == 0 && r->seg < r->nsegs && rs_can_sendfile(r, &r->segs[r->seg]))
        rc = rs_sendfile(c, &budget);
    if (rc == 0 && !c->w->draining)
        rs_list_written(c); /* what is left (if anything) goes on from rs_pump */
    else if (rc < 0 || rs_wait_writable(c))
        cn_abort(c);
    return true;
}

void rs_flush(cn_conn *c)
{
    rs_state *r = &c->resp;
    if (c->close_after || c->w->draining || ag_waiting() || !llhttp_should_keep_alive(&c->parser))
        c->close_after = true;
    if (c->close_after)
        zd_buf_append_str(&r->head, "Connection: close\r\n");
    else if (c->req.http_minor == 0)
        zd_buf_append_str(&r->head, "Connection: keep-alive\r\n");
    if (zd_buf_append(&r->head, "\r\n", 2)) {
        cn_abort(c);
        return;
    }
    if (!r->body.len && r->rd && r->nsegs && rs_can_sendfile(r, &r->segs[0]) && rs_flush_direct(c))
        return;
    unsigned nbufs = 1;
    r->bufs[0] = uv_buf_init((char *)r->head.data, (unsigned)r->head.len);
    if (r->body.len) r->bufs[nbufs++] = uv_buf_init((char *)r->body.data, (unsigned)r->body.len);
    for (unsigned i = 0; i < nbufs; i++)
        r->bytes_out += r->bufs[i].len;
    rs_write(c, nbufs);
}

void rs_reset(cn_conn *c)
{
    rs_state *r = &c->resp;
    if (r->rd) {
        r->rd->close(r->rd);
        r->rd = NULL;
    }
    if (r->iobuf) {
        wk_pool_put(&c->w->iobufs, r->iobuf);
        r->iobuf = NULL;
    }
    if (r->body.cap > RS_KEEP_BODY) zd_buf_free(&r->body);
    if (r->meta.cap > 16 * 1024) zd_buf_free(&r->meta);
    zd_buf_reset(&r->head);
    zd_buf_reset(&r->body);
    zd_buf_reset(&r->meta);
    r->nsegs = r->seg = 0;
    r->seg_pos = 0;
    r->ready = false;
}

void rs_free(cn_conn *c)
{
    rs_unlist(c);
    rs_reset(c);
    zd_buf_free(&c->resp.head);
    zd_buf_free(&c->resp.body);
    zd_buf_free(&c->resp.meta);
    zd_buf_free(&c->resp.out);
}
