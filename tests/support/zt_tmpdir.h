/* zt_tmpdir.h: fresh temporary directories for tests, and their recursive removal. */
#ifndef ZT_TMPDIR_H
#define ZT_TMPDIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* $TMPDIR (or /tmp) + "/" + name into out[cap], e.g. a template for mkdtemp or mkstemp: every
 * file a test makes goes under the TMPDIR that tests/run.sh checks for leftovers. 0, or -1
 * when it does not fit. Header-only, so unit tests that link nothing of tests/support use it
 * too. */
static inline int zt_tmp_path(char *out, size_t cap, const char *name)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    int n = snprintf(out, cap, "%s/%s", base, name);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

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
