/* zc_conn.c: keep-alive HTTP/1.1 connection and request/response exchange (see zc_conn.h). */
#include "zc_conn.h"

#include "zarrd/client.h"
#include "zd_checked.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- response parsing (llhttp callbacks) ---- */

static zc_conn *conn_of(llhttp_t *p)
{
    return p->data;
}

static void store_header(zc_conn *c)
{
    zc_response *rs = c->resp;
    if (c->value_truncated) return;
    c->field[c->field_len] = '\0';
    c->value[c->value_len] = '\0';
    char *dst = NULL;
    size_t cap = 0;
    if (strcasecmp(c->field, "content-range") == 0) {
        dst = rs->content_range;
        cap = sizeof rs->content_range;
    } else if (strcasecmp(c->field, "content-type") == 0) {
        dst = rs->content_type;
        cap = sizeof rs->content_type;
    } else if (strcasecmp(c->field, "etag") == 0) {
        dst = rs->etag;
        cap = sizeof rs->etag;
    } else if (strcasecmp(c->field, "content-length") == 0) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(c->value, &end, 10);
        if (errno == 0 && end != c->value && *end == '\0') rs->content_length = v;
        return;
    }
    if (dst && c->value_len < cap) memcpy(dst, c->value, c->value_len + 1);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    zc_conn *c = conn_of(p);
    if (c->in_value) {
        store_header(c);
        c->in_value = false;
        c->field_len = 0;
    }
    size_t room = sizeof c->field - 1 - c->field_len;
    size_t k = n < room ? n : room;
    memcpy(c->field + c->field_len, at, k);
    c->field_len += k;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    zc_conn *c = conn_of(p);
    if (!c->in_value) {
        c->in_value = true;
        c->value_len = 0;
        c->value_truncated = false;
    }
    size_t room = sizeof c->value - 1 - c->value_len;
    if (n > room) {
        c->value_truncated = true;
        n = room;
    }
    memcpy(c->value + c->value_len, at, n);
    c->value_len += n;
    return 0;
}

/* The body being parsed goes to the caller's sink, not into the response. */
static bool sinking(const zc_conn *c)
{
    return c->sink && c->resp->status >= 200 && c->resp->status < 300;
}

static int on_headers_complete(llhttp_t *p)
{
    zc_conn *c = conn_of(p);
    if (c->in_value) {
        store_header(c);
        c->in_value = false;
    }
    c->resp->status = llhttp_get_status_code(p);
    if (c->head_request || c->resp->status == 204 || c->resp->status == 304) return 1; /* no body */
    uint64_t cl = c->resp->content_length;
    if (cl != UINT64_MAX && !sinking(c)) {
        if (cl > ZC_MAX_RESPONSE_BODY) {
            c->body_error = ZD_EOVERFLOW;
            return -1;
        }
        if (zd_buf_reserve(&c->resp->body, (size_t)cl) < 0) {
            c->body_error = ZD_ENOMEM;
            return -1;
        }
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    zc_conn *c = conn_of(p);
    bool sink = sinking(c);
    uint64_t total;
    if (!zd_add_u64(sink ? c->sunk : c->resp->body.len, n, &total) ||
        total > ZC_MAX_RESPONSE_BODY) {
        c->body_error = ZD_EOVERFLOW;
        return -1;
    }
    if (sink) {
        if (c->sink(c->sink_arg, at, n) != 0) {
            c->local_failed = true;
            c->body_error = ZD_EIO;
            return -1;
        }
        c->sunk = total;
        return 0;
    }
    if (zd_buf_append(&c->resp->body, at, n) < 0) {
        c->body_error = ZD_ENOMEM;
        return -1;
    }
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    conn_of(p)->complete = true;
    return HPE_PAUSED; /* the next response's bytes stay in the receive buffer */
}

int zc_content_range(const char *value, uint64_t *first, uint64_t *last, uint64_t *size)
{
    unsigned long long a, b, total = 0;
    int used = 0;
    if (sscanf(value, "bytes %llu-%llu/%n", &a, &b, &used) != 2 || used == 0 || a > b)
        return ZD_EIO;
    const char *t = value + used;
    if (strcmp(t, "*") == 0) {
        total = UINT64_MAX;
    } else {
        char *end;
        errno = 0;
        total = strtoull(t, &end, 10);
        if (errno || end == t || *end != '\0' || *t < '0' || *t > '9' || b >= total) return ZD_EIO;
    }
    *first = a;
    *last = b;
    if (size) *size = total;
    return 0;
}

void zc_response_init(zc_response *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->content_length = UINT64_MAX;
}

void zc_response_free(zc_response *rs)
{
    zd_buf_free(&rs->body);
    zc_response_init(rs);
}

void zc_conn_init(zc_conn *c, const zc_conn_cfg *cfg)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->fd = -1;
    llhttp_settings_init(&c->settings);
    c->settings.on_header_field = on_header_field;
    c->settings.on_header_value = on_header_value;
    c->settings.on_headers_complete = on_headers_complete;
    c->settings.on_body = on_body;
    c->settings.on_message_complete = on_message_complete;
}

