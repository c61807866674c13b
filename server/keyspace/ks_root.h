/* ks_root.h: the key space on disk, the only code in the server that touches the file system
 * under the data directory (--root). The fs store, the shard engine, its journal and the
 * zarr.json lookups name keys and get descriptors from here; no other server file makes a path
 * system call (open, openat, mkdir, rename, unlink, stat, fopen, opendir...) or a write/sync on
 * a store file: tests/lint/fs_calls.sh fails the suite if one does.
 *
 * Confinement. A key (a zd_key: '/'-separated, no "." / ".." or empty segment) is resolved
 * beneath a descriptor of the root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV); where openat2 is missing (Linux < 5.6, seccomp
 * filters) segment by segment with openat(O_NOFOLLOW) and a device check per segment. A key
 * whose path crosses a symbolic link, a special file or a mount point is ZD_EBADKEY. Every later
 * step (stat, rename, unlink, mkdir) is relative to a directory descriptor resolved that way,
 * never to a path, so a tree that changes meanwhile (a directory swapped for a symbolic link)
 * cannot lead outside the root. Opening a file to change it in place (ks_open_write,
 * ks_entry_open_file for writing) refuses one with more than one hard link (ZD_ELINKED): its
 * other name may be outside the root.
 *
 * Staging. Every new file is born in one directory, ROOT/.zarrd-staging/ (created with the first
 * temp file, on the root's file system): plain PUT bodies, PATCH copies and spools, new shards,
 * compactions, shard copies, S3 multipart parts. Where the file system has O_TMPFILE, a temp
 * file has no name at all until it is published: a new key is then one link into its
 * directory, and the staging directory is not touched (two directory locks less per new key,
 * which two event loops creating keys at once contended for). A replaced key, or a file system
 * without O_TMPFILE, gets a name in the staging directory and a rename over the key.
 * ks_root_open removes everything in it, and an unnamed temp file vanishes by itself, so a
 * crash leaves no garbage anywhere under the root. Names starting
 * with ".zarrd-" are refused as key segments by the HTTP layer and never listed, so no request
 * reaches the staging area or the server's private files (the shard journal, ks_private_open).
 *
 * Durability: ks_fsync / ks_syncfs / ks_sync_staging (each call counted for
 * /_zarrd/metrics); callers decide by their --fsync mode what to sync and when; under batch,
 * ks_commit_batch is the group commit every writer of the store shares.
 *
 * Errors: 0 or a negative ZD_E* code, never -errno: ZD_ENOTFOUND (no such file, or a parent is
 * missing or not a directory), ZD_EBADKEY, ZD_EISDIR, ZD_ELINKED, ZD_ENOSPC (ENOSPC, EDQUOT),
 * ZD_ENOMEM, ZD_EOVERFLOW (EFBIG), ZD_EIO. On failure errno still holds the failing system
 * call's reason, for messages.
 *
 * Locking is the caller's: hold the key's lock (keylock.h) around a read-check-replace step.
 * A ks_root is shared by every thread. */
#ifndef KS_ROOT_H
#define KS_ROOT_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The --fsync mode, the one type every layer uses. */
typedef enum ks_fsync_mode {
    KS_FSYNC_NONE,   /* page cache only: survives kill -9, not power loss */
    KS_FSYNC_BATCH,  /* group commit: acknowledged after a sync shared by many writes */
    KS_FSYNC_ALWAYS, /* acknowledged after the write's own sync */
} ks_fsync_mode;

#define KS_STAGING_DIR    ".zarrd-staging"
#define KS_PRIVATE_PREFIX ".zarrd-" /* names the server keeps to itself */
#define KS_TEMP_NAME_MAX  48

typedef struct ks_root ks_root;

/* How new files are born; tests pick the paths other systems take. */
typedef enum ks_tmpfile_mode {
    KS_TMPFILE_AUTO, /* unnamed (O_TMPFILE) where that works, linked the cheapest way */
    KS_TMPFILE_OFF,  /* every temp file named, as where O_TMPFILE is missing */
    KS_TMPFILE_PROC, /* linked through /proc/self/fd, as without CAP_DAC_READ_SEARCH */
} ks_tmpfile_mode;

typedef struct ks_opts {
    ks_fsync_mode fsync;
    bool walk; /* resolve with the O_NOFOLLOW walk even where openat2 works (tests) */
    ks_tmpfile_mode tmpfile;
} ks_opts;

/* Open (creating it and its parents if missing) the root directory `path`, probe openat2 and
 * empty the staging area. */
int ks_root_open(const char *path, const ks_opts *opts, ks_root **out, zd_error *err);
void ks_root_close(ks_root *ks);

ks_fsync_mode ks_fsync_mode_of(const ks_root *ks);

/* Whether keys are resolved by the segment walk (no openat2, or opts.walk). */
bool ks_walks(const ks_root *ks);

/* ---- values by key ---- */

/* Open the regular file at key for reading / for reading and writing in place (one hard link
 * only). ZD_ENOTFOUND also when key is a directory. *st gets its fstat. */
int ks_open_read(ks_root *ks, const char *key, int *fd, struct stat *st);
int ks_open_write(ks_root *ks, const char *key, int *fd, struct stat *st);

/* fstat of whatever key names (a symbolic link is ZD_EBADKEY; any other type is returned). */
int ks_stat(ks_root *ks, const char *key, struct stat *st);

/* A file's identity: inode number and birth time (0 where the file system keeps none), so a new
 * file that reuses a deleted file's inode number is still told apart from it. */
typedef struct ks_id {
    uint64_t ino;
    uint64_t birth_ns;
} ks_id;

int ks_id_of_fd(int fd, ks_id *out);
/* Whether the open file fd still has a name (false once it was deleted or renamed over, or
 * when it cannot be asked): one fstat, cheaper than resolving its key again. */
bool ks_fd_named(int fd);
/* The identity of the file at key: ZD_ENOTFOUND when there is none. */
int ks_id_of_key(ks_root *ks, const char *key, ks_id *out);
bool ks_id_equal(const ks_id *a, const ks_id *b);

/* ---- entries: a key's parent directory, resolved once, and its last segment ---- */

typedef struct ks_entry {
    const char *key;  /* the caller's, kept alive while the entry is open */
    const char *name; /* the last segment, inside key */
    int dirfd;        /* the parent directory (the root's descriptor for top-level keys) */
    bool own;         /* dirfd is not the root's: ks_entry_close closes it */
    bool lent;        /* dirfd is the thread's kept one (ks_turn.c): ks_entry_close returns it */
} ks_entry;

/* Resolve key's parent directory; make_parents: create the missing ones (a value where a
 * directory should be is then ZD_EISDIR). Without make_parents a missing parent is
 * ZD_ENOTFOUND. */
int ks_entry_open(ks_root *ks, const char *key, bool make_parents, ks_entry *e);
void ks_entry_close(ks_entry *e);

/* An event-loop worker's turn ends: the parent directory it kept from the turn for entries of
 * the same directory is closed (server/keyspace/ks_turn.c). A thread that calls this keeps
 * one; other threads do not. */
void ks_turn_end(void);

/* lstat of the entry: the caller sees symbolic links and directories as they are. */
int ks_entry_stat(const ks_entry *e, struct stat *st);

/* Open the entry's regular file (never through a symbolic link); write: for reading and
 * writing in place (ZD_ELINKED with other hard links). */
int ks_entry_open_file(const ks_entry *e, bool write, int *fd, struct stat *st);

/* Whether key's parents exist or could be made (a value or symbolic link in the way is
 * ZD_EISDIR / ZD_EBADKEY), checked before a body is accepted. Creates nothing. */
int ks_check_parents(ks_root *ks, const char *key);

/* ---- staging: where every new file is born ---- */

typedef struct ks_temp {
    int fd;                      /* -1: none */
    bool unnamed;                /* O_TMPFILE, not yet linked anywhere */
    char name[KS_TEMP_NAME_MAX]; /* in the staging directory; "" if unnamed, published or
                                    discarded */
} ks_temp;

/* A new, empty file (read-write): unnamed where the file system allows, else named in the
 * staging directory. */
int ks_temp_create(ks_root *ks, ks_temp *t);
/* Close it and remove its name, if it still has one. */
void ks_temp_discard(ks_root *ks, ks_temp *t);
/* An anonymous scratch file (unlinked at once): gone when closed, whatever happens. */
int ks_spool_create(ks_root *ks, int *fd);

/* Put the temp file at the entry, replacing what is there (atomic; a directory there is
 * ZD_EISDIR). An unnamed file is linked there, unless `replacing` says the entry holds a
 * value (then, or if the link finds one, it is named in staging and renamed over it). If the
 * entry's directory was removed meanwhile (an empty parent pruned by a delete), it is made
 * again. On success t has no name any more; its descriptor stays open. For durability then
 * fsync the entry's directory (ks_fsync(e->dirfd)) and the staging directory
 * (ks_sync_staging): the caller does, by its mode, possibly after releasing its lock. */
int ks_publish(ks_root *ks, ks_entry *e, ks_temp *t, bool replacing);

/* Link the unnamed file t at e as a new value, as ks_publish does, but ZD_EEXIST if anything
 * (a value, a directory, another file) is there already: nothing is replaced, and t stays
 * as it was, for the caller to look and then ks_publish. ZD_EINVAL if t has a name. */
int ks_link_new(ks_root *ks, ks_entry *e, ks_temp *t);

