/* bench_load_events.c: the load generator's event engine (`load --loops L`). Each of L threads
 * drives its share of the connections from one epoll loop, as wrk2 does, instead of a thread
 * per connection: on a machine of two cores, 64 generator threads beside the server add their
 * own scheduling delays to the latency they measure.
 *
 * Like the thread engine, a connection has at most one request in flight (no pipelining). In
 * an open loop each connection sends on its own schedule (bench_load_impl.h); a send that
 * falls due while the previous answer is still out goes as soon as that answer is in, and its
 * latency counts from the time it was due. The loop sleeps in epoll_pwait2, whose timeout is
 * in nanoseconds (epoll_wait's has millisecond steps, which would add up to a millisecond to
 * the latencies measured), with the thread's timer slack cut from 50 us to 1 us.
 *
 * The requests are those of the public client's zc_get, zc_get_range, zc_put and zc_patch,
 * written here because that client blocks its thread. Answers are parsed with llhttp, and
 * every body is checked against the value pattern as it arrives. A connection that fails or
 * that the server closes counts its request as `io` and is opened again for the next one. */
#include "bench_load_impl.h"

#include "bench_clock.h"
#include "bench_opts.h"
#include "zd_error.h"
#include "zd_key.h"

#include <llhttp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <unistd.h>

#define EV_READ_BUF (64 * 1024)
#define EV_HEAD_MAX 2560 /* a request's head: its path is at most 1,664 + 22 bytes */
#define EV_ERR_KEEP 120  /* bytes of an error answer's body kept */
#define EV_DRAIN_NS (10ull * 1000000000ull) /* how long answers in flight are awaited */
#define EV_POLL_NS  100000000ull            /* longest wait, so an interrupt is seen */
#define EV_SLACK_NS 1000                    /* how late the kernel may wake the loop */

typedef struct ev_loop ev_loop;

typedef struct ev_conn {
    ev_loop *lp;
    unsigned idx;  /* the connection's number in the run */
    unsigned slot; /* its place in its loop's conns, and its epoll tag */
    int fd;        /* -1: closed, opened again before its next request */
    bool busy;     /* a request is in flight */
    bool done;     /* --requests are all handed out: sends no more */
    bool out;      /* watched for room to send too */
    uint64_t rng;
    uint64_t next;    /* open loop: when the next request is due */
    uint64_t free_at; /* when the last answer came in */
    /* the request in flight */
    zb_load_pick pick;
    uint64_t t0; /* when it was due (open loop) or sent (closed loop) */
    char head[EV_HEAD_MAX];
    struct iovec iov[2]; /* what is left to send of head and body */
    int iovcnt;
    /* its answer */
    llhttp_t parser;
    int status;
    uint64_t base;             /* the value offset of the body's first byte */
    uint64_t want;             /* the body's expected length */
    uint64_t got;              /* body bytes so far */
    bool wrong;                /* a body byte differed from the pattern, or came past want */
    bool complete;             /* the answer is whole */
    bool keep;                 /* ... and leaves the connection open (read when it completes: llhttp
                                  forgets once it goes on to the next message) */
    unsigned answers;          /* answers parsed for this request: more than 1 is a broken server */
    char err[EV_ERR_KEEP + 1]; /* the start of an error answer's body */
    size_t err_len;
} ev_conn;

struct ev_loop {
    zb_load_shared *sh;
    zb_load_tally *t;
    int ep;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    zb_url url;
    char keys[1664]; /* the keys' request path: the URL's path, then "/" + the prefix encoded */
    uint64_t interval;
    ev_conn *conns;
    unsigned n, inflight;
    llhttp_settings_t settings;
    char rbuf[EV_READ_BUF];
};

bool zb_load_events_can_run(const zb_load_cfg *cfg)
{
    return !cfg->mix.weight[ZB_OP_SHARD] && !cfg->mix.weight[ZB_OP_BATCH];
}

/* ---- answers ---- */

static ev_conn *conn_of(llhttp_t *p)
{
    return p->data;
}

