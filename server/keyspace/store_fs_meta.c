/* store_fs_meta.c: the fs store's object metadata (st_meta, store.h) in the extended attribute
 * "user.zarrd" of the value's file.
 *
 * A PUT sets it on the temp file after the final mtime is fixed and before the rename, so
 * the value and its metadata appear together; a rename keeps them together; a value replaced
 * by a plain PUT gets none. The recorded ETag is stamped with the file's mtime and size,
 * which every write in place changes (the store bumps the mtime itself, the kernel does for
 * shard patches), so a stale ETag is dropped when read. A multi-range PATCH copies the
 * attribute to the new file it renames into place (the stamp then no longer matches).
 *
 * A root whose filesystem has no user extended attributes (probed at start-up, e.g. vfat or
 * tmpfs before Linux 6.6) keeps no metadata: st_store.keeps_meta is false and what is
 * given is dropped; values and their native ETags are unaffected. */
#include "store_fs_internal.h"

#include "zd_error.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#define FS_META_XATTR "user.zarrd"
#define FS_META_BLOB  (ST_META_MAX + 2 * ST_ETAG_MAX + 8)

static void fs_meta_stamp(const struct stat *st, char out[48])
{
    snprintf(out, 48, "%" PRIx64 "-%" PRIx64,
             (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec,
             (uint64_t)st->st_size);
}

bool fs_meta_probe(int dirfd)
{
    char tmp[64];
    int fd = fs_temp(dirfd, tmp, sizeof tmp);
    if (fd < 0) return false;
    bool ok = fsetxattr(fd, FS_META_XATTR, "1\n", 2, 0) == 0;
    close(fd);
    unlinkat(dirfd, tmp, 0);
    return ok;
}

int fs_meta_read(int fd, const struct stat *st, st_meta *out)
{
    char blob[FS_META_BLOB];
    out->etag[0] = '\0';
    out->len = 0;
    ssize_t n = fgetxattr(fd, FS_META_XATTR, blob, sizeof blob);
    if (n < 0) return errno == ENODATA || errno == ENOTSUP ? 0 : fs_errno(errno);
    char stamp[48];
    fs_meta_stamp(st, stamp);
    /* A blob this code did not write is not metadata: ignore it rather than fail reads. */
    if (st_meta_decode(blob, (size_t)n, stamp, out)) {
        out->etag[0] = '\0';
        out->len = 0;
    }
    return 0;
}

int fs_meta_write(const fs_store *s, int fd, const struct stat *st, const st_meta *m)
{
    if (!s->base.keeps_meta || (!m->etag[0] && m->len == 0)) return 0;
    char blob[FS_META_BLOB], stamp[48];
    size_t len;
    fs_meta_stamp(st, stamp);
    int rc = st_meta_encode(m, stamp, blob, sizeof blob, &len);
    if (rc) return rc;
    if (fsetxattr(fd, FS_META_XATTR, blob, len, 0) == 0) return 0;
    return errno == E2BIG || errno == ERANGE ? ZD_EOVERFLOW : fs_errno(errno);
}

int fs_meta_etag_at(int dirfd, const char *name, char *etag)
{
    etag[0] = '\0';
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : fs_errno(errno);
    struct stat st;
    st_meta m;
    int rc = fstat(fd, &st) ? fs_errno(errno) : fs_meta_read(fd, &st, &m);
    close(fd);
    if (!rc) memcpy(etag, m.etag, ST_ETAG_MAX);
    return rc;
}

int fs_meta_copy(const fs_store *s, int from, int to)
{
    if (!s->base.keeps_meta) return 0;
    char blob[FS_META_BLOB];
    ssize_t n = fgetxattr(from, FS_META_XATTR, blob, sizeof blob);
    if (n < 0) return errno == ENODATA ? 0 : fs_errno(errno);
    return fsetxattr(to, FS_META_XATTR, blob, (size_t)n, 0) ? fs_errno(errno) : 0;
}
