/* fuzz_meta.c: libFuzzer harness for zarr.json parsing (zd_meta). The input is a zarr.json
 * document. Checks that whatever is accepted is written back as a document that is accepted
 * again and written identically (a server stores and serves what it accepted). */
#include "zd_meta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zd_meta *m = NULL, *again = NULL;
    zd_buf first = {0}, second = {0};
    if (zd_meta_parse((const char *)data, size, &m, NULL) != 0) return 0;
    if (zd_meta_write(m, &first) != 0) abort();
    if (zd_meta_parse((const char *)first.data, first.len, &again, NULL) != 0) abort();
    if (zd_meta_write(again, &second) != 0 || second.len != first.len ||
        memcmp(first.data, second.data, first.len) != 0)
        abort();
    zd_buf_free(&first);
    zd_buf_free(&second);
    zd_meta_free(m);
    zd_meta_free(again);
    return 0;
}
