/* zc_pipe.c: pipelined requests on one connection (see zc_pipe.h).
 *
 * Requests k of a run are in one of four states, kept as three counters:
 *   [0, acked)      answered and handed to done()
 *   [acked, sent)   sent completely, answer awaited
 *   [sent, next)    prepared in their slots, not (completely) sent; sent_bytes of request
 *                   `sent` are already out
 *   [next, n)       not prepared yet
 * with next - acked <= ZC_PIPE_WINDOW. Each turn of the loop refills the window once half of
 * it is answered (so requests go out several per sendmsg and arrive several per read at the
 * server), sends what the socket takes, and parses what has arrived; only a turn that moved nothing
 * waits, in poll(), for the socket to become readable (answers due) or writable (requests
 * left to send). Sending and receiving in the same loop is what keeps a long run from
 * deadlocking: the server stops reading requests while its answers are not read. */
#include "zc_pipe.h"

#include "zarrd/client.h"
#include "zc_errmsg.h"
#include "zc_request.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

typedef struct pipe_run {
    zc_pipe *p;
    zc_conn *c;
    const zc_pipe_ops *ops;
    void *arg;
    size_t n, acked, sent, next;
    size_t sent_bytes; /* bytes of request `sent` already handed to the kernel */
    bool expecting;    /* the parser is set up for request `acked`'s answer */
    bool alone;        /* request `next` runs alone once everything before it is answered */
    bool send_closed;  /* the peer stopped taking requests; its answers may still be there */
    size_t answers;    /* answers on the current connection */
} pipe_run;

static zc_pipe_slot *slot_of(pipe_run *r, size_t k)
{
    return &r->p->slot[k % ZC_PIPE_WINDOW];
}

static bool pipelinable(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
           strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0;
}

/* A body sent from the caller's memory must be out before the next prepare may change it. */
static bool large_body_unsent(pipe_run *r)
{
    return r->sent < r->next && slot_of(r, r->next - 1)->body != NULL;
}

/* Ask for request `next` and build its slot. */
static int prepare(pipe_run *r, zd_error *err)
{
    zc_pipe_rq rq = {0};
    int rc = r->ops->prepare(r->arg, r->next, &rq, err);
    if (rc == ZC_PIPE_ALONE) {
        r->alone = true;
        return 0;
    }
    if (rc < 0) return rc;
    if (!pipelinable(rq.method))
        return zd_error_set(err, ZD_EINVAL, "%s cannot be pipelined", rq.method);
    zc_pipe_slot *s = slot_of(r, r->next);
    zd_buf_reset(&s->out);
    zd_buf_reset(&s->target);
    rc = zc_url_target(&r->c->cfg->url, rq.key, 0, rq.query, &s->target, err);
    if (rc < 0) return rc;
    bool copy = rq.body_len <= ZC_PIPE_COPY_MAX;
    if (zc_conn_head(r->c->cfg, rq.method, (const char *)s->target.data, s->target.len, rq.headers,
                     rq.body_len, &s->out) < 0 ||
        zd_buf_append(&s->target, "", 1) < 0 ||
        (copy && rq.body_len && zd_buf_append(&s->out, rq.body, rq.body_len) < 0))
        return zd_error_set(err, ZD_ENOMEM, "out of memory");
    s->method = rq.method;
    s->body = copy ? NULL : rq.body;
    s->body_len = copy ? 0 : rq.body_len;
    r->next++;
    return 0;
}

/* An answer may be on its way: for a request sent whole, or for request `sent`, of which some
 * bytes are out (a server may answer before it has read a body it refuses). */
static bool answer_due(const pipe_run *r)
{
    return r->acked < r->sent || r->sent_bytes > 0;
}

/* Send what is prepared, in one sendmsg, as far as the socket and ZC_SEND_STEP take it (an
 * early answer is looked for between two such sends): 1 something went out, or the peer
 * closed with an answer due (send_closed: what it said before is read first), 0 the socket
 * is full, ZD_EIO. */
