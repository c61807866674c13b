/* fuzz_content_range.c: libFuzzer harness for Content-Range parsing (zd_range). Checks the
 * parsed fields' invariants and that formatting them parses back to the same value. */
#include "zd_range.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zd_content_range cr, back;
    char text[ZD_CONTENT_RANGE_MAX];
    size_t n;
    if (zd_content_range_parse((const char *)data, size, &cr, NULL) != 0) return 0;
    if (cr.unsatisfied) {
        if (cr.complete_length == ZD_LENGTH_UNKNOWN) abort();
        n = zd_content_range_format_unsatisfied(text, cr.complete_length);
    } else {
        if (cr.first > cr.last ||
            (cr.complete_length != ZD_LENGTH_UNKNOWN && cr.last >= cr.complete_length))
            abort();
        n = zd_content_range_format(text, cr.first, cr.last, cr.complete_length);
    }
    if (n >= sizeof text || zd_content_range_parse(text, n, &back, NULL) != 0 ||
        back.unsatisfied != cr.unsatisfied || back.complete_length != cr.complete_length ||
        (!cr.unsatisfied && (back.first != cr.first || back.last != cr.last)))
        abort();
    return 0;
}
