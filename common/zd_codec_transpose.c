/* zd_codec_transpose.c: the transpose array→array codec. Configuration {"order": [...]}, a
 * permutation of 0..ndim-1: encoded dimension i is decoded dimension order[i] (numpy's
 * transpose(order)). The chain composes consecutive transposes into one permutation; the data
 * moves by one strided copy either way. */
#include "zd_codec_internal.h"

static const char *const transpose_fields[] = {"order", NULL};

int zd_codec_transpose_parse(zd_codec_step *s, const cJSON *cfg, int ndim, zd_error *err)
{
    int rc = zd_codec_config_fields(cfg, "transpose", transpose_fields, err);
    if (rc) return rc;
    const cJSON *order = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "order") : NULL;
    if (!cJSON_IsArray(order) || cJSON_GetArraySize(order) != ndim)
        return zd_error_set(err, ZD_EINVAL,
                            "transpose: configuration field 'order' must be an array of %d "
                            "dimension indices",
                            ndim);
    bool seen[ZD_MAX_DIMS] = {false};
    int i = 0;
    for (const cJSON *v = order->child; v; v = v->next, i++) {
        double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
        int k = (int)d;
        if (d < 0 || d >= ndim || k != d || seen[k])
            return zd_error_set(err, ZD_EINVAL,
                                "transpose: configuration field 'order' is not a permutation of "
                                "0..%d",
                                ndim - 1);
        seen[k] = true;
        s->order[i] = k;
    }
    return 0;
}

int zd_codec_transpose_json(const zd_codec_step *s, int ndim, cJSON *cfg)
{
    cJSON *order = cJSON_AddArrayToObject(cfg, "order");
    if (!order) return ZD_ENOMEM;
    for (int i = 0; i < ndim; i++) {
        cJSON *v = cJSON_CreateNumber(s->order[i]);
        if (!v) return ZD_ENOMEM;
        cJSON_AddItemToArray(order, v);
    }
    return 0;
}

void zd_codec_transpose_shape(const int *order, int ndim, const uint64_t *in, uint64_t *out)
{
    for (int i = 0; i < ndim; i++)
        out[i] = in[order[i]];
}

void zd_codec_transpose_encode(const int *order, const zd_chunk_spec *spec, size_t elsize,
                               const uint8_t *in, uint8_t *out)
{
    uint64_t tshape[ZD_MAX_DIMS];
    size_t in_stride[ZD_MAX_DIMS], src[ZD_MAX_DIMS], dst[ZD_MAX_DIMS];
    zd_codec_transpose_shape(order, spec->ndim, spec->shape, tshape);
    zd_dense_strides(spec->ndim, spec->shape, elsize, in_stride);
    zd_dense_strides(spec->ndim, tshape, elsize, dst);
    for (int i = 0; i < spec->ndim; i++)
        src[i] = in_stride[order[i]];
    zd_copy_strided(spec->ndim, tshape, elsize, out, dst, in, src);
}

void zd_codec_transpose_decode(const int *order, const zd_chunk_spec *spec, size_t elsize,
                               const uint8_t *in, uint8_t *out)
{
    uint64_t tshape[ZD_MAX_DIMS];
    size_t t_stride[ZD_MAX_DIMS], src[ZD_MAX_DIMS], dst[ZD_MAX_DIMS];
    zd_codec_transpose_shape(order, spec->ndim, spec->shape, tshape);
    zd_dense_strides(spec->ndim, tshape, elsize, t_stride);
    zd_dense_strides(spec->ndim, spec->shape, elsize, dst);
    for (int i = 0; i < spec->ndim; i++)
        src[order[i]] = t_stride[i];
    zd_copy_strided(spec->ndim, spec->shape, elsize, out, dst, in, src);
}
