/* shard_cache.c: LRU cache of loaded shards (see shard_cache.h). A chained hash table finds
 * entries; a doubly linked list orders them from most to least recently used. One mutex
 * guards both; loading from disk happens outside it. */
#include "shard_cache.h"

#include "fdcache.h"
#include "shard_budget.h"
#include "shard_bytes.h"
#include "zd_hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sh_cache_entry {
    char *key;
    uint64_t hash;
    sh_file *file;
    int refs;
    bool detached;               /* no longer in the table: freed by its last user */
    bool charged;                /* its decoded index is counted in the shard index budget */
    _Atomic uint64_t checked_ms; /* when its file was last found current (fc_now_ms) */
    sh_bytes bytes;              /* its small inner chunks' bytes (shard_bytes.h) */
    sh_cache_entry *hnext;
    sh_cache_entry *prev, *next; /* LRU: head is most recent */
};

struct sh_cache {
    ks_root *ks;
    size_t capacity, count;
    uint64_t max_bytes, bytes; /* decoded indexes held, bounded too (an index can be 256 MiB) */
    size_t nbuckets;
    sh_cache_entry **buckets;
    sh_cache_entry *head, *tail;
    pthread_mutex_t mu;
};

/* Memory an entry holds for its decoded index. */
static uint64_t entry_bytes(const sh_cache_entry *e)
{
    return e->file->layout.nchunks * sizeof(zd_shard_entry);
}