static int on_headers_complete(llhttp_t *p)
{
    ev_conn *c = conn_of(p);
    const zb_load_cfg *cfg = c->lp->sh->cfg;
    c->status = llhttp_get_status_code(p);
    c->base = 0;
    c->want = c->pick.op == ZB_OP_GET ? cfg->value_size : 0;
    if (c->pick.op == ZB_OP_RANGE) { /* 206 with the range; a 200 would be the whole value */
        c->base = c->status == 206 ? c->pick.off : 0;
        c->want = c->status == 206 ? cfg->range_size : cfg->value_size;
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    ev_conn *c = conn_of(p);
    if (c->status >= 300) { /* an error's message, kept for the report */
        size_t keep = n < EV_ERR_KEEP - c->err_len ? n : EV_ERR_KEEP - c->err_len;
        memcpy(c->err + c->err_len, at, keep);
        c->err_len += keep;
        c->err[c->err_len] = 0;
        return 0;
    }
    if (c->got + n > c->want || memcmp(at, c->lp->sh->pattern + c->base + c->got, n) != 0)
        c->wrong = true;
    c->got += n;
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    ev_conn *c = conn_of(p);
    c->complete = true;
    c->keep = llhttp_should_keep_alive(p);
    c->answers++;
    return 0;
}

/* The outcome class of a whole answer; why[cap] says what failed. */
static int answer_outcome(const ev_conn *c, char *why, size_t cap)
{
    snprintf(why, cap, "HTTP %d: %s", c->status, c->err);
    if (c->status >= 400 && c->status <= 599) return ZB_OUT_HTTP(c->status);
    if (c->status < 200 || c->status > 299) return ZB_OUT_HTTP_OTHER;
    snprintf(why, cap, "returned wrong data");
    if (c->pick.op == ZB_OP_GET || c->pick.op == ZB_OP_RANGE)
        return c->wrong || c->got != c->want ? ZB_OUT_BAD_DATA : ZB_OUT_OK;
    return ZB_OUT_OK;
}

/* ---- connections ---- */

static void conn_close(ev_conn *c)
{
    if (c->fd >= 0) close(c->fd); /* which also takes it out of the epoll set */
    c->fd = -1;
}

/* Open the connection (a blocking connect: the server is on loopback, or --allow-remote was
 * asked for), then make it non-blocking and watch it for answers. 0 or -1 with errno. */
static int conn_open(ev_conn *c)
{
    ev_loop *lp = c->lp;
    int fd = socket(lp->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = c->slot};
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        connect(fd, (struct sockaddr *)&lp->addr, lp->addrlen) != 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
        epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    c->fd = fd;
    c->out = false;
    llhttp_init(&c->parser, HTTP_RESPONSE, &lp->settings);
    c->parser.data = c;
    return 0;
}

/* Watch the connection for answers only, or also for room to send. */
static void conn_watch(ev_conn *c, bool out)
{
    if (c->out == out) return;
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.u64 = c->slot};
    epoll_ctl(c->lp->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->out = out;
}

/* The request in flight is over with outcome out: count it and free the connection. */
static void conn_finish(ev_conn *c, int out, const char *why)
{
    ev_loop *lp = c->lp;
    const zb_load_cfg *cfg = lp->sh->cfg;
    if (c->pick.op == ZB_OP_GET || c->pick.op == ZB_OP_RANGE) lp->t->bytes_in += c->got;
    if (out == ZB_OUT_OK) {
        if (c->pick.op == ZB_OP_PUT) lp->t->bytes_out += cfg->value_size;
        if (c->pick.op == ZB_OP_PATCH) lp->t->bytes_out += cfg->range_size;
    }
    c->free_at = zb_now_ns();
    zb_load_record(lp->sh, lp->t, c->pick.op, out, c->t0, c->free_at, why);
    c->busy = false;
    lp->inflight--;
    if (c->iovcnt > 0) { /* answered before the whole request went out: the rest would be */
        conn_close(c);   /* taken for the next request, so this connection is done */
        c->iovcnt = 0;
    }
}

/* The connection failed with a request in flight: count it as `io` and close; the next
 * request opens it again. */
static void conn_fail(ev_conn *c, const char *why)
{
    char msg[160];
    snprintf(msg, sizeof(msg), "%s (%s)", why, errno ? strerror(errno) : "no error code");
    if (c->busy) conn_finish(c, ZB_OUT_IO, msg);
    conn_close(c);
}

static void conn_read(ev_conn *c);

/* Send what is left of the request; watch for room when the socket is full. A peer that closed
 * is an error of this request (MSG_NOSIGNAL), never a SIGPIPE that ends the run unreported. */
static void conn_send_rest(ev_conn *c)
{
    while (c->iovcnt > 0) {
        struct msghdr m = {.msg_iov = c->iov, .msg_iovlen = (size_t)c->iovcnt};
        ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            conn_watch(c, true);
            return;
        }
        if (n < 0) { /* a server that refused the request may have answered, then closed */
            int e = errno;
            conn_read(c); /* that answer is the outcome, if it is whole */
            errno = e;
            if (c->fd >= 0 && c->busy) conn_fail(c, "sending a request");
            return;
        }
        size_t left = (size_t)n;
        while (c->iovcnt > 0 && left >= c->iov[0].iov_len) {
            left -= c->iov[0].iov_len;
            c->iov[0] = c->iov[1];
            c->iovcnt--;
        }
        if (c->iovcnt > 0) {
            c->iov[0].iov_base = (char *)c->iov[0].iov_base + left;
            c->iov[0].iov_len -= left;
        }
    }
    conn_watch(c, false);
}

