/* store_mem_iter.c: the memory store's lazy walk in byte order (st_iter, see store.h) over
 * its ordered index (store_mem_index.h). The walk holds no lock between calls: each next()
 * takes the read lock, finds the first key after the last one it returned (or after the
 * seek bound) in O(log n), copies it out and lets go, so writers are never held up by a
 * listing and a key added or removed meanwhile is simply seen or not. */
#include "store_mem_internal.h"

#include "zd_error.h"
#include "zd_limits.h"

#include <stdlib.h>
#include <string.h>

typedef struct mem_iter {
    st_iter base;
    mem_store *s;
    size_t plen;
    size_t blen;      /* the bound: continue after key[0..blen) */
    bool past_prefix; /* ... and after every key that starts with it */
    bool started;     /* a bound is set (else: from the first key of the prefix) */
    char prefix[ZD_MAX_KEY + 1];
    char key[ZD_MAX_KEY + 1]; /* the bound, then the key returned */
} mem_iter;

/* The end of the reserved segment in key[0..len), or 0 if none. */
static size_t mem_reserved_end(const char *key, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *slash = memchr(key + i, '/', len - i);
        size_t end = slash ? (size_t)(slash - key) + 1 : len;
        if (end - i >= ST_RESERVED_PREFIX_LEN &&
            memcmp(key + i, ST_RESERVED_PREFIX, ST_RESERVED_PREFIX_LEN) == 0)
            return end;
        i = end;
    }
    return 0;
}

static int mem_iter_next(st_iter *base, st_item *out)
{
    mem_iter *it = (mem_iter *)base;
    mem_store *s = it->s;
    pthread_rwlock_rdlock(&s->lock);
    for (;;) {
        const mi_node *n = it->started ? mi_after(&s->order, it->key, it->blen, it->past_prefix)
                                       : mi_from(&s->order, it->prefix, it->plen);
        if (!n || n->len < it->plen || memcmp(n->key, it->prefix, it->plen) != 0) {
            pthread_rwlock_unlock(&s->lock);
            return 0;
        }
        memcpy(it->key, n->key, n->len);
        it->blen = n->len;
        it->started = true;
        size_t reserved = mem_reserved_end(n->key, n->len);
        it->past_prefix = reserved != 0;
        if (reserved) { /* the server's own keys: skip the whole reserved segment */
            it->blen = reserved;
            continue;
        }
        mem_stat_of(((const mem_ent *)n->item)->val, &out->stat);
        break;
    }
    pthread_rwlock_unlock(&s->lock);
    out->key = it->key;
    out->len = it->blen;
    return 1;
}

static int mem_iter_seek(st_iter *base, const char *key, size_t len, bool past_prefix)
{
    mem_iter *it = (mem_iter *)base;
    if (len > ZD_MAX_KEY) return ZD_EINVAL;
    memcpy(it->key, key, len);
    it->blen = len;
    it->past_prefix = past_prefix;
    it->started = true;
    return 0;
}

static void mem_iter_close(st_iter *base)
{
    free(base);
}

int mem_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out)
{
    if (len > ZD_MAX_KEY) return ZD_EINVAL;
    mem_iter *it = calloc(1, sizeof *it);
    if (!it) return ZD_ENOMEM;
    it->base = (st_iter){.next = mem_iter_next, .seek = mem_iter_seek, .close = mem_iter_close};
    it->s = (mem_store *)base;
    memcpy(it->prefix, prefix, len);
    it->plen = len;
    *out = &it->base;
    return 0;
}
