/* shard_io.c: positional I/O and directory helpers (see shard_io.h). */
#include "shard_io.h"

#include "zd_limits.h"
#include "shard_stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sh_io_errcode(int e)
{
    return e == ENOSPC || e == EDQUOT ? SH_ENOSPC : ZD_EIO;
}

int sh_io_pwrite_all(int fd, const void *data, size_t len, uint64_t offset, zd_error *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return zd_error_set(err, sh_io_errcode(errno), "write failed: %s", strerror(errno));
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int sh_io_pread_all(int fd, void *data, size_t len, uint64_t offset, zd_error *err)
{
    uint8_t *p = data;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            return zd_error_set(err, ZD_EIO, "read failed: %s", strerror(errno));
        }
        if (n == 0)
            return zd_error_set(err, ZD_ECORRUPT, "file ends before offset %llu",
                                (unsigned long long)offset);
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return 0;
}

int sh_io_apply(int fd, const sh_write *writes, size_t n, uint64_t old_size, uint64_t new_size,
                zd_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = sh_io_pwrite_all(fd, writes[i].data, writes[i].len, writes[i].offset, err);
        if (rc) return rc;
    }
    if (new_size != old_size && ftruncate(fd, (off_t)new_size) != 0)
        return zd_error_set(err, sh_io_errcode(errno), "resize failed: %s", strerror(errno));
    return 0;
}

int sh_io_make_parents(int root_fd, const char *path, zd_error *err)
{
    char dir[ZD_MAX_KEY + 1];
    size_t len = strlen(path);
    if (len > ZD_MAX_KEY) return zd_error_set(err, ZD_EINVAL, "path too long");
    memcpy(dir, path, len + 1);
    for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdirat(root_fd, dir, 0755) != 0 && errno != EEXIST)
            return zd_error_set(err, sh_io_errcode(errno), "cannot create directory %s: %s", dir,
                                strerror(errno));
        *slash = '/';
    }
    return 0;
}

int sh_io_copy(int src, int dst, uint64_t len, zd_error *err)
{
    off64_t in = 0, out = 0;
    while ((uint64_t)in < len) {
        uint64_t left = len - (uint64_t)in;
        ssize_t n = copy_file_range(src, &in, dst, &out, left < (1u << 30) ? left : 1u << 30, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            return zd_error_set(err, sh_io_errcode(errno), "cannot copy a shard: %s",
                                strerror(errno));
        if (n == 0) return zd_error_set(err, ZD_ECORRUPT, "a shard ended while it was copied");
    }
    return 0;
}

int sh_io_open(int root_fd, const char *path, zd_error *err)
{
    int fd = openat(root_fd, path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == ENOENT || errno == ENOTDIR)
        return zd_error_set(err, ZD_ENOTFOUND, "no such shard");
    if (errno == EISDIR) return zd_error_set(err, ZD_ECONFLICT, "%s is a directory", path);
    return zd_error_set(err, ZD_EIO, "cannot open %s: %s", path, strerror(errno));
}

int sh_io_sync_parent(int root_fd, const char *path, zd_error *err)
{
    const char *slash = strrchr(path, '/');
    char dir[ZD_MAX_KEY + 1] = ".";
    if (slash) {
        size_t n = (size_t)(slash - path);
        if (n > ZD_MAX_KEY) return zd_error_set(err, ZD_EINVAL, "path too long");
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = openat(root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return zd_error_set(err, ZD_EIO, "cannot open directory %s: %s", dir, strerror(errno));
    int rc = sh_fsync(fd) == 0 ? 0 : zd_error_set(err, ZD_EIO, "fsync failed: %s", strerror(errno));
    close(fd);
    return rc;
}

int sh_io_file_id(int root_fd, const char *path, int fd, sh_file_id *out)
{
    struct statx stx;
    int rc = fd >= 0 ? statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_BTIME, &stx)
                     : statx(root_fd, path, 0, STATX_INO | STATX_BTIME, &stx);
    if (rc != 0) return errno == ENOENT ? ZD_ENOTFOUND : ZD_EIO;
    out->ino = stx.stx_ino;
    out->birth_ns = (stx.stx_mask & STATX_BTIME)
                        ? (uint64_t)stx.stx_btime.tv_sec * 1000000000u + stx.stx_btime.tv_nsec
                        : 0;
    return 0;
}

bool sh_file_id_equal(const sh_file_id *a, const sh_file_id *b)
{
    return a->ino == b->ino && a->birth_ns == b->birth_ns;
}

int sh_io_create_temp(int root_fd, char *name, size_t cap, zd_error *err)
{
    static unsigned long counter;
    snprintf(name, cap, "%s/tmp.%d.%lu", SH_PRIVATE_DIR, (int)getpid(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    int fd = openat(root_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    /* The first temp file makes the directory; another thread may be making it too. */
    if (fd < 0 && errno == ENOENT &&
        (mkdirat(root_fd, SH_PRIVATE_DIR, 0755) == 0 || errno == EEXIST))
        fd = openat(root_fd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    return fd >= 0 ? fd
                   : zd_error_set(err, sh_io_errcode(errno), "cannot create %s: %s", name,
                                  strerror(errno));
}