static int send_some(pipe_run *r, zd_error *err)
{
    struct iovec iov[2 * ZC_PIPE_WINDOW];
    size_t niov = 0, skip = r->sent_bytes;
    for (size_t k = r->sent; k < r->next; k++) {
        zc_pipe_slot *s = slot_of(r, k);
        const void *piece[2] = {s->out.data, s->body};
        size_t len[2] = {s->out.len, s->body_len};
        for (int i = 0; i < 2; i++) {
            if (skip >= len[i]) {
                skip -= len[i];
                continue;
            }
            iov[niov++] = (struct iovec){(char *)piece[i] + skip, len[i] - skip};
            skip = 0;
        }
    }
    ssize_t n = zc_conn_send_step(r->c, iov, niov);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    if (n < 0 && errno == EINTR) return 1;
    if (n < 0) {
        if ((errno == EPIPE || errno == ECONNRESET) && answer_due(r)) {
            r->send_closed = true;
            return 1;
        }
        zc_pipe_slot *s = slot_of(r, r->sent);
        return zd_error_set(err, ZD_EIO, "sending %s %s: %s", s->method,
                            (const char *)s->target.data, strerror(errno));
    }
    size_t done = r->sent_bytes + (size_t)n;
    while (r->sent < r->next) {
        zc_pipe_slot *s = slot_of(r, r->sent);
        size_t total = s->out.len + s->body_len;
        if (done < total) break;
        done -= total;
        r->sent++;
    }
    r->sent_bytes = r->sent < r->next ? done : 0;
    return 1;
}

/* The message for a failed read of request `acked`'s answer. */
static int receive_error(pipe_run *r, int rc, zd_error *err)
{
    zc_pipe_slot *s = slot_of(r, r->acked);
    const char *t = (const char *)s->target.data;
    if (rc == ZD_EIO && r->c->rx_eof)
        return zd_error_set(err, rc, "server closed the connection during %s %s", s->method, t);
    if (rc == ZD_EIO)
        return zd_error_set(err, rc, "malformed answer to %s %s: %s", s->method, t,
                            llhttp_errno_name(llhttp_get_errno(&r->c->parser)));
    return zd_error_set(err, rc, "answer to %s %s: %s", s->method, t,
                        rc == ZD_EOVERFLOW ? "body too large" : "out of memory");
}

/* Parse what has arrived for request `acked`: 1 its answer is complete, 0 not yet (nothing
 * more arrived: *moved stays as it was), < 0 failure. */
static int receive_some(pipe_run *r, bool *moved, zd_error *err)
{
    zc_conn *c = r->c;
    if (!r->expecting) {
        zc_conn_expect(c, &r->p->rs, strcmp(slot_of(r, r->acked)->method, "HEAD") == 0);
        r->expecting = true;
    }
    for (;;) {
        int rc = zc_conn_parse(c);
        if (rc != 0) return rc == 1 ? 1 : receive_error(r, rc, err);
        rc = zc_conn_recv(c);
        if (rc == 0) return 0;
        if (rc < 0) {
            zc_pipe_slot *s = slot_of(r, r->acked);
            return zd_error_set(err, rc, "reading the answer to %s %s: %s", s->method,
                                (const char *)s->target.data,
                                rc == ZD_ENOMEM ? "out of memory" : strerror(errno));
        }
        *moved = true;
    }
}

/* Forget everything unanswered: the connection is gone, those requests are sent again. */
static void rewind_unanswered(pipe_run *r)
{
    zc_conn_close(r->c);
    r->next = r->sent = r->acked;
    r->sent_bytes = 0;
    r->expecting = false;
    r->alone = false;
    r->send_closed = false;
    r->answers = 0;
}

/* What to do with an attempt that failed without an answer (rc: its code, err set). */
typedef struct retry_budget {
    int left, attempt;
    bool reused, stale_retry_used;
} retry_budget;

static bool may_retry(pipe_run *r, retry_budget *b, int rc)
{
    bool answered = r->answers > 0; /* progress was made on that connection */
    rewind_unanswered(r);
    zc_status_note(0);
    if (rc == ZD_ENOMEM || rc == ZD_EOVERFLOW) return false;
    if (answered) return true;
    if (b->reused && !b->stale_retry_used) {
        b->stale_retry_used = true;
        return true;
    }
    if (b->left <= 0) return false;
    b->left--;
    zc_backoff(b->attempt++);
    return true;
}

/* Hand request `acked`'s complete answer to done(). 1: a transient answer to send again,
 * 0: done, < 0: done's failure. */
