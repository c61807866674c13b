/* worker.c: event-loop threads with SO_REUSEPORT listeners (see worker.h).
 *
 * Draining: wk_stop() wakes the loop through a uv_async; the worker closes its listener,
 * closes idle connections and lets busy ones finish their current response (they close
 * afterwards). uv_run returns once the last handle is closed. */
#include "worker.h"

#include "conn.h"
#include "log.h"
#include "response.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Connections waiting to be accepted, per worker: the kernel clamps it to net.core.somaxconn
 * (4096 by default since Linux 5.4). At --max-connections clients wait here (accept_gate.h);
 * a deep queue lets a burst of thousands wait without SYN retransmissions. */
#define WK_BACKLOG 4096

static int wk_addr(const char *host, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) return 0;
    if (uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss) == 0) return 0;
    return -EINVAL;
}

static int wk_socket(const struct sockaddr_storage *ss, bool reuseport, int *port, int *fd_out)
{
    socklen_t len =
        ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)) ||
        bind(fd, (const struct sockaddr *)ss, len)) {
        int e = -errno;
        close(fd);
        return e;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen)) {
        int e = -errno;
        close(fd);
        return e;
    }
    *port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
    *fd_out = fd;
    return 0;
}

int wk_bind(const char *host, int *port, bool first, int *fd_out)
{
    struct sockaddr_storage ss;
    int rc = wk_addr(host, *port, &ss);
    if (rc) return rc;
    if (first) {
        /* Probe without SO_REUSEPORT: an exclusive bind proves the port is really free (a
         * SO_REUSEPORT bind would silently join another process's group) and, for port 0,
         * picks it. */
        int probe;
        if ((rc = wk_socket(&ss, false, port, &probe)) != 0) return rc;
        close(probe);
        if ((rc = wk_addr(host, *port, &ss)) != 0) return rc;
    }
    return wk_socket(&ss, true, port, fd_out);
}

static void wk_on_connection(uv_stream_t *server, int status)
{
    wk_listener *l = server->data;
    if (status < 0) {
        lg_log(LG_WARN, "accept: %s", uv_strerror(status));
        return;
    }
    cn_accept(l);
}

void wk_pause_accept(wk_listener *l)
{
    wk_worker *w = l->w;
    int max = w->shared->cfg->max_connections;
    l->paused = true;
    if (!w->accept_paused) {
        w->accept_paused = true;
        mt_add(&w->metrics.accept_pauses, 1);
    }
    /* enough idle ones to reach the resume mark (their closes wake the gate); if this worker
     * has too few, every worker closes some of its own */
    cn_idle_reclaim(w, ag_open() - ag_resume_mark(max));
    ag_wait(&w->gate, max); /* before the others look: ag_waiting() is what they check */
    if (ag_open() > ag_resume_mark(max)) ag_reclaim_all();
}

/* A worker paused at the cap and asks for slots: close idle keep-alive connections while
 * clients wait, as many as the open count is above the resume mark. */
static void wk_on_reclaim(uv_async_t *a)
{
    wk_worker *w = a->data;
    int max = w->shared->cfg->max_connections;
    if (!w->draining && ag_waiting()) cn_idle_reclaim(w, ag_open() - ag_resume_mark(max));
}

/* The gate says connections have closed: accept the connection each paused listener left
 * waiting, which makes libuv watch it again (or pause once more if other workers took the
 * slots). */
static void wk_on_resume(uv_async_t *a)
{
    wk_worker *w = a->data;
    if (!w->accept_paused || w->draining) return;
    w->accept_paused = false;
    for (int i = 0; i < w->nlisteners; i++) {
        wk_listener *l = &w->listeners[i];
        if (!l->paused) continue;
        l->paused = false;
        cn_accept(l);
    }
}

/* ---- connection handoff ---- */

