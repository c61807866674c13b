/* store_mem_internal.h: what the memory store's files (store_mem.c, store_mem_col.c,
 * store_mem_iter.c) share: the table, its entries, the ordered index of its keys and the
 * helpers that keep the directory entries counted and the index in step. Every
 * helper expects the table lock held (for writing when it changes anything). */
#ifndef ZS_STORE_MEM_INTERNAL_H
#define ZS_STORE_MEM_INTERNAL_H

#include "store.h"
#include "store_mem_index.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The hidden entry below a made collection (store.h) that keeps it while it is empty: a
 * reserved name, so no request can name it, and listings skip it. */
#define MEM_COL_MARK ST_RESERVED_PREFIX "collection"

typedef struct mem_val {
    atomic_long refs;
    uint8_t *data;
    size_t len;
    uint64_t mtime_ns; /* when this value was made (Last-Modified) */
    st_meta *meta;     /* immutable like the bytes, or NULL */
    char etag[ST_ETAG_MAX];
} mem_val;

typedef struct mem_ent {
    struct mem_ent *next;
    mem_val *val; /* NULL: a directory entry */
    size_t below; /* directory: values below it */
    size_t klen;
    char key[];
} mem_ent;

typedef struct mem_store {
    st_store base;
    pthread_rwlock_t lock;
    mem_ent **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    mem_index order; /* the keys of values, in byte order (the walk, store_mem_iter.c) */
    _Atomic uint64_t gen;
} mem_store;

/* Drop a reference to a value (NULL is fine). */
void mem_unref(mem_val *v);

/* A new value owning data (taken from the caller); NULL when out of memory. */
mem_val *mem_val_new(mem_store *s, uint8_t *data, size_t len);

/* The slot pointing at key's entry (or the NULL slot at its bucket's end). */
mem_ent **mem_find(mem_store *s, const char *key, size_t len);

void mem_stat_of(const mem_val *v, st_stat *out);

/* The value entry at key, or NULL (absent or a directory). */
mem_ent *mem_value_at(mem_store *s, const char *key, size_t len);

/* Remove the entry at slot p (its value unreferenced). */
void mem_ent_unlink(mem_store *s, mem_ent **p);

/* Count a value at key in (delta 1) or out of (delta -1) the directory entries of its parent
 * prefixes, creating and removing them. On ZD_ENOMEM nothing has changed. */
int mem_dirs_adjust(mem_store *s, const char *key, size_t len, int delta);

/* Would a value at key make a name both a value and a directory? */
bool mem_clashes(mem_store *s, const char *key, size_t len);

/* Install v at key (taking the caller's reference); *existed says whether a value was there. */
int mem_install(mem_store *s, const char *key, size_t len, mem_val *v, bool *existed);

/* The lazy walk in byte order (store_mem_iter.c). */
int mem_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out);

/* Collections and moves (store_mem_col.c). */
int mem_lookup(st_store *base, const char *key, st_stat *st, bool *is_dir);
int mem_mkcol(st_store *base, const char *key);
int mem_rmcol(st_store *base, const char *key);
int mem_move(st_store *base, const char *src, const char *dst, const st_precond *pc,
             st_result *res);

#endif