static int answer(pipe_run *r, retry_budget *b, zd_error *err)
{
    zc_pipe_slot *s = slot_of(r, r->acked);
    zc_response *rs = &r->p->rs;
    bool cut = r->acked == r->sent; /* answered before it was all sent */
    r->expecting = false;
    zc_status_note(rs->status);
    if (rs->status >= 502 && rs->status <= 504 && b->left > 0) {
        rewind_unanswered(r);
        b->left--;
        zc_backoff(b->attempt++);
        return 1;
    }
    bool keep = llhttp_should_keep_alive(&r->c->parser);
    zc_request rq = {.method = s->method, .target = (const char *)s->target.data};
    int rc = r->ops->done(r->arg, r->acked, &rq, rs, err);
    if (rc < 0) return rc;
    r->acked++;
    r->answers++;
    r->c->reused = true;
    if (!keep || cut)
        rewind_unanswered(r); /* the server closes after this answer, or the rest of a cut
                                  request would be taken for the next: the rest go again on
                                  a new connection */
    return 0;
}

int zc_pipe_run(zc_pipe *p, zc_conn *conn, size_t n, const zc_pipe_ops *ops, void *arg,
                zd_error *err)
{
    pipe_run r = {.p = p, .c = conn, .ops = ops, .arg = arg, .n = n};
    retry_budget b = {.left = conn->cfg->retries};
    int rc = 0;
    while (r.acked < n) {
        bool moved = false;
        /* refill once half the window is answered, so requests go out in batches */
        bool refill = r.next - r.acked <= ZC_PIPE_WINDOW / 2;
        while (refill && !r.alone && r.next < n && r.next - r.acked < ZC_PIPE_WINDOW &&
               !large_body_unsent(&r)) {
            if ((rc = prepare(&r, err)) < 0) goto failed;
            moved = true;
        }
        if (r.alone && r.acked == r.next) {
            if ((rc = ops->alone(arg, r.next, err)) < 0) goto failed;
            r.acked = r.sent = ++r.next;
            r.alone = false;
            r.answers = 0; /* alone() may have reconnected: check the socket again */
            continue;
        }
        /* before the first byte on a kept-alive connection (alone() checks its own) */
        if (conn->fd < 0 || (r.acked == r.sent && r.sent_bytes == 0 && r.answers == 0)) {
            b.reused = conn->fd >= 0 && conn->reused;
            if ((rc = zc_conn_connect(conn, err)) < 0) {
                if (may_retry(&r, &b, rc)) continue;
                break;
            }
            b.reused = b.reused && conn->fd >= 0 && conn->reused;
        }
        if (r.sent < r.next && !r.send_closed) {
            rc = send_some(&r, err);
            if (rc < 0) {
                if (may_retry(&r, &b, rc)) continue;
                break;
            }
            moved = moved || rc > 0;
        }
        if (r.send_closed && !answer_due(&r)) { /* every answer that came is taken */
            zc_pipe_slot *s = slot_of(&r, r.sent);
            rc = zd_error_set(err, ZD_EIO, "the server closed the connection before %s %s",
                              s->method, (const char *)s->target.data);
            if (may_retry(&r, &b, rc)) continue;
            break;
        }
        if (answer_due(&r)) {
            rc = receive_some(&r, &moved, err);
            if (rc < 0) {
                if (may_retry(&r, &b, rc)) continue;
                break;
            }
            if (rc == 1) {
                if ((rc = answer(&r, &b, err)) < 0) goto failed;
                continue;
            }
        }
        if (!moved) {
            short events = (short)((answer_due(&r) ? POLLIN : 0) |
                                   (r.sent < r.next && !r.send_closed ? POLLOUT : 0));
            rc = zc_conn_wait(conn, events, conn->cfg->io_timeout_ms);
            if (rc < 0) {
                zc_pipe_slot *s = slot_of(&r, r.acked);
                zd_error_set(err, rc, "waiting for the answer to %s %s: %s", s->method,
                             (const char *)s->target.data,
                             rc == ZC_ETIMEDOUT ? "timed out" : "poll failed");
                if (may_retry(&r, &b, rc)) continue;
                break;
            }
        }
    }
    conn->resp = NULL;
    return r.acked < n ? rc : 0;
failed:
    conn->resp = NULL;
    if (r.acked != r.next || conn->rx_pos != conn->rx_len) zc_conn_close(conn);
    return rc;
}

void zc_pipe_free(zc_pipe *p)
{
    for (size_t i = 0; i < ZC_PIPE_WINDOW; i++) {
        zd_buf_free(&p->slot[i].out);
        zd_buf_free(&p->slot[i].target);
    }
    zc_response_free(&p->rs);
}
