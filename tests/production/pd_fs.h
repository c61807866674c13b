/* pd_fs.h: file-system helpers for the production tests: counting the server's temp files
 * below a root (to prove an aborted or refused write left nothing behind) and mounting a small
 * tmpfs to run a server on a disk that fills up or turns read-only. */
#ifndef PD_FS_H
#define PD_FS_H

#include <stdbool.h>
#include <stddef.h>

/* Number of the fs store's temp files below dir (every file in a .zarrd-staging directory, and
 * names starting ".zarrd-tmp-" that older versions left beside keys); -1 when dir cannot be
 * walked. */
long pd_temp_files(const char *dir);

/* Poll pd_temp_files(dir) for up to timeout_ms until it is 0 (a server removes the temp file of
 * an aborted body when it notices the close, which may be a moment after the client's close).
 * Returns the last count. */
long pd_temp_files_settle(const char *dir, int timeout_ms);

/* Create a fresh private directory (path to out, cap bytes) and mount a tmpfs of size_kib KiB
 * on it. 0; ZD_EUNSUPPORTED when this process may not mount (not root, no CAP_SYS_ADMIN, in a
 * container that forbids it): the caller skips; ZD_EIO on other failures. */
int pd_tmpfs_mount(char *out, size_t cap, unsigned size_kib);

/* Remount the tmpfs at dir read-only (writes then fail with EROFS, an I/O error the server
 * cannot avoid) or read-write again. 0 or ZD_EIO. */
int pd_tmpfs_set_readonly(const char *dir, bool readonly);

/* Unmount (lazily, so a straggling open file cannot keep it busy) and remove the directory. */
void pd_tmpfs_unmount(const char *dir);

#endif
