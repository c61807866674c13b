/* zd_dtype.c: the Zarr v3 core data type table — one row per type with its zarr.json name,
 * element size and the scalar unit the bytes codec swaps (see zd_dtype.h). */
#include "zd_dtype.h"

#include <string.h>

#include "zd_error.h"

typedef struct dtype_info {
    const char *name;
    size_t size;
    size_t swap_unit;
} dtype_info;

static const dtype_info dtype_table[ZD_DTYPE_COUNT] = {
    [ZD_BOOL] = {"bool", 1, 1},           [ZD_INT8] = {"int8", 1, 1},
    [ZD_INT16] = {"int16", 2, 2},         [ZD_INT32] = {"int32", 4, 4},
    [ZD_INT64] = {"int64", 8, 8},         [ZD_UINT8] = {"uint8", 1, 1},
    [ZD_UINT16] = {"uint16", 2, 2},       [ZD_UINT32] = {"uint32", 4, 4},
    [ZD_UINT64] = {"uint64", 8, 8},       [ZD_FLOAT16] = {"float16", 2, 2},
    [ZD_FLOAT32] = {"float32", 4, 4},     [ZD_FLOAT64] = {"float64", 8, 8},
    [ZD_COMPLEX64] = {"complex64", 8, 4}, [ZD_COMPLEX128] = {"complex128", 16, 8},
};

static const dtype_info *dtype_lookup(zd_dtype t)
{
    return (unsigned)t < ZD_DTYPE_COUNT ? &dtype_table[t] : NULL;
}

size_t zd_dtype_size(zd_dtype t)
{
    const dtype_info *d = dtype_lookup(t);
    return d ? d->size : 0;
}

size_t zd_dtype_swap_unit(zd_dtype t)
{
    const dtype_info *d = dtype_lookup(t);
    return d ? d->swap_unit : 0;
}

const char *zd_dtype_name(zd_dtype t)
{
    const dtype_info *d = dtype_lookup(t);
    return d ? d->name : "unknown";
}

int zd_dtype_parse(const char *name, zd_dtype *out)
{
    for (int t = 0; t < ZD_DTYPE_COUNT; t++) {
        if (strcmp(dtype_table[t].name, name) == 0) {
            *out = (zd_dtype)t;
            return 0;
        }
    }
    return ZD_EUNSUPPORTED;
}
