/* zt_multipart.h: a strict reader of multipart/byteranges response bodies (RFC 9110 14.6), so
 * tests can check a multi-range GET part by part. It is deliberately independent of the
 * server's own parser in common/: a test must not judge the server with the server's code. */
#ifndef ZT_MULTIPART_H
#define ZT_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

typedef struct zt_part {
    uint64_t first, last, complete; /* from the part's Content-Range: bytes first-last/complete */
    char content_type[128];         /* the part's Content-Type, "" if none */
    const uint8_t *data;            /* points into the parsed body */
    size_t len;
} zt_part;

/* Parse body given the response's Content-Type value (which must be multipart/byteranges with
 * a boundary). Each part must carry a Content-Range whose length matches its data. Fills up to
 * max parts and *nparts. 0 or ZD_EINVAL / ZD_EOVERFLOW (more than max parts). */
int zt_multipart_parse(const char *content_type, const uint8_t *body, size_t len, zt_part *parts,
                       size_t max, size_t *nparts);

#endif