/* The open connections of w, counting those handed to it and not yet adopted. */
static int64_t wk_open(wk_worker *w)
{
    return atomic_load(&w->metrics.open_connections);
}

/* The worker with the fewest active connections, then the fewest open, if that is fewer than
 * w's (NULL: w keeps it). Other workers' idle counts move meanwhile: a heuristic. */
static wk_worker *wk_handoff_target(wk_worker *w)
{
    const wk_shared *sh = w->shared;
    wk_worker *best = NULL;
    int64_t least_open = wk_open(w), least_active = least_open - atomic_load(&w->nidle);
    for (int i = 0; i < sh->nworkers; i++) {
        wk_worker *o = &sh->workers[i];
        int64_t open = wk_open(o), active = open - atomic_load(&o->nidle);
        bool fewer = active < least_active || (active == least_active && open < least_open);
        if (o != w && fewer && atomic_load(&o->inbox_ready)) {
            least_active = active;
            least_open = open;
            best = o;
        }
    }
    return best;
}

/* Put a copy of fd in to's inbox; false if it is closed or full, or fd cannot be copied. */
static bool wk_inbox_put(wk_worker *to, int fd, const struct cn_frontend *fe)
{
    uv_mutex_lock(&to->inbox_mu);
    int copy = !to->inbox_closed && to->inbox_n < WK_INBOX ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
    if (copy >= 0) {
        to->inbox_fd[to->inbox_n] = copy;
        to->inbox_fe[to->inbox_n++] = fe;
        uv_async_send(&to->handoff_async);
    }
    uv_mutex_unlock(&to->inbox_mu);
    return copy >= 0;
}

/* One choice at a time: two workers accepting at once must not both pick the same worker. */
static pthread_mutex_t wk_choice_mu = PTHREAD_MUTEX_INITIALIZER;

bool wk_handoff(wk_worker *w, int fd, const struct cn_frontend *fe)
{
    pthread_mutex_lock(&wk_choice_mu);
    wk_worker *to = fd >= 0 ? wk_handoff_target(w) : NULL;
    bool handed = to && wk_inbox_put(to, fd, fe);
    atomic_fetch_add(&(handed ? to : w)->metrics.open_connections, 1); /* before the next choice */
    pthread_mutex_unlock(&wk_choice_mu);
    return handed;
}

void wk_handoff_drop(wk_worker *w, int fd)
{
    close(fd);
    atomic_fetch_sub(&w->metrics.open_connections, 1);
    ag_release(w->shared->cfg->max_connections);
}

/* Adopt the connections other workers handed over. */
static void wk_on_handoff(uv_async_t *a)
{
    wk_worker *w = a->data;
    int fd[WK_INBOX];
    const struct cn_frontend *fe[WK_INBOX];
    uv_mutex_lock(&w->inbox_mu);
    int n = w->inbox_n;
    memcpy(fd, w->inbox_fd, (size_t)n * sizeof *fd);
    memcpy(fe, w->inbox_fe, (size_t)n * sizeof *fe);
    w->inbox_n = 0;
    uv_mutex_unlock(&w->inbox_mu);
    for (int i = 0; i < n; i++)
        cn_adopt(w, fd[i], fe[i]);
}

/* Draining: take no more connections, and close those handed over but not adopted. */
static void wk_inbox_close(wk_worker *w)
{
    uv_mutex_lock(&w->inbox_mu);
    w->inbox_closed = true;
    for (int i = 0; i < w->inbox_n; i++)
        wk_handoff_drop(w, w->inbox_fd[i]);
    w->inbox_n = 0;
    uv_mutex_unlock(&w->inbox_mu);
    uv_close((uv_handle_t *)&w->handoff_async, NULL);
}

