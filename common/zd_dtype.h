/* zd_dtype.h: Zarr v3 core data types: names, sizes and byte-swap units. */
#ifndef ZD_DTYPE_H
#define ZD_DTYPE_H

#include <stddef.h>

typedef enum zd_dtype {
    ZD_BOOL,
    ZD_INT8,
    ZD_INT16,
    ZD_INT32,
    ZD_INT64,
    ZD_UINT8,
    ZD_UINT16,
    ZD_UINT32,
    ZD_UINT64,
    ZD_FLOAT16, /* raw IEEE 754 binary16 bits; no arithmetic */
    ZD_FLOAT32,
    ZD_FLOAT64,
    ZD_COMPLEX64,  /* two float32: real, imaginary */
    ZD_COMPLEX128, /* two float64 */
    ZD_DTYPE_COUNT
} zd_dtype;

/* Bytes per element (complex64 = 8). */
size_t zd_dtype_size(zd_dtype t);

/* Bytes per scalar that the bytes codec swaps for big endian (complex64 = 4, bool = 1). */
size_t zd_dtype_swap_unit(zd_dtype t);

/* The zarr.json name, e.g. "uint16", "complex64". */
const char *zd_dtype_name(zd_dtype t);

/* Parse a zarr.json data_type name: 0, or ZD_EUNSUPPORTED for an unknown name. */
int zd_dtype_parse(const char *name, zd_dtype *out);

#endif
