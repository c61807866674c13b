/* shard_file.h: one shard as the engine keeps it in memory while it is in use: the open file,
 * its decoded index, the crc32c of the encoded entries and the free gaps of its data region.
 *
 * Data region: [data_start, data_end) holds the inner chunks and gaps; the index sits right
 * before it (index "start": data_start = index size) or right after it (index "end": the file
 * is data_end + index size bytes). A shard that does not exist yet has fd -1, size 0 and an
 * empty index; an empty file (an empty value stored by a plain PUT) loads with size 0 and an
 * empty index too. All changes go through a plan (shard_plan.h). */
#ifndef SHARD_FILE_H
#define SHARD_FILE_H

#include "shard_io.h"
#include "shard_space.h"
#include "zd_shard_index.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct sh_file {
    zd_shard_layout layout;
    int fd;        /* -1: no file */
    ks_id id;      /* of the open file, to notice it being replaced behind our back */
    uint64_t size; /* file size; 0 when there is no file */
    uint64_t data_start, data_end;
    zd_shard_entry *entries; /* layout.nchunks */
    uint64_t live_chunks;
    uint32_t crc; /* crc32c of the encoded entries (with layout.index_crc32c) */
    sh_space space;
} sh_file;

/* Load the shard at `key` of the key space for layout l: an absent file gives an empty shard.
 * A file that cannot be a shard of this layout (too small, index crc32c or bounds wrong; a
 * directory; a file with other hard links) is ZD_ECONFLICT with the reason; I/O problems
 * ZD_EIO. */
int sh_file_load(ks_root *ks, const char *key, const zd_shard_layout *l, sh_file **out,
                 zd_error *err);

/* Forget the file (after it was deleted): the shard is empty and absent. */
void sh_file_reset_absent(sh_file *f);

/* Take fd (the shard's file, now open) and record its identity. */
int sh_file_adopt_fd(sh_file *f, int fd, zd_error *err);

/* Whether the file f has open is still named (or, for an absent shard, key still names
 * nothing): false after another process deleted the file or renamed another over it behind
 * zarrd's back. Changes through zarrd drop the engine's cached shard before they begin
 * (plain_write_begins), so this guards only against outside edits, at one fstat a patch
 * instead of resolving the key again (three system calls). */
bool sh_file_is_current(const sh_file *f, ks_root *ks, const char *key);

/* The crc32c trailer of an encoded index of layout l (little-endian, as the crc32c codec
 * writes it): the crc of the entries, kept in sh_file.crc. */
uint32_t sh_index_stored_crc(const zd_shard_layout *l, const uint8_t *index);

/* 0 if a shard of size bytes can hold the index of layout l, else ZD_ECONFLICT. */
int sh_index_fits(const zd_shard_layout *l, uint64_t size, zd_error *err);

/* Describe f (layout set, entries allocated) as the shard of size > 0 bytes whose encoded
 * index is index[zd_shard_index_size]: entries, crc, data region, live chunks, free space. A
 * shard that does not match the layout is ZD_ECONFLICT. Shared by files and memory values. */
int sh_file_set_index(sh_file *f, uint64_t size, const uint8_t *index, zd_error *err);

/* Byte offset of the encoded index in the file. */
uint64_t sh_file_index_offset(const sh_file *f);

void sh_file_free(sh_file *f);

#endif