static void wk_on_stop(uv_async_t *a)
{
    wk_worker *w = a->data;
    w->draining = true;
    wk_inbox_close(w);
    ag_forget(&w->gate); /* no wake may reach resume_async once it is closing */
    uv_close((uv_handle_t *)&w->resume_async, NULL);
    uv_close((uv_handle_t *)&w->reclaim_async, NULL);
    for (int i = 0; i < w->nlisteners; i++)
        uv_close((uv_handle_t *)&w->listeners[i].tcp, NULL);
    uv_close((uv_handle_t *)&w->stop_async, NULL);
    uv_close((uv_handle_t *)&w->turn_end, NULL);
    rs_worker_close(w);
    cn_drain_all(w);
}

/* What the stores keep for one loop turn (the fs store's last parent directory) goes. */
static void wk_on_turn_end(uv_check_t *h)
{
    (void)h;
    st_turn_end();
}

static void wk_run(void *arg)
{
    wk_worker *w = arg;
    uv_run(&w->loop, UV_RUN_DEFAULT);
}

int wk_start(wk_worker *w, const wk_shared *shared, const int *fds,
             const struct cn_frontend *const *fes, int n)
{
    w->shared = shared;
    w->date_sec = -1;
    w->iobufs = (wk_pool){.max = 8, .size = RS_IOBUF};
    w->connbufs = (wk_pool){.max = WK_POOL_MAX, .size = CN_BUFS};
    int rc = uv_loop_init(&w->loop);
    if (rc) return rc;
    for (int i = 0; i < n && i < WK_MAX_LISTENERS; i++) {
        wk_listener *l = &w->listeners[i];
        uv_tcp_init(&w->loop, &l->tcp);
        l->tcp.data = l;
        l->fe = fes[i];
        l->w = w;
        w->nlisteners = i + 1;
        if ((rc = uv_tcp_open(&l->tcp, fds[i])) != 0 ||
            (rc = uv_listen((uv_stream_t *)&l->tcp, WK_BACKLOG, wk_on_connection)) != 0)
            return rc;
    }
    rs_worker_init(w);
    uv_check_init(&w->loop, &w->turn_end);
    uv_check_start(&w->turn_end, wk_on_turn_end);
    uv_async_init(&w->loop, &w->stop_async, wk_on_stop);
    w->stop_async.data = w;
    uv_async_init(&w->loop, &w->resume_async, wk_on_resume);
    w->resume_async.data = w;
    uv_async_init(&w->loop, &w->reclaim_async, wk_on_reclaim);
    w->reclaim_async.data = w;
    uv_mutex_init(&w->inbox_mu);
    uv_async_init(&w->loop, &w->handoff_async, wk_on_handoff);
    w->handoff_async.data = w;
    atomic_store(&w->inbox_ready, true); /* no worker touches the inbox before */
    w->gate.wake = &w->resume_async;
    w->gate.reclaim = &w->reclaim_async;
    ag_join(&w->gate);
    return uv_thread_create(&w->thread, wk_run, w);
}

void wk_stop(wk_worker *w)
{
    uv_async_send(&w->stop_async);
}

void wk_join(wk_worker *w)
{
    uv_thread_join(&w->thread);
    uv_loop_close(&w->loop);
    /* inbox_mu stays: a worker still stopping may look at this closed inbox */
    while (w->iobufs.n > 0)
        munmap(w->iobufs.v[--w->iobufs.n], w->iobufs.size);
    while (w->connbufs.n > 0)
        munmap(w->connbufs.v[--w->connbufs.n], w->connbufs.size);
}

const char *wk_date(wk_worker *w)
{
    time_t now = time(NULL);
    if (now != w->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(w->date, sizeof w->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        w->date_sec = now;
    }
    return w->date;
}

uint8_t *wk_pool_get(wk_pool *p)
{
    if (p->n > 0) return p->v[--p->n];
    void *b = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return b == MAP_FAILED ? NULL : b;
}

void wk_pool_put(wk_pool *p, uint8_t *buf)
{
    if (p->n < p->max)
        p->v[p->n++] = buf;
    else
        munmap(buf, p->size);
}
