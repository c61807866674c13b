/* zt_peer.h: a hand-made TCP peer on an ephemeral loopback port, for client tests that need a
 * server misbehaving in one exact way (slow, cutting off, answering early). A thread accepts
 * connections one at a time, counts them, and hands each to the test's serve(), closing it
 * after, until zt_peer_stop. */
#ifndef ZT_PEER_H
#define ZT_PEER_H

#include <pthread.h>
#include <stdatomic.h>

typedef struct zt_peer zt_peer;
struct zt_peer {
    void (*serve)(zt_peer *p, int fd); /* one connection; returns when done with it */
    void *arg;                         /* the test's own state, for serve */
    char url[64];                      /* http://127.0.0.1:PORT */
    atomic_int connections;
    atomic_bool stop;
    int listen_fd;
    pthread_t thread;
};

/* Listen and start accepting; asserts on failure. */
void zt_peer_start(zt_peer *p, void (*serve)(zt_peer *p, int fd), void *arg);

/* Stop accepting and join the thread (serve must return once its client is gone). */
void zt_peer_stop(zt_peer *p);

#endif
