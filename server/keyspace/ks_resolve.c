/* ks_resolve.c: resolving keys beneath the root (ks_root.h, "Confinement"): openat2 or the
 * segment walk, a key's parent entry, making and pruning parent directories, publishing a
 * staged file over a key and removing one. */
#include "ks_internal.h"

#include "zd_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KS_RESOLVE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

int ks_errno(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return ZD_ENOTFOUND;
    case ELOOP:
    case EXDEV:
    case ENAMETOOLONG:
        return ZD_EBADKEY;
    case EISDIR:
        return ZD_EISDIR;
    case ENOMEM:
        return ZD_ENOMEM;
    case EFBIG:
        return ZD_EOVERFLOW;
    case ENOSPC:
    case EDQUOT:
        return ZD_ENOSPC;
    default:
        return ZD_EIO;
    }
}

/* Close fd keeping errno (the reason of the failure being reported). */
static void close_quietly(int fd)
{
    int e = errno;
    close(fd);
    errno = e;
}

/* One segment: open name in dir without following it and without leaving the root's file
 * system. A descriptor or -errno. */
static int walk_one(const ks_root *ks, int dir, const char *name, int flags)
{
    int fd = openat(dir, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        struct stat st; /* O_DIRECTORY reports a symbolic link as ENOTDIR */
        if (e == ENOTDIR && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode))
            e = ELOOP;
        return -e;
    }
    struct stat st;
    int e = fstat(fd, &st) != 0    ? errno
            : S_ISLNK(st.st_mode)  ? ELOOP /* O_PATH | O_NOFOLLOW opens the link itself */
            : st.st_dev != ks->dev ? EXDEV
                                   : 0;
    if (e) {
        close(fd);
        return -e;
    }
    return fd;
}

/* Copy the segment starting at seg into name; its end (NULL for the last) goes to *slash. */
static int segment(const char *seg, char name[ZD_MAX_KEY + 1], const char **slash)
{
    *slash = strchr(seg, '/');
    size_t n = *slash ? (size_t)(*slash - seg) : strlen(seg);
    if (n == 0 || n > ZD_MAX_KEY) return -ENAMETOOLONG;
    memcpy(name, seg, n);
    name[n] = '\0';
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) return -ENAMETOOLONG;
    return 0;
}

static int walk(const ks_root *ks, int dirfd, const char *path, int flags)
{
    int cur = dirfd;
    for (const char *seg = path;;) {
        char name[ZD_MAX_KEY + 1];
        const char *slash;
        int next = segment(seg, name, &slash);
        if (next == 0) next = walk_one(ks, cur, name, slash ? O_PATH | O_DIRECTORY : flags);
        if (cur != dirfd) close_quietly(cur);
        if (next < 0 || !slash) return next;
        cur = next;
        seg = slash + 1;
    }
}

int ks_resolve(const ks_root *ks, int dirfd, const char *path, int flags)
{
    if (!ks->openat2) return walk(ks, dirfd, path, flags);
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = KS_RESOLVE};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    return fd >= 0 ? (int)fd : -errno;
}

/* mkdir -p of path below the root, one segment at a time (each opened with O_NOFOLLOW on the
 * root's file system): a descriptor of the last directory or -errno. */
static int make_dirs(const ks_root *ks, const char *path)
{
    int cur = ks->root_fd;
    for (const char *seg = path;;) {
        char name[ZD_MAX_KEY + 1];
        const char *slash;
        int flags = O_PATH | O_DIRECTORY, next = segment(seg, name, &slash);
        if (!slash) flags = O_RDONLY | O_DIRECTORY; /* the parent itself: fsync-able */
        if (next == 0) next = walk_one(ks, cur, name, flags);
        if (next == -ENOENT) {
            next = mkdirat(cur, name, 0755) != 0 && errno != EEXIST
                       ? -errno
                       : walk_one(ks, cur, name, flags);
        }
        if (cur != ks->root_fd) close_quietly(cur);
        if (next < 0 || !slash) return next;
        cur = next;
        seg = slash + 1;
    }
}

/* ---- entries ---- */

