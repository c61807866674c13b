/* store_fs_col.c: collections and moves in the fs store (store.h): a collection is a
 * directory; mkcol makes one and marks it with the extended attribute ST_COLLECTION_XATTR so
 * that DELETE's pruning of emptied parents (fs_prune) keeps it; rmcol removes an empty one;
 * move renames a value's file, under both keys' write locks, so the value is at its old or its
 * new key at every moment and keeps its inode, mtime and so its ETag.
 *
 * On a filesystem without user extended attributes (ENOTSUP) mkcol still makes the directory,
 * which then lives like any other: it goes when its last member is deleted. */
#include "store_fs_internal.h"

#include "zd_error.h"
#include "zd_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

int fs_lookup(st_store *base, const char *key, st_stat *st, bool *is_dir)
{
    fs_store *s = (fs_store *)base;
    int fd = key[0] ? fs_open_beneath(s, s->root_fd, key, O_PATH, 0)
                    : openat(s->root_fd, ".", O_PATH | O_CLOEXEC);
    if (fd < 0) return fs_errno(key[0] ? -fd : errno);
    struct stat sb;
    int rc = fstat(fd, &sb) ? fs_errno(errno) : 0;
    close(fd);
    if (rc) return rc;
    if (S_ISDIR(sb.st_mode)) {
        fs_etag(&sb, st);
        *st = (st_stat){.mtime_ns = st->mtime_ns};
        *is_dir = true;
        return 0;
    }
    if (!S_ISREG(sb.st_mode)) return ZD_ENOTFOUND;
    fs_etag(&sb, st);
    *is_dir = false;
    return 0;
}

int fs_mkcol(st_store *base, const char *key)
{
    fs_store *s = (fs_store *)base;
    char parent[ZD_MAX_KEY + 1];
    const char *last = fs_split(key, parent);
    int dirfd;
    bool own;
    int rc = fs_parent(s, parent, false, &dirfd, &own);
    if (rc) return rc == ST_EISDIR ? ZD_ENOTFOUND : rc;
    if ((rc = fs_write_lock(key)) != 0) {
        if (own) close(dirfd);
        return rc;
    }
    if (mkdirat(dirfd, last, 0755)) {
        rc = errno == EEXIST ? ST_EEXIST : fs_errno(errno);
    } else {
        int fd = openat(dirfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || (fsetxattr(fd, ST_COLLECTION_XATTR, "", 0, 0) && errno != ENOTSUP)) {
            rc = fs_errno(errno);
            unlinkat(dirfd, last, AT_REMOVEDIR);
        }
        if (fd >= 0) close(fd);
    }
    fs_write_unlock(key);
    if (!rc) rc = fs_sync(s, dirfd);
    if (own) close(dirfd);
    return rc;
}

int fs_rmcol(st_store *base, const char *key)
{
    fs_store *s = (fs_store *)base;
    fs_locked k;
    int rc = fs_lock_parent(s, key, &k);
    if (rc) return rc == ST_EISDIR ? ZD_ENOTFOUND : rc;
    if (unlinkat(k.dirfd, k.last, AT_REMOVEDIR))
        rc = errno == ENOTEMPTY || errno == EEXIST ? ST_ENOTEMPTY
             : errno == ENOTDIR                    ? ZD_ENOTFOUND
                                                   : fs_errno(errno);
    fs_write_unlock(key);
    if (!rc) fs_sync(s, k.dirfd);
    fs_locked_close(&k);
    if (!rc) fs_prune(s, key);
    return rc;
}

/* The value at last in dirfd: 0 (regular file, *st set), ZD_ENOTFOUND, ST_EISDIR (a
 * directory), ST_EBADKEY (anything else, e.g. a symbolic link). */
static int fs_value_at(int dirfd, const char *last, struct stat *st)
{
    if (fstatat(dirfd, last, st, AT_SYMLINK_NOFOLLOW)) return fs_errno(errno);
    if (S_ISDIR(st->st_mode)) return ST_EISDIR;
    return S_ISREG(st->st_mode) ? 0 : ST_EBADKEY;
}

/* One attempt of fs_move; *retry when dst's parent directory vanished (a
 * concurrent DELETE pruned it) between its creation and the rename. */
static int fs_move_once(fs_store *s, const char *src, const char *dst, const st_precond *pc,
                        st_result *res, bool *retry)
{
    char sparent[ZD_MAX_KEY + 1], dparent[ZD_MAX_KEY + 1];
    const char *slast = fs_split(src, sparent), *dlast = fs_split(dst, dparent);
    int sfd, dfd;
    bool sown, down;
    struct stat sst, dst_st;
    int rc = fs_parent(s, sparent, false, &sfd, &sown);
    if (rc) return rc == ST_EISDIR ? ZD_ENOTFOUND : rc;
    /* No value at src: answer before making dst's parents. */
    if ((rc = fs_value_at(sfd, slast, &sst)) != 0) {
        if (sown) close(sfd);
        return rc == ST_EISDIR ? ZD_ENOTFOUND : rc;
    }
    if ((rc = fs_parent(s, dparent, true, &dfd, &down)) != 0) {
        if (sown) close(sfd);
        return rc;
    }
    if ((rc = fs_write_lock_pair(src, dst)) != 0) goto out;
    rc = fs_value_at(sfd, slast, &sst);
    if (rc == ST_EISDIR) rc = ZD_ENOTFOUND; /* a collection is not a value */
    int drc = rc ? 0 : fs_value_at(dfd, dlast, &dst_st);
    if (!rc && drc && drc != ZD_ENOTFOUND) rc = drc;
    if (!rc && pc) {
        st_stat cur;
        if (!drc) fs_etag(&dst_st, &cur);
        rc = pc->check(pc, drc ? NULL : &cur);
    }
    if (!rc && renameat(sfd, slast, dfd, dlast)) {
        *retry = errno == ENOENT;
        rc = fs_errno(errno);
    }
    fs_write_unlock_pair(src, dst);
    if (rc) goto out;
    res->created = drc != 0;
    fs_etag(&sst, &res->stat);
    if ((rc = fs_sync(s, dfd)) == 0 && sfd != dfd) rc = fs_sync(s, sfd);
out:
    if (sown) close(sfd);
    if (down) close(dfd);
    return rc;
}

int fs_move(st_store *base, const char *src, const char *dst, const st_precond *pc, st_result *res)
{
    fs_store *s = (fs_store *)base;
    int rc;
    bool retry = false;
    for (int tries = 0; tries < 8; tries++) {
        retry = false;
        rc = fs_move_once(s, src, dst, pc, res, &retry);
        if (!retry) break;
    }
    if (!rc) fs_prune(s, src);
    return rc;
}
