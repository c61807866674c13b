/* zd_codec_copy.c: strided copy of an n-dimensional box of elements, the one data-movement
 * primitive behind transpose (permuted strides) and sharding (gathering an inner chunk out of a
 * shard and scattering it back). Innermost dimensions that are contiguous on both sides are
 * merged into one run, so the common cases become a few large memcpy calls. */
#include "zd_codec_internal.h"

#include <string.h>

void zd_codec_dense_strides(int ndim, const uint64_t *shape, size_t elsize, size_t *stride)
{
    size_t s = elsize;
    for (int d = ndim - 1; d >= 0; d--) {
        stride[d] = s;
        s *= (size_t)shape[d];
    }
}

/* Copy `count` runs of `run` bytes, advancing dst by ds and src by ss. */
static void copy_line(uint8_t *dst, size_t ds, const uint8_t *src, size_t ss, uint64_t count,
                      size_t run)
{
    switch (run) {
#define LINE(T)                                                                                    \
    for (uint64_t i = 0; i < count; i++, dst += ds, src += ss) {                                   \
        T v;                                                                                       \
        memcpy(&v, src, sizeof v);                                                                 \
        memcpy(dst, &v, sizeof v);                                                                 \
    }                                                                                              \
    return;
    case 1:
        LINE(uint8_t)
    case 2:
        LINE(uint16_t)
    case 4:
        LINE(uint32_t)
    case 8:
        LINE(uint64_t)
#undef LINE
    default:
        for (uint64_t i = 0; i < count; i++, dst += ds, src += ss)
            memcpy(dst, src, run);
    }
}

void zd_codec_copy_strided(int ndim, const uint64_t *shape, size_t elsize, uint8_t *dst,
                           const size_t *dst_stride, const uint8_t *src, const size_t *src_stride)
{
    size_t run = elsize;
    int d = ndim;
    while (d > 0 && dst_stride[d - 1] == run && src_stride[d - 1] == run) {
        run *= (size_t)shape[d - 1];
        d--;
    }
    if (d == 0) {
        memcpy(dst, src, run);
        return;
    }
    /* Dimension d-1 is the line; dimensions 0..d-2 are walked as an odometer. */
    int inner = d - 1;
    uint64_t idx[ZD_MAX_DIMS] = {0};
    for (;;) {
        copy_line(dst, dst_stride[inner], src, src_stride[inner], shape[inner], run);
        int k = inner - 1;
        for (; k >= 0; k--) {
            dst += dst_stride[k];
            src += src_stride[k];
            if (++idx[k] < shape[k]) break;
            dst -= dst_stride[k] * (size_t)shape[k];
            src -= src_stride[k] * (size_t)shape[k];
            idx[k] = 0;
        }
        if (k < 0) return;
    }
}
