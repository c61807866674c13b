/* fuzz_key.c: libFuzzer harness for request path -> key decoding (zd_key). The input is a
 * request path. Checks that an accepted key is valid, bounded, and survives encode + decode. */
#include "zd_key.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static zd_key k, again;
    if (zd_key_from_path((const char *)data, size, &k, NULL) != 0) return 0;
    if (k.len > ZD_MAX_KEY || strlen(k.key) != k.len) abort();
    if (k.len == 0) {
        if (!k.is_prefix) abort();
        return 0;
    }
    if (zd_key_validate(k.key, k.len, NULL) != 0) abort();
    zd_buf path = {0};
    if (zd_key_to_path(k.key, k.len, &path) != 0) abort();
    if (zd_key_from_path((const char *)path.data, path.len, &again, NULL) != 0 ||
        again.len != k.len || memcmp(again.key, k.key, k.len) != 0 || again.is_prefix)
        abort();
    zd_buf_free(&path);
    return 0;
}
