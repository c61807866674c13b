/* zd_codec_crc32c.c: the crc32c bytes→bytes codec: appends the CRC-32C of the bytes as a
 * 4-byte little-endian trailer; decoding checks and strips it. No configuration. */
#include "zd_codec_internal.h"

#include "zd_crc32c.h"
#include "zd_le.h"

static const char *const crc32c_fields[] = {NULL};

int zd_codec_crc32c_parse(const cJSON *cfg, zd_error *err)
{
    return zd_codec_config_fields(cfg, "crc32c", crc32c_fields, err);
}

int zd_codec_crc32c_encode(const uint8_t *in, size_t n, zd_buf *out, zd_error *err)
{
    uint32_t crc = zd_crc32c(0, in, n);
    uint8_t trailer[4];
    zd_le_put(trailer, crc, 4);
    if (zd_buf_reserve(out, n + 4) != 0)
        return zd_error_set(err, ZD_ENOMEM, "crc32c: out of memory");
    zd_buf_append(out, in, n);
    zd_buf_append(out, trailer, 4);
    return 0;
}

int zd_codec_crc32c_check(const uint8_t *in, size_t n, size_t *payload, zd_error *err)
{
    if (n < 4)
        return zd_error_set(err, ZD_ECORRUPT, "crc32c: %zu bytes, shorter than the checksum", n);
    uint32_t stored = (uint32_t)zd_le_get(in + n - 4, 4);
    uint32_t actual = zd_crc32c(0, in, n - 4);
    if (stored != actual)
        return zd_error_set(err, ZD_ECORRUPT,
                            "crc32c: checksum mismatch (stored %08x, computed %08x)", stored,
                            actual);
    *payload = n - 4;
    return 0;
}
