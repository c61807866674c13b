/* pd_conns.c: connection crowds and liveness/memory probes (see pd_conns.h). */
#include "pd_conns.h"

#include "zt_proc.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

zt_conn *pd_conns_open(const zt_server *s, size_t n)
{
    zt_conn *conns = calloc(n ? n : 1, sizeof *conns);
    for (size_t i = 0; conns && i < n; i++)
        if (zt_conn_open_server(&conns[i], s)) {
            pd_conns_close(conns, i);
            return NULL;
        }
    return conns;
}

void pd_conns_close(zt_conn *conns, size_t n)
{
    for (size_t i = 0; conns && i < n; i++)
        zt_conn_close(&conns[i]);
    free(conns);
}

/* True when the peer has closed c: reading past any pending bytes meets EOF or an error. */
static bool pd_conn_is_closed(zt_conn *c)
{
    char buf[4096];
    for (;;) {
        ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0) return true;
        if (r < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
}

size_t pd_conns_closed(zt_conn *conns, size_t n)
{
    size_t closed = 0;
    for (size_t i = 0; i < n; i++)
        closed += pd_conn_is_closed(&conns[i]);
    return closed;
}

size_t pd_conns_wait_closed(zt_conn *conns, size_t n, int timeout_ms)
{
    size_t closed = pd_conns_closed(conns, n);
    for (int waited = 0; closed < n && waited < timeout_ms; waited += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
        closed = pd_conns_closed(conns, n);
    }
    return closed;
}

bool pd_served(const zt_server *s, int timeout_ms)
{
    zt_conn c;
    zt_response r;
    if (zt_conn_open_server(&c, s)) return false;
    bool ok = zt_conn_set_timeout(&c, timeout_ms) == 0 &&
              zt_send_request(&c, "GET", "/_zarrd/health", NULL, NULL, 0) == 0 &&
              zt_read_response(&c, &r, false) == 0;
    if (ok) {
        ok = r.status == 200;
        zt_response_free(&r);
    }
    zt_conn_close(&c);
    return ok;
}

long pd_rss_kb(const zt_server *s)
{
    long kb = zt_proc_status_kb(s->pid, "VmRSS");
    cr_assert_gt(kb, 0, "cannot read VmRSS of zarrd (pid %d)", (int)s->pid);
    return kb;
}