/* Whether temp files are born unnamed here (O_TMPFILE, and a way to link them found), so a
 * new key can be published with ks_link_new. False until the first temp file is made. */
bool ks_links_unnamed(const ks_root *ks);
int ks_sync_staging(ks_root *ks);

/* Remove the entry's file (ZD_ENOTFOUND if none; a directory is ZD_EISDIR). */
int ks_remove(const ks_entry *e);

/* Remove key's parent directories left empty, deepest first (never the root, never a made
 * collection: ks_mkcol). */
void ks_prune(ks_root *ks, const char *key);

/* ---- collections (ks_col.c): WebDAV MKCOL, S3 buckets ---- */

/* The mark of a made collection: an extended attribute of its directory, invisible to Zarr
 * tools reading the data directory. */
#define KS_COLLECTION_XATTR "user.zarrd.collection"

/* Make the directory e (its parent exists) and mark it made, so ks_prune keeps it while it is
 * empty; ZD_EEXIST if anything is there. On a file system without user extended attributes
 * it is made unmarked (and then pruned like any directory). */
int ks_mkcol(ks_root *ks, const ks_entry *e);
/* Whether the directory e is marked made. */
bool ks_is_made_col(const ks_entry *e);
/* Remove the empty directory e: ZD_ENOTEMPTY, ZD_ENOTFOUND (absent, or not a directory). */
int ks_rmdir(ks_root *ks, const ks_entry *e);
/* Rename from's file over to's (atomic replace of a file there; a directory there is
 * ZD_EISDIR). If to's directory was pruned after it was resolved, it is made again. */
int ks_rename(ks_root *ks, const ks_entry *from, ks_entry *to);

/* ---- server-private files: path = ".zarrd-DIR/NAME" (one level) ---- */

/* Open (create: creating it and its directory) for reading and writing. */
int ks_private_open(ks_root *ks, const char *path, bool create, int *fd);
/* Rename private file from over to (the same directory; atomic replace). */
int ks_private_rename(ks_root *ks, const char *from, const char *to);

/* ---- listings ---- */

/* Called for each value (S_ISREG) and, without recursion, each directory below a prefix; rel is
 * the entry's path relative to the prefix (NUL-terminated, len bytes). Non-zero stops. */
typedef int (*ks_list_fn)(void *ctx, const char *rel, size_t len, const struct stat *st);

/* Walk prefix ("" = the root): direct children, or with recursive every value below. Server
 * names (".zarrd-*"), symbolic links, other file systems and names no key could have are
 * skipped. A missing prefix lists nothing. */
int ks_list(ks_root *ks, const char *prefix, bool recursive, ks_list_fn fn, void *ctx);

/* ---- I/O and durability on descriptors this layer opened ---- */

int ks_pwrite_all(int fd, const void *data, size_t len, uint64_t off);
/* Exactly len bytes at off: ZD_ECORRUPT if the file ends first. */
int ks_pread_all(int fd, void *buf, size_t len, uint64_t off);
int ks_truncate(int fd, uint64_t size);
/* Reserve the blocks of [from, to) beyond the end of file, so writing an extension cannot run
 * out of space halfway (a no-op where the file system cannot). */
int ks_reserve(int fd, uint64_t from, uint64_t to);
/* Grow the file to `to` bytes with [from, to) allocated (zeros), so stores through a mapping
 * there cannot fault for want of space. 0 or a ZD_E* code (ZD_ENOSPC when full). */
int ks_extend(int fd, uint64_t from, uint64_t to);
/* Map len bytes of the file from its start, shared and writable (stores reach the page cache
 * as writes do; a store beyond the end of the file faults): NULL on failure. */
void *ks_map(int fd, size_t len);
void ks_unmap(void *map, size_t len);
/* Give back the memory of [map, map + len) (page aligned); the bytes stay in the file. */
void ks_map_release(void *map, size_t len);
/* Copy len bytes (copy_file_range where it can, else read and write). */
int ks_copy(int from, uint64_t from_off, int to, uint64_t to_off, uint64_t len);
/* Set the modification time to ns since the epoch. */
int ks_set_mtime(int fd, uint64_t ns);

/* fsync (data_only: fdatasync) fd, whatever the mode. */
int ks_fsync(int fd, bool data_only);
/* syncfs of the root's file system. */
int ks_syncfs(ks_root *ks);
/* Under --fsync batch: wait until everything this thread wrote so far is durable, sharing one
 * syncfs with every writer that waits meanwhile (group commit, ks_group.h). Blocks: call it
 * from an I/O thread, after releasing locks. A no-op in the other modes. */
int ks_commit_batch(ks_root *ks);
/* Every fsync / fdatasync / syncfs the server made (zarrd_fsyncs_total). */
uint64_t ks_syncs_total(void);

#endif