int ks_entry_open(ks_root *ks, const char *key, bool make_parents, ks_entry *e)
{
    size_t len = strlen(key);
    const char *slash = memrchr(key, '/', len);
    *e = (ks_entry){.key = key, .name = slash ? slash + 1 : key, .dirfd = ks->root_fd};
    if (len == 0 || len > ZD_MAX_KEY) return ZD_EBADKEY;
    if (!slash) return 0;
    char parent[ZD_MAX_KEY + 1];
    size_t plen = (size_t)(slash - key);
    int fd = ks_turn_dir(ks, key, plen);
    if (fd >= 0) {
        *e = (ks_entry){.key = key, .name = slash + 1, .dirfd = fd, .own = true, .lent = true};
        return 0;
    }
    memcpy(parent, key, plen);
    parent[plen] = '\0';
    uint64_t epoch = ks_dirs_epoch(ks);
    fd = ks_resolve(ks, ks->root_fd, parent, O_RDONLY | O_DIRECTORY);
    if (fd == -ENOENT && make_parents) fd = make_dirs(ks, parent);
    if (fd < 0) {
        errno = -fd;
        return fd == -ENOTDIR && make_parents ? ZD_EISDIR : ks_errno(-fd);
    }
    e->dirfd = fd;
    e->own = true;
    e->lent = ks_turn_keep(ks, key, plen, fd, epoch);
    return 0;
}

void ks_entry_close(ks_entry *e)
{
    if (e->lent)
        ks_turn_release(e->dirfd);
    else if (e->own)
        close_quietly(e->dirfd);
    e->own = e->lent = false;
    e->dirfd = -1;
}

int ks_entry_stat(const ks_entry *e, struct stat *st)
{
    return fstatat(e->dirfd, e->name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : ks_errno(errno);
}

int ks_check_parents(ks_root *ks, const char *key)
{
    const char *slash = strrchr(key, '/');
    if (!slash) return 0;
    char parent[ZD_MAX_KEY + 1];
    size_t n = (size_t)(slash - key);
    if (n > ZD_MAX_KEY) return ZD_EBADKEY;
    memcpy(parent, key, n);
    parent[n] = '\0';
    int fd = ks_resolve(ks, ks->root_fd, parent, O_PATH | O_DIRECTORY);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    return fd == -ENOENT ? 0 : fd == -ENOTDIR ? ZD_EISDIR : ks_errno(-fd);
}

/* Link t (unnamed) at e, or rename it (named) over e: 0 or -1 with errno. */
static int place(ks_root *ks, int sfd, const ks_entry *e, const ks_temp *t)
{
    if (t->unnamed) return ks_link_unnamed(ks, t->fd, e->dirfd, e->name);
    return renameat(sfd, t->name, e->dirfd, e->name);
}

/* ks_publish, or with new_only ks_link_new. */
static int publish(ks_root *ks, ks_entry *e, ks_temp *t, bool replacing, bool new_only)
{
    int sfd = ks_staging(ks);
    if (sfd < 0) return sfd;
    int rc = replacing ? ks_temp_name(ks, t) : 0;
    for (int tries = 0; rc == 0; tries++) {
        if (place(ks, sfd, e, t) == 0) break;
        int err = errno;
        if (err == EEXIST && new_only) return ZD_EEXIST;
        if (err == EEXIST && t->unnamed) { /* a value is there: replace it by a rename */
            rc = ks_temp_name(ks, t);
            continue;
        }
        if (err != ENOENT || !e->own || tries == 8)
            return err == ENOTEMPTY || err == EEXIST ? ZD_EISDIR : ks_errno(err);
        /* A delete pruned the (then empty) directory after it was resolved: make it again. */
        ks_dirs_changed(ks);
        ks_entry_close(e);
        rc = ks_entry_open(ks, e->key, true, e);
    }
    if (rc) return rc;
    t->unnamed = false;
    t->name[0] = '\0';
    return 0;
}

int ks_publish(ks_root *ks, ks_entry *e, ks_temp *t, bool replacing)
{
    return publish(ks, e, t, replacing, false);
}

int ks_link_new(ks_root *ks, ks_entry *e, ks_temp *t)
{
    return t->unnamed ? publish(ks, e, t, false, true) : ZD_EINVAL;
}

int ks_sync_staging(ks_root *ks)
{
    int sfd = ks_staging(ks);
    return sfd < 0 ? sfd : ks_fsync(sfd, false);
}

int ks_remove(const ks_entry *e)
{
    return unlinkat(e->dirfd, e->name, 0) == 0 ? 0 : ks_errno(errno);
}

void ks_prune(ks_root *ks, const char *key)
{
    char path[ZD_MAX_KEY + 1];
    size_t n = strlen(key);
    if (n > ZD_MAX_KEY) return;
    memcpy(path, key, n + 1);
    for (char *slash; (slash = strrchr(path, '/')) != NULL;) {
        *slash = '\0'; /* path is now a directory to try */
        ks_entry e;
        if (ks_entry_open(ks, path, false, &e)) return;
        int rc = ks_is_made_col(&e) ? -1 : ks_remove_dir(ks, &e);
        ks_entry_close(&e);
        if (rc) return; /* not empty (or not a directory): its parents are not empty either */
    }
}
