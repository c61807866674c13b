/* s3_chunked.c: the aws-chunked push decoder (see s3_chunked.h). States: reading a size line,
 * the chunk's data, the CRLF after it, then trailer lines up to the empty one. */
#include "s3_chunked.h"

#include "zd_ctype.h"

#include <string.h>

enum { CK_SIZE, CK_DATA, CK_DATA_CR, CK_DATA_LF, CK_TRAILER, CK_DONE };

void s3_chunked_init(s3_chunked *d)
{
    memset(d, 0, sizeof *d);
    d->state = CK_SIZE;
}

bool s3_chunked_done(const s3_chunked *d)
{
    return d->state == CK_DONE;
}

/* "SIZE-HEX[;chunk-signature=SIG]": the chunk begins. */
static int ck_size_line(s3_chunked *d, const s3_chunked_ops *ops, zd_error *err)
{
    const char *l = d->line;
    size_t len = d->line_len, i = 0;
    uint64_t size = 0;
    while (i < len && zd_hex_value((unsigned char)l[i]) >= 0) {
        if (i == 15) return zd_error_set(err, ZD_EINVAL, "aws-chunked: chunk size too large");
        size = size << 4 | (uint64_t)zd_hex_value((unsigned char)l[i]);
        i++;
    }
    if (i == 0) return zd_error_set(err, ZD_EINVAL, "aws-chunked: a chunk size was expected");
    const char *sig = NULL;
    size_t siglen = 0;
    if (i < len) {
        static const char ext[] = ";chunk-signature=";
        if (len - i <= sizeof ext - 1 || memcmp(l + i, ext, sizeof ext - 1) != 0)
            return zd_error_set(err, ZD_EINVAL,
                                "aws-chunked: only ;chunk-signature= may follow a chunk size");
        sig = l + i + sizeof ext - 1;
        siglen = len - i - (sizeof ext - 1);
    }
    int rc = ops->chunk_begin(ops->ctx, size, sig, siglen);
    if (rc) return rc;
    d->left = size;
    if (size > 0) {
        d->state = CK_DATA;
        return 0;
    }
    d->state = CK_TRAILER;
    return ops->chunk_end(ops->ctx);
}

/* "NAME:VALUE" or the empty line that ends the body. */
static int ck_trailer_line(s3_chunked *d, const s3_chunked_ops *ops, zd_error *err)
{
    if (d->line_len == 0) {
        d->state = CK_DONE;
        return 0;
    }
    const char *l = d->line;
    const char *colon = memchr(l, ':', d->line_len);
    if (!colon || colon == l)
        return zd_error_set(err, ZD_EINVAL, "aws-chunked: a trailer line is not NAME:VALUE");
    const char *v = colon + 1;
    size_t vlen = d->line_len - (size_t)(v - l);
    zd_trim_ows(&v, &vlen);
    return ops->trailer(ops->ctx, l, (size_t)(colon - l), v, vlen);
}

int s3_chunked_feed(s3_chunked *d, const uint8_t *p, size_t n, const s3_chunked_ops *ops,
                    zd_error *err)
{
    size_t i = 0;
    while (i < n) {
        int rc = 0;
        switch (d->state) {
        case CK_DATA: {
            size_t take = n - i < d->left ? n - i : (size_t)d->left;
            if ((rc = ops->data(ops->ctx, p + i, take)) != 0) return rc;
            i += take;
            d->left -= take;
            if (d->left == 0) d->state = CK_DATA_CR;
            break;
        }
        case CK_DATA_CR:
        case CK_DATA_LF:
            if (p[i++] != (d->state == CK_DATA_CR ? '\r' : '\n'))
                return zd_error_set(err, ZD_EINVAL,
                                    "aws-chunked: a chunk's data is not followed by CRLF");
            if (d->state == CK_DATA_LF) {
                d->state = CK_SIZE;
                if ((rc = ops->chunk_end(ops->ctx)) != 0) return rc;
            } else {
                d->state = CK_DATA_LF;
            }
            break;
        case CK_SIZE:
        case CK_TRAILER: {
            uint8_t ch = p[i++];
            if (d->state == CK_TRAILER && ++d->trailer_bytes > S3_CHUNK_TRAILER_MAX)
                return zd_error_set(err, ZD_EINVAL, "aws-chunked: trailers too long");
            if (ch != '\n') {
                if (d->line_len == S3_CHUNK_LINE_MAX)
                    return zd_error_set(err, ZD_EINVAL, "aws-chunked: line too long");
                d->line[d->line_len++] = (char)ch;
                break;
            }
            if (d->line_len == 0 || d->line[d->line_len - 1] != '\r')
                return zd_error_set(err, ZD_EINVAL, "aws-chunked: lines must end in CRLF");
            d->line_len--;
            rc = d->state == CK_SIZE ? ck_size_line(d, ops, err) : ck_trailer_line(d, ops, err);
            d->line_len = 0;
            if (rc) return rc;
            break;
        }
        default:
            return zd_error_set(err, ZD_EINVAL, "aws-chunked: data after the final chunk");
        }
    }
    return 0;
}
