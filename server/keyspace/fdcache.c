/* fdcache.c: the fs store's cache of open descriptors and metadata (see fdcache.h). The mutex
 * guards the slots only; entries are reference-counted with atomics, and the last reference,
 * taken anywhere, closes the descriptor outside the mutex. */
#include "fdcache.h"

#include "zd_error.h"
#include "zd_hash.h"

#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fc_entry {
    atomic_int refs; /* the table's slot holds one, each reader one */
    int fd;
    struct stat st;
    uint64_t filled_ms;
    uint64_t hash;
    size_t len;
    char key[];
};

static pthread_mutex_t fc_lock = PTHREAD_MUTEX_INITIALIZER;
static fc_entry **fc_slots; /* FC_SLOTS, or NULL while the cache is off */
static size_t fc_count;     /* entries in the slots */
static size_t fc_budget;    /* most entries: a quarter of the descriptor limit, <= FC_SLOTS */

static uint64_t fc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool fc_matches(const fc_entry *e, uint64_t h, const char *key, size_t len)
{
    return e && e->hash == h && e->len == len && memcmp(e->key, key, len) == 0;
}

int fc_start(void)
{
    fc_entry **s = calloc(FC_SLOTS, sizeof *s);
    if (!s) return ZD_ENOMEM;
    struct rlimit rl;
    size_t budget = FC_SLOTS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 4 < budget)
        budget = (size_t)(rl.rlim_cur / 4); /* the rest stays for connections and writes */
    pthread_mutex_lock(&fc_lock);
    fc_entry **old = fc_slots;
    fc_slots = s;
    fc_count = 0;
    fc_budget = budget;
    pthread_mutex_unlock(&fc_lock);
    free(old); /* a second start (tests) keeps nothing of the first: it was empty or stopped */
    return 0;
}

void fc_stop(void)
{
    pthread_mutex_lock(&fc_lock);
    fc_entry **s = fc_slots;
    fc_slots = NULL;
    pthread_mutex_unlock(&fc_lock);
    for (size_t i = 0; s && i < FC_SLOTS; i++)
        if (s[i]) fc_release(s[i]);
    free(s);
}

fc_entry *fc_lookup(const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    fc_entry *e = NULL, *stale = NULL;
    pthread_mutex_lock(&fc_lock);
    if (fc_slots) {
        fc_entry **slot = &fc_slots[h & (FC_SLOTS - 1)];
        if (fc_matches(*slot, h, key, len)) {
            e = *slot;
            if (fc_now_ms() - e->filled_ms >= FC_VALID_MS) { /* maybe edited behind our back */
                stale = e;
                e = *slot = NULL;
                fc_count--;
            } else {
                atomic_fetch_add(&e->refs, 1);
            }
        }
    }
    pthread_mutex_unlock(&fc_lock);
    if (stale) fc_release(stale);
    return e;
}

fc_entry *fc_insert(const char *key, size_t len, int fd, const struct stat *st)
{
    fc_entry *e = malloc(sizeof *e + len), *old = NULL;
    if (!e) return NULL;
    atomic_init(&e->refs, 2); /* the slot's and the caller's */
    e->fd = fd;
    e->st = *st;
    e->filled_ms = fc_now_ms();
    e->hash = zd_hash_mem(key, len);
    e->len = len;
    memcpy(e->key, key, len);
    pthread_mutex_lock(&fc_lock);
    bool on = false;
    if (fc_slots) {
        fc_entry **slot = &fc_slots[e->hash & (FC_SLOTS - 1)];
        old = *slot;
        on = old || fc_count < fc_budget;
        if (on) {
            *slot = e;
            fc_count += old ? 0 : 1;
        } else {
            old = NULL;
        }
    }
    pthread_mutex_unlock(&fc_lock);
    if (old) fc_release(old);
    if (!on) {
        free(e);
        return NULL;
    }
    return e;
}

void fc_forget(const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    fc_entry *e = NULL;
    pthread_mutex_lock(&fc_lock);
    if (fc_slots && fc_matches(fc_slots[h & (FC_SLOTS - 1)], h, key, len)) {
        e = fc_slots[h & (FC_SLOTS - 1)];
        fc_slots[h & (FC_SLOTS - 1)] = NULL;
        fc_count--;
    }
    pthread_mutex_unlock(&fc_lock);
    if (e) fc_release(e);
}

int fc_fd(const fc_entry *e)
{
    return e->fd;
}

const struct stat *fc_stat(const fc_entry *e)
{
    return &e->st;
}

void fc_release(fc_entry *e)
{
    if (atomic_fetch_sub(&e->refs, 1) == 1) {
        close(e->fd);
        free(e);
    }
}
