/* ks_dir.c: walk pieces and extended attributes of the key space (see ks_dir.h). */
#include "ks_dir.h"

#include "ks_internal.h"
#include "zd_limits.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

int ks_dir_open(ks_root *ks, const char *path, int *fd)
{
    int f = path[0] ? ks_resolve(ks, ks->root_fd, path, O_RDONLY | O_DIRECTORY)
                    : openat(ks->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f < 0) {
        int e = path[0] ? -f : errno;
        return e == ENOENT || e == ENOTDIR ? ZD_ENOTFOUND : ks_errno(e);
    }
    *fd = f;
    return 0;
}

int ks_dir_open_at(ks_root *ks, int dirfd, const char *name, int *fd)
{
    int f = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (f < 0)
        return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? ZD_ENOTFOUND
                                                                     : ks_errno(errno);
    struct stat st;
    if (fstat(f, &st) || st.st_dev != ks->dev) {
        close(f);
        return ZD_ENOTFOUND; /* another file system mounted here: not part of the key space */
    }
    *fd = f;
    return 0;
}

int ks_dir_names(ks_root *ks, int fd, ks_name_fn fn, void *ctx)
{
    int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
    if (!d) {
        if (dup_fd >= 0) close(dup_fd);
        return ks_errno(errno);
    }
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            strncmp(name, KS_PRIVATE_PREFIX, strlen(KS_PRIVATE_PREFIX)) == 0)
            continue;
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN || type == DT_DIR) { /* mount points look like directories */
            struct stat st;
            if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) || st.st_dev != ks->dev) continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR || type == DT_REG) rc = fn(ctx, name, strlen(name), type == DT_DIR);
    }
    closedir(d);
    return rc;
}

int ks_file_open_at(ks_root *ks, int dirfd, const char *name, int *fd, struct stat *st)
{
    (void)ks;
    int f = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (f < 0) return errno == ENOENT || errno == ELOOP ? ZD_ENOTFOUND : ks_errno(errno);
    if (fstat(f, st) || !S_ISREG(st->st_mode)) {
        close(f);
        return ZD_ENOTFOUND;
    }
    *fd = f;
    return 0;
}

/* ---- extended attributes ---- */

bool ks_attr_supported(ks_root *ks)
{
    /* Reading a user attribute the root does not have answers ENODATA where the file system
     * takes them and ENOTSUP where it does not: a probe that changes nothing. */
    char c;
    return fgetxattr(ks->root_fd, "user.zarrd.probe", &c, 1) >= 0 || errno == ENODATA ||
           errno == ERANGE;
}

int ks_attr_get(int fd, const char *name, void *buf, size_t cap, size_t *len)
{
    ssize_t n = fgetxattr(fd, name, buf, cap);
    if (n >= 0) {
        *len = (size_t)n;
        return 0;
    }
    return errno == ENODATA || errno == ENOTSUP ? ZD_ENOTFOUND
           : errno == ERANGE                    ? ZD_EOVERFLOW
                                                : ks_errno(errno);
}

int ks_attr_set(int fd, const char *name, const void *value, size_t len)
{
    if (fsetxattr(fd, name, value, len, 0) == 0) return 0;
    return errno == E2BIG || errno == ERANGE || errno == ENOSPC ? ZD_EOVERFLOW : ks_errno(errno);
}
