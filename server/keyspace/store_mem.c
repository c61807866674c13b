/* store_mem.c: the `memory` store: values in a hash table, for tests and caches.
 *
 * Values are immutable and reference-counted: a reader keeps the version it opened while
 * writers install new versions, so GETs never see a half-applied write. A PUT body is
 * collected by its writer and installed at commit; a PATCH builds a patched copy and installs
 * it (copy-on-write), all under one table lock, so every write is atomic. As in the fs store,
 * a name is either a value or a "directory" (a prefix of other keys), never both: the table
 * also holds one entry per directory counting the values below it, and a PUT that would make
 * a name both is refused (ZD_EISDIR, 409). A made collection (store.h) is a hidden value
 * below it (MEM_COL_MARK, store_mem_col.c), so its directory entry stays while it is empty.
 * ETag:
 * "m<generation>-<size>" with a process-wide generation counter seeded from the clock. */
#include "store_mem_internal.h"

#include "zd_buf.h"
#include "zd_checked.h"
#include "zd_error.h"
#include "zd_hash.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void mem_unref(mem_val *v)
{
    if (v && atomic_fetch_sub(&v->refs, 1) == 1) {
        free(v->data);
        free(v->meta);
        free(v);
    }
}

/* A new value owning data (taken from the caller). */
mem_val *mem_val_new(mem_store *s, uint8_t *data, size_t len)
{
    mem_val *v = malloc(sizeof *v);
    if (!v) return NULL;
    atomic_init(&v->refs, 1);
    v->data = data;
    v->len = len;
    v->meta = NULL;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    v->mtime_ns = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
    snprintf(v->etag, sizeof v->etag, "\"m%" PRIx64 "-%zx\"", atomic_fetch_add(&s->gen, 1), len);
    return v;
}

/* The slot pointing at key's entry (or the NULL slot at its bucket's end). Lock held. */
mem_ent **mem_find(mem_store *s, const char *key, size_t len)
{
    mem_ent **p = &s->buckets[(size_t)zd_hash_mem(key, len) & (s->nbuckets - 1)];
    while (*p && ((*p)->klen != len || memcmp((*p)->key, key, len) != 0))
        p = &(*p)->next;
    return p;
}

