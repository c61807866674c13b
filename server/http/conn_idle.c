/* conn_idle.c: each worker's list of idle keep-alive connections, oldest first, and their
 * reclaiming at the connection cap (conn.h).
 *
 * A connection joins the list when it has answered a request and waits for the next one, and
 * leaves it when a request starts or it closes. A connection that has never carried a request
 * is not on it: its client is about to send one. At --max-connections, before a listener
 * pauses (accept_gate.h), the worker closes its longest-idle connections, as nginx reuses its
 * keep-alive connections when it runs out: a client that keeps a connection open after its
 * answer (browsers, Node's fetch) must not hold a slot while others wait in the backlog. RFC
 * 9112 section 9.3 lets a server close an idle connection at any time; one whose next request
 * has already reached the socket buffer is skipped, so no request is dropped. */
#include "conn.h"

#include <sys/ioctl.h>

void cn_idle_enter(cn_conn *c)
{
    wk_worker *w = c->w;
    if (c->idle_listed) return;
    c->idle_listed = true;
    atomic_fetch_add(&w->nidle, 1);
    c->idle_next = NULL;
    c->idle_prev = w->idle_newest;
    if (w->idle_newest)
        w->idle_newest->idle_next = c;
    else
        w->idle_oldest = c;
    w->idle_newest = c;
    /* Clients wait at the cap: this answer went out as keep-alive before they did, so its
     * slot is reclaimed now rather than when the next listener pauses (wk_on_reclaim). */
    if (ag_waiting() && !w->draining) uv_async_send(&w->reclaim_async);
}

void cn_idle_leave(cn_conn *c)
{
    wk_worker *w = c->w;
    if (!c->idle_listed) return;
    c->idle_listed = false;
    atomic_fetch_sub(&w->nidle, 1);
    if (c->idle_prev)
        c->idle_prev->idle_next = c->idle_next;
    else
        w->idle_oldest = c->idle_next;
    if (c->idle_next)
        c->idle_next->idle_prev = c->idle_prev;
    else
        w->idle_newest = c->idle_prev;
    c->idle_prev = c->idle_next = NULL;
}

/* No request bytes buffered by us or waiting in the socket. */
static bool cn_idle_quiet(cn_conn *c)
{
    uv_os_fd_t fd;
    int pending = 0;
    return c->state == CN_IDLE && c->rpos == c->rlen &&
           uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, FIONREAD, &pending) == 0 &&
           pending == 0;
}

int cn_idle_reclaim(wk_worker *w, int n)
{
    int closed = 0;
    cn_conn *next;
    for (cn_conn *c = w->idle_oldest; c && closed < n; c = next) {
        next = c->idle_next;
        if (!cn_idle_quiet(c)) continue;
        cn_idle_leave(c);
        cn_abort(c);
        closed++;
    }
    if (closed) mt_add(&w->metrics.connections_reclaimed, (uint64_t)closed);
    return closed;
}
