/* zd_crc32c.h: CRC-32C (Castagnoli), as used by Zarr v3's crc32c codec and shard indexes.
 * Uses the SSE4.2 crc32 instruction when the CPU has it, a table-driven fallback otherwise. */
#ifndef ZD_CRC32C_H
#define ZD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over more bytes: start with crc = 0; zd_crc32c(0, "123456789", 9) ==
 * 0xE3069283. zd_crc32c(zd_crc32c(0, a, n), b, m) equals the CRC of a followed by b. */
uint32_t zd_crc32c(uint32_t crc, const void *data, size_t len);

/* The table-driven implementation alone (what zd_crc32c uses without SSE4.2); same results.
 * Exposed so tests can check both paths on a machine that has the instruction. */
uint32_t zd_crc32c_portable(uint32_t crc, const void *data, size_t len);

/* The CRC of a followed by b, from crc_a = zd_crc32c(0, a, ...), crc_b = zd_crc32c(0, b, len_b)
 * and len_b alone, in O(log len_b). Lets a shard index's crc32c be updated for a changed entry
 * without rereading the whole index. */
uint32_t zd_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif
