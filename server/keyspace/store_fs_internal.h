/* store_fs_internal.h: what the fs store's files (store_fs.c, store_fs_patch.c,
 * store_fs_col.c) share: the store object, ETags and mtimes, syncs per mode and the change
 * bracket. Not for other modules. */
#ifndef ZS_STORE_FS_INTERNAL_H
#define ZS_STORE_FS_INTERNAL_H

#include "fdcache.h"
#include "store.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#define FS_NEW_DIRS 64 /* directories whose last PUT's outcome is remembered (a hash's slot) */

typedef struct fs_store {
    st_store base; /* base.files: the key space on disk; base.keys: the key locks */
    ks_root *ks;
    ks_fsync_mode fsync;
    _Atomic uint64_t put_mem; /* bytes of PUT bodies held in memory (store_fs.c) */
    fc_cache *cache;          /* open descriptors and stats of values read (fdcache.h) */
    st_journal journal;       /* lent by the shard engine (st_fs_set_journal); write NULL: none */
    _Atomic uint8_t new_keys_in[FS_NEW_DIRS]; /* by a hash of a key's directory: whether the
                                                 last PUT there made a new key (store_fs.c) */
} fs_store;

/* Plain values up to this are changed in place through the journal (raw PATCH bodies, PUTs
 * that overwrite a value) when one is lent; larger ones go to a copy that replaces the file
 * (server/API.md, "In-place writes"). */
#define FS_INPLACE_MAX (1u << 20)

/* Begin / end a change of key: its exclusive lock and the change announcement (keylock.h; the
 * shard engine journals a barrier and forgets the shard). A failure leaves it unlocked. */
int fs_change_begin(fs_store *s, const char *key);
void fs_change_end(fs_store *s, const char *key);

/* The same, announcing the change to every watcher but `origin` (the journal's lender when
 * the change goes through its journal). */
int fs_change_begin_from(fs_store *s, const char *key, const void *origin);
void fs_change_end_from(fs_store *s, const char *key, const void *origin);

/* Under key's change bracket: whether its file may be changed in place now. Not while a GET
 * streams a key of its stripe (the reader would see the change half done), nor before the
 * stripe's values are sent by copy (a socket may still hold page-cache pages sendfile gave it,
 * keylock.h): then the change goes to a copy renamed over the key, readers keep what they
 * opened, and the stripe is marked so the next change can be in place. */
bool fs_in_place_ok(fs_store *s, const char *key);

/* The ETag and size of a stat. */
void fs_etag(const struct stat *st, st_stat *out);

/* Set fd's mtime to max(now, old mtime + 1 ns) and return its new stat (key lock held). */
int fs_bump(int fd, const struct stat *old, struct stat *now_st);

/* fsync fd under --fsync always (before the change becomes visible). */
int fs_sync(const fs_store *s, int fd);

/* A staged file's bytes must be durable before the rename that publishes it can be: else a
 * power cut may keep the rename and lose the bytes, leaving an empty or partial value (found
 * by tests/crash/powercut). always: fsync fd; batch: a group commit (ks_commit_batch) before
 * the rename, and another after it (fs_durable); none: nothing. */
int fs_sync_staged(const fs_store *s, int fd);

/* After a change (locks released): make it durable per mode. always: fsync the directory the
 * change renamed into or removed from (dir; NULL: none) and, when a staged file was published,
 * the staging directory; batch: wait for the group commit (ks_commit_batch: blocks, so writes
 * run on I/O threads); none: nothing. */
int fs_durable(const fs_store *s, const ks_entry *dir, bool published);

/* Metadata in the extended attribute (store_fs_meta.c). read: the metadata of the open value
 * fd whose stat is st (empty without). write: record m on fd whose final stat is st (nothing
 * when the store keeps no metadata). copy: the attribute of `from` onto `to` as it is (its
 * ETag then stale). */
int fs_meta_read(const fs_store *s, int fd, const struct stat *st, st_meta *out);
int fs_meta_write(const fs_store *s, int fd, const struct stat *st, const st_meta *m);
int fs_meta_copy(const fs_store *s, int from, int to);
/* Whether the open value carries metadata (an overwrite in place would keep it). */
bool fs_meta_present(const fs_store *s, int fd);

/* The current stat of the open value fd for a precondition: fs_etag of st, plus the recorded
 * ETag when pc wants it. */
int fs_precond_stat(const fs_store *s, const st_precond *pc, int fd, const struct stat *st,
                    st_stat *cur);

/* The lazy walk in byte order of whole keys (store_fs_iter.c). */
int fs_iter_open(st_store *base, const char *prefix, size_t len, st_iter **out);
uint64_t fs_mtime_ns(const struct stat *st);

/* The same for a change of two keys at once (a move), kl_change_begin_pair. */
int fs_change_begin_pair(fs_store *s, const char *a, const char *b);
void fs_change_end_pair(fs_store *s, const char *a, const char *b);

/* Collections and moves (store_fs_col.c). */
int fs_lookup(st_store *base, const char *key, st_stat *st, bool *is_dir);
int fs_mkcol(st_store *base, const char *key);
int fs_rmcol(st_store *base, const char *key);
int fs_move(st_store *base, const char *src, const char *dst, const st_precond *pc, st_result *res);

/* The PATCH entry points (store_fs_patch.c). */
int fs_patch_begin(st_store *base, const char *key, uint64_t offset, st_writer **out);
int fs_patch_many(st_store *base, const char *key, const st_patch *p, size_t n,
                  const st_precond *pc, st_result *res);

#endif
