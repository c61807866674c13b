/* test_ks_group.c: the group commit (server/keyspace/ks_group.h). Writers that finish a write,
 * take a ticket and wait must only return once a sync that began after their write has
 * completed; concurrent writers share syncs; a failed sync fails exactly the tickets it
 * covered. The sync here is a model: it notes how many writes were done when it began and,
 * once it "completes", publishes that number as durable. */
#include <criterion/criterion.h>

#include "ks_group.h"
#include "zd_error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static atomic_ulong written; /* writes done so far (each writer's write bumps it) */
static atomic_ulong durable; /* writes covered by a completed sync */
static atomic_int fail_next; /* the next sync fails */
static atomic_int in_sync;   /* concurrent syncs (must never exceed 1) */

static int model_sync(void *ctx)
{
    (void)ctx;
    cr_assert_eq(atomic_fetch_add(&in_sync, 1), 0, "two syncs ran at once");
    unsigned long covers = atomic_load(&written);
    nanosleep(&(struct timespec){0, 200 * 1000}, NULL); /* a disk takes a while */
    int rc = atomic_exchange(&fail_next, 0) ? ZD_EIO : 0;
    if (!rc) {
        unsigned long d = atomic_load(&durable);
        while (d < covers && !atomic_compare_exchange_weak(&durable, &d, covers)) {
        }
    }
    atomic_fetch_sub(&in_sync, 1);
    return rc;
}

typedef struct writer_arg {
    ks_group *g;
    int rounds;
} writer_arg;

static void *writer(void *p)
{
    writer_arg *a = p;
    for (int i = 0; i < a->rounds; i++) {
        unsigned long mine = atomic_fetch_add(&written, 1) + 1; /* my write is done */
        cr_assert_eq(ks_group_wait(a->g, ks_group_ticket(a->g)), 0);
        cr_assert_geq(atomic_load(&durable), mine, "returned before a sync covered write %lu",
                      mine);
    }
    return NULL;
}

Test(ks_group, waiters_return_only_after_a_sync_that_covers_them)
{
    ks_group *g;
    cr_assert_eq(ks_group_new(&g, model_sync, NULL), 0);
    enum { THREADS = 8, ROUNDS = 200 };
    pthread_t t[THREADS];
    writer_arg a = {g, ROUNDS};
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, writer, &a);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    uint64_t syncs = ks_group_syncs(g);
    cr_log_info("%d waits, %llu syncs", THREADS * ROUNDS, (unsigned long long)syncs);
    cr_assert_lt(syncs, THREADS * ROUNDS / 2, "%llu syncs for %d waits: no grouping",
                 (unsigned long long)syncs, THREADS * ROUNDS);
    ks_group_free(g);
}

Test(ks_group, an_idle_writer_pays_one_sync)
{
    ks_group *g;
    cr_assert_eq(ks_group_new(&g, model_sync, NULL), 0);
    atomic_fetch_add(&written, 1);
    cr_assert_eq(ks_group_wait(g, ks_group_ticket(g)), 0);
    cr_assert_eq(ks_group_syncs(g), 1);
    cr_assert_eq(ks_group_wait(g, ks_group_ticket(g)), 0); /* a new ticket: a new sync */
    cr_assert_eq(ks_group_syncs(g), 2);
    ks_group_free(g);
}

Test(ks_group, a_failed_sync_fails_the_tickets_it_covered)
{
    ks_group *g;
    cr_assert_eq(ks_group_new(&g, model_sync, NULL), 0);
    uint64_t t1 = ks_group_ticket(g);
    atomic_store(&fail_next, 1);
    cr_assert_eq(ks_group_wait(g, t1), ZD_EIO);
    cr_assert_eq(ks_group_wait(g, t1), ZD_EIO, "a later look at a failed ticket succeeded");
    uint64_t t2 = ks_group_ticket(g); /* written after the failure: a new sync */
    cr_assert_eq(ks_group_wait(g, t2), 0);
    ks_group_free(g);
}
