/* shard_io.c: the shard engine's file helpers over the key space (see shard_io.h). */
#include "shard_io.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* The engine's code for a key-space failure: request problems as the endpoints answer them. */
static int engine_code(int rc)
{
    switch (rc) {
    case ZD_EBADKEY:
        return ZD_EINVAL;
    case ZD_EISDIR:
    case ZD_ELINKED:
        return ZD_ECONFLICT;
    default:
        return rc;
    }
}

static int fail(zd_error *err, int rc, const char *what, const char *key)
{
    int e = errno;
    const char *why = rc == ZD_EBADKEY   ? "it crosses a symbolic link or a special file"
                      : rc == ZD_EISDIR  ? "a directory is in the way"
                      : rc == ZD_ELINKED ? "the file has other hard links"
                      : rc == ZD_ENOSPC  ? "no space left"
                      : e                ? strerror(e)
                                         : zd_strerror(rc);
    return zd_error_set(err, engine_code(rc), "%s%s%s: %s", what, key ? " " : "", key ? key : "",
                        why);
}

int sh_io_pwrite_all(int fd, const void *data, size_t len, uint64_t offset, zd_error *err)
{
    int rc = ks_pwrite_all(fd, data, len, offset);
    return rc ? fail(err, rc, "write failed", NULL) : 0;
}

int sh_io_pread_all(int fd, void *data, size_t len, uint64_t offset, zd_error *err)
{
    int rc = ks_pread_all(fd, data, len, offset);
    if (rc == ZD_ECORRUPT)
        return zd_error_set(err, rc, "file ends before offset %llu", (unsigned long long)offset);
    return rc ? fail(err, rc, "read failed", NULL) : 0;
}

int sh_io_apply(int fd, const sh_write *writes, size_t n, uint64_t old_size, uint64_t new_size,
                zd_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = sh_io_pwrite_all(fd, writes[i].data, writes[i].len, writes[i].offset, err);
        if (rc) return rc;
    }
    int rc = new_size != old_size ? ks_truncate(fd, new_size) : 0;
    return rc ? fail(err, rc, "resize failed", NULL) : 0;
}

int sh_io_copy(int src, int dst, uint64_t len, zd_error *err)
{
    int rc = ks_copy(src, 0, dst, 0, len);
    if (rc == ZD_ECORRUPT) return zd_error_set(err, rc, "a shard ended while it was copied");
    return rc ? fail(err, rc, "cannot copy a shard", NULL) : 0;
}

int sh_io_sync(int fd, bool data_only, zd_error *err)
{
    int rc = ks_fsync(fd, data_only);
    return rc ? fail(err, rc, "fsync failed", NULL) : 0;
}

int sh_io_open(ks_root *ks, const char *key, zd_error *err)
{
    int fd;
    struct stat st;
    errno = 0;
    int rc = ks_open_write(ks, key, &fd, &st);
    if (rc == 0) return fd;
    if (rc == ZD_ENOTFOUND) return zd_error_set(err, rc, "no such shard");
    return fail(err, rc, "cannot open", key);
}

int sh_io_temp(ks_root *ks, ks_temp *t, zd_error *err)
{
    errno = 0;
    int rc = ks_temp_create(ks, t);
    return rc ? fail(err, rc == ZD_ENOSPC ? rc : ZD_EIO, "cannot create a staging file", NULL) : 0;
}

int sh_io_replace(ks_root *ks, const char *key, ks_temp *t, bool replacing, bool sync,
                  zd_error *err)
{
    ks_entry e;
    errno = 0;
    int rc = ks_entry_open(ks, key, true, &e);
    if (rc == 0) rc = ks_publish(ks, &e, t, replacing);
    if (rc == 0 && sync) rc = ks_fsync(e.dirfd, false);
    if (rc == 0 && sync) rc = ks_sync_staging(ks);
    ks_entry_close(&e);
    return rc ? fail(err, rc, "cannot place shard", key) : 0;
}

int sh_io_remove(ks_root *ks, const char *key, bool sync, zd_error *err)
{
    ks_entry e;
    errno = 0;
    int rc = ks_entry_open(ks, key, false, &e);
    if (rc == 0) rc = ks_remove(&e);
    if (rc == 0 && sync) rc = ks_fsync(e.dirfd, false);
    bool removed = rc == 0;
    ks_entry_close(&e);
    if (rc == ZD_ENOTFOUND) return 0;
    if (rc) return fail(err, rc, "cannot delete shard", key);
    if (removed) ks_prune(ks, key);
    return 0;
}
