/* shard_check_file.h: the shard checker (server/shard/shard_check.h) over a file named by a
 * path, for tests and the shard_check tool. It lives with the tests: the server itself never
 * opens a path outside its key space (server/keyspace/ks_root.h). */
#ifndef SHARD_CHECK_FILE_H
#define SHARD_CHECK_FILE_H

#include "shard_check.h"

/* Read the whole file at path into out (appended). ZD_ENOTFOUND if there is none, ZD_EIO or
 * ZD_ENOMEM with a message. */
int sh_check_read_file(const char *path, zd_buf *out, zd_error *err);

/* Check the shard file at path (sh_check_buffer). ZD_ENOTFOUND if there is none. */
int sh_check_file(const char *path, const zd_shard_layout *l, sh_check_chunk_fn chunk_ok, void *ctx,
                  sh_check_report *report, zd_error *err);

#endif
