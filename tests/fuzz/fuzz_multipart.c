/* fuzz_multipart.c: libFuzzer harness for Content-Type and byte-range bodies (zd_multipart).
 * The input is a Content-Type value, a newline, then a request body; the body is parsed as
 * multipart/byteranges with the header's boundary (if any) and as message/byterange. Checks
 * that every part's data lies inside the body and has exactly its range's length. */
#include "zd_multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_part(const zd_byterange_part *p, const uint8_t *body, size_t len)
{
    if (p->data < body || p->len == 0 || p->len > len || p->data + p->len > body + len ||
        p->first > p->last || p->last - p->first + 1 != p->len)
        abort();
    if (p->complete_length != ZD_LENGTH_UNKNOWN && p->last >= p->complete_length) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static zd_byterange_part parts[ZD_MAX_PARTS];
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl) return 0;
    size_t hlen = (size_t)(nl - data);
    const uint8_t *body = nl + 1;
    size_t len = size - hlen - 1;
    zd_content_type ct;
    zd_byterange_part one;
    size_t n = 0;
    if (zd_content_type_parse((const char *)data, hlen, &ct, NULL) == 0 && ct.boundary_len > 0) {
        if (ct.boundary_len > ZD_MAX_BOUNDARY || strlen(ct.boundary) != ct.boundary_len) abort();
        if (zd_multipart_parse(body, len, ct.boundary, ct.boundary_len, parts, ZD_MAX_PARTS, &n,
                               NULL) == 0) {
            if (n == 0 || n > ZD_MAX_PARTS) abort();
            for (size_t i = 0; i < n; i++)
                check_part(&parts[i], body, len);
        }
    }
    if (zd_message_byterange_parse(body, len, &one, NULL) == 0) check_part(&one, body, len);
    return 0;
}
