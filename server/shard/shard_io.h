/* shard_io.h: the shard engine's file vocabulary over the key space (ks_root.h, the only code
 * that touches the disk): opening a shard, staging and publishing a new file for a shard key,
 * positional I/O, each failure turned into a ZD_E* code with a message naming what failed.
 * Shard keys are resolved beneath the root with no symbolic link followed, like every key. */
#ifndef SHARD_IO_H
#define SHARD_IO_H

#include "ks_root.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Directory (under the store root) holding the journal; the HTTP layer refuses key segments
 * starting with ".zarrd-", so no request can reach it. */
#define SH_PRIVATE_DIR ".zarrd-shards"

/* One positional write of a plan: data[0..len) at offset. */
typedef struct sh_write {
    uint64_t offset;
    const uint8_t *data;
    size_t len;
} sh_write;

int sh_io_pwrite_all(int fd, const void *data, size_t len, uint64_t offset, zd_error *err);

/* Read exactly len bytes at offset; ZD_ECORRUPT if the file ends first. */
int sh_io_pread_all(int fd, void *data, size_t len, uint64_t offset, zd_error *err);

/* Apply writes in order, then set the file size to new_size (one more system call, made only
 * when it differs from old_size). */
int sh_io_apply(int fd, const sh_write *writes, size_t n, uint64_t old_size, uint64_t new_size,
                zd_error *err);

/* Copy len bytes from the start of file src to the start of file dst. */
int sh_io_copy(int src, int dst, uint64_t len, zd_error *err);

/* fsync (data_only: fdatasync) fd. */
int sh_io_sync(int fd, bool data_only, zd_error *err);

/* Open the shard file at key to change it in place. The descriptor, or: ZD_ENOTFOUND absent
 * (also below a file), ZD_ECONFLICT a directory or a file with other hard links, ZD_EINVAL the
 * key crosses a symbolic link or special file. */
int sh_io_open(ks_root *ks, const char *key, zd_error *err);

/* A new staging file for a shard's next content. */
int sh_io_temp(ks_root *ks, ks_temp *t, zd_error *err);

/* Put the staged file t at key (parents made; `replacing`: a shard is there, ks_publish),
 * then, with sync, fsync the directories. ZD_ECONFLICT when a directory (or a value where a
 * directory should be) is in the way, ZD_EINVAL when the key crosses a symbolic link. On
 * failure t is still the caller's to discard. */
int sh_io_replace(ks_root *ks, const char *key, ks_temp *t, bool replacing, bool sync,
                  zd_error *err);

/* Remove the shard file at key (absent: nothing to do), then its empty parents. */
int sh_io_remove(ks_root *ks, const char *key, bool sync, zd_error *err);

#endif
