/* fuzz_range.c: libFuzzer harness for Range header resolution (zd_range). The first 8 bytes
 * (little-endian) are the representation size, the rest the header value. Checks that every
 * resolved range lies inside the representation and that coalescing keeps the bytes covered. */
#include "zd_range.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zd_range r[ZD_MAX_RANGES];
    uint64_t rep = 0, total, merged_total;
    size_t n = 0;
    if (size < 8) return 0;
    for (int i = 7; i >= 0; i--)
        rep = rep << 8 | data[i];
    int rc = zd_range_parse((const char *)data + 8, size - 8, rep, r, ZD_MAX_RANGES, &n, NULL);
    if (rc != 0) {
        if ((rc != ZD_EINVAL && rc != ZD_ERANGE) || n != 0) abort();
        return 0;
    }
    if (n == 0 || n > ZD_MAX_RANGES) abort();
    for (size_t i = 0; i < n; i++)
        if (r[i].first > r[i].last || r[i].last >= rep) abort();
    if (!zd_range_total(r, n, &total))
        return 0; /* many ranges of a huge representation may not sum in 64 bits */
    size_t m = zd_range_coalesce(r, n);
    if (m == 0 || m > n || !zd_range_total(r, m, &merged_total) || merged_total > total ||
        merged_total > rep)
        abort();
    for (size_t i = 1; i < m; i++)
        if (r[i].first <= r[i - 1].last + 1) abort();
    return 0;
}
