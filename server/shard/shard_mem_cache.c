/* shard_mem_cache.c: decoded memory-store shards by key and ETag (see shard_mem_cache.h). */
#include "shard_mem_cache.h"

#include "shard_budget.h"
#include "zd_hash.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS           64 /* power of two */
#define MAX_INDEX_BYTES ((uint64_t)4 << 20)

struct sh_mem_cached {
    atomic_long refs;
    const st_store *store;
    char etag[ST_ETAG_MAX];
    sh_file *f;
    char key[];
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static sh_mem_cached *slots[SLOTS];

static size_t slot_of(const char *key)
{
    uint64_t h = zd_hash_str(key);
    return (size_t)(h ^ (h >> 32)) & (SLOTS - 1);
}

void sh_mem_cache_release(const sh_mem_cached *c)
{
    sh_mem_cached *m = (sh_mem_cached *)c;
    if (m && atomic_fetch_sub(&m->refs, 1) == 1) {
        sh_budget_give(m->f->layout.nchunks * 16);
        sh_file_free(m->f);
        free(m);
    }
}

const sh_file *sh_mem_cached_file(const sh_mem_cached *c)
{
    return c->f;
}

const sh_mem_cached *sh_mem_cache_find(const st_store *s, const char *key, const char *etag,
                                       const zd_shard_layout *l)
{
    pthread_mutex_lock(&cache_mu);
    sh_mem_cached *c = slots[slot_of(key)];
    if (c && (c->store != s || strcmp(c->key, key) != 0 || strcmp(c->etag, etag) != 0 ||
              !zd_shard_layout_equal(&c->f->layout, l)))
        c = NULL;
    if (c) atomic_fetch_add(&c->refs, 1);
    pthread_mutex_unlock(&cache_mu);
    return c;
}

void sh_mem_cache_store(const st_store *s, const char *key, const char *etag, sh_file *f)
{
    size_t klen = strlen(key);
    sh_mem_cached *c = NULL;
    uint64_t bytes = f->layout.nchunks * 16;
    if (bytes <= MAX_INDEX_BYTES && sh_budget_take(bytes)) {
        c = malloc(sizeof *c + klen + 1);
        if (!c) sh_budget_give(bytes);
    }
    if (!c) {
        sh_file_free(f);
        return;
    }
    atomic_init(&c->refs, 1);
    c->store = s;
    snprintf(c->etag, sizeof c->etag, "%s", etag);
    c->f = f;
    memcpy(c->key, key, klen + 1);
    pthread_mutex_lock(&cache_mu);
    size_t i = slot_of(key);
    sh_mem_cached *old = slots[i];
    slots[i] = c;
    pthread_mutex_unlock(&cache_mu);
    sh_mem_cache_release(old);
}

uint64_t sh_mem_cache_trim(void)
{
    sh_mem_cached *old[SLOTS];
    uint64_t bytes = 0;
    pthread_mutex_lock(&cache_mu);
    for (size_t i = 0; i < SLOTS; i++) {
        old[i] = slots[i];
        slots[i] = NULL;
        if (old[i]) bytes += old[i]->f->layout.nchunks * 16;
    }
    pthread_mutex_unlock(&cache_mu);
    for (size_t i = 0; i < SLOTS; i++)
        sh_mem_cache_release(old[i]);
    return bytes;
}