static void mem_grow(mem_store *s)
{
    size_t n = s->nbuckets * 2;
    mem_ent **b = calloc(n, sizeof *b);
    if (!b) return; /* keep the longer chains */
    for (size_t i = 0; i < s->nbuckets; i++) {
        mem_ent *e = s->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            size_t h = (size_t)zd_hash_mem(e->key, e->klen) & (n - 1);
            e->next = b[h];
            b[h] = e;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

void mem_stat_of(const mem_val *v, st_stat *out)
{
    out->size = v->len;
    out->mtime_ns = v->mtime_ns;
    memcpy(out->etag, v->etag, sizeof out->etag);
    if (v->meta)
        memcpy(out->meta_etag, v->meta->etag, sizeof out->meta_etag);
    else
        out->meta_etag[0] = '\0';
}

/* The value entry at key, or NULL (absent or a directory). Lock held. */
mem_ent *mem_value_at(mem_store *s, const char *key, size_t len)
{
    mem_ent *e = *mem_find(s, key, len);
    return e && e->val ? e : NULL;
}

/* A new table entry at slot p. */
static mem_ent *mem_ent_add(mem_store *s, mem_ent **p, const char *key, size_t len, mem_val *v)
{
    mem_ent *e = malloc(sizeof *e + len + 1);
    if (!e) return NULL;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->klen = len;
    e->val = v;
    e->below = 0;
    e->next = NULL;
    if (v && mi_insert(&s->order, e->key, len, e)) {
        free(e);
        return NULL;
    }
    *p = e;
    if (++s->count > s->nbuckets) mem_grow(s);
    return e;
}

void mem_ent_unlink(mem_store *s, mem_ent **p)
{
    mem_ent *e = *p;
    *p = e->next;
    s->count--;
    if (e->val) mi_remove(&s->order, e->key, e->klen);
    mem_unref(e->val);
    free(e);
}

/* Count a value at key in (delta 1) or out of (delta -1) the directory entries of its parent
 * prefixes, creating and removing them. On ZD_ENOMEM nothing has changed. Lock held. */
int mem_dirs_adjust(mem_store *s, const char *key, size_t len, int delta)
{
    for (size_t i = 0; i < len; i++) {
        if (key[i] != '/') continue;
        mem_ent **p = mem_find(s, key, i);
        if (delta > 0) {
            /* Adding an entry may grow the table, which moves the slots: p is stale after it,
             * the entry itself is not. */
            mem_ent *e = *p;
            if (!e && !(e = mem_ent_add(s, p, key, i, NULL))) {
                mem_dirs_adjust(s, key, i, -1); /* undo the shorter prefixes */
                return ZD_ENOMEM;
            }
            e->below++;
        } else if (*p && --(*p)->below == 0) {
            mem_ent_unlink(s, p);
        }
    }
    return 0;
}

/* Would a value at key make a name both a value and a directory? Lock held. */
bool mem_clashes(mem_store *s, const char *key, size_t len)
{
    mem_ent *e = *mem_find(s, key, len);
    if (e && !e->val) return true; /* key is a directory */
    for (size_t i = 0; i < len; i++)
        if (key[i] == '/' && mem_value_at(s, key, i)) return true; /* a parent is a value */
    return false;
}

/* Install v at key (lock held for writing); returns whether a value existed. */
int mem_install(mem_store *s, const char *key, size_t len, mem_val *v, bool *existed)
{
    mem_ent **p = mem_find(s, key, len);
    *existed = *p != NULL;
    if (*p) {
        mem_unref((*p)->val);
        (*p)->val = v;
        return 0;
    }
    if (mem_dirs_adjust(s, key, len, 1)) return ZD_ENOMEM;
    p = mem_find(s, key, len); /* the table may have grown */
    if (!mem_ent_add(s, p, key, len, v)) {
        mem_dirs_adjust(s, key, len, -1);
        return ZD_ENOMEM;
    }
    return 0;
}

/* ---- stat / read ---- */

static int mem_stat(st_store *base, const char *key, st_stat *out)
{
    mem_store *s = (mem_store *)base;
    pthread_rwlock_rdlock(&s->lock);
    mem_ent *e = mem_value_at(s, key, strlen(key));
    if (e) mem_stat_of(e->val, out);
    pthread_rwlock_unlock(&s->lock);
    return e ? 0 : ZD_ENOTFOUND;
}

typedef struct mem_reader {
    st_reader base;
    mem_val *val;
} mem_reader;

static int mem_read(st_reader *r, uint64_t off, void *buf, size_t len)
{
    mem_val *v = ((mem_reader *)r)->val;
    if (off > v->len || len > v->len - off) return ZD_ERANGE;
    memcpy(buf, v->data + off, len);
    return 0;
}

static int mem_reader_meta(st_reader *r, st_meta *out)
{
    const mem_val *v = ((mem_reader *)r)->val;
    if (v->meta) {
        *out = *v->meta;
    } else {
        out->etag[0] = '\0';
        out->len = 0;
    }
    return 0;
}

static void mem_reader_close(st_reader *r)
{
    mem_unref(((mem_reader *)r)->val);
    free(r);
}

static int mem_open_read(st_store *base, const char *key, st_reader **out, st_stat *st)
{
    mem_store *s = (mem_store *)base;
    mem_reader *r = malloc(sizeof *r);
    if (!r) return ZD_ENOMEM;
    pthread_rwlock_rdlock(&s->lock);
    mem_ent *e = mem_value_at(s, key, strlen(key));
    if (e) {
        r->val = e->val;
        atomic_fetch_add(&r->val->refs, 1);
    }
    pthread_rwlock_unlock(&s->lock);
    if (!e) {
        free(r);
        return ZD_ENOTFOUND;
    }
    mem_stat_of(r->val, st);
    r->base =
        (st_reader){.read = mem_read, .meta = mem_reader_meta, .close = mem_reader_close, .fd = -1};
    *out = &r->base;
    return 0;
}

/* ---- writers ---- */

typedef struct mem_writer {
    st_writer base;
    mem_store *s;
    zd_buf buf;
    bool patch;
    uint64_t off;
    st_meta *meta; /* set_meta's copy, or NULL */
    size_t klen;
    char key[];
} mem_writer;

static int mem_write(st_writer *base, const void *data, size_t len)
{
    return zd_buf_append(&((mem_writer *)base)->buf, data, len);
}

static int mem_set_meta(st_writer *base, const st_meta *m)
{
    mem_writer *w = (mem_writer *)base;
    if (!w->meta && !(w->meta = malloc(sizeof *w->meta))) return ZD_ENOMEM;
    *w->meta = *m;
    return 0;
}

static void mem_abort(st_writer *base)
{
    mem_writer *w = (mem_writer *)base;
    zd_buf_free(&w->buf);
    free(w->meta);
    free(w);
}

/* A patched copy of old (NULL: empty) with pieces applied; lock held. */
static int mem_patched(mem_store *s, const mem_val *old, const st_patch *p, size_t n, mem_val **out)
{
    uint64_t size = old ? old->len : 0;
    int rc = st_patch_check(p, n, size);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
        if (p[i].off + p[i].len > size) size = p[i].off + p[i].len;
    if (size > SIZE_MAX) return ZD_EOVERFLOW;
    uint8_t *data = malloc(size ? (size_t)size : 1);
    if (!data) return ZD_ENOMEM;
    if (old) memcpy(data, old->data, old->len);
    for (size_t i = 0; i < n; i++)
        memcpy(data + p[i].off, p[i].data, p[i].len);
    if (!(*out = mem_val_new(s, data, (size_t)size))) {
        free(data);
        return ZD_ENOMEM;
    }
    if (old && old->meta) { /* the lines stay; the content ETag no longer describes the bytes */
        if (!((*out)->meta = malloc(sizeof *old->meta))) {
            mem_unref(*out);
            return ZD_ENOMEM;
        }
        *(*out)->meta = *old->meta;
        (*out)->meta->etag[0] = '\0';
    }
    return 0;
}

static int mem_patch_locked(mem_store *s, const char *key, size_t klen, const st_patch *p, size_t n,
                            const st_precond *pc, st_result *res)
{
    mem_ent *e = mem_value_at(s, key, klen);
    if (!e) return ZD_ENOTFOUND;
    st_stat cur;
    mem_stat_of(e->val, &cur);
    int rc = pc ? pc->check(pc, &cur) : 0;
    mem_val *v = NULL;
    if (!rc) rc = mem_patched(s, e->val, p, n, &v);
    if (rc) return rc;
    mem_unref(e->val);
    e->val = v;
    res->created = false;
    mem_stat_of(v, &res->stat);
    return 0;
}

/* Replace key's value with data (taken, also on failure; NULL: no memory) and meta (taken
 * too; may be NULL) if pc allows. Lock held for writing. */
static int mem_put_locked(mem_store *s, const char *key, size_t klen, uint8_t *data, size_t len,
                          st_meta *meta, const st_precond *pc, st_result *res)
{
    mem_ent *e = mem_value_at(s, key, klen);
    st_stat cur;
    if (e) mem_stat_of(e->val, &cur);
    int rc = !e && mem_clashes(s, key, klen) ? ZD_EISDIR : 0;
    if (!rc && pc) rc = pc->check(pc, e ? &cur : NULL);
    mem_val *v = NULL;
    if (!rc && (!data || !(v = mem_val_new(s, data, len)))) rc = ZD_ENOMEM;
    if (!v) {
        free(data);
        free(meta);
    } else {
        v->meta = meta;
    }
    bool existed = false;
    if (!rc && (rc = mem_install(s, key, klen, v, &existed)) != 0) mem_unref(v);
    if (!rc) {
        res->created = !existed;
        mem_stat_of(v, &res->stat);
    }
    return rc;
}

static int mem_commit(st_writer *base, const st_precond *pc, st_result *res)
{
    mem_writer *w = (mem_writer *)base;
    mem_store *s = w->s;
    int rc = 0;
    pthread_rwlock_wrlock(&s->lock);
    if (w->patch) {
        st_patch p = {.off = w->off, .data = w->buf.data, .len = w->buf.len};
        rc = mem_patch_locked(s, w->key, w->klen, &p, 1, pc, res);
    } else {
        size_t len;
        uint8_t *data = zd_buf_steal(&w->buf, &len);
        if (!data) data = malloc(1);
        rc = mem_put_locked(s, w->key, w->klen, data, len, w->meta, pc, res);
        w->meta = NULL; /* taken */
    }
    pthread_rwlock_unlock(&s->lock);
    mem_abort(base);
    return rc;
}

static mem_writer *mem_writer_new(mem_store *s, const char *key, uint64_t size_hint)
{
    size_t klen = strlen(key);
    mem_writer *w = calloc(1, sizeof *w + klen + 1);
    if (!w) return NULL;
    memcpy(w->key, key, klen + 1);
    w->klen = klen;
    w->s = s;
    w->base = (st_writer){
        .write = mem_write, .set_meta = mem_set_meta, .commit = mem_commit, .abort = mem_abort};
    if (size_hint && size_hint <= (64u << 20)) zd_buf_reserve(&w->buf, (size_t)size_hint);
    return w;
}

static int mem_put_begin(st_store *base, const char *key, uint64_t size_hint, st_writer **out)
{
    mem_store *s = (mem_store *)base;
    if (st_put_checks_early(size_hint)) { /* the check mem_put_locked makes at the commit */
        size_t klen = strlen(key);
        pthread_rwlock_rdlock(&s->lock);
        bool clash = !mem_value_at(s, key, klen) && mem_clashes(s, key, klen);
        pthread_rwlock_unlock(&s->lock);
        if (clash) return ZD_EISDIR;
    }
    mem_writer *w = mem_writer_new(s, key, size_hint);
    if (!w) return ZD_ENOMEM;
    *out = &w->base;
    return 0;
}

static int mem_patch_begin(st_store *base, const char *key, uint64_t offset, st_writer **out)
{
    st_stat st;
    int rc = mem_stat(base, key, &st);
    if (rc) return rc;
    if (offset > st.size) return ZD_ERANGE;
    mem_writer *w = mem_writer_new((mem_store *)base, key, 0);
    if (!w) return ZD_ENOMEM;
    w->base.set_meta = NULL; /* a patch keeps the value's metadata */
    w->patch = true;
    w->off = offset;
    *out = &w->base;
    return 0;
}

static int mem_patch_many(st_store *base, const char *key, const st_patch *p, size_t n,
                          const st_precond *pc, st_result *res)
{
    mem_store *s = (mem_store *)base;
    pthread_rwlock_wrlock(&s->lock);
    int rc = mem_patch_locked(s, key, strlen(key), p, n, pc, res);
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

static int mem_put_owned(st_store *base, const char *key, uint8_t *data, size_t len,
                         const st_precond *pc, st_result *res)
{
    mem_store *s = (mem_store *)base;
    pthread_rwlock_wrlock(&s->lock);
    int rc = mem_put_locked(s, key, strlen(key), data, len, NULL, pc, res);
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

/* ---- delete / list ---- */

static int mem_remove(st_store *base, const char *key, const st_precond *pc, bool *existed)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(key);
    pthread_rwlock_wrlock(&s->lock);
    mem_ent *e = mem_value_at(s, key, len);
    st_stat cur;
    if (e) mem_stat_of(e->val, &cur);
    int rc = pc ? pc->check(pc, e ? &cur : NULL) : 0;
    *existed = !rc && e;
    if (*existed) {
        mem_ent_unlink(s, mem_find(s, key, len));
        mem_dirs_adjust(s, key, len, -1);
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

static int mem_list(st_store *base, const char *prefix, bool recursive, st_list *out)
{
    mem_store *s = (mem_store *)base;
    size_t plen = strlen(prefix);
    int rc = 0;
    pthread_rwlock_rdlock(&s->lock);
    for (size_t i = 0; i < s->nbuckets && !rc; i++)
        for (mem_ent *e = s->buckets[i]; e && !rc; e = e->next) {
            if (!e->val) continue; /* directories show through the values below them */
            const char *rest = e->key;
            size_t rlen = e->klen;
            if (plen) {
                if (e->klen <= plen + 1 || memcmp(e->key, prefix, plen) != 0 || e->key[plen] != '/')
                    continue;
                rest += plen + 1;
                rlen -= plen + 1;
            }
            const char *slash = recursive ? NULL : memchr(rest, '/', rlen);
            if (slash) { /* not a directory of the server's (multipart staging) */
                if (!st_key_reserved(rest, (size_t)(slash - rest)))
                    rc = st_list_add(out, rest, (size_t)(slash - rest), true, NULL);
            } else if (!st_key_reserved(rest, rlen)) { /* not a collection's hidden mark */
                st_stat st;
                mem_stat_of(e->val, &st);
                rc = st_list_add(out, rest, rlen, false, &st);
            }
        }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

static void mem_destroy(st_store *base)
{
    mem_store *s = (mem_store *)base;
    for (size_t i = 0; i < s->nbuckets; i++) {
        mem_ent *e = s->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            mem_unref(e->val);
            free(e);
        }
    }
    free(s->buckets);
    mi_free(&s->order);
    pthread_rwlock_destroy(&s->lock);
    kl_table_free(s->base.keys);
    free(s);
}

int st_mem_create(st_store **out)
{
    mem_store *s = calloc(1, sizeof *s);
    if (!s) return ZD_ENOMEM;
    s->nbuckets = 1024;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    kl_table *keys = NULL;
    if (!s->buckets || kl_table_new(&keys) != 0) {
        free(s->buckets);
        free(s);
        return ZD_ENOMEM;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (mi_init(&s->order, (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec)) {
        kl_table_free(keys);
        free(s->buckets);
        free(s);
        return ZD_ENOMEM;
    }
    pthread_rwlock_init(&s->lock, NULL);
    atomic_init(&s->gen, ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec);
    s->base = (st_store){.kind = "memory",
                         .keys = keys,
                         .keeps_meta = true,
                         .stat = mem_stat,
                         .open_read = mem_open_read,
                         .put_begin = mem_put_begin,
                         .patch_begin = mem_patch_begin,
                         .patch_many = mem_patch_many,
                         .put_owned = mem_put_owned,
                         .remove = mem_remove,
                         .list = mem_list,
                         .iter_open = mem_iter_open,
                         .lookup = mem_lookup,
                         .mkcol = mem_mkcol,
                         .rmcol = mem_rmcol,
                         .move = mem_move,
                         .destroy = mem_destroy};
    *out = &s->base;
    return 0;
}
