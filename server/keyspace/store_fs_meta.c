/* store_fs_meta.c: the fs store's object metadata (st_meta, store.h) in the extended attribute
 * "user.zarrd" of the value's file.
 *
 * A PUT sets it on the staging file after the final mtime is fixed and before the rename, so
 * the value and its metadata appear together; a rename keeps them together; a value replaced
 * by a plain PUT gets none. The recorded ETag is stamped with the file's mtime and size,
 * which every write in place changes (the store bumps the mtime itself, the kernel does for
 * shard patches), so a stale ETag is dropped when read. A multi-range PATCH copies the
 * attribute to the new file it renames into place (the stamp then no longer matches).
 *
 * A root whose filesystem has no user extended attributes (probed at start-up by reading one,
 * ks_attr_supported: e.g. vfat, or tmpfs before Linux 6.6) keeps no metadata:
 * st_store.keeps_meta is false and what is given is dropped; values and their native ETags
 * are unaffected. */
#include "store_fs_internal.h"

#include "ks_dir.h"
#include "zd_error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define FS_META_XATTR "user.zarrd"
#define FS_META_BLOB  (ST_META_MAX + 2 * ST_ETAG_MAX + 8)

static void fs_meta_stamp(const struct stat *st, char out[48])
{
    snprintf(out, 48, "%" PRIx64 "-%" PRIx64, fs_mtime_ns(st), (uint64_t)st->st_size);
}

int fs_meta_read(const fs_store *s, int fd, const struct stat *st, st_meta *out)
{
    char blob[FS_META_BLOB];
    size_t n;
    out->etag[0] = '\0';
    out->len = 0;
    if (!s->base.keeps_meta) return 0;
    int rc = ks_attr_get(fd, FS_META_XATTR, blob, sizeof blob, &n);
    if (rc == ZD_ENOTFOUND || rc == ZD_EOVERFLOW) return 0; /* none, or not ours */
    if (rc) return rc;
    char stamp[48];
    fs_meta_stamp(st, stamp);
    /* A blob this code did not write is not metadata: ignore it rather than fail reads. */
    if (st_meta_decode(blob, n, stamp, out)) {
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
    return rc ? rc : ks_attr_set(fd, FS_META_XATTR, blob, len);
}

int fs_meta_copy(const fs_store *s, int from, int to)
{
    char blob[FS_META_BLOB];
    size_t n;
    if (!s->base.keeps_meta) return 0;
    int rc = ks_attr_get(from, FS_META_XATTR, blob, sizeof blob, &n);
    if (rc == ZD_ENOTFOUND) return 0;
    return rc ? rc : ks_attr_set(to, FS_META_XATTR, blob, n);
}

bool fs_meta_present(const fs_store *s, int fd)
{
    char blob[FS_META_BLOB];
    size_t n;
    if (!s->base.keeps_meta) return false;
    return ks_attr_get(fd, FS_META_XATTR, blob, sizeof blob, &n) != ZD_ENOTFOUND;
}
