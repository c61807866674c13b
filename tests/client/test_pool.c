/* test_pool.c: unit tests for the client's worker pool: every item runs exactly once, the
 * first failure is reported and the rest of the job skipped, jobs from several threads are
 * all served, and workers keep their own state. No server is needed (no item talks HTTP). */
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
    int hits[5000];
    int rc;
};

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
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        memset(&c[i], 0, sizeof c[i]);
        c[i].p = p;
        cr_assert_eq(pthread_create(&t[i], NULL, call, &c[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
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
