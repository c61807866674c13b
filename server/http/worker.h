/* worker.h: the event-loop threads. Each worker owns a uv_loop on its own thread and its own
 * listening socket bound with SO_REUSEPORT to the same address (like nginx workers), so the
 * kernel spreads connections over the loops and a request never changes threads. With
 * --s3-listen every worker has a second such socket; each listener names the protocol
 * front-end (cn_frontend, conn.h) its connections speak.
 *
 * The kernel spreads connections by a hash of their addresses, so two connections of one
 * client land on one loop half the time, and that loop serves both while the other idles. A
 * worker that accepts a connection hands it, before its first byte is read, to a worker with
 * fewer active connections (open and not idle between requests; a new one counts as active),
 * or as many but fewer open ones (wk_handoff): the descriptor goes to that worker's inbox,
 * and its loop adopts it. Counting the active ones first spreads a client's pool over the
 * loops even when that client's idle connection, or another's, sits on one of them. */
#ifndef ZS_WORKER_H
#define ZS_WORKER_H

#include "accept_gate.h"
#include "auth.h"
#include "metrics.h"
#include "options.h"
#include "shard_backend.h"
#include "store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#define WK_POOL_MAX 64 /* idle buffers a pool keeps */

/* A per-worker pool of equal-sized buffers, mapped with mmap so that a buffer given back
 * beyond the pool's capacity really leaves the process (no heap fragmentation keeping idle
 * connections' memory resident). Only the owning worker thread uses it. */
typedef struct wk_pool {
    uint8_t *v[WK_POOL_MAX];
    int n;
    int max;
    size_t size;
} wk_pool;

struct cn_conn;
struct cn_frontend;
struct s3_service;

#define WK_MAX_LISTENERS 2  /* the native API and the S3 endpoint */
#define WK_INBOX         64 /* connections handed over and not yet adopted, per worker */

/* What every worker shares (read-only after start): the server's services, built in main.c and
 * handed down to every request. */
typedef struct wk_shared {
    const opt_config *cfg;
    st_store *store;           /* the key space (store.h) */
    const sh_backend *shards;  /* the shard endpoints' backend over that store */
    au_table *auth;            /* NULL without --token-file */
    struct s3_service *s3;     /* the S3 front-end, NULL without --s3-listen */
    mt_worker **metrics;       /* every worker's counters, for /_zarrd/metrics */
    struct wk_worker *workers; /* all nworkers of them, for connection handoff */
    int nworkers;
} wk_shared;

struct wk_worker;

/* A listening socket of a worker and the front-end its connections speak. */
typedef struct wk_listener {
    uv_tcp_t tcp;
    const struct cn_frontend *fe;
    struct wk_worker *w;
    bool paused; /* at the cap with a connection left in its queue (wk_pause_accept) */
} wk_listener;

typedef struct wk_worker {
    const wk_shared *shared;
    uv_loop_t loop;
    wk_listener listeners[WK_MAX_LISTENERS];
    int nlisteners;
    uv_async_t stop_async;
    uv_thread_t thread;
    bool draining;
    /* At the connection cap the listeners stop accepting (accept_gate.h) until resume_async
     * says enough connections have closed; true while any listener is paused. */
    bool accept_paused;
    uv_async_t resume_async;
    uv_async_t reclaim_async; /* another worker paused: close idle connections (conn_idle.c) */
    ag_waiter gate;
    struct cn_conn *idle_oldest, *idle_newest; /* idle keep-alive connections (conn_idle.c) */
    struct cn_conn *conns; /* every open connection (doubly linked), for draining */
    mt_worker metrics;
    char date[64]; /* "Date: ...\r\n" for date_sec */
    int64_t date_sec;
    wk_pool iobufs;         /* RS_IOBUF streaming buffers */
    wk_pool connbufs;       /* CN_BUFS read buffer + header arena of busy connections */
    uv_idle_t written_idle; /* completes responses written directly (response.c) */
    uv_check_t turn_end;    /* after each loop's polling: st_turn_end */
    struct cn_conn *written_head, *written_tail;
    /* Connection handoff: of the open connections (metrics.open_connections, which counts
     * those handed over and not yet adopted too), the idle ones between requests (conn_idle.c),
     * and the inbox other workers hand connections to. */
    atomic_int nidle;
    atomic_bool inbox_ready; /* set once the inbox below is made (wk_start) */
    uv_async_t handoff_async;
    uv_mutex_t inbox_mu;
    int inbox_fd[WK_INBOX];
    const struct cn_frontend *inbox_fe[WK_INBOX];
    int inbox_n;
    bool inbox_closed; /* draining: hand nothing more over */
} wk_worker;

/* Create a listening socket (SO_REUSEPORT, bound, not yet listening) for host:*port; if *port
 * is 0 the kernel picks one and *port is set to it. `first` (the first worker's socket) first
 * checks that nobody else holds the port. Returns 0 or a negative errno. */
int wk_bind(const char *host, int *port, bool first, int *fd_out);

/* Initialise a worker around n bound sockets (fds[i] serves front-end fes[i]) and start its
 * thread. */
int wk_start(wk_worker *w, const wk_shared *shared, const int *fds,
             const struct cn_frontend *const *fes, int n);

/* Ask a worker to drain (thread-safe): stop accepting, finish in-flight requests, close. */
void wk_stop(wk_worker *w);

/* Wait for the worker's thread to end and release its loop. */
void wk_join(wk_worker *w);

/* At the connection cap: leave the connection the listener has just been told about in its
 * queue (the listener stops watching for more), close idle keep-alive connections to make
 * room, and wait for the gate to wake the worker. */
void wk_pause_accept(wk_listener *l);

/* Place the connection w has just accepted (its descriptor fd, -1 if unknown; front-end fe):
 * hand a copy of fd to a worker with fewer active or open connections (above) and return
 * true (w then closes its own handle), or return false (w keeps it). Either way the
 * connection is counted in the open connections of the worker that gets it, under one lock
 * with the choice. */
bool wk_handoff(wk_worker *w, int fd, const struct cn_frontend *fe);

/* Drop a handed-over connection w cannot adopt: close fd and give its counts back. */
void wk_handoff_drop(wk_worker *w, int fd);

/* The worker's current "Date: ...\r\n" header line. */
const char *wk_date(wk_worker *w);

/* A buffer of pool->size bytes (NULL if out of memory) / give it back. */
uint8_t *wk_pool_get(wk_pool *p);
void wk_pool_put(wk_pool *p, uint8_t *buf);

#endif
