/* ks_dir.h: more of the key space on disk (ks_root.h) for the S3 front-end's store
 * operations: the pieces of a walk in name order (the lazy byte-ordered listing) and extended
 * attributes (object metadata kept with a value). Same rules as ks_root.h: everything is
 * resolved beneath the root, no symbolic link is followed, nothing leaves the root's file
 * system, errors are ZD_E*. */
#ifndef KS_DIR_H
#define KS_DIR_H

#include "ks_root.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* A descriptor of directory path ("" = the root) / of directory `name` in directory dirfd.
 * ZD_ENOTFOUND when missing or not a directory. */
int ks_dir_open(ks_root *ks, const char *path, int *fd);
int ks_dir_open_at(ks_root *ks, int dirfd, const char *name, int *fd);

/* Call fn for each value and directory in directory fd (the file type from readdir, a stat
 * only where it does not say); server names, links, special files and other file systems are
 * skipped. Non-zero from fn stops. */
typedef int (*ks_name_fn)(void *ctx, const char *name, size_t len, bool dir);
int ks_dir_names(ks_root *ks, int fd, ks_name_fn fn, void *ctx);

/* Open the regular file `name` of directory dirfd for reading (ZD_ENOTFOUND if it is none). */
int ks_file_open_at(ks_root *ks, int dirfd, const char *name, int *fd, struct stat *st);

/* ---- extended attributes ("user." names) ---- */

/* Whether the root's file system takes user extended attributes (probed by reading one). */
bool ks_attr_supported(ks_root *ks);

/* The attribute's value into buf: its length, ZD_ENOTFOUND without one, ZD_EOVERFLOW when
 * larger than cap. */
int ks_attr_get(int fd, const char *name, void *buf, size_t cap, size_t *len);
int ks_attr_set(int fd, const char *name, const void *value, size_t len);

#endif
