/* shard_mem_image.h: a shard held as a value of the memory store, worked on in memory: its
 * index loaded into an sh_file (no descriptor: fd -1), and the bytes of the new value after a
 * plan (shard_plan.h), compacted when dead bytes pass the engine's threshold. The value is
 * read through an st_reader (the immutable version the change started from). */
#ifndef SHARD_MEM_IMAGE_H
#define SHARD_MEM_IMAGE_H

#include "shard_file.h"
#include "shard_plan.h"
#include "store.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The shard r holds (size bytes; r NULL or size 0: an empty shard) as an sh_file for
 * sh_plan_build, its whole index checked. ZD_ECONFLICT when the value cannot be a shard of
 * layout l; free with sh_file_free. */
int sh_mem_load(st_reader *r, uint64_t size, const zd_shard_layout *l, sh_file **out,
                zd_error *err);

/* A copy of f to plan on (the cached original stays as it is). */
int sh_mem_clone(const sh_file *f, sh_file **out, zd_error *err);

/* The new value after plan p was built on f (loaded from r, old_size bytes): a malloc'ed
 * buffer of *len bytes, compacted (live chunks in C order, then the index) when more than half
 * of it and more than 1 MiB would be dead bytes (*compacted: f no longer describes it). */
int sh_mem_image(st_reader *r, uint64_t old_size, const sh_file *f, const sh_plan *p, uint8_t **out,
                 size_t *len, bool *compacted, zd_error *err);

#endif
