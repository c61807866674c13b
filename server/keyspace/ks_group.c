/* ks_group.c: group commit by leader and followers (see ks_group.h). */
#include "ks_group.h"

#include "zd_error.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct ks_group {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t issued;  /* tickets handed out */
    uint64_t durable; /* every ticket up to this is covered by a completed sync */
    uint64_t failed;  /* every ticket up to this was covered by a failed sync */
    int failed_rc;    /* ... with this code */
    bool syncing;     /* a leader is in sync() */
    uint64_t syncs;
    int (*sync)(void *ctx);
    void *ctx;
};

int ks_group_new(ks_group **out, int (*sync)(void *ctx), void *ctx)
{
    ks_group *g = calloc(1, sizeof *g);
    if (!g) return ZD_ENOMEM;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->sync = sync;
    g->ctx = ctx;
    *out = g;
    return 0;
}

void ks_group_free(ks_group *g)
{
    if (!g) return;
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

uint64_t ks_group_ticket(ks_group *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t t = ++g->issued;
    pthread_mutex_unlock(&g->mu);
    return t;
}

int ks_group_wait(ks_group *g, uint64_t ticket)
{
    pthread_mutex_lock(&g->mu);
    int rc = 0;
    for (;;) {
        if (ticket <= g->failed) {
            rc = g->failed_rc;
            break;
        }
        if (ticket <= g->durable) break;
        if (g->syncing) { /* a sync that began before (or after) us: wait, then look again */
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        g->syncing = true; /* lead: this sync covers every ticket taken so far */
        uint64_t covers = g->issued;
        pthread_mutex_unlock(&g->mu);
        int src = g->sync(g->ctx);
        pthread_mutex_lock(&g->mu);
        g->syncing = false;
        g->syncs++;
        if (src) {
            g->failed = covers;
            g->failed_rc = src;
        } else if (covers > g->durable) {
            g->durable = covers;
        }
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

uint64_t ks_group_syncs(ks_group *g)
{
    pthread_mutex_lock(&g->mu);
    uint64_t n = g->syncs;
    pthread_mutex_unlock(&g->mu);
    return n;
}
