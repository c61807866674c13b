/* zd_codec_bytes.c: the bytes array→bytes codec. Configuration {"endian": "little"|"big"};
 * the endian may be omitted only for 1-byte data types. Decoded chunks hold native
 * little-endian elements, so "little" is a plain copy and "big" swaps every scalar unit
 * (zd_dtype_swap_unit: complex types swap their two halves separately). */
#include "zd_codec_internal.h"

#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zarrd assumes a little-endian host"
#endif

static const char *const bytes_fields[] = {"endian", NULL};

int zd_codec_bytes_parse(zd_codec_step *s, const cJSON *cfg, zd_dtype dtype, const char *codec,
                         zd_error *err)
{
    int rc = zd_codec_config_fields(cfg, codec, bytes_fields, err);
    if (rc) return rc;
    const cJSON *e = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "endian") : NULL;
    if (!e) {
        if (zd_dtype_size(dtype) != 1)
            return zd_error_set(err, ZD_EINVAL,
                                "%s: configuration field 'endian' is required for %s", codec,
                                zd_dtype_name(dtype));
        s->endian_given = false;
        s->big_endian = false;
        return 0;
    }
    const char *v = cJSON_IsString(e) ? e->valuestring : "";
    if (strcmp(v, "little") != 0 && strcmp(v, "big") != 0)
        return zd_error_set(err, ZD_EINVAL,
                            "%s: configuration field 'endian' must be \"little\" or \"big\"",
                            codec);
    s->endian_given = true;
    s->big_endian = v[0] == 'b';
    return 0;
}

int zd_codec_bytes_json(const zd_codec_step *s, cJSON *cfg)
{
    return cJSON_AddStringToObject(cfg, "endian", s->big_endian ? "big" : "little") ? 0 : ZD_ENOMEM;
}

void zd_codec_bytes_swap(uint8_t *dst, const uint8_t *src, size_t n, size_t unit)
{
    switch (unit) {
#define SWAP(T, BSWAP)                                                                             \
    for (size_t i = 0; i + sizeof(T) <= n; i += sizeof(T)) {                                       \
        T v;                                                                                       \
        memcpy(&v, src + i, sizeof v);                                                             \
        v = BSWAP(v);                                                                              \
        memcpy(dst + i, &v, sizeof v);                                                             \
    }                                                                                              \
    return;
    case 2:
        SWAP(uint16_t, __builtin_bswap16)
    case 4:
        SWAP(uint32_t, __builtin_bswap32)
    case 8:
        SWAP(uint64_t, __builtin_bswap64)
#undef SWAP
    default:
        if (dst != src) memmove(dst, src, n);
    }
}
