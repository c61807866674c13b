/* vw_png.c: an 8-bit RGB image as a PNG (ISO/IEC 15948): signature, IHDR, one IDAT holding the
 * zlib stream of the rows (each with filter type 0), IEND; every chunk with its CRC-32. The
 * deflate stream and the CRC are zlib's. */
#include "vw_preview.h"

#include "zd_checked.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void vw_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Append one chunk: length, type, data, CRC-32 of type and data. */
static int vw_chunk(zd_buf *out, const char type[4], const uint8_t *data, uint32_t len)
{
    uint8_t head[8], tail[4];
    vw_be32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (len) crc = crc32(crc, data, len);
    vw_be32(tail, (uint32_t)crc);
    int rc = zd_buf_append(out, head, sizeof head);
    if (rc == 0 && len) rc = zd_buf_append(out, data, len);
    if (rc == 0) rc = zd_buf_append(out, tail, sizeof tail);
    return rc;
}

int vw_png_encode(const uint8_t *rgb, uint32_t w, uint32_t h, zd_buf *out)
{
    size_t row = (size_t)w * 3 + 1, raw_len;
    if (w == 0 || h == 0 || !zd_mul_size(row, h, &raw_len)) return ZD_EINVAL;
    uint8_t *raw = malloc(raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    uint8_t *z = malloc(zlen);
    int rc = raw && z ? 0 : ZD_ENOMEM;
    for (uint32_t y = 0; rc == 0 && y < h; y++) {
        raw[y * row] = 0; /* filter: none */
        memcpy(raw + y * row + 1, rgb + (size_t)y * w * 3, (size_t)w * 3);
    }
    if (rc == 0 && compress2(z, &zlen, raw, (uLong)raw_len, 6) != Z_OK) rc = ZD_ENOMEM;
    uint8_t ihdr[13];
    vw_be32(ihdr, w);
    vw_be32(ihdr + 4, h);
    ihdr[8] = 8;  /* bits per sample */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering, filter per row */
    ihdr[12] = 0; /* no interlace */
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (rc == 0) rc = zd_buf_append(out, sig, sizeof sig);
    if (rc == 0) rc = vw_chunk(out, "IHDR", ihdr, sizeof ihdr);
    if (rc == 0) rc = vw_chunk(out, "IDAT", z, (uint32_t)zlen);
    if (rc == 0) rc = vw_chunk(out, "IEND", NULL, 0);
    free(raw);
    free(z);
    return rc;
}
