/* shard_io.h: whole-buffer positional I/O and directory helpers for the shard engine, relative
 * to the store's root directory descriptor. Every function retries short transfers and EINTR
 * and maps failures to ZD_EIO with the errno text in the message. */
#ifndef SHARD_IO_H
#define SHARD_IO_H

#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Directory (under the store root) holding the log and temporary files (new shards, compaction);
 * the HTTP layer refuses key segments starting with ".zarrd-", so no request can reach it. */
#define SH_PRIVATE_DIR ".zarrd-shards"

/* No space left on the device (or the quota is exhausted): the HTTP layer answers 507. Every
 * other failed system call is ZD_EIO (500). */
#define SH_ENOSPC (-40)

/* The code for a failed write's errno: SH_ENOSPC for ENOSPC / EDQUOT, else ZD_EIO. */
int sh_io_errcode(int e);

/* One positional write of a plan: data[0..len) at offset. */
typedef struct sh_write {
    uint64_t offset;
    const uint8_t *data;
    size_t len;
} sh_write;

int sh_io_pwrite_all(int fd, const void *data, size_t len, uint64_t offset, zd_error *err);

/* A file's identity: inode number and birth time (0 where the file system keeps none), so a
 * new file that reuses a deleted file's inode number is still told apart from it. */
typedef struct sh_file_id {
    uint64_t ino;
    uint64_t birth_ns;
} sh_file_id;

/* The identity of the open file fd, or (fd < 0) of root-relative path. 0, ZD_ENOTFOUND, or
 * ZD_EIO. */
int sh_io_file_id(int root_fd, const char *path, int fd, sh_file_id *out);

bool sh_file_id_equal(const sh_file_id *a, const sh_file_id *b);

/* Read exactly len bytes at offset; ZD_ECORRUPT if the file ends first. */
int sh_io_pread_all(int fd, void *data, size_t len, uint64_t offset, zd_error *err);

/* Apply writes in order, then set the file size to new_size (one more system call, made only
 * when it differs from old_size). */
int sh_io_apply(int fd, const sh_write *writes, size_t n, uint64_t old_size, uint64_t new_size,
                zd_error *err);

/* Copy len bytes from the start of file src to the start of file dst (copy_file_range). */
int sh_io_copy(int src, int dst, uint64_t len, zd_error *err);

/* Open the existing root-relative `path` for reading and writing. Returns the descriptor, or a
 * negative ZD_E* code: ZD_ENOTFOUND when absent (also below a file), ZD_ECONFLICT when it is a
 * directory. */
int sh_io_open(int root_fd, const char *path, zd_error *err);

/* Create the parent directories of root-relative `path`. */
int sh_io_make_parents(int root_fd, const char *path, zd_error *err);

/* Create a new, uniquely named temporary file in SH_PRIVATE_DIR ("tmp.*"; leftovers of a
 * crash are removed at startup). Its root-relative name goes to name (cap >= 64). Returns the
 * descriptor or a negative ZD_E* code. */
int sh_io_create_temp(int root_fd, char *name, size_t cap, zd_error *err);

/* fsync the directory that holds root-relative `path`. */
int sh_io_sync_parent(int root_fd, const char *path, zd_error *err);

#endif
