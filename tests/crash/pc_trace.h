/* pc_trace.h: the record format of pc_trace.c (the LD_PRELOAD recorder of file system changes)
 * that powercut.c reads. One pc_rec per operation, followed by `len` bytes:
 *   PC_CREATE  a = directory inode, b = new file inode; bytes: the name
 *   PC_MKDIR   a = parent inode, b = new directory inode; bytes: the name
 *   PC_RENAME  a = old directory, b = new directory, c = the inode moved; bytes: old name NUL
 *              new name NUL
 *   PC_UNLINK  a = directory, b = the inode unlinked; bytes: the name
 *   PC_WRITE   a = file inode, b = offset; bytes: the data written
 *   PC_TRUNC   a = file inode, b = new size
 *   PC_FSYNC   a = inode synced (file or directory), b = the last seq recorded before the sync
 *              began (what it covers), c = 1 for a directory
 *   PC_SYNCFS  b = as for PC_FSYNC: everything up to it is durable
 *   PC_TMPFILE a = directory it was opened in, b = new file inode (O_TMPFILE: no name yet)
 *   PC_LINK    a = directory, b = the inode given the new name; bytes: the name
 * seq numbers the records from 1 in the order the calls took effect; t_ns is CLOCK_MONOTONIC
 * when the record was made (after the call returned). */
#ifndef PC_TRACE_H
#define PC_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#define PC_MAGIC 0x43504352u /* "RCPC" */

enum {
    PC_CREATE = 1,
    PC_MKDIR,
    PC_RENAME,
    PC_UNLINK,
    PC_WRITE,
    PC_TRUNC,
    PC_FSYNC,
    PC_SYNCFS,
    PC_TMPFILE,
    PC_LINK
};

typedef struct pc_rec {
    uint32_t magic;
    uint32_t type;
    uint64_t seq;
    uint64_t t_ns;
    uint64_t a, b, c;
    uint32_t len;
    uint32_t pad;
} pc_rec;

#endif
