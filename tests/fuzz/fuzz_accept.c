/* fuzz_accept.c: libFuzzer harness for Accept header matching (zd_accept). Checks the result
 * is -1 or a quality 0..1000 and that counting only exact ranges never finds a match the
 * wildcard-aware lookup misses. */
#include "zd_accept.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"text/html", "application/json", "image/png"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        int any = zd_accept_quality((const char *)data, size, types[i], false);
        int exact = zd_accept_quality((const char *)data, size, types[i], true);
        if (any < -1 || any > 1000 || exact < -1 || exact > 1000) abort();
        if (exact >= 0 && any != exact) abort(); /* an exact range always decides */
    }
    return 0;
}
