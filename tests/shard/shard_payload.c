/* shard_payload.c: self-verifying chunk payloads for the shard tests (see shard_payload.h). */
#include "shard_payload.h"

#include "zd_crc32c.h"

#include <string.h>

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

size_t sp_size(uint64_t pos, uint32_t round, size_t fixed, size_t max)
{
    if (fixed) return fixed;
    return SP_MIN + (size_t)((pos * 7919u + round * 104729u) % (max - SP_MIN + 1));
}

int sp_make(zd_buf *out, uint64_t pos, uint32_t round, size_t len)
{
    zd_buf_reset(out);
    int rc = zd_buf_reserve(out, len);
    if (rc) return rc;
    uint8_t *p = out->data;
    put_u32(p, (uint32_t)pos);
    put_u32(p + 4, round);
    put_u32(p + 8, (uint32_t)len);
    for (size_t i = 12; i < len - 4; i++)
        p[i] = (uint8_t)(pos + round + i);
    put_u32(p + len - 4, zd_crc32c(0, p, len - 4));
    out->len = len;
    return 0;
}

bool sp_check(const uint8_t *data, size_t len, uint64_t pos, uint32_t *round)
{
    if (len < SP_MIN || get_u32(data) != (uint32_t)pos || get_u32(data + 8) != len ||
        get_u32(data + len - 4) != zd_crc32c(0, data, len - 4))
        return false;
    *round = get_u32(data + 4);
    return true;
}

int sp_check_chunk(void *ctx, uint64_t pos, const uint8_t *data, size_t len, zd_error *err)
{
    (void)ctx;
    uint32_t round;
    return sp_check(data, len, pos, &round)
               ? 0
               : zd_error_set(err, ZD_ECORRUPT, "chunk %llu holds a torn or misplaced payload",
                              (unsigned long long)pos);
}
