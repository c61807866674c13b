/* ks_col.c: collections in the key space (ks_root.h): a made collection is a directory marked
 * with the extended attribute KS_COLLECTION_XATTR, which ks_prune keeps while it is empty;
 * ks_rmdir removes an empty one; ks_rename moves a value's file from one entry to another.
 * Every directory the key space removes goes through ks_remove_dir, which tells the kept
 * directories (ks_turn.c). Every call is relative to entries resolved beneath the root, never
 * to a path. */
#include "ks_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

int ks_remove_dir(ks_root *ks, const ks_entry *e)
{
    if (unlinkat(e->dirfd, e->name, AT_REMOVEDIR) != 0) return -1;
    ks_dirs_changed(ks);
    return 0;
}

int ks_mkcol(ks_root *ks, const ks_entry *e)
{
    if (mkdirat(e->dirfd, e->name, 0755) != 0) return errno == EEXIST ? ZD_EEXIST : ks_errno(errno);
    int fd = openat(e->dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0 && (fsetxattr(fd, KS_COLLECTION_XATTR, "", 0, 0) == 0 || errno == ENOTSUP)) {
        close(fd);
        return 0;
    }
    int rc = ks_errno(errno);
    if (fd >= 0) close(fd);
    ks_remove_dir(ks, e);
    return rc;
}

bool ks_is_made_col(const ks_entry *e)
{
    int fd = openat(e->dirfd, e->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    bool made = fgetxattr(fd, KS_COLLECTION_XATTR, NULL, 0) >= 0;
    close(fd);
    return made;
}

int ks_rmdir(ks_root *ks, const ks_entry *e)
{
    if (ks_remove_dir(ks, e) == 0) return 0;
    if (errno == ENOTEMPTY || errno == EEXIST) return ZD_ENOTEMPTY;
    return errno == ENOTDIR ? ZD_ENOTFOUND : ks_errno(errno);
}

int ks_rename(ks_root *ks, const ks_entry *from, ks_entry *to)
{
    for (int tries = 0;; tries++) {
        if (renameat(from->dirfd, from->name, to->dirfd, to->name) == 0) return 0;
        int err = errno;
        if (err != ENOENT || !to->own || tries == 8)
            return err == ENOTEMPTY || err == EEXIST ? ZD_EISDIR : ks_errno(err);
        struct stat st; /* the source is there: the destination's directory was pruned */
        if (fstatat(from->dirfd, from->name, &st, AT_SYMLINK_NOFOLLOW) != 0) return ZD_ENOTFOUND;
        ks_dirs_changed(ks);
        ks_entry_close(to);
        int rc = ks_entry_open(ks, to->key, true, to);
        if (rc) return rc;
    }
}
