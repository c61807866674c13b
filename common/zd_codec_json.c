/* zd_codec_json.c: the JSON side of codecs — checking a codec's "configuration" object (only
 * known fields, integers in range) and writing a chain back out as a zarr.json `codecs` array. */
#include "zd_codec_internal.h"

#include <math.h>
#include <string.h>

int zd_codec_config_fields(const cJSON *cfg, const char *codec, const char *const *allowed,
                           zd_error *err)
{
    if (!cfg) return 0;
    if (!cJSON_IsObject(cfg))
        return zd_error_set(err, ZD_EINVAL, "%s: configuration must be an object", codec);
    for (const cJSON *f = cfg->child; f; f = f->next) {
        bool known = false;
        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, f->string) == 0;
        if (!known)
            return zd_error_set(err, ZD_EINVAL, "%s: unknown configuration field '%s'", codec,
                                f->string);
    }
    return 0;
}

int zd_codec_config_int(const cJSON *cfg, const char *codec, const char *field, int lo, int hi,
                        int *out, zd_error *err)
{
    const cJSON *v = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, field) : NULL;
    if (!v)
        return zd_error_set(err, ZD_EINVAL, "%s: configuration field '%s' is required", codec,
                            field);
    double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!(d >= lo && d <= hi) || d != floor(d))
        return zd_error_set(err, ZD_EINVAL,
                            "%s: configuration field '%s' must be an integer in %d..%d", codec,
                            field, lo, hi);
    *out = (int)d;
    return 0;
}

cJSON *zd_codec_json_new(const char *name, cJSON **config)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddStringToObject(o, "name", name)) goto fail;
    if (config && !(*config = cJSON_AddObjectToObject(o, "configuration"))) goto fail;
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static const char *step_name(zd_codec_kind k)
{
    switch (k) {
    case ZD_CODEC_TRANSPOSE:
        return "transpose";
    case ZD_CODEC_BYTES:
        return "bytes";
    case ZD_CODEC_SHARDING:
        return "sharding_indexed";
    case ZD_CODEC_GZIP:
        return "gzip";
    case ZD_CODEC_ZSTD:
        return "zstd";
    case ZD_CODEC_CRC32C:
        return "crc32c";
    }
    return "unknown";
}

/* Codecs with nothing to configure are written as {"name": ...} alone. */
static bool has_config(const zd_codec_step *s)
{
    return s->kind != ZD_CODEC_CRC32C && (s->kind != ZD_CODEC_BYTES || s->endian_given);
}

static int step_json(const zd_codec_chain *c, const zd_codec_step *s, cJSON **out, zd_error *err)
{
    cJSON *cfg = NULL;
    cJSON *o = zd_codec_json_new(step_name(s->kind), has_config(s) ? &cfg : NULL);
    if (!o) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    int rc = 0;
    switch (s->kind) {
    case ZD_CODEC_TRANSPOSE:
        rc = zd_codec_transpose_json(s, c->spec.ndim, cfg);
        break;
    case ZD_CODEC_BYTES:
        rc = cfg ? zd_codec_bytes_json(s, cfg) : 0;
        break;
    case ZD_CODEC_SHARDING:
        rc = zd_codec_sharding_json(c->shard, cfg, err);
        break;
    case ZD_CODEC_GZIP:
        rc = zd_codec_gzip_json(s, cfg);
        break;
    case ZD_CODEC_ZSTD:
        rc = zd_codec_zstd_json(s, cfg);
        break;
    case ZD_CODEC_CRC32C:
        break;
    }
    if (rc) {
        cJSON_Delete(o);
        return zd_error_set(err, rc, "%s: cannot write configuration", step_name(s->kind));
    }
    *out = o;
    return 0;
}

int zd_codec_chain_to_json(const zd_codec_chain *chain, cJSON **out, zd_error *err)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return zd_error_set(err, ZD_ENOMEM, "out of memory");
    for (int i = 0; i < chain->nsteps; i++) {
        cJSON *item = NULL;
        int rc = step_json(chain, &chain->steps[i], &item, err);
        if (rc) {
            cJSON_Delete(arr);
            return rc;
        }
        cJSON_AddItemToArray(arr, item);
    }
    *out = arr;
    return 0;
}