void zc_conn_close(zc_conn *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->reused = false;
    c->rx_pos = c->rx_len = 0;
    c->rx_eof = false;
}

void zc_conn_free(zc_conn *c)
{
    zc_conn_close(c);
    zd_buf_free(&c->tx);
    free(c->rx);
    c->rx = NULL;
}

/* ---- socket helpers ---- */

/* Wait for events on fd; *revents says which came. 0, ZC_ETIMEDOUT or ZD_EIO. */
static int wait_fd(int fd, short events, int timeout_ms, short *revents)
{
    struct pollfd pfd = {.fd = fd, .events = events};
    for (;;) {
        int n = poll(&pfd, 1, timeout_ms);
        *revents = pfd.revents;
        if (n > 0) return 0;
        if (n == 0) return ZC_ETIMEDOUT;
        if (errno != EINTR) return ZD_EIO;
    }
}

int zc_conn_wait(const zc_conn *c, short events, int timeout_ms)
{
    short revents;
    return wait_fd(c->fd, events, timeout_ms, &revents);
}

static int connect_addr(const struct addrinfo *ai, int timeout_ms, int *fd_out, int *why)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        *why = errno;
        return ZC_ECONNECT;
    }
    int rc = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        if (errno != EINPROGRESS) {
            *why = errno;
            rc = ZC_ECONNECT;
        } else if ((rc = zc_conn_wait(&(zc_conn){.fd = fd}, POLLOUT, timeout_ms)) == 0) {
            int soerr = 0;
            socklen_t sl = sizeof soerr;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
                *why = soerr ? soerr : errno;
                rc = ZC_ECONNECT;
            }
        } else {
            *why = rc == ZC_ETIMEDOUT ? ETIMEDOUT : errno;
        }
    }
    if (rc < 0) {
        close(fd);
        return rc;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return 0;
}

static int open_socket(zc_conn *c, zd_error *err)
{
    const zc_url *u = &c->cfg->url;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g != 0)
        return zd_error_set(err, ZC_ECONNECT, "cannot resolve %s: %s", u->host, gai_strerror(g));
    int rc = ZC_ECONNECT, why = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        rc = connect_addr(ai, c->cfg->connect_timeout_ms, &c->fd, &why);
        if (rc == 0) break;
    }
    freeaddrinfo(res);
    if (rc < 0)
        return zd_error_set(err, rc, "cannot connect to %s:%s: %s", u->host, u->port,
                            rc == ZC_ETIMEDOUT ? "connect timed out" : strerror(why));
    c->reused = false;
    return 0;
}

/* A kept-alive socket the server has closed (or that holds unexpected bytes) is unusable. */
static bool socket_is_stale(const zc_conn *c)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    return c->rx_pos != c->rx_len || c->rx_eof || poll(&pfd, 1, 0) != 0;
}

int zc_conn_connect(zc_conn *c, zd_error *err)
{
    if (c->fd >= 0 && socket_is_stale(c)) zc_conn_close(c);
    return c->fd < 0 ? open_socket(c, err) : 0;
}

ssize_t zc_conn_send_step(const zc_conn *c, const struct iovec *v, size_t n)
{
    struct iovec step[64];
    size_t k = 0, left = ZC_SEND_STEP;
    for (; k < n && k < sizeof step / sizeof step[0] && left > 0; k++) {
        step[k] = v[k];
        if (step[k].iov_len > left) step[k].iov_len = left;
        left -= step[k].iov_len;
    }
    struct msghdr mh = {.msg_iov = step, .msg_iovlen = k};
    return sendmsg(c->fd, &mh, MSG_NOSIGNAL);
}

