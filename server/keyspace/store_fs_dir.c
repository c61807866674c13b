/* store_fs_dir.c: directories as things of their own in the fs store (S3 buckets, WebDAV
 * collections; see store.h): mkdir, rmdir, stat_dir.
 *
 * A directory made by mkdir holds an empty marker file ST_RESERVED_PREFIX "keep" (hidden
 * like every reserved name), so the pruning of empty parents after a DELETE (store_fs.c)
 * never removes it: its rmdir simply fails. rmdir removes the marker and then the
 * directory; if a PUT slipped a value in meanwhile the directory's rmdir fails, the marker
 * is put back and the answer is ZD_ECONFLICT. Temp files left by an earlier process (their
 * name carries its pid) do not make a directory non-empty: rmdir deletes them. */
#include "store_fs_internal.h"

#include "zd_error.h"
#include "zd_limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FS_KEEP ST_RESERVED_PREFIX "keep"

static int fs_keep_create(const fs_store *s, int dirfd)
{
    int fd = openat(dirfd, FS_KEEP, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return fs_errno(errno);
    int rc = fs_sync(s, fd);
    close(fd);
    return rc;
}

int fs_mkdir(st_store *base, const char *path)
{
    fs_store *s = (fs_store *)base;
    fs_locked p;
    int rc = fs_open_parent(s, path, &p);
    if (rc) return rc;
    int pfd = p.dirfd;
    const char *last = p.last;
    if (mkdirat(pfd, last, 0755) == 0) {
        int fd = openat(pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        rc = fd < 0 ? fs_errno(errno) : fs_keep_create(s, fd);
        if (!rc) rc = fs_sync(s, fd);
        if (fd >= 0) close(fd);
        if (rc) {
            unlinkat(pfd, last, AT_REMOVEDIR);
        } else {
            rc = fs_sync(s, pfd);
        }
    } else if (errno == EEXIST) {
        struct stat st;
        rc = fstatat(pfd, last, &st, AT_SYMLINK_NOFOLLOW) ? fs_errno(errno)
             : S_ISDIR(st.st_mode)                        ? ZD_ECONFLICT
             : S_ISREG(st.st_mode)                        ? ST_EISDIR
                                                          : ST_EBADKEY;
    } else {
        rc = fs_errno(errno);
    }
    fs_locked_close(&p);
    return rc;
}

/* A temp file another (earlier) process left behind: ".zarrd-tmp-PID-N" with PID not ours. */
static bool fs_stale_temp(const char *name)
{
    static const char tmp[] = ST_RESERVED_PREFIX "tmp-";
    if (strncmp(name, tmp, sizeof tmp - 1) != 0) return false;
    char *end;
    unsigned long pid = strtoul(name + sizeof tmp - 1, &end, 16);
    return *end == '-' && pid != (unsigned long)getpid();
}

/* Whether the open directory fd holds nothing but the marker (stale temp files removed). */
static int fs_dir_empty(int fd, bool *empty)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0) close(dup_fd);
        return fs_errno(errno);
    }
    *empty = true;
    struct dirent *e;
    while (*empty && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, FS_KEEP) == 0)
            continue;
        if (fs_stale_temp(e->d_name) && unlinkat(fd, e->d_name, 0) == 0) continue;
        *empty = false;
    }
    closedir(d);
    return 0;
}

int fs_rmdir(st_store *base, const char *path)
{
    fs_store *s = (fs_store *)base;
    if (!path[0]) return ZD_EINVAL; /* never the root */
    fs_locked p;
    int rc = fs_open_parent(s, path, &p);
    if (rc) return rc;
    int pfd = p.dirfd;
    const char *last = p.last;
    int fd = openat(pfd, last, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    bool empty = false;
    if (fd < 0)
        rc = errno == ENOTDIR || errno == ELOOP ? ZD_ENOTFOUND : fs_errno(errno);
    else
        rc = fs_dir_empty(fd, &empty);
    if (!rc && !empty) rc = ZD_ECONFLICT;
    if (!rc) {
        bool had_keep = unlinkat(fd, FS_KEEP, 0) == 0;
        if (unlinkat(pfd, last, AT_REMOVEDIR) == 0) {
            rc = fs_sync(s, pfd);
        } else {
            rc = errno == ENOTEMPTY || errno == EEXIST ? ZD_ECONFLICT : fs_errno(errno);
            if (had_keep) fs_keep_create(s, fd);
        }
    }
    if (fd >= 0) close(fd);
    fs_locked_close(&p);
    return rc;
}

int fs_stat_dir(st_store *base, const char *path, uint64_t *mtime_ns)
{
    fs_store *s = (fs_store *)base;
    int fd = path[0] ? fs_open_beneath(s, s->root_fd, path, O_PATH | O_DIRECTORY, 0)
                     : openat(s->root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ZD_ENOTFOUND;
    struct stat st;
    int rc = fstat(fd, &st) ? fs_errno(errno) : 0;
    close(fd);
    if (!rc && mtime_ns) *mtime_ns = fs_mtime_ns(&st);
    return rc;
}
