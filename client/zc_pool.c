/* zc_pool.c: worker threads, the job queue and the callers' own workers (see zc_pool.h). */
#include "zc_pool.h"

#include "zc_errmsg.h"
#include "zarrd/client.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct zc_job {
    zc_batch_fn fn;
    void *arg;
    size_t nitems;
    size_t next;     /* first unclaimed item */
    size_t finished; /* items done or skipped */
    int rc;
    zd_error err;
    int status; /* HTTP status of the first failure, else of the last batch's last response */
    pthread_cond_t done;
    struct zc_job *queue_next;
} zc_job;

/* A worker state lent to a calling thread for a one-item job (zc_pool_run_batches). */
typedef struct caller_worker {
    zc_worker w;
    struct caller_worker *next;
} caller_worker;

struct zc_pool {
    const zc_conn_cfg *cfg;
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued or the pool is stopping */
    zc_job *head, *tail;
    bool stopping;
    int nworkers;
    size_t max_batch;
    pthread_t *threads;
    zc_worker *workers;
    caller_worker *idle_callers; /* not in use by any calling thread */
};

typedef struct worker_start {
    zc_pool *pool;
    zc_worker *w;
} worker_start;

/* Claim the next batch of the head job (lock held); false when there is nothing to claim. */
static bool claim(zc_pool *p, zc_job **job, size_t *first, size_t *count)
{
    zc_job *j = p->head;
    if (!j) return false;
    size_t left = j->nitems - j->next;
    size_t batch = left / (2 * (size_t)p->nworkers);
    if (batch < 1) batch = 1;
    if (batch > p->max_batch) batch = p->max_batch;
    *job = j;
    *first = j->next;
    *count = batch;
    j->next += batch;
    if (j->next == j->nitems) { /* fully claimed: the next job's turn */
        p->head = j->queue_next;
        if (!p->head) p->tail = NULL;
    }
    return true;
}

