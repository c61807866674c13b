/* ks_internal.h: what the files of the key-space layer (ks_*.c) share: the root object and
 * the resolver. Not for other modules: they use ks_root.h. */
#ifndef KS_INTERNAL_H
#define KS_INTERNAL_H

#include "ks_group.h"
#include "ks_root.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

struct ks_root {
    int root_fd; /* O_RDONLY | O_DIRECTORY: usable for fsync and as a dirfd */
    dev_t dev;   /* the root's file system: keys never leave it */
    ks_fsync_mode fsync;
    bool openat2; /* resolve with openat2 (else the segment walk) */
    pthread_mutex_t staging_mu;
    atomic_int staging_fd; /* -1 until the first temp file makes the directory */
    int link_way;          /* how unnamed temp files get a name (ks_link_way), set with it */
    ks_tmpfile_mode tmpfile;
    int pid; /* for temp names */
    _Atomic uint64_t temp_counter;
    ks_group *batch; /* --fsync batch: group commit by syncfs of the root's file system */
    _Atomic uint64_t dirs_epoch; /* counts directories removed or found gone (ks_turn.c) */
};

/* Open the relative path beneath dirfd (the root or a directory resolved from it) without
 * following a symbolic link or leaving the root's file system. flags: open(2) flags (O_CREAT
 * is not allowed). Returns a descriptor or -errno (ELOOP / EXDEV for a crossing). */
int ks_resolve(const ks_root *ks, int dirfd, const char *path, int flags);

/* ---- the turn's directory (ks_turn.c) ----
 * The last parent directory a worker resolved in its event-loop turn, lent to the next entry
 * of the same directory in that turn, unless a directory was removed (or found gone) since. */

/* The kept descriptor of directory path (len bytes) for one more entry, or -1. */
int ks_turn_dir(const ks_root *ks, const char *path, size_t len);
/* Keep fd, just resolved for path with ks_dirs_epoch() == epoch read before resolving, and
 * lend it to the caller's entry; false when not kept (the caller keeps owning fd). */
bool ks_turn_keep(const ks_root *ks, const char *path, size_t len, int fd, uint64_t epoch);
/* An entry no longer holds the kept fd. */
void ks_turn_release(int fd);
uint64_t ks_dirs_epoch(const ks_root *ks);
/* A directory was removed (or found gone): no kept descriptor is lent again. */
void ks_dirs_changed(ks_root *ks);
/* Remove the empty directory e, the one way the key space removes a directory (so kept
 * descriptors hear of it): 0, or -1 with errno. */
int ks_remove_dir(ks_root *ks, const ks_entry *e);

/* The ZD_E* code of an errno value. */
int ks_errno(int e);

/* How an O_TMPFILE file is given a name: linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH,
 * the /proc/self/fd link works without; NONE: the file system has no O_TMPFILE. */
typedef enum ks_link_way { KS_LINK_NONE, KS_LINK_EMPTY_PATH, KS_LINK_PROC } ks_link_way;

/* The staging directory's descriptor, making the directory (and probing ks_link_way) on first
 * use: >= 0 or a ZD_E*. */
int ks_staging(ks_root *ks);

/* Link the unnamed temp file fd at dirfd/name: 0 or -1 with errno. */
int ks_link_unnamed(const ks_root *ks, int fd, int dirfd, const char *name);

/* Give an unnamed temp file a name in the staging directory (no-op for a named one). */
int ks_temp_name(ks_root *ks, ks_temp *t);

/* Count one fsync-family call. */
void ks_count_sync(void);

#endif
