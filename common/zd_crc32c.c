/* zd_crc32c.c: CRC-32C (see zd_crc32c.h).
 *
 * Reflected CRC with polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF. On x86 the
 * SSE4.2 crc32 instruction computes exactly this register update 8 bytes at a time; the choice
 * is made once at load time with __builtin_cpu_supports. The portable path is a 256-entry
 * byte table built at load time as well.
 *
 * Combining works on polynomials over GF(2) in the same reflected bit order (bit 31 is x^0):
 * appending len_b zero bytes to a message multiplies its CRC register by x^(8 len_b) mod P,
 * and for equal-length messages the conditioned CRCs are affine, so
 * crc(a || b) = crc_a * x^(8 len_b) mod P xor crc_b. */
#include "zd_crc32c.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define ZD_CRC32C_X86 1
#endif

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc_table[256];

static uint32_t crc_table_update(uint32_t reg, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        reg = crc_table[(reg ^ p[i]) & 0xFFu] ^ (reg >> 8);
    return reg;
}

uint32_t zd_crc32c_portable(uint32_t crc, const void *data, size_t len)
{
    return ~crc_table_update(~crc, data, len);
}

#ifdef ZD_CRC32C_X86
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t reg = ~crc;
    while (len > 0 && ((uintptr_t)p & 7u) != 0) {
        reg = _mm_crc32_u8(reg, *p++);
        len--;
    }
#ifdef __x86_64__
    uint64_t reg64 = reg;
    for (; len >= 8; len -= 8, p += 8) {
        uint64_t word;
        memcpy(&word, p, sizeof word);
        reg64 = _mm_crc32_u64(reg64, word);
    }
    reg = (uint32_t)reg64;
#endif
    for (; len >= 4; len -= 4, p += 4) {
        uint32_t word;
        memcpy(&word, p, sizeof word);
        reg = _mm_crc32_u32(reg, word);
    }
    while (len-- > 0)
        reg = _mm_crc32_u8(reg, *p++);
    return ~reg;
}
#endif

/* a * b mod P, both in reflected order. */
static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
    uint32_t product = 0;
    for (uint32_t bit = 0x80000000u; a != 0; bit >>= 1) {
        if (a & bit) {
            product ^= b;
            a ^= bit;
        }
        b = (b & 1u) ? (b >> 1) ^ CRC32C_POLY : b >> 1;
    }
    return product;
}

static uint32_t x8_pow2[64]; /* x^(8 * 2^k) mod P */

static uint32_t (*crc_impl)(uint32_t, const void *, size_t) = zd_crc32c_portable;

__attribute__((constructor)) static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t reg = i;
        for (int bit = 0; bit < 8; bit++)
            reg = (reg & 1u) ? (reg >> 1) ^ CRC32C_POLY : reg >> 1;
        crc_table[i] = reg;
    }
    x8_pow2[0] = 0x00800000u; /* x^8 */
    for (int k = 1; k < 64; k++)
        x8_pow2[k] = gf2_mulmod(x8_pow2[k - 1], x8_pow2[k - 1]);
#ifdef ZD_CRC32C_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("sse4.2")) crc_impl = crc_hw;
#endif
}

uint32_t zd_crc32c(uint32_t crc, const void *data, size_t len)
{
    return crc_impl(crc, data, len);
}

/* x^(8 n) mod P as a product of the precomputed x^(8 * 2^k) for the set bits k of n. */
static uint32_t x_pow_8n(uint64_t n)
{
    uint32_t result = 0x80000000u; /* x^0 */
    for (int k = 0; n != 0; n >>= 1, k++)
        if (n & 1u) result = gf2_mulmod(result, x8_pow2[k]);
    return result;
}

uint32_t zd_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
    return gf2_mulmod(x_pow_8n(len_b), crc_a) ^ crc_b;
}
