/* shard_check.h: the shard checker tests call after every scenario (SQLite-style invariant
 * check): the file is at least as large as the index of the layout, the index crc32c holds,
 * every entry lies inside the file outside the index and no two overlap, and optionally every
 * inner chunk decodes (the caller supplies the decoder, e.g. the array's inner codec chain). */
#ifndef SHARD_CHECK_H
#define SHARD_CHECK_H

#include "zd_buf.h"
#include "zd_codec.h"
#include "zd_error.h"
#include "zd_shard_index.h"

#include <stddef.h>
#include <stdint.h>

/* Called for each stored inner chunk (pos: its C-order position); 0 if it decodes. */
typedef int (*sh_check_chunk_fn)(void *ctx, uint64_t pos, const uint8_t *data, size_t len,
                                 zd_error *err);

/* A ready-made chunk_ok: every chunk must decode with the array's inner codec chain. */
typedef struct sh_check_codec {
    const zd_codec_chain *inner;
    zd_codec_ctx *ctx;
    zd_buf decoded; /* scratch, freed by the caller */
} sh_check_codec;

int sh_check_decodes(void *check_codec, uint64_t pos, const uint8_t *data, size_t len,
                     zd_error *err);

typedef struct sh_check_report {
    uint64_t size;        /* shard bytes */
    uint64_t live_chunks; /* non-empty entries */
    uint64_t live_bytes;  /* bytes they cover */
} sh_check_report;

/* Check an encoded shard held in memory. chunk_ok may be NULL; report may be NULL. 0, or
 * ZD_ECORRUPT (or the decoder's code) with a message naming the problem. */
int sh_check_buffer(const zd_shard_layout *l, const uint8_t *shard, size_t len,
                    sh_check_chunk_fn chunk_ok, void *ctx, sh_check_report *report, zd_error *err);

#endif