/* Write the head of the request picked into c->head, with the body (a slice of the pattern)
 * after it in c->iov. False if the key does not fit (the prefix is too long). */
static bool build_request(ev_conn *c)
{
    ev_loop *lp = c->lp;
    const zb_load_cfg *cfg = lp->sh->cfg;
    const zb_load_pick *p = &c->pick;
    static const char *const method[ZB_OP_COUNT] = {
        [ZB_OP_GET] = "GET", [ZB_OP_RANGE] = "GET", [ZB_OP_PUT] = "PUT", [ZB_OP_PATCH] = "PATCH"};
    uint64_t body = p->op == ZB_OP_PUT     ? cfg->value_size
                    : p->op == ZB_OP_PATCH ? cfg->range_size
                                           : 0;
    uint64_t last = p->off + cfg->range_size - 1;
    char extra[128] = "";
    if (p->op == ZB_OP_RANGE)
        snprintf(extra, sizeof(extra), "Range: bytes=%llu-%llu\r\n", (unsigned long long)p->off,
                 (unsigned long long)last);
    if (p->op == ZB_OP_PATCH)
        snprintf(extra, sizeof(extra), "Content-Range: bytes %llu-%llu/*\r\n",
                 (unsigned long long)p->off, (unsigned long long)last);
    if (body)
        snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "Content-Length: %llu\r\n",
                 (unsigned long long)body);
    int n = snprintf(c->head, sizeof(c->head), "%s %s/k%llu HTTP/1.1\r\nHost: %s\r\n%s\r\n",
                     method[p->op], lp->keys, (unsigned long long)p->key, lp->url.hostport, extra);
    if (n < 0 || (size_t)n >= sizeof(c->head)) return false;
    c->iov[0] = (struct iovec){c->head, (size_t)n};
    c->iov[1] = (struct iovec){(void *)(lp->sh->pattern + (p->op == ZB_OP_PATCH ? p->off : 0)),
                               (size_t)body};
    c->iovcnt = body ? 2 : 1;
    return true;
}

