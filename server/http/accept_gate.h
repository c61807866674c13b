/* accept_gate.h: the process-wide cap on open client connections (--max-connections), held
 * by backpressure instead of refusal.
 *
 * Every worker's listener asks ag_admit before it accepts a connection. At the cap it does not
 * accept: the connection stays in the kernel's listen backlog (libuv stops watching a listener
 * whose connection callback did not call uv_accept), where its client waits like any client of
 * a busy server; nothing is closed without an answer. The listener registers a waiter and is
 * woken once enough connections have closed: at the resume mark, an eighth of the cap below it
 * (hysteresis, as nginx waits for 1/8 of its connections to be free before it accepts again),
 * so a full server does not wake every listener for each single close. While listeners wait,
 * every response closes its connection (Connection: close) and, when a listener pauses, its
 * worker closes its longest-idle keep-alive connections (conn_idle.c) and, if that is not
 * enough, every worker closes its own (ag_reclaim_all), so slots pass to the waiting clients
 * instead of staying with idle ones.
 *
 * Lock-free on the common path: one atomic counter. The waiter list has a mutex, taken only
 * when a listener pauses or a close finds paused listeners. */
#ifndef ZS_ACCEPT_GATE_H
#define ZS_ACCEPT_GATE_H

#include <stdbool.h>
#include <uv.h>

/* A paused listener: `wake` (an async handle of the listener's loop) is sent once the open
 * connections fall to the resume mark. Owned by the listener; zeroed before first use. */
typedef struct ag_waiter {
    uv_async_t *wake;
    uv_async_t *reclaim; /* the worker's "close idle connections" signal (ag_reclaim_all) */
    struct ag_waiter *next, *peer_next;
    bool queued, joined;
} ag_waiter;

/* Take a connection slot if fewer than max are open. */
bool ag_admit(int max);

/* Give a slot back (a connection closed); wakes every paused listener at the resume mark. */
void ag_release(int max);

/* Connections open now. */
int ag_open(void);

/* Whether a listener waits at the cap: responses then end their connection (Connection:
 * close), so the slot goes to a waiting client instead of an idle keep-alive one. */
bool ag_waiting(void);

/* The number of open connections at or below which paused listeners resume: max - max/8,
 * at most max - 1. */
int ag_resume_mark(int max);

/* Pause: w->wake is sent once the count reaches the resume mark (at once if it already has).
 * Thread-safe; a waiter already queued stays queued once. */
void ag_wait(ag_waiter *w, int max);

/* Register a worker's reclaim signal (at start). */
void ag_join(ag_waiter *w);

/* Send every registered worker its reclaim signal: at the cap, the slots waiting clients need
 * may be held by idle keep-alive connections of any worker, not only the pausing one's (with
 * SO_REUSEPORT the kernel queues a client on one worker's listener). */
void ag_reclaim_all(void);

/* Drop w from the lists before its async handles are closed (draining). */
void ag_forget(ag_waiter *w);

#endif
