/* shard_payload.h: self-verifying inner-chunk payloads for the shard tests. A payload names the
 * chunk it belongs to and the round that wrote it and ends in a crc32c, so a test can tell,
 * after concurrent writers or a crash, which write a stored chunk came from and that it is not
 * torn or misplaced. Sizes vary per (chunk, round) like compressed chunks, or are fixed like an
 * uncompressed chain. Layout: pos u32 | round u32 | len u32 | filler | crc32c u32. */
#ifndef SHARD_PAYLOAD_H
#define SHARD_PAYLOAD_H

#include "zd_buf.h"
#include "zd_error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SP_MIN 16u /* smallest payload */

/* Payload size for (pos, round): `fixed` bytes when fixed != 0, else varying in SP_MIN..max. */
size_t sp_size(uint64_t pos, uint32_t round, size_t fixed, size_t max);

/* Build the payload of (pos, round) of `len` (>= SP_MIN) bytes into out (reset first). */
int sp_make(zd_buf *out, uint64_t pos, uint32_t round, size_t len);

/* Check a stored payload: intact and written for pos. *round gets its round. */
bool sp_check(const uint8_t *data, size_t len, uint64_t pos, uint32_t *round);

/* sh_check_buffer/sh_check_file callback: every chunk must be an intact payload of its pos. */
int sp_check_chunk(void *ctx, uint64_t pos, const uint8_t *data, size_t len, zd_error *err);

#endif