/* Start the next request on an idle connection, due (or, closed loop, sent) at t0. */
static void conn_start(ev_conn *c, uint64_t t0)
{
    ev_loop *lp = c->lp;
    c->pick = zb_load_pick_next(lp->sh->cfg, &c->rng);
    c->t0 = t0;
    c->busy = true;
    c->status = 0;
    c->got = 0;
    c->wrong = c->complete = false;
    c->answers = 0;
    c->err[0] = 0;
    c->err_len = 0;
    lp->inflight++;
    errno = 0;
    if (!build_request(c)) {
        conn_finish(c, ZB_OUT_OTHER, "the request's head is too long");
        return;
    }
    if (c->fd < 0 && conn_open(c) != 0) {
        conn_finish(c, ZB_OUT_CONNECT, strerror(errno));
        return;
    }
    conn_send_rest(c);
}

/* Read what the server sent; count the request when its answer is whole. */
static void conn_read(ev_conn *c)
{
    ev_loop *lp = c->lp;
    for (;;) {
        ssize_t n = read(c->fd, lp->rbuf, sizeof(lp->rbuf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            if (n == 0) errno = 0;
            conn_fail(c, n == 0 ? "the server closed the connection" : "reading an answer");
            return;
        }
        if (!c->busy) {
            errno = 0;
            conn_fail(c, "the server sent bytes no request asked for");
            return;
        }
        llhttp_errno_t e = llhttp_execute(&c->parser, lp->rbuf, (size_t)n);
        if (e != HPE_OK || c->answers > 1) {
            errno = 0;
            conn_fail(c, e != HPE_OK ? llhttp_errno_name(e) : "more answers than requests");
            return;
        }
        if (c->complete) {
            char why[EV_ERR_KEEP + 32];
            int out = answer_outcome(c, why, sizeof(why));
            conn_finish(c, out, why);
            if (!c->keep) conn_close(c);
            return;
        }
    }
}

/* ---- the loop ---- */

/* Start every idle connection whose turn has come; the earliest time one is due next (the
 * run's end if none is). */
static uint64_t start_due(ev_loop *lp, uint64_t now)
{
    zb_load_shared *sh = lp->sh;
    uint64_t wake = sh->end_ns;
    for (unsigned i = 0; i < lp->n; i++) {
        ev_conn *c = &lp->conns[i];
        if (c->busy || c->done) continue;
        if (lp->interval && c->next > now) {
            if (c->next < wake) wake = c->next;
            continue;
        }
        if (lp->interval && c->next >= sh->end_ns) continue;
        if (!zb_load_claim(sh)) {
            c->done = true;
            continue;
        }
        uint64_t t0 = lp->interval ? c->next : now; /* open loop: latency from when it was due */
        if (lp->interval) zb_load_note_send(lp->t, t0, c->free_at, now);
        c->next += lp->interval;
        conn_start(c, t0);
    }
    return wake;
}

static void run(ev_loop *lp)
{
    zb_load_shared *sh = lp->sh;
    struct epoll_event evs[64];
    for (;;) {
        uint64_t now = zb_now_ns();
        bool ending = zb_load_interrupted() || now >= sh->end_ns;
        uint64_t wake = ending ? sh->end_ns + EV_DRAIN_NS : start_due(lp, now);
        bool all_done = true;
        for (unsigned i = 0; i < lp->n && all_done; i++)
            all_done = lp->conns[i].done;
        if ((ending || all_done) && lp->inflight == 0) break;
        if (ending && now >= wake) { /* the server never answered these */
            for (unsigned i = 0; i < lp->n; i++) {
                errno = ETIMEDOUT;
                if (lp->conns[i].busy) conn_finish(&lp->conns[i], ZB_OUT_TIMEOUT, "no answer");
                conn_close(&lp->conns[i]);
            }
            break;
        }
        uint64_t wait = wake > now ? wake - now : 0;
        if (wait > EV_POLL_NS) wait = EV_POLL_NS;
        struct timespec ts = {.tv_sec = (time_t)(wait / 1000000000ull),
                              .tv_nsec = (long)(wait % 1000000000ull)};
        int k = epoll_pwait2(lp->ep, evs, 64, &ts, NULL);
        for (int i = 0; i < k; i++) {
            ev_conn *c = &lp->conns[evs[i].data.u64];
            if (c->fd < 0) continue;
            /* the answer first: one that came before a failed send (a server that refused
             * the request and closed) is the request's outcome, not the failure */
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) conn_read(c);
            if (c->fd >= 0 && (evs[i].events & EPOLLOUT) && c->iovcnt > 0) conn_send_rest(c);
        }
    }
    if (!zb_load_interrupted())
        for (unsigned i = 0; i < lp->n; i++)
            lp->t->missed += zb_load_missed(sh, lp->conns[i].next, lp->interval);
}