/* What a send returns when the server spoke before the whole request went out: an answer given
 * early (a refusal such as 413, whose rest would only be dropped) or the connection's end. */
#define SENT_CUT 1

/* The server has said something (an answer, or its close) while the request is still going. */
static bool answer_waiting(const zc_conn *c)
{
    short revents = 0;
    return wait_fd(c->fd, POLLIN, 0, &revents) == 0 && (revents & POLLIN);
}

/* Send v[0..niov), then file_left bytes of rq's body file from its start. Between the sends of a
 * large request and while the socket is full, the answer is watched for too: a server that
 * answered before the body was all sent has refused it, so sending the rest (gigabytes, maybe)
 * would only delay that answer (SENT_CUT). A send that fails where an answer may have come
 * first (the server answered, then closed) is SENT_CUT as well, with err set, for the caller to
 * look for that answer. A file goes out from the page cache (sendfile), in the same steps. */
static int send_pieces(zc_conn *c, const zc_request *rq, struct iovec *v, int niov,
                       uint64_t file_left, zd_error *err)
{
    off_t file_at = 0;
    while (niov > 0 || file_left > 0) {
        ssize_t n = niov > 0
                        ? zc_conn_send_step(c, v, (size_t)niov)
                        : sendfile(c->fd, rq->body_fd, &file_at,
                                   file_left < ZC_SEND_STEP ? (size_t)file_left : ZC_SEND_STEP);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                short revents = 0;
                int rc = wait_fd(c->fd, POLLOUT | POLLIN, c->cfg->io_timeout_ms, &revents);
                if (rc < 0)
                    return zd_error_set(err, rc, "sending %s %s: %s", rq->method, rq->target,
                                        rc == ZC_ETIMEDOUT ? "timed out" : "poll failed");
                if (revents & POLLIN) return SENT_CUT;
                continue;
            }
            int e = errno;
            zd_error_set(err, ZD_EIO, "sending %s %s: %s", rq->method, rq->target, strerror(e));
            return e == EPIPE || e == ECONNRESET ? SENT_CUT : ZD_EIO;
        }
        if (niov == 0 && n == 0) { /* the file shrank after its size was taken */
            c->local_failed = true;
            return zd_error_set(err, ZD_EIO,
                                "sending %s %s: the file ended %" PRIu64 " bytes before its size",
                                rq->method, rq->target, file_left);
        }
        size_t done = (size_t)n;
        if (niov == 0) file_left -= done;
        while (niov > 0 && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            niov--;
        }
        if (niov > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
        /* a server that reads as fast as we send never fills the socket */
        if ((niov > 0 || file_left > 0) && answer_waiting(c)) return SENT_CUT;
    }
    return 0;
}

/* The largest piece taken from a body source, and the room kept before it for its chunk-size
 * line (at most 16 hex digits and CRLF) and after it for its CRLF. */
#define STREAM_PIECE ((size_t)256 * 1024)
#define CHUNK_LINE   18

/* Send the head in c->tx, then rq's source piece by piece, each piece one chunk, until the
 * source's end (the last chunk, "0" CRLF CRLF). A source that fails stops the request there:
 * without its last chunk, the server stores nothing. */
static int send_stream(zc_conn *c, const zc_request *rq, zd_error *err)
{
    struct iovec head = {c->tx.data, c->tx.len};
    int rc = send_pieces(c, rq, &head, 1, 0, err);
    uint8_t *buf = rc == 0 ? malloc(CHUNK_LINE + STREAM_PIECE + 2) : NULL;
    if (rc == 0 && !buf) rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
    while (rc == 0) {
        if (answer_waiting(c)) {
            rc = SENT_CUT;
            break;
        }
        c->body_taken = true;
        ssize_t n = rq->body_source(rq->body_source_arg, buf + CHUNK_LINE, STREAM_PIECE);
        if (n < 0 || (size_t)n > STREAM_PIECE) {
            c->local_failed = true;
            rc = zd_error_set(err, ZD_EIO, "%s %s: the body's source stopped the transfer",
                              rq->method, rq->target);
            break;
        }
        char line[CHUNK_LINE + 1];
        int k = snprintf(line, sizeof line, "%zx\r\n", (size_t)n);
        memcpy(buf + CHUNK_LINE - k, line, (size_t)k);
        memcpy(buf + CHUNK_LINE + n, "\r\n", 2); /* the piece's end; after "0\r\n", the body's */
        struct iovec chunk = {buf + CHUNK_LINE - k, (size_t)k + (size_t)n + 2};
        rc = send_pieces(c, rq, &chunk, 1, 0, err);
        if (n == 0) break;
    }
    free(buf);
    return rc;
}

