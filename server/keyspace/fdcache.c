/* fdcache.c: the fs store's cache of open descriptors and metadata (see fdcache.h). The mutex
 * guards the slots only; entries are reference-counted with atomics, and the last reference,
 * dropped anywhere, closes the descriptor outside the mutex. The slots are sets of FC_WAYS
 * (set-associative): with one slot per hash, about a fifth of 1,000 hot keys in 4,096 slots
 * shared a slot and evicted each other on every pass; in sets of 4, about 4 of 1,000 random
 * keys find their set full. */
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
    atomic_int refs;         /* the table's slot holds one, each reader one */
    atomic_bool no_meta;     /* the file was found to carry no metadata (fc_no_meta) */
    _Atomic(uint8_t *) body; /* a copy of the whole value (fc_body), or NULL */
    int fd;
    struct stat st;
    uint64_t filled_ms;
    uint64_t hash;
    size_t len;
    char key[];
};

struct fc_cache {
    pthread_mutex_t lock;
    kl_table *keys;
    size_t count;  /* entries in the slots */
    size_t budget; /* most entries: a quarter of the descriptor limit, at most FC_SLOTS */
    fc_entry *slots[FC_SLOTS]; /* set i: slots[i * FC_WAYS .. (i + 1) * FC_WAYS) */
};

#define FC_WAYS 4 /* slots per set */

/* The first slot of the set of hash h. */
static fc_entry **fc_set(fc_cache *c, uint64_t h)
{
    return &c->slots[(h & (FC_SLOTS / FC_WAYS - 1)) * FC_WAYS];
}

/* The slot of set `set` holding key, or NULL. */
static fc_entry **fc_find(fc_entry **set, uint64_t h, const char *key, size_t len);

uint64_t fc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool fc_matches(const fc_entry *e, uint64_t h, const char *key, size_t len)
{
    return e && e->hash == h && e->len == len && memcmp(e->key, key, len) == 0;
}

static fc_entry **fc_find(fc_entry **set, uint64_t h, const char *key, size_t len)
{
    for (int i = 0; i < FC_WAYS; i++)
        if (fc_matches(set[i], h, key, len)) return &set[i];
    return NULL;
}

/* Where key's new entry goes in its set: its old entry's slot, else an empty one, else the
 * slot of the entry filled longest ago. */
static fc_entry **fc_place(fc_entry **set, uint64_t h, const char *key, size_t len)
{
    fc_entry **slot = fc_find(set, h, key, len);
    if (slot) return slot;
    slot = &set[0];
    for (int i = 0; i < FC_WAYS && *slot; i++)
        if (!set[i] || set[i]->filled_ms < (*slot)->filled_ms) slot = &set[i];
    return slot;
}

static int fc_on_change(void *ctx, const char *key, zd_error *err)
{
    (void)err;
    fc_forget(ctx, key, strlen(key));
    return 0;
}

int fc_new(kl_table *keys, fc_cache **out)
{
    fc_cache *c = calloc(1, sizeof *c);
    if (!c) return ZD_ENOMEM;
    c->budget = FC_SLOTS;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 4 < c->budget)
        c->budget = (size_t)(rl.rlim_cur / 4); /* the rest stays for connections and writes */
    pthread_mutex_init(&c->lock, NULL);
    c->keys = keys;
    int rc = kl_watch(keys, &(kl_watcher){.before = fc_on_change, .ctx = c});
    if (rc) {
        pthread_mutex_destroy(&c->lock);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void fc_free(fc_cache *c)
{
    if (!c) return;
    kl_unwatch(c->keys, c);
    for (size_t i = 0; i < FC_SLOTS; i++)
        if (c->slots[i]) fc_release(c->slots[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

fc_entry *fc_lookup(fc_cache *c, const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    fc_entry *e = NULL, *stale = NULL;
    pthread_mutex_lock(&c->lock);
    fc_entry **slot = fc_find(fc_set(c, h), h, key, len);
    if (slot) {
        e = *slot;
        if (fc_now_ms() - e->filled_ms >= FC_VALID_MS) { /* maybe edited behind our back */
            stale = e;
            e = *slot = NULL;
            c->count--;
        } else {
            atomic_fetch_add(&e->refs, 1);
        }
    }
    pthread_mutex_unlock(&c->lock);
    if (stale) fc_release(stale);
    return e;
}

fc_entry *fc_insert(fc_cache *c, const char *key, size_t len, int fd, const struct stat *st)
{
    fc_entry *e = malloc(sizeof *e + len), *old;
    if (!e) return NULL;
    atomic_init(&e->refs, 2); /* the slot's and the caller's */
    atomic_init(&e->no_meta, false);
    atomic_init(&e->body, NULL);
    e->fd = fd;
    e->st = *st;
    e->filled_ms = fc_now_ms();
    e->hash = zd_hash_mem(key, len);
    e->len = len;
    memcpy(e->key, key, len);
    pthread_mutex_lock(&c->lock);
    fc_entry **slot = fc_place(fc_set(c, e->hash), e->hash, key, len);
    old = *slot;
    bool room = old || c->count < c->budget;
    if (room) {
        *slot = e;
        c->count += old ? 0 : 1;
    }
    pthread_mutex_unlock(&c->lock);
    if (!room) {
        free(e);
        return NULL;
    }
    if (old) fc_release(old);
    return e;
}

void fc_forget(fc_cache *c, const char *key, size_t len)
{
    uint64_t h = zd_hash_mem(key, len);
    fc_entry *e = NULL;
    pthread_mutex_lock(&c->lock);
    fc_entry **slot = fc_find(fc_set(c, h), h, key, len);
    if (slot) {
        e = *slot;
        *slot = NULL;
        c->count--;
    }
    pthread_mutex_unlock(&c->lock);
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

bool fc_no_meta(const fc_entry *e)
{
    return atomic_load_explicit(&e->no_meta, memory_order_relaxed);
}

void fc_set_no_meta(fc_entry *e)
{
    atomic_store_explicit(&e->no_meta, true, memory_order_relaxed);
}

/* Bytes of values held by entries, process-wide (entries outlive their cache's table while
 * readers hold them, so the count is not the table's). */
static atomic_size_t fc_body_bytes;

const uint8_t *fc_body(const fc_entry *e)
{
    return atomic_load_explicit(&e->body, memory_order_acquire);
}

void fc_set_body(fc_entry *e, const void *bytes)
{
    size_t n = (size_t)e->st.st_size;
    if (n == 0 || n > FC_BODY_MAX || atomic_load_explicit(&e->body, memory_order_relaxed)) return;
    if (atomic_fetch_add(&fc_body_bytes, n) + n > FC_BODY_ALL) {
        atomic_fetch_sub(&fc_body_bytes, n);
        return;
    }
    uint8_t *copy = malloc(n), *none = NULL;
    if (copy) memcpy(copy, bytes, n);
    if (!copy || !atomic_compare_exchange_strong(&e->body, &none, copy)) {
        free(copy);
        atomic_fetch_sub(&fc_body_bytes, n);
    }
}

void fc_release(fc_entry *e)
{
    if (atomic_fetch_sub(&e->refs, 1) == 1) {
        uint8_t *body = atomic_load_explicit(&e->body, memory_order_acquire);
        if (body) {
            free(body);
            atomic_fetch_sub(&fc_body_bytes, (size_t)e->st.st_size);
        }
        close(e->fd);
        free(e);
    }
}
