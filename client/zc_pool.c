/* zc_pool.c: worker threads and the job queue (see zc_pool.h). */
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

struct zc_pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued or the pool is stopping */
    zc_job *head, *tail;
    bool stopping;
    int nworkers;
    size_t max_batch;
    pthread_t *threads;
    zc_worker *workers;
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

static void worker_free(zc_worker *w)
{
    zc_conn_free(&w->conn);
    zc_pipe_free(&w->pipe);
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
    p->max_batch = ZC_POOL_MAX_BATCH;
    p->threads = calloc((size_t)n, sizeof *p->threads);
    p->workers = calloc((size_t)n, sizeof *p->workers);
    int rc = p->threads && p->workers ? 0 : zd_error_set(err, ZD_ENOMEM, "out of memory");
    for (int i = 0; rc == 0 && i < n; i++) {
        zc_worker *w = &p->workers[i];
        zc_conn_init(&w->conn, cfg);
        if ((rc = zd_codec_ctx_new(&w->ctx)) < 0) {
            zd_error_set(err, rc, "cannot create a codec context");
            break;
        }
        worker_start *ws = malloc(sizeof *ws);
        if (!ws) {
            rc = zd_error_set(err, ZD_ENOMEM, "out of memory");
            zc_conn_free(&w->conn);
            zd_codec_ctx_free(w->ctx);
            break;
        }
        ws->pool = p;
        ws->w = w;
        if (pthread_create(&p->threads[i], NULL, worker_main, ws) != 0) {
            free(ws);
            rc = zd_error_set(err, ZD_ENOMEM, "cannot start worker thread");
            zc_conn_free(&w->conn);
            zd_codec_ctx_free(w->ctx);
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

int zc_pool_run_batches(zc_pool *p, size_t nitems, zc_batch_fn fn, void *arg, zd_error *err)
{
    if (nitems == 0) return 0;
    zc_job j = {.fn = fn, .arg = arg, .nitems = nitems};
    pthread_cond_init(&j.done, NULL);
    pthread_mutex_lock(&p->lock);
    if (p->tail)
        p->tail->queue_next = &j;
    else
        p->head = &j;
    p->tail = &j;
    pthread_cond_broadcast(&p->work);
    while (j.finished < j.nitems)
        pthread_cond_wait(&j.done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    pthread_cond_destroy(&j.done);
    zc_status_note(j.status); /* the workers' requests count as the caller's */
    if (j.rc != 0 && err) *err = j.err;
    return j.rc;
}