/* Send the request; *sent_fully once all of it is in the kernel. 0, SENT_CUT or an error. */
static int send_all(zc_conn *c, const zc_request *rq, bool *sent_fully, zd_error *err)
{
    int rc;
    if (rq->body_source) {
        rc = send_stream(c, rq, err);
    } else {
        bool file = rq->body_is_file;
        struct iovec v[2] = {{c->tx.data, c->tx.len}, {(void *)rq->body, file ? 0 : rq->body_len}};
        rc = send_pieces(c, rq, v, v[1].iov_len ? 2 : 1, file ? rq->body_len : 0, err);
    }
    if (rc == 0) *sent_fully = true;
    return rc;
}

static bool takes_body(const char *method)
{
    return strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "POST") == 0;
}

int zc_conn_head(const zc_conn_cfg *cfg, const char *method, const char *target, size_t target_len,
                 const char *headers, size_t body_len, zd_buf *out)
{
    int rc = zd_buf_appendf(out, "%s %.*s HTTP/1.1\r\nHost: %s\r\n%s", method, (int)target_len,
                            target, cfg->url.hostport, cfg->auth_header);
    if (rc == 0 && body_len == ZC_BODY_CHUNKED)
        rc = zd_buf_append_str(out, "Transfer-Encoding: chunked\r\n");
    else if (rc == 0 && (body_len || takes_body(method)))
        rc = zd_buf_appendf(out, "Content-Length: %zu\r\n", body_len);
    if (rc == 0 && headers) rc = zd_buf_append_str(out, headers);
    if (rc == 0) rc = zd_buf_append(out, "\r\n", 2);
    return rc;
}

void zc_conn_expect(zc_conn *c, zc_response *rs, bool head)
{
    zc_response_free(rs);
    llhttp_init(&c->parser, HTTP_RESPONSE, &c->settings);
    c->parser.data = c;
    c->resp = rs;
    c->head_request = head;
    c->complete = false;
    c->in_value = false;
    c->field_len = 0;
    c->body_error = 0;
}

int zc_conn_parse(zc_conn *c)
{
    if (c->complete) return 1;
    if (c->rx_pos < c->rx_len) {
        const char *start = (const char *)c->rx + c->rx_pos;
        llhttp_errno_t e = llhttp_execute(&c->parser, start, c->rx_len - c->rx_pos);
        if (e == HPE_PAUSED && c->complete) {
            c->rx_pos += (size_t)(llhttp_get_error_pos(&c->parser) - start);
            return 1;
        }
        c->rx_pos = c->rx_len;
        if (c->body_error) return c->body_error;
        if (e != HPE_OK) return ZD_EIO;
    }
    if (c->rx_eof) { /* a body delimited by the close ends here; anything else is cut off */
        llhttp_finish(&c->parser);
        return c->complete ? 1 : ZD_EIO;
    }
    return 0;
}

int zc_conn_recv(zc_conn *c)
{
    if (c->rx_eof) return 1;
    if (!c->rx && !(c->rx = malloc(ZC_CONN_RX))) return ZD_ENOMEM;
    if (c->rx_pos > 0) { /* keep the unparsed bytes (the next responses) at the start */
        memmove(c->rx, c->rx + c->rx_pos, c->rx_len - c->rx_pos);
        c->rx_len -= c->rx_pos;
        c->rx_pos = 0;
    }
    if (c->rx_len == ZC_CONN_RX) return 1; /* full: parse first */
    for (;;) {
        ssize_t n = recv(c->fd, c->rx + c->rx_len, ZC_CONN_RX - c->rx_len, 0);
        if (n > 0) {
            c->rx_len += (size_t)n;
            return 1;
        }
        if (n == 0) {
            c->rx_eof = true;
            return 1;
        }
        if (errno == EINTR) continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : ZD_EIO;
    }
}