int sh_cache_new(sh_cache **out, ks_root *ks, size_t capacity, uint64_t max_bytes)
{
    sh_cache *c = calloc(1, sizeof *c);
    if (!c) return ZD_ENOMEM;
    c->ks = ks;
    c->capacity = capacity ? capacity : 1;
    c->max_bytes = max_bytes;
    c->nbuckets = 1;
    while (c->nbuckets < c->capacity * 2)
        c->nbuckets *= 2;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    if (!c->buckets) {
        free(c);
        return ZD_ENOMEM;
    }
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

static void entry_free(sh_cache_entry *e)
{
    if (e->charged) sh_budget_give(entry_bytes(e));
    sh_bytes_clear(&e->bytes);
    sh_file_free(e->file);
    free(e->key);
    free(e);
}

static void lru_unlink(sh_cache *c, sh_cache_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(sh_cache *c, sh_cache_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head) c->head->prev = e;
    c->head = e;
    if (!c->tail) c->tail = e;
}

static sh_cache_entry *find(sh_cache *c, const char *key, uint64_t h)
{
    for (sh_cache_entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0) return e;
    return NULL;
}

/* Take e out of the table and the LRU; free it unless in use. Caller holds mu. */
static void detach(sh_cache *c, sh_cache_entry *e)
{
    sh_cache_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(c, e);
    c->count--;
    c->bytes -= entry_bytes(e);
    e->detached = true;
    if (e->refs == 0) entry_free(e);
}

static void evict(sh_cache *c)
{
    for (sh_cache_entry *e = c->tail; e && (c->count > c->capacity || c->bytes > c->max_bytes);) {
        sh_cache_entry *prev = e->prev;
        if (e->refs == 0) detach(c, e);
        e = prev;
    }
}

/* Evict unused entries, least recently used first, until `want` bytes are freed. Caller holds
 * mu. Returns the bytes freed. */
static uint64_t evict_bytes(sh_cache *c, uint64_t want)
{
    uint64_t freed = 0;
    for (sh_cache_entry *e = c->tail; e && freed < want;) {
        sh_cache_entry *prev = e->prev;
        if (e->refs == 0) {
            freed += entry_bytes(e);
            detach(c, e);
        }
        e = prev;
    }
    return freed;
}

/* Cache e if its decoded index fits the shard index budget (making room from unused entries
 * first); otherwise e stays uncached and is freed by its last user. Caller holds mu. */
static void insert(sh_cache *c, sh_cache_entry *e)
{
    if (!sh_budget_take(entry_bytes(e)) &&
        (evict_bytes(c, entry_bytes(e)) == 0 || !sh_budget_take(entry_bytes(e)))) {
        e->detached = true;
        return;
    }
    e->charged = true;
    sh_cache_entry **b = &c->buckets[e->hash & (c->nbuckets - 1)];
    e->hnext = *b;
    *b = e;
    lru_push_front(c, e);
    c->count++;
    c->bytes += entry_bytes(e);
}

/* Whether e's file may still be used: checked now, or recently enough for a read. */
static bool entry_current(sh_cache *c, sh_cache_entry *e, const char *key, sh_use use)
{
    uint64_t now = fc_now_ms();
    if (use == SH_FOR_READ &&
        now - atomic_load_explicit(&e->checked_ms, memory_order_relaxed) < FC_VALID_MS)
        return true;
    if (!sh_file_is_current(e->file, c->ks, key)) return false;
    atomic_store_explicit(&e->checked_ms, now, memory_order_relaxed);
    return true;
}

int sh_cache_acquire(sh_cache *c, const char *key, const zd_shard_layout *l, sh_use use,
                     sh_cache_entry **entry, sh_file **file, zd_error *err)
{
    uint64_t h = zd_hash_str(key);
    pthread_mutex_lock(&c->mu);
    sh_cache_entry *e = find(c, key, h);
    if (e && !zd_shard_layout_equal(&e->file->layout, l)) {
        detach(c, e);
        e = NULL;
    }
    if (e) {
        e->refs++;
        lru_unlink(c, e);
        lru_push_front(c, e);
    }
    pthread_mutex_unlock(&c->mu);
    if (e && entry_current(c, e, key, use)) {
        if (use == SH_FOR_CHANGE) sh_bytes_clear(&e->bytes); /* no reader: the key is locked */
        *entry = e;
        *file = e->file;
        return 0;
    }
    if (e) { /* replaced or deleted by a plain write: forget it */
        pthread_mutex_lock(&c->mu);
        if (!e->detached) detach(c, e);
        pthread_mutex_unlock(&c->mu);
        sh_cache_release(c, e);
    }

    sh_cache_entry *fresh = calloc(1, sizeof *fresh);
    if (!fresh || !(fresh->key = strdup(key))) {
        free(fresh);
        return zd_error_set(err, ZD_ENOMEM, "no memory for a cached shard");
    }
    fresh->hash = h;
    atomic_init(&fresh->checked_ms, fc_now_ms());
    int rc = sh_file_load(c->ks, key, l, &fresh->file, err);
    if (rc) {
        free(fresh->key);
        free(fresh);
        return rc;
    }
    fresh->bytes.nslots = l->nchunks;
    pthread_mutex_lock(&c->mu);
    e = find(c, key, h); /* a concurrent reader may have loaded it meanwhile */
    if (e && zd_shard_layout_equal(&e->file->layout, l)) {
        entry_free(fresh);
    } else {
        if (e) detach(c, e);
        e = fresh;
        insert(c, e);
    }
    e->refs++;
    evict(c);
    pthread_mutex_unlock(&c->mu);
    *entry = e;
    *file = e->file;
    return 0;
}

sh_bytes *sh_cache_bytes(sh_cache_entry *e)
{
    return &e->bytes;
}

void sh_cache_release(sh_cache *c, sh_cache_entry *e)
{
    pthread_mutex_lock(&c->mu);
    if (--e->refs == 0 && e->detached)
        entry_free(e);
    else if (e->refs == 0)
        evict(c);
    pthread_mutex_unlock(&c->mu);
}

uint64_t sh_cache_trim(sh_cache *c, uint64_t want)
{
    pthread_mutex_lock(&c->mu);
    uint64_t freed = evict_bytes(c, want);
    pthread_mutex_unlock(&c->mu);
    return freed;
}

void sh_cache_drop(sh_cache *c, const char *key)
{
    pthread_mutex_lock(&c->mu);
    sh_cache_entry *e = find(c, key, zd_hash_str(key));
    if (e) detach(c, e);
    pthread_mutex_unlock(&c->mu);
}

void sh_cache_free(sh_cache *c)
{
    if (!c) return;
    while (c->head)
        detach(c, c->head);
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
