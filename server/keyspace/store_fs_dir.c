/* store_fs_dir.c: directories as things of their own in the fs store (S3 buckets, WebDAV
 * collections; see store.h): mkdir, rmdir, stat_dir over the key space's made directories
 * (ks_dir.h: a marker inside keeps one when it is emptied; rmdir refuses a directory holding
 * anything else). Changes are synced under --fsync always. */
#include "store_fs_internal.h"

#include "ks_dir.h"

int fs_mkdir(st_store *base, const char *path)
{
    fs_store *s = (fs_store *)base;
    return ks_dir_make(s->ks, path, s->fsync == KS_FSYNC_ALWAYS);
}

int fs_rmdir(st_store *base, const char *path)
{
    fs_store *s = (fs_store *)base;
    return ks_dir_remove(s->ks, path, s->fsync == KS_FSYNC_ALWAYS);
}

int fs_stat_dir(st_store *base, const char *path, uint64_t *mtime_ns)
{
    struct stat st;
    int rc = ks_dir_stat(((fs_store *)base)->ks, path, &st);
    if (rc == 0 && mtime_ns) *mtime_ns = fs_mtime_ns(&st);
    return rc;
}
