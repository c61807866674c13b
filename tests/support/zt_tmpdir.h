/* zt_tmpdir.h: fresh temporary directories for tests, and their recursive removal. */
#ifndef ZT_TMPDIR_H
#define ZT_TMPDIR_H

#include <stddef.h>
#include <stdint.h>

/* Create a new private directory under $TMPDIR (or /tmp) named zarrd-test.XXXXXX; its path goes
 * to out (cap bytes). 0 or ZD_EIO / ZD_EOVERFLOW. */
int zt_tmpdir_create(char *out, size_t cap);

/* Remove path and everything below it without following symlinks. 0 or ZD_EIO. */
int zt_tmpdir_remove(const char *path);

/* Number of entries (files, directories, links) below path, not counting path itself; -1 when
 * path cannot be walked. Tests use it to prove that a refused request created nothing. Not
 * thread-safe (nftw's callback has no user pointer, so the count is a static). */
long zt_tmpdir_count(const char *path);

/* A fingerprint of the tree below path (not following symlinks): every entry's relative path,
 * type, mode, size, modification time, and a regular file's bytes or a link's target. Any file
 * created, changed or removed below path (even created and removed again: its directory's
 * mtime moves) changes it. 0 or ZD_EIO. Not thread-safe (nftw). */
int zt_tree_hash(const char *path, uint64_t *out);

#endif
