/* store_mem_col.c: collections and moves in the memory store (store.h). A made collection is
 * a hidden empty value MEM_COL_MARK below it, counted like any value, so the collection's
 * directory entry (and its parents') stays while it has no other member; rmcol removes the
 * mark. A move hands the value (immutable, reference-counted) from one entry to another under
 * the table lock: it keeps its bytes, mtime and ETag. */
#include "store_mem_internal.h"

#include "zd_error.h"
#include "zd_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* key + "/" + MEM_COL_MARK into out (room for ZD_MAX_KEY + 64). */
static size_t mem_mark_key(const char *key, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s%s" MEM_COL_MARK, key, key[0] ? "/" : "");
    return n < 0 ? 0 : (size_t)n;
}

#define MEM_MARK_CAP (ZD_MAX_KEY + 64)

/* Whether key is a collection: the root, or a directory entry. Lock held. */
static bool mem_is_col(mem_store *s, const char *key, size_t len)
{
    if (len == 0) return true;
    mem_ent *e = *mem_find(s, key, len);
    return e && !e->val;
}

int mem_lookup(st_store *base, const char *key, st_stat *st, bool *is_dir)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(key);
    int rc = 0;
    pthread_rwlock_rdlock(&s->lock);
    mem_ent *e = len ? *mem_find(s, key, len) : NULL;
    if (e && e->val) {
        mem_stat_of(e->val, st);
        *is_dir = false;
    } else if (!len || e) {
        *st = (st_stat){0};
        *is_dir = true;
    } else {
        rc = ZD_ENOTFOUND;
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int mem_mkcol(st_store *base, const char *key)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(key);
    char mark[MEM_MARK_CAP];
    size_t mlen = mem_mark_key(key, mark, sizeof mark);
    const char *slash = strrchr(key, '/');
    size_t plen = slash ? (size_t)(slash - key) : 0;
    uint8_t *empty = malloc(1);
    int rc = 0;
    pthread_rwlock_wrlock(&s->lock);
    mem_val *v = NULL;
    bool existed;
    if (*mem_find(s, key, len))
        rc = ZD_EEXIST;
    else if (!mem_is_col(s, key, plen))
        rc = ZD_ENOTFOUND;
    else if (!empty || !(v = mem_val_new(s, empty, 0)))
        rc = ZD_ENOMEM;
    else if ((rc = mem_install(s, mark, mlen, v, &existed)) != 0)
        mem_unref(v);
    pthread_rwlock_unlock(&s->lock);
    if (!v) free(empty);
    return rc;
}

int mem_rmcol(st_store *base, const char *key)
{
    mem_store *s = (mem_store *)base;
    size_t len = strlen(key);
    char mark[MEM_MARK_CAP];
    size_t mlen = mem_mark_key(key, mark, sizeof mark);
    int rc = 0;
    pthread_rwlock_wrlock(&s->lock);
    mem_ent *e = len ? *mem_find(s, key, len) : NULL;
    mem_ent **mp = mem_find(s, mark, mlen);
    if (!e || e->val)
        rc = ZD_ENOTFOUND;
    else if (e->below != (*mp != NULL))
        rc = ZD_ENOTEMPTY;
    else {
        mem_ent_unlink(s, mp);
        mem_dirs_adjust(s, mark, mlen, -1);
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

int mem_move(st_store *base, const char *src, const char *dst, const st_precond *pc, st_result *res)
{
    mem_store *s = (mem_store *)base;
    size_t slen = strlen(src), dlen = strlen(dst);
    int rc = 0;
    pthread_rwlock_wrlock(&s->lock);
    mem_ent *e = mem_value_at(s, src, slen);
    mem_ent *d = e ? mem_value_at(s, dst, dlen) : NULL;
    st_stat cur;
    if (d) mem_stat_of(d->val, &cur);
    if (!e)
        rc = ZD_ENOTFOUND;
    else if (!d && mem_clashes(s, dst, dlen))
        rc = ZD_EISDIR;
    else if (pc)
        rc = pc->check(pc, d ? &cur : NULL);
    if (!rc) {
        mem_val *v = e->val;
        atomic_fetch_add(&v->refs, 1); /* dst's reference */
        bool existed;
        if ((rc = mem_install(s, dst, dlen, v, &existed)) != 0) {
            mem_unref(v);
        } else {
            res->created = !existed;
            mem_stat_of(v, &res->stat);
            mem_ent_unlink(s, mem_find(s, src, slen)); /* the table may have grown */
            mem_dirs_adjust(s, src, slen, -1);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}