/* Resolve the URL's host, make the epoll set and the timer, and open the connections. */
static int setup(ev_loop *lp, unsigned first, unsigned step)
{
    const zb_load_cfg *cfg = lp->sh->cfg;
    if (!zb_url_split(cfg->url, &lp->url)) {
        fprintf(stderr, "zarrd-bench load: cannot parse URL %s\n", cfg->url);
        return ZD_EINVAL;
    }
    zd_buf keys = {0};
    int rc = zd_key_to_path(cfg->prefix, strlen(cfg->prefix), &keys);
    if (rc == 0 && snprintf(lp->keys, sizeof(lp->keys), "%s%.*s", lp->url.path, (int)keys.len,
                            (const char *)keys.data) >= (int)sizeof(lp->keys))
        rc = ZD_EOVERFLOW;
    zd_buf_free(&keys);
    if (rc) {
        fprintf(stderr, "zarrd-bench load: the key prefix %s is too long\n", cfg->prefix);
        return ZD_EINVAL;
    }
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
    int gai = getaddrinfo(lp->url.host, lp->url.port, &hints, &ai);
    if (gai != 0 || !ai || ai->ai_addrlen > sizeof(lp->addr)) {
        fprintf(stderr, "zarrd-bench load: cannot resolve %s: %s\n", lp->url.host,
                gai ? gai_strerror(gai) : "no address");
        if (ai) freeaddrinfo(ai);
        return ZD_EINVAL;
    }
    memcpy(&lp->addr, ai->ai_addr, ai->ai_addrlen);
    lp->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    llhttp_settings_init(&lp->settings);
    lp->settings.on_headers_complete = on_headers_complete;
    lp->settings.on_body = on_body;
    lp->settings.on_message_complete = on_message_complete;
    lp->interval = zb_load_interval(cfg);
    lp->n = (cfg->connections - first + step - 1) / step;
    lp->conns = calloc(lp->n, sizeof(*lp->conns));
    lp->ep = epoll_create1(EPOLL_CLOEXEC);
    prctl(PR_SET_TIMERSLACK, EV_SLACK_NS); /* this thread's: it has no other timers */
    if (!lp->conns || lp->ep < 0) {
        fprintf(stderr, "zarrd-bench load: cannot start an event loop: %s\n", strerror(errno));
        return ZD_ENOMEM;
    }
    for (unsigned i = 0; i < lp->n; i++) {
        ev_conn *c = &lp->conns[i];
        c->lp = lp;
        c->slot = i;
        c->idx = first + i * step;
        c->fd = -1;
        c->rng = zb_load_seed(cfg, c->idx);
        c->next = zb_load_first_send(lp->sh, c->idx);
        c->free_at = lp->sh->start_ns;
        if (conn_open(c) != 0) {
            fprintf(stderr, "zarrd-bench load: cannot connect to %s: %s\n", cfg->url,
                    strerror(errno));
            return ZD_EIO;
        }
    }
    return 0;
}

int zb_load_events_run(zb_load_shared *sh, unsigned first, unsigned step, zb_load_tally *t)
{
    ev_loop *lp = calloc(1, sizeof(*lp));
    if (!lp) return ZD_ENOMEM;
    lp->sh = sh;
    lp->t = t;
    lp->ep = -1;
    int rc = setup(lp, first, step);
    if (rc == 0) run(lp);
    for (unsigned i = 0; lp->conns && i < lp->n; i++)
        conn_close(&lp->conns[i]);
    if (lp->ep >= 0) close(lp->ep);
    free(lp->conns);
    free(lp);
    return rc;
}
