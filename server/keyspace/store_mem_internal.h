/* store_mem_internal.h: what the memory store's files (store_mem.c, store_mem_dir.c,
 * store_mem_iter.c) share: the table, its entries and values, and the helpers that keep the
 * directory entries and the ordered index in step with the values. Not for other modules. */
#ifndef ZS_STORE_MEM_INTERNAL_H
#define ZS_STORE_MEM_INTERNAL_H

#include "store.h"
#include "store_mem_index.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    mem_val *val;      /* NULL: a directory entry */
    size_t below;      /* directory: values (and directories made by mkdir) below it */
    bool kept;         /* directory made by mkdir: stays when nothing is below */
    uint64_t mtime_ns; /* directory: when it was made */
    size_t klen;
    char key[];
} mem_ent;

typedef struct mem_store {
    st_store base;
    pthread_rwlock_t lock;
    mem_ent **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    mem_index order; /* the keys of values, in byte order (store_mem_iter.c) */
    _Atomic uint64_t gen;
} mem_store;

/* Nanoseconds since the epoch, now. */
uint64_t mem_now_ns(void);

/* The slot pointing at key's entry (or the NULL slot at its bucket's end). Lock held. */
mem_ent **mem_find(mem_store *s, const char *key, size_t len);

/* A new table entry at slot p (v NULL: a directory). Lock held for writing. */
mem_ent *mem_ent_add(mem_store *s, mem_ent **p, const char *key, size_t len, mem_val *v);

/* Remove the entry at slot p. Lock held for writing. */
void mem_ent_unlink(mem_store *s, mem_ent **p);

/* Count a value or a made directory at key in (delta 1) or out of (delta -1) the directory
 * entries of its parent prefixes, creating and removing them. ZD_ENOMEM: nothing changed. */
int mem_dirs_adjust(mem_store *s, const char *key, size_t len, int delta);

/* stat of a value, meta_etag included. */
void mem_stat_of(const mem_val *v, st_stat *out);

/* The directory and walk operations (store_mem_dir.c, store_mem_iter.c). */
int mem_mkdir(st_store *base, const char *path);
int mem_rmdir(st_store *base, const char *path);
int mem_stat_dir(st_store *base, const char *path, uint64_t *mtime_ns);
int mem_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out);

#endif
