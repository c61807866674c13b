/* test_buf.c: unit tests for the growable buffer and error records. */
#include <criterion/criterion.h>

#include "zd_buf.h"
#include "zd_checked.h"
#include "zd_error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

Test(buf, append_grows_and_keeps_bytes)
{
    zd_buf b = {0};
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(zd_buf_append(&b, "abc", 3), 0);
    cr_assert_eq(b.len, 3000);
    cr_assert(b.cap >= 3000);
    for (size_t i = 0; i < b.len; i += 3)
        cr_assert_eq(memcmp(b.data + i, "abc", 3), 0);
    zd_buf_free(&b);
    cr_assert_null(b.data);
}

Test(buf, appendf_formats_without_nul_in_len)
{
    zd_buf b = {0};
    cr_assert_eq(zd_buf_appendf(&b, "%s=%d", "x", 42), 0);
    cr_assert_eq(b.len, 4);
    cr_assert_eq(memcmp(b.data, "x=42", 4), 0);
    zd_buf_reset(&b);
    cr_assert_eq(b.len, 0);
    zd_buf_free(&b);
}

Test(buf, reserve_refuses_overflow)
{
    zd_buf b = {0};
    cr_assert_eq(zd_buf_append(&b, "a", 1), 0);
    cr_assert_eq(zd_buf_reserve(&b, SIZE_MAX), ZD_EOVERFLOW);
    zd_buf_free(&b);
}

Test(buf, steal_transfers_ownership)
{
    zd_buf b = {0};
    zd_buf_append_str(&b, "hello");
    size_t n;
    uint8_t *p = zd_buf_steal(&b, &n);
    cr_assert_eq(n, 5);
    cr_assert_null(b.data);
    free(p);
}

Test(checked, add_mul_detect_overflow)
{
    uint64_t r;
    cr_assert(zd_add_u64(1, 2, &r) && r == 3);
    cr_assert_not(zd_add_u64(UINT64_MAX, 1, &r));
    cr_assert_not(zd_mul_u64(UINT64_MAX / 2 + 1, 2, &r));
}

Test(error, set_formats_message_and_returns_code)
{
    zd_error e;
    cr_assert_eq(zd_error_set(&e, ZD_EINVAL, "bad %s", "codec"), ZD_EINVAL);
    cr_assert_str_eq(e.msg, "bad codec");
    cr_assert_eq(zd_error_set(NULL, ZD_EIO, "x"), ZD_EIO);
    cr_assert_str_eq(zd_strerror(ZD_ENOTFOUND), "not found");
}
