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
};

/* Open the relative path beneath dirfd (the root or a directory resolved from it) without
 * following a symbolic link or leaving the root's file system. flags: open(2) flags (O_CREAT
 * is not allowed). Returns a descriptor or -errno (ELOOP / EXDEV for a crossing). */
int ks_resolve(const ks_root *ks, int dirfd, const char *path, int flags);

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
