/* test_dtype.c: unit tests for the Zarr v3 core data type table (names, sizes, swap units). */
#include <criterion/criterion.h>

#include "zd_dtype.h"
#include "zd_error.h"

#include <string.h>

static const struct {
    const char *name;
    zd_dtype type;
    size_t size;
    size_t swap_unit;
} expected[] = {
    {"bool", ZD_BOOL, 1, 1},           {"int8", ZD_INT8, 1, 1},
    {"int16", ZD_INT16, 2, 2},         {"int32", ZD_INT32, 4, 4},
    {"int64", ZD_INT64, 8, 8},         {"uint8", ZD_UINT8, 1, 1},
    {"uint16", ZD_UINT16, 2, 2},       {"uint32", ZD_UINT32, 4, 4},
    {"uint64", ZD_UINT64, 8, 8},       {"float16", ZD_FLOAT16, 2, 2},
    {"float32", ZD_FLOAT32, 4, 4},     {"float64", ZD_FLOAT64, 8, 8},
    {"complex64", ZD_COMPLEX64, 8, 4}, {"complex128", ZD_COMPLEX128, 16, 8},
};

Test(dtype, every_core_type_has_its_spec_name_size_and_swap_unit)
{
    size_t n = sizeof expected / sizeof expected[0];
    cr_assert_eq(n, ZD_DTYPE_COUNT);
    for (size_t i = 0; i < n; i++) {
        zd_dtype t;
        cr_assert_eq(zd_dtype_parse(expected[i].name, &t), 0, "%s", expected[i].name);
        cr_assert_eq(t, expected[i].type);
        cr_assert_str_eq(zd_dtype_name(t), expected[i].name);
        cr_assert_eq(zd_dtype_size(t), expected[i].size, "%s", expected[i].name);
        cr_assert_eq(zd_dtype_swap_unit(t), expected[i].swap_unit, "%s", expected[i].name);
    }
}

Test(dtype, unknown_names_are_unsupported)
{
    const char *bad[] = {"",         "int", "Int8",   "float", "uint128",
                         "bfloat16", "r8",  "string", "int8 ", "complex"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zd_dtype t = ZD_UINT8;
        cr_assert_eq(zd_dtype_parse(bad[i], &t), ZD_EUNSUPPORTED, "\"%s\"", bad[i]);
        cr_assert_eq(t, ZD_UINT8, "output untouched on error");
    }
}

Test(dtype, out_of_range_values_are_harmless)
{
    cr_assert_eq(zd_dtype_size(ZD_DTYPE_COUNT), 0);
    cr_assert_eq(zd_dtype_size((zd_dtype)-1), 0);
    cr_assert_eq(zd_dtype_swap_unit(ZD_DTYPE_COUNT), 0);
    cr_assert_str_eq(zd_dtype_name(ZD_DTYPE_COUNT), "unknown");
}
