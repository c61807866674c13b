/* test_pool.c: unit tests for the client's worker pool: every item runs exactly once, the
 * first failure is reported and the rest of the job skipped, jobs from several threads are
 * all served, workers keep their own state, and a one-item job (or one run "here") runs on
 * the calling thread with state of its own. No server is needed (no item talks HTTP). */
#include <criterion/criterion.h>

#include "zc_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static zc_conn_cfg cfg; /* connections are opened lazily: never, here */

static int count_item(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)w;
    (void)err;
    __atomic_add_fetch(&((int *)arg)[i], 1, __ATOMIC_RELAXED);
    return 0;
}

Test(pool, every_item_runs_once)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 3, &p, NULL), 0);
    cr_assert_eq(zc_pool_size(p), 3);
    size_t n = 100003;
    int *hits = calloc(n, sizeof *hits);
    cr_assert_eq(zc_pool_run(p, n, count_item, hits, NULL), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(hits[i], 1, "item %zu ran %d times", i, hits[i]);
    cr_assert_eq(zc_pool_run(p, 0, count_item, hits, NULL), 0);
    free(hits);
    zc_pool_free(p);
}

struct fail_arg {
    size_t fail_at;
    int ran;
};

static int fail_item(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)w;
    struct fail_arg *a = arg;
    __atomic_add_fetch(&a->ran, 1, __ATOMIC_RELAXED);
    if (i == a->fail_at) return zd_error_set(err, ZD_ECORRUPT, "item %zu is bad", i);
    return 0;
}

Test(pool, first_failure_is_reported_and_the_rest_skipped)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 2, &p, NULL), 0);
    zc_pool_set_max_batch(p, 1);
    struct fail_arg a = {.fail_at = 0};
    zd_error err = {0};
    cr_assert_eq(zc_pool_run(p, 1000000, fail_item, &a, &err), ZD_ECORRUPT);
    cr_assert_str_eq(err.msg, "item 0 is bad");
    cr_assert_lt(a.ran, 1000000, "items after the failure were skipped");
    /* the pool stays usable */
    int hits[10] = {0};
    cr_assert_eq(zc_pool_run(p, 10, count_item, hits, NULL), 0);
    zc_pool_free(p);
}

struct caller {
    zc_pool *p;
    size_t id; /* 1, 2, ... */
    int hits[5000];
    int rc;
    zd_error err;
};

/* Run fn(&c[i]) on n threads at once, c[i] emptied but for the pool and its id, and wait. */
static void run_callers(zc_pool *p, struct caller *c, int n, void *(*fn)(void *))
{
    pthread_t t[8];
    cr_assert_leq(n, 8);
    for (int i = 0; i < n; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].p = p;
        c[i].id = (size_t)i + 1;
        cr_assert_eq(pthread_create(&t[i], NULL, fn, &c[i]), 0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

static void *call(void *arg)
{
    struct caller *c = arg;
    for (int r = 0; r < 20 && c->rc == 0; r++)
        c->rc = zc_pool_run(c->p, 5000, count_item, c->hits, NULL);
    return NULL;
}

Test(pool, jobs_from_several_threads)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 2, &p, NULL), 0);
    static struct caller c[4];
    run_callers(p, c, 4, call);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(c[i].rc, 0);
        for (int k = 0; k < 5000; k++)
            cr_assert_eq(c[i].hits[k], 20);
    }
    zc_pool_free(p);
}

static int own_scratch(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)arg;
    /* a worker's scratch is its own: what it wrote is still there when it checks */
    if (zd_buf_reserve(&w->scratch[0], 8) < 0) return zd_error_set(err, ZD_ENOMEM, "oom");
    memcpy(w->scratch[0].data, &i, sizeof i);
    for (volatile int k = 0; k < 100; k++)
        ;
    size_t back;
    memcpy(&back, w->scratch[0].data, sizeof back);
    return back == i ? 0 : zd_error_set(err, ZD_EIO, "scratch shared between workers");
}

Test(pool, workers_have_their_own_state)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 4, &p, NULL), 0);
    zd_error err = {0};
    cr_assert_eq(zc_pool_run(p, 200000, own_scratch, NULL, &err), 0, "%s", err.msg);
    zc_pool_free(p);
}

static int note_thread(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)w;
    (void)err;
    ((pthread_t *)arg)[i] = pthread_self();
    return 0;
}

/* A one-item job (one chunk) runs on the calling thread: handing it to a worker would only add
 * two thread switches. Bigger jobs still go to the workers. */
Test(pool, one_item_runs_on_the_calling_thread)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 2, &p, NULL), 0);
    pthread_t ran[64];
    cr_assert_eq(zc_pool_run(p, 1, note_thread, ran, NULL), 0);
    cr_assert(pthread_equal(ran[0], pthread_self()), "a one-item job ran on a worker");
    cr_assert_eq(zc_pool_run(p, 64, note_thread, ran, NULL), 0);
    for (int i = 0; i < 64; i++)
        cr_assert(!pthread_equal(ran[i], pthread_self()), "item %d of 64 ran on the caller", i);
    struct fail_arg a = {.fail_at = 0};
    zd_error err = {0};
    cr_assert_eq(zc_pool_run(p, 1, fail_item, &a, &err), ZD_ECORRUPT);
    cr_assert_str_eq(err.msg, "item 0 is bad");
    cr_assert_eq(a.ran, 1);
    zc_pool_free(p);
}

/* One batch of all the items, and the thread it ran on. */
struct here_arg {
    size_t batches, first, count;
    pthread_t thread;
};

static int note_batch(zc_worker *w, size_t first, size_t count, void *arg, zd_error *err)
{
    (void)w;
    (void)err;
    struct here_arg *h = arg;
    __atomic_add_fetch(&h->batches, 1, __ATOMIC_RELAXED);
    h->first = first;
    h->count = count;
    h->thread = pthread_self();
    return 0;
}

/* A job its caller asks to run here is one batch of all its items on the calling thread (a
 * small array read: its requests pipelined on one connection, no hand-over). */
Test(pool, a_job_run_here_is_one_batch_on_the_calling_thread)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 2, &p, NULL), 0);
    struct here_arg h = {0};
    cr_assert_eq(zc_pool_run_here(p, 11, note_batch, &h, NULL), 0);
    cr_assert_eq(h.batches, 1, "%zu batches", h.batches);
    cr_assert_eq(h.first, 0);
    cr_assert_eq(h.count, 11);
    cr_assert(pthread_equal(h.thread, pthread_self()), "the job ran on a worker");
    zc_pool_free(p);
}

/* own_scratch for callers: the one item of every call is item 0, so the value written is the
 * calling thread's id. */
static int caller_scratch(zc_worker *w, size_t i, void *arg, zd_error *err)
{
    (void)i;
    return own_scratch(w, ((struct caller *)arg)->id, NULL, err);
}

static void *call_one_item_jobs(void *arg)
{
    struct caller *c = arg;
    for (int r = 0; r < 20000 && c->rc == 0; r++)
        c->rc = zc_pool_run(c->p, 1, caller_scratch, c, &c->err);
    return NULL;
}

/* Threads that run one-item jobs at the same time each get worker state of their own. */
Test(pool, one_item_jobs_of_several_threads_have_their_own_state)
{
    zc_pool *p;
    cr_assert_eq(zc_pool_new(&cfg, 1, &p, NULL), 0);
    static struct caller c[4];
    run_callers(p, c, 4, call_one_item_jobs);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(c[i].rc, 0, "%s", c[i].err.msg);
    zc_pool_free(p);
}
