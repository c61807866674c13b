/* fuzz_query.c: libFuzzer harness for query strings (zd_query). The input is a query string:
 * every pair is decoded, `chunk` is looked up and parsed as an integer list, as the server
 * does. Checks that spans stay inside the input and decoded lengths respect their buffers. */
#include "zd_limits.h"
#include "zd_query.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    char buf[64];
    size_t n;
    bool found;
    zd_query_iter it;
    zd_query_pair p;
    zd_query_iter_init(&it, q, size);
    while (zd_query_next(&it, &p)) {
        if (p.name < q || p.name_len == 0 || p.name + p.name_len > q + size || p.value < q ||
            p.value + p.value_len > q + size)
            abort();
        if (zd_query_decode(p.name, p.name_len, buf, sizeof buf, &n, NULL) == 0 && n > sizeof buf)
            abort();
        if (zd_query_decode(p.value, p.value_len, buf, sizeof buf, &n, NULL) == 0 && n > sizeof buf)
            abort();
    }
    if (zd_query_get(q, size, "chunk", buf, sizeof buf, &n, &found, NULL) == 0 && found) {
        uint64_t coords[ZD_MAX_DIMS];
        size_t ndim = 0;
        if (n >= sizeof buf || buf[n] != '\0') abort();
        if (zd_parse_u64_list(buf, n, coords, ZD_MAX_DIMS, &ndim, NULL) == 0 &&
            (ndim == 0 || ndim > ZD_MAX_DIMS))
            abort();
    }
    return 0;
}
