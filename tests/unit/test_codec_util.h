/* test_codec_util.h: helpers the codec chain tests share — chunk specs, chains built from JSON
 * text, deterministic pseudo-random chunk contents, running the gzip/zstd command-line tools,
 * and an independent bitwise CRC-32C to check encodings against. */
#ifndef TEST_CODEC_UTIL_H
#define TEST_CODEC_UTIL_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zd_codec.h"

static inline zd_chunk_spec tc_spec(zd_dtype t, int ndim, const uint64_t *shape, uint8_t fill)
{
    zd_chunk_spec s;
    memset(&s, 0, sizeof s);
    s.ndim = ndim;
    s.dtype = t;
    for (int d = 0; d < ndim; d++)
        s.shape[d] = shape[d];
    memset(s.fill, fill, zd_dtype_size(t));
    return s;
}

/* Build a chain from JSON text; rc and err as zd_codec_chain_new gives them. */
static inline int tc_try(const char *json, const zd_chunk_spec *spec, zd_codec_chain **out,
                         zd_error *err)
{
    cJSON *codecs = cJSON_Parse(json);
    cr_assert_not_null(codecs, "bad test JSON: %s", json);
    zd_error_clear(err);
    *out = NULL;
    int rc = zd_codec_chain_new(codecs, spec, out, err);
    cJSON_Delete(codecs);
    return rc;
}

static inline zd_codec_chain *tc_chain(const char *json, const zd_chunk_spec *spec)
{
    zd_error err;
    zd_codec_chain *c;
    int rc = tc_try(json, spec, &c, &err);
    cr_assert_eq(rc, 0, "chain %s: %s", json, err.msg);
    return c;
}

/* Deterministic bytes (xorshift), different per seed. */
static inline void tc_random(uint8_t *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (uint8_t)x;
    }
}

/* Compressible contents: small values with runs. */
static inline void tc_smooth(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i / 7) % 13);
}

/* Bitwise reflected CRC-32C (polynomial 0x82F63B78), independent of zd_crc32c. */
static inline uint32_t tc_crc32c(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
    return ~crc;
}

static inline void tc_put_u64le(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void tc_put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline void tc_write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

/* Run `cmd` (a shell pipeline that writes to stdout) and collect its output into out. */
static inline void tc_run(const char *cmd, zd_buf *out)
{
    FILE *f = popen(cmd, "r");
    cr_assert_not_null(f, "popen %s", cmd);
    uint8_t tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        cr_assert_eq(zd_buf_append(out, tmp, got), 0);
    cr_assert_eq(pclose(f), 0, "command failed: %s", cmd);
}

#endif