static void *worker_main(void *arg)
{
    zc_pool *p = ((worker_start *)arg)->pool;
    zc_worker *w = ((worker_start *)arg)->w;
    free(arg);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        zc_job *j;
        size_t first, count;
        if (!claim(p, &j, &first, &count)) {
            if (p->stopping) break;
            pthread_cond_wait(&p->work, &p->lock);
            continue;
        }
        bool skip = j->rc != 0;
        pthread_mutex_unlock(&p->lock);
        int rc = 0;
        zd_error err = {0};
        zc_status_note(0);
        if (!skip) rc = j->fn(w, first, count, j->arg, &err);
        pthread_mutex_lock(&p->lock);
        if (j->rc == 0 && !skip) j->status = zc_last_status();
        if (rc != 0 && j->rc == 0) {
            j->rc = rc;
            j->err = err;
        }
        j->finished += count;
        if (j->finished == j->nitems) pthread_cond_signal(&j->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Connection (opened on first use) and codec context of a new worker state. */
static int worker_init(zc_worker *w, const zc_conn_cfg *cfg, zd_error *err)
{
    zc_conn_init(&w->conn, cfg);
    int rc = zd_codec_ctx_new(&w->ctx);
    if (rc < 0) {
        zc_conn_free(&w->conn);
        return zd_error_set(err, rc, "cannot create a codec context");
    }
    return 0;
}

static void worker_free(zc_worker *w)
{
    zc_conn_free(&w->conn);
    zc_pipe_free(&w->pipe);
    zc_pipe_free(&w->inner);
    zd_codec_ctx_free(w->ctx);
    for (size_t i = 0; i < sizeof w->scratch / sizeof w->scratch[0]; i++)
        zd_buf_free(&w->scratch[i]);
}

void zc_pool_free(zc_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->threads[i], NULL);
    for (int i = 0; i < p->nworkers; i++)
        worker_free(&p->workers[i]);
    while (p->idle_callers) {
        caller_worker *cw = p->idle_callers;
        p->idle_callers = cw->next;
        worker_free(&cw->w);
        free(cw);
    }
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    free(p->threads);
    free(p->workers);
    free(p);
}

int zc_pool_new(const zc_conn_cfg *cfg, int n, zc_pool **out, zd_error *err)
{
    *out = NULL;
    zc_pool *p = calloc(1, sizeof *p);
    if (!p) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    p->cfg = cfg;
    p->max_batch = ZC_POOL_MAX_BATCH;
    p->threads = calloc((size_t)n, sizeof *p->threads);
    p->workers = calloc((size_t)n, sizeof *p->workers);
    int rc = p->threads && p->workers ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        zc_worker *w = &p->workers[i];
        if ((rc = worker_init(w, cfg, err)) < 0) break;
        worker_start *ws = malloc(sizeof *ws);
        if (!ws) {
            rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
            worker_free(w);
            break;
        }
        ws->pool = p;
        ws->w = w;
        if (pthread_create(&p->threads[i], NULL, worker_main, ws) != 0) {
            free(ws);
            rc = zd_error_set(err, ZD_ENOMEM, "cannot start worker thread");
            worker_free(w);
            break;
        }
        p->nworkers++;
    }
    if (rc < 0) {
        zc_pool_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void zc_pool_set_max_batch(zc_pool *p, size_t max_batch)
{
    pthread_mutex_lock(&p->lock);
    p->max_batch = max_batch ? max_batch : 1;
    pthread_mutex_unlock(&p->lock);
}

int zc_pool_size(const zc_pool *p)
{
    return p->nworkers;
}

typedef struct item_job {
    zc_item_fn fn;
    void *arg;
} item_job;

static int run_items(zc_worker *w, size_t first, size_t count, void *arg, zd_error *err)
{
    item_job *ij = arg;
    int rc = 0;
    for (size_t i = first; i < first + count && rc == 0; i++)
        rc = ij->fn(w, i, ij->arg, err);
    return rc;
}

int zc_pool_run(zc_pool *p, size_t nitems, zc_item_fn fn, void *arg, zd_error *err)
{
    item_job ij = {fn, arg};
    return zc_pool_run_batches(p, nitems, run_items, &ij, err);
}

/* An idle caller worker, or a new one; NULL when out of memory. */
static caller_worker *caller_get(zc_pool *p)
{
    pthread_mutex_lock(&p->lock);
    caller_worker *cw = p->idle_callers;
    if (cw) p->idle_callers = cw->next;
    pthread_mutex_unlock(&p->lock);
    if (cw) return cw;
    zd_error ignored = {0};
    cw = calloc(1, sizeof *cw);
    if (cw && worker_init(&cw->w, p->cfg, &ignored) < 0) {
        free(cw);
        cw = NULL;
    }
    return cw;
}

static void caller_put(zc_pool *p, caller_worker *cw)
{
    pthread_mutex_lock(&p->lock);
    cw->next = p->idle_callers;
    p->idle_callers = cw;
    pthread_mutex_unlock(&p->lock);
}

/* Run a job as one batch on the calling thread with the worker state cw. */
static int run_on_caller(zc_pool *p, caller_worker *cw, size_t nitems, zc_batch_fn fn, void *arg,
                         zd_error *err)
{
    zd_error e = {0};
    zc_status_note(0);
    int rc = fn(&cw->w, 0, nitems, arg, &e);
    caller_put(p, cw);
    if (rc != 0 && err) *err = e;
    return rc;
}

int zc_pool_run_here(zc_pool *p, size_t nitems, zc_batch_fn fn, void *arg, zd_error *err)
{
    if (nitems == 0) return 0;
    caller_worker *cw = caller_get(p);
    return cw ? run_on_caller(p, cw, nitems, fn, arg, err)
              : zc_pool_run_batches(p, nitems, fn, arg, err);
}

int zc_pool_run_batches(zc_pool *p, size_t nitems, zc_batch_fn fn, void *arg, zd_error *err)
{
    if (nitems == 0) return 0;
    /* One item gains nothing from another thread: run it here and save the two thread
     * switches of a hand-over (about 16 us of a 1-byte chunk's 60 us round trip). */
    caller_worker *cw = nitems == 1 ? caller_get(p) : NULL;
    if (cw) return run_on_caller(p, cw, 1, fn, arg, err);
    zc_job j = {.fn = fn, .arg = arg, .nitems = nitems};
    pthread_cond_init(&j.done, NULL);
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->queue_next = &j;
    else
        p->head = &j;
    p->tail = &j;
    if (nitems >= (size_t)p->nworkers)
        pthread_cond_broadcast(&p->work);
    else /* wake only as many workers as there are items */
        for (size_t i = 0; i < nitems; i++)
            pthread_cond_signal(&p->work);
    while (j.finished < j.nitems)
        pthread_cond_wait(&j.done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&j.done);
    zc_status_note(j.status); /* the workers' requests count as the caller's */
    if (j.rc != 0 && err) *err = j.err;
    return j.rc;
}
