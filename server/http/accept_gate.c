/* accept_gate.c: the connection cap with accept backpressure (see accept_gate.h).
 *
 * A close that drops the count to the resume mark and a listener that pauses race: the closer
 * stores the count and then reads how many wait, the pauser queues itself and then reads the
 * count. Both are sequentially consistent atomics, so at least one of them sees the other and
 * the listener is woken (a spurious wake only makes the listener try ag_admit again). Asyncs
 * are sent with the mutex held so that ag_forget, which takes it, guarantees no send reaches a
 * handle being closed. */
#include "accept_gate.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_int ag_count;    /* connections open in the process */
static atomic_int ag_nwaiting; /* listeners queued in ag_list */
static pthread_mutex_t ag_mu = PTHREAD_MUTEX_INITIALIZER;
static ag_waiter *ag_list;
static ag_waiter *ag_peers; /* every worker's, for ag_reclaim_all */

int ag_open(void)
{
    return atomic_load(&ag_count);
}

bool ag_waiting(void)
{
    return atomic_load_explicit(&ag_nwaiting, memory_order_relaxed) > 0;
}

int ag_resume_mark(int max)
{
    int gap = max / 8 > 1 ? max / 8 : 1;
    return max > gap ? max - gap : 0;
}

bool ag_admit(int max)
{
    int n = atomic_load(&ag_count);
    while (n < max)
        if (atomic_compare_exchange_weak(&ag_count, &n, n + 1)) return true;
    return false;
}

/* Send every queued waiter's wake and empty the list. */
static void ag_wake_all(void)
{
    pthread_mutex_lock(&ag_mu);
    for (ag_waiter *w = ag_list; w; w = w->next) {
        w->queued = false;
        uv_async_send(w->wake);
    }
    ag_list = NULL;
    atomic_store(&ag_nwaiting, 0);
    pthread_mutex_unlock(&ag_mu);
}

void ag_release(int max)
{
    int now = atomic_fetch_sub(&ag_count, 1) - 1;
    if (now <= ag_resume_mark(max) && atomic_load(&ag_nwaiting) > 0) ag_wake_all();
}

void ag_wait(ag_waiter *w, int max)
{
    pthread_mutex_lock(&ag_mu);
    if (!w->queued) {
        w->queued = true;
        w->next = ag_list;
        ag_list = w;
        atomic_fetch_add(&ag_nwaiting, 1);
    }
    pthread_mutex_unlock(&ag_mu);
    if (atomic_load(&ag_count) <= ag_resume_mark(max)) ag_wake_all();
}

void ag_join(ag_waiter *w)
{
    pthread_mutex_lock(&ag_mu);
    if (!w->joined) {
        w->joined = true;
        w->peer_next = ag_peers;
        ag_peers = w;
    }
    pthread_mutex_unlock(&ag_mu);
}

void ag_reclaim_all(void)
{
    pthread_mutex_lock(&ag_mu);
    for (ag_waiter *w = ag_peers; w; w = w->peer_next)
        uv_async_send(w->reclaim);
    pthread_mutex_unlock(&ag_mu);
}

void ag_forget(ag_waiter *w)
{
    pthread_mutex_lock(&ag_mu);
    for (ag_waiter **p = &ag_peers; w->joined && *p; p = &(*p)->peer_next)
        if (*p == w) {
            *p = w->peer_next;
            break;
        }
    w->joined = false;
    for (ag_waiter **p = &ag_list; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            atomic_fetch_sub(&ag_nwaiting, 1);
            break;
        }
    w->queued = false;
    pthread_mutex_unlock(&ag_mu);
}
