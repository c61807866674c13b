/* store_fs_internal.h: what the fs store's files (store_fs.c, store_fs_patch.c) share: the
 * store object and the path, ETag, sync and temp-file helpers. Not for other modules. */
#ifndef ZS_STORE_FS_INTERNAL_H
#define ZS_STORE_FS_INTERNAL_H

#include "store.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct fs_store {
    st_store base;
    int root_fd;
    int fsync_mode; /* opt_fsync_mode */
    bool openat2_ok;
} fs_store;

/* A ZD_* / ST_* code for an errno value. */
int fs_errno(int e);

/* Open a relative path beneath dirfd without following any symbolic link: an fd or -errno. */
int fs_open_beneath(const fs_store *s, int dirfd, const char *path, int flags, mode_t mode);

/* Copy key's parent path into parent ("" for the root) and return its last segment. */
const char *fs_split(const char *key, char *parent);

/* An fd of directory `parent` ("" = the root fd itself, *own false); create: mkdir -p. */
int fs_parent(const fs_store *s, const char *parent, bool create, int *fd, bool *own);

/* Take / release key's exclusive lock for a plain write: through the shard engine (keylock.h,
 * sh_engine_write_begin), so shard patches of the key are serialised with it and the engine
 * forgets the shard it cached. A failure (the engine's journal barrier) leaves it unlocked. */
int fs_write_lock(const char *key);
void fs_write_unlock(const char *key);

/* The open parent directory of a key whose write lock is held. */
typedef struct fs_locked {
    const char *last; /* the key's last segment */
    int dirfd;
    bool own; /* dirfd is not the root fd: fs_locked_close closes it */
} fs_locked;

/* Open key's (existing) parent (ZD_ENOTFOUND: none); release with fs_locked_close. */
int fs_open_parent(const fs_store *s, const char *key, fs_locked *out);

/* Open key's (existing) parent and take key's write lock: on failure nothing is held
 * (ZD_ENOTFOUND: no parent). Release with fs_write_unlock(key), then fs_locked_close. */
int fs_lock_parent(const fs_store *s, const char *key, fs_locked *out);
void fs_locked_close(fs_locked *k);

/* The ETag and size of a stat. */
void fs_etag(const struct stat *st, st_stat *out);

/* Set fd's mtime to max(now, old mtime + 1 ns) and return its new stat (key lock held). */
int fs_bump(int fd, const struct stat *old, struct stat *now_st);

/* fsync fd unless --fsync none. */
int fs_sync(const fs_store *s, int fd);

/* Create a new temp file (ST_RESERVED_PREFIX "tmp-...") in dirfd: an fd or -errno. */
int fs_temp(int dirfd, char *name, size_t cap);

/* pwrite all of data at off. */
int fs_pwrite_all(int fd, const void *data, size_t len, uint64_t off);

/* pread exactly len bytes at off; ZD_EIO if the file ends first or the read fails. */
int fs_pread_all(int fd, void *buf, size_t len, uint64_t off);

/* Metadata in the extended attribute (store_fs_meta.c). probe: whether dirfd's filesystem
 * takes user extended attributes. read: the metadata of the open value fd whose stat is st
 * (empty without). write: record m on fd whose final stat is st (nothing when the store keeps
 * no metadata). etag_at: the valid recorded ETag of dirfd/name, or "". copy: the attribute of
 * `from` onto `to` as it is (its ETag then stale). */
bool fs_meta_probe(int dirfd);
int fs_meta_read(int fd, const struct stat *st, st_meta *out);
int fs_meta_write(const fs_store *s, int fd, const struct stat *st, const st_meta *m);
int fs_meta_etag_at(int dirfd, const char *name, char *etag);
int fs_meta_copy(const fs_store *s, int from, int to);

/* The current stat of dirfd/name (or of the open fd) for a precondition: fs_etag of st, plus
 * the recorded ETag when pc wants it. */
int fs_precond_stat(const st_precond *pc, int dirfd, const char *name, const struct stat *st,
                    st_stat *cur);
int fs_precond_fd(const st_precond *pc, int fd, const struct stat *st, st_stat *cur);

/* Directories and walks (store_fs_dir.c, store_fs_iter.c). */
int fs_mkdir(st_store *base, const char *path);
int fs_rmdir(st_store *base, const char *path);
int fs_stat_dir(st_store *base, const char *path, uint64_t *mtime_ns);
int fs_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out);
uint64_t fs_mtime_ns(const struct stat *st);

/* The PATCH entry points (store_fs_patch.c). */
int fs_patch_begin(st_store *base, const char *key, uint64_t offset, st_writer **out);
int fs_patch_many(st_store *base, const char *key, const st_patch *p, size_t n,
                  const st_precond *pc, st_result *res);

#endif
