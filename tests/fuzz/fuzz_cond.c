/* fuzz_cond.c: libFuzzer harness for If-Match / If-None-Match lists (zd_cond). The input is a
 * header value, a newline, then the current entity-tag. Checks that a strong match implies a
 * weak one and that "no current entity" never matches. */
#include "zd_cond.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : size;
    size_t elen = nl ? size - hlen - 1 : 0;
    char *etag = malloc(elen + 1);
    if (!etag) return 0;
    memcpy(etag, data + size - elen, elen);
    etag[elen] = '\0';
    const char *hdr = (const char *)data;
    bool strong, weak, none;
    int rs = zd_etag_list_match(hdr, hlen, etag, false, &strong, NULL);
    int rw = zd_etag_list_match(hdr, hlen, etag, true, &weak, NULL);
    int rn = zd_etag_list_match(hdr, hlen, NULL, true, &none, NULL);
    if (rs != rw || (rs == 0 && strong && !weak) || (rn == 0 && none)) abort();
    if (rs != 0 && (strong || weak)) abort();
    free(etag);
    return 0;
}