static int receive(zc_conn *c, const zc_request *rq, zd_error *err)
{
    for (;;) {
        int rc = zc_conn_parse(c);
        if (rc == 1) return 0;
        if (rc == ZD_EIO && c->local_failed)
            return zd_error_set(err, ZD_EIO, "%s %s: the body's reader stopped the transfer",
                                rq->method, rq->target);
        if (rc == ZD_EIO && c->rx_eof)
            return zd_error_set(err, ZD_EIO, "server closed the connection during %s %s",
                                rq->method, rq->target);
        if (rc == ZD_EIO)
            return zd_error_set(err, ZD_EIO, "malformed answer to %s %s: %s", rq->method,
                                rq->target, llhttp_errno_name(llhttp_get_errno(&c->parser)));
        if (rc < 0)
            return zd_error_set(err, rc, "answer to %s %s: %s", rq->method, rq->target,
                                rc == ZD_EOVERFLOW ? "body too large" : "out of memory");
        rc = zc_conn_recv(c);
        if (rc == 0) {
            rc = zc_conn_wait(c, POLLIN, c->cfg->io_timeout_ms);
            if (rc < 0)
                return zd_error_set(err, rc, "waiting for the answer to %s %s: %s", rq->method,
                                    rq->target, rc == ZC_ETIMEDOUT ? "timed out" : "poll failed");
        } else if (rc < 0) {
            return zd_error_set(err, rc, "reading the answer to %s %s: %s", rq->method, rq->target,
                                rc == ZD_ENOMEM ? "out of memory" : strerror(errno));
        }
    }
}

/* A file body up to this size is read into the request's buffer and sent with its head. */
#define ZC_FILE_INLINE_MAX (64 * 1024)

/* Append rq's file body to the request's buffer, after its head. 0, ZD_ENOMEM, ZD_EIO. */
static int append_file(zc_conn *c, const zc_request *rq, zd_error *err)
{
    if (zd_buf_reserve(&c->tx, c->tx.len + rq->body_len) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    ssize_t got = rq->body_len ? pread(rq->body_fd, c->tx.data + c->tx.len, rq->body_len, 0) : 0;
    if (got != (ssize_t)rq->body_len) {
        c->local_failed = true;
        return zd_error_set(err, ZD_EIO, "reading the body of %s %s: %s", rq->method, rq->target,
                            got < 0 ? strerror(errno) : "the file shrank");
    }
    c->tx.len += rq->body_len;
    return 0;
}

int zc_conn_exchange(zc_conn *c, const zc_request *rq, zc_response *rs, bool *sent_fully,
                     zd_error *err)
{
    *sent_fully = false;
    c->local_failed = false;
    c->body_taken = false;
    zc_response_free(rs);
    int rc = zc_conn_connect(c, err);
    if (rc < 0) return rc;
    zd_buf_reset(&c->tx);
    if (zc_conn_head(c->cfg, rq->method, rq->target, strlen(rq->target), rq->headers,
                     rq->body_source ? ZC_BODY_CHUNKED : rq->body_len, &c->tx) < 0)
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    /* a small file goes with the head, in one send: what is sent is then all in memory */
    bool inline_file = rq->body_is_file && rq->body_len <= ZC_FILE_INLINE_MAX;
    if (inline_file && (rc = append_file(c, rq, err)) < 0) return rc;
    zc_request in_memory = {.method = rq->method, .target = rq->target, .headers = rq->headers};
    zc_conn_expect(c, rs, strcmp(rq->method, "HEAD") == 0);
    rc = send_all(c, inline_file ? &in_memory : rq, sent_fully, err);
    if (rc == SENT_CUT) { /* the answer that came before the end of the request, if any */
        zd_error why = *err;
        rc = receive(c, rq, err);
        if (rc < 0 && why.code) { /* none: the send's failure says more */
            *err = why;
            rc = why.code;
        }
    } else if (rc == 0) {
        rc = receive(c, rq, err);
    }
    c->resp = NULL;
    /* bytes after the one answer expected, or a request not all sent, put the stream out of
     * step: start afresh */
    if (rc < 0 || !*sent_fully || !llhttp_should_keep_alive(&c->parser) || c->rx_pos != c->rx_len)
        zc_conn_close(c);
    else
        c->reused = true;
    return rc;
}
