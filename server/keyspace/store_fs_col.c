/* store_fs_col.c: collections and moves in the fs store (store.h), on the key space
 * (ks_root.h): a collection is a directory; mkcol makes one marked as made (ks_mkcol), so
 * DELETE's pruning of emptied parents keeps it; rmcol removes an empty one; move renames a
 * value's file as one change of both keys (kl_change_begin_pair: the shard engine journals a
 * barrier for each and forgets them), so the value is at its old or its new key at every
 * moment and keeps its inode, mtime and so its ETag. */
#include "store_fs_internal.h"

#include <string.h>
#include <sys/stat.h>

int fs_lookup(st_store *base, const char *key, st_stat *st, bool *is_dir)
{
    fs_store *s = (fs_store *)base;
    *is_dir = true;
    *st = (st_stat){0};
    if (!key[0]) return 0; /* the root */
    struct stat sb;
    int rc = ks_stat(s->ks, key, &sb);
    if (rc == ZD_EISDIR) rc = ZD_ENOTFOUND; /* a value where a parent should be */
    if (rc) return rc;
    if (!S_ISDIR(sb.st_mode) && !S_ISREG(sb.st_mode)) return ZD_ENOTFOUND;
    fs_etag(&sb, st);
    *is_dir = S_ISDIR(sb.st_mode);
    if (*is_dir) *st = (st_stat){.mtime_ns = st->mtime_ns};
    return 0;
}

int fs_mkcol(st_store *base, const char *key)
{
    fs_store *s = (fs_store *)base;
    ks_entry e;
    int rc = ks_entry_open(s->ks, key, false, &e);
    if (rc) return rc == ZD_EISDIR ? ZD_ENOTFOUND : rc;
    if ((rc = fs_change_begin(s, key)) == 0) {
        rc = ks_mkcol(s->ks, &e);
        fs_change_end(s, key);
    }
    if (rc == 0) rc = fs_durable(s, &e, false);
    ks_entry_close(&e);
    return rc;
}

int fs_rmcol(st_store *base, const char *key)
{
    fs_store *s = (fs_store *)base;
    ks_entry e;
    int rc = ks_entry_open(s->ks, key, false, &e);
    if (rc) return rc == ZD_EISDIR ? ZD_ENOTFOUND : rc;
    if ((rc = fs_change_begin(s, key)) == 0) {
        rc = ks_rmdir(s->ks, &e);
        fs_change_end(s, key);
    }
    if (rc == 0) rc = fs_durable(s, &e, false);
    ks_entry_close(&e);
    if (rc == 0) ks_prune(s->ks, key);
    return rc;
}

/* The value at entry e: 0 (a regular file, *st set), ZD_ENOTFOUND, ZD_EISDIR (a directory),
 * ZD_EBADKEY (anything else, e.g. a symbolic link). */
static int fs_value_at(const ks_entry *e, struct stat *st)
{
    int rc = ks_entry_stat(e, st);
    if (rc) return rc;
    if (S_ISDIR(st->st_mode)) return ZD_EISDIR;
    return S_ISREG(st->st_mode) ? 0 : ZD_EBADKEY;
}

int fs_move(st_store *base, const char *src, const char *dst, const st_precond *pc, st_result *res)
{
    fs_store *s = (fs_store *)base;
    ks_entry from, to;
    struct stat sst, dst_st;
    int rc = ks_entry_open(s->ks, src, false, &from);
    if (rc) return rc == ZD_EISDIR ? ZD_ENOTFOUND : rc;
    /* No value at src: answer before making dst's parents. */
    if ((rc = fs_value_at(&from, &sst)) != 0) {
        ks_entry_close(&from);
        return rc == ZD_EISDIR ? ZD_ENOTFOUND : rc;
    }
    if ((rc = ks_entry_open(s->ks, dst, true, &to)) != 0) {
        ks_entry_close(&from);
        return rc;
    }
    int drc = 0;
    if ((rc = fs_change_begin_pair(s, src, dst)) == 0) {
        rc = fs_value_at(&from, &sst);
        if (rc == ZD_EISDIR) rc = ZD_ENOTFOUND; /* a collection is not a value */
        drc = rc ? 0 : fs_value_at(&to, &dst_st);
        if (rc == 0 && drc && drc != ZD_ENOTFOUND) rc = drc;
        if (rc == 0 && pc) {
            st_stat cur;
            if (!drc) fs_etag(&dst_st, &cur);
            rc = pc->check(pc, drc ? NULL : &cur);
        }
        if (rc == 0) rc = ks_rename(s->ks, &from, &to);
        fs_change_end_pair(s, src, dst);
    }
    if (rc == 0) {
        res->created = drc != 0;
        fs_etag(&sst, &res->stat);
        rc = fs_durable(s, &to, false);
        if (rc == 0 && from.dirfd != to.dirfd) rc = fs_sync(s, from.dirfd);
    }
    ks_entry_close(&from);
    ks_entry_close(&to);
    if (rc == 0) ks_prune(s->ks, src);
    return rc;
}
