/* zd_multipart.c: Content-Type parsing, multipart/byteranges and message/byterange bodies,
 * and the multipart/byteranges response writer (see zd_multipart.h).
 *
 * Reading is strict: lines end in CRLF, a delimiter line is CRLF "--" boundary followed by
 * optional spaces/tabs and CRLF (or "--" for the close delimiter), and the boundary may not
 * appear anywhere else after CRLF inside a part (RFC 2046 forbids it), so any other use of it
 * is malformed rather than silently taken as data. */
#include "zd_multipart.h"

#include "zd_checked.h"
#include "zd_ctype.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* RFC 2046 bcharsnospace, plus ' ' (allowed, but not as the last character). */
static bool is_bchar(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == ' ' ||
           (c != 0 && strchr("'()+_,-./:=?", c) != NULL);
}

static int check_boundary(const char *b, size_t len, zd_error *err)
{
    if (len == 0 || len > ZD_MAX_BOUNDARY)
        return zd_error_set(err, ZD_EINVAL, "boundary must have 1 to %d characters",
                            ZD_MAX_BOUNDARY);
    for (size_t i = 0; i < len; i++)
        if (!is_bchar((unsigned char)b[i]))
            return zd_error_set(err, ZD_EINVAL, "character 0x%02x not allowed in a boundary",
                                (unsigned char)b[i]);
    if (b[len - 1] == ' ') return zd_error_set(err, ZD_EINVAL, "boundary ends in a space");
    return 0;
}

static size_t skip_token(const char *s, size_t len, size_t pos)
{
    while (pos < len && zd_is_tchar((unsigned char)s[pos]))
        pos++;
    return pos;
}

static size_t skip_ows(const char *s, size_t len, size_t pos)
{
    while (pos < len && zd_is_ows((unsigned char)s[pos]))
        pos++;
    return pos;
}

/* Read a quoted-string at s[*pos] (the opening quote) into out (cap bytes, unescaped). Sets
 * *out_len, or to cap + 1 if the value did not fit. */
static bool read_quoted(const char *s, size_t len, size_t *pos, char *out, size_t cap,
                        size_t *out_len)
{
    size_t i = *pos + 1, n = 0;
    while (i < len && s[i] != '"') {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\') {
            if (++i == len) return false;
            c = (unsigned char)s[i];
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
        if (n < cap) out[n] = (char)c;
        if (n <= cap) n++;
        i++;
    }
    if (i == len) return false;
    *pos = i + 1;
    *out_len = n;
    return true;
}

static int parse_content_type(const char *hdr, size_t len, zd_content_type *out, zd_error *err)
{
    zd_trim_ows(&hdr, &len);
    size_t pos = skip_token(hdr, len, 0);
    if (pos == 0 || pos == len || hdr[pos] != '/')
        return zd_error_set(err, ZD_EINVAL, "Content-Type is not 'type/subtype'");
    size_t sub = pos + 1;
    pos = skip_token(hdr, len, sub);
    if (pos == sub) return zd_error_set(err, ZD_EINVAL, "Content-Type has an empty subtype");
    out->type = hdr;
    out->type_len = pos;
    bool have_boundary = false;
    for (;;) {
        pos = skip_ows(hdr, len, pos);
        if (pos == len) return 0;
        if (hdr[pos] != ';')
            return zd_error_set(err, ZD_EINVAL, "expected ';' in Content-Type at byte %zu", pos);
        pos = skip_ows(hdr, len, pos + 1);
        if (pos == len || hdr[pos] == ';') continue; /* empty parameter */
        size_t name = pos;
        pos = skip_token(hdr, len, pos);
        if (pos == name || pos == len || hdr[pos] != '=')
            return zd_error_set(err, ZD_EINVAL, "malformed Content-Type parameter at byte %zu",
                                name);
        bool is_boundary = zd_ascii_caseeq(hdr + name, pos - name, "boundary");
        if (is_boundary && have_boundary)
            return zd_error_set(err, ZD_EINVAL, "duplicate boundary parameter");
        pos++;
        char value[ZD_MAX_BOUNDARY + 1];
        size_t vlen;
        if (pos < len && hdr[pos] == '"') {
            if (!read_quoted(hdr, len, &pos, value, sizeof value, &vlen))
                return zd_error_set(err, ZD_EINVAL, "malformed quoted string in Content-Type");
        } else {
            size_t v = pos;
            pos = skip_token(hdr, len, pos);
            if (pos == v) return zd_error_set(err, ZD_EINVAL, "empty Content-Type parameter value");
            vlen = pos - v;
            if (vlen <= sizeof value) memcpy(value, hdr + v, vlen);
        }
        if (!is_boundary) continue;
        int rc = check_boundary(value, vlen, err);
        if (rc < 0) return rc;
        memcpy(out->boundary, value, vlen);
        out->boundary[vlen] = '\0';
        out->boundary_len = vlen;
        have_boundary = true;
    }
}

int zd_content_type_parse(const char *hdr, size_t len, zd_content_type *out, zd_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = parse_content_type(hdr, len, out, err);
    if (rc < 0) memset(out, 0, sizeof *out);
    return rc;
}

bool zd_content_type_is(const zd_content_type *ct, const char *type)
{
    return ct->type && zd_ascii_caseeq(ct->type, ct->type_len, type);
}

/* Parse the header fields of a part in p[0..len), through the empty line that ends them, into
 * *part; *consumed is the offset of the part's data. */
static int parse_part_headers(const uint8_t *p, size_t len, size_t *consumed,
                              zd_byterange_part *part, zd_error *err)
{
    size_t pos = 0;
    bool have_range = false;
    memset(part, 0, sizeof *part);
    for (;;) {
        const uint8_t *eol = len - pos >= 2 ? memmem(p + pos, len - pos, "\r\n", 2) : NULL;
        if (!eol) return zd_error_set(err, ZD_EINVAL, "part headers not ended by an empty line");
        size_t end = (size_t)(eol - p);
        if (end == pos) break;
        const char *line = (const char *)p + pos;
        size_t llen = end - pos;
        size_t colon = skip_token(line, llen, 0);
        if (colon == 0 || colon == llen || line[colon] != ':')
            return zd_error_set(err, ZD_EINVAL, "malformed part header line");
        const char *value = line + colon + 1;
        size_t vlen = llen - colon - 1;
        zd_trim_ows(&value, &vlen);
        for (size_t i = 0; i < vlen; i++) {
            unsigned char c = (unsigned char)value[i];
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return zd_error_set(err, ZD_EINVAL, "control character in part header value");
        }
        if (zd_ascii_caseeq(line, colon, "content-range")) {
            zd_content_range cr;
            if (have_range) return zd_error_set(err, ZD_EINVAL, "duplicate Content-Range in part");
            int rc = zd_content_range_parse(value, vlen, &cr, err);
            if (rc < 0) return rc;
            if (cr.unsatisfied)
                return zd_error_set(err, ZD_EINVAL, "part Content-Range names no range");
            part->first = cr.first;
            part->last = cr.last;
            part->complete_length = cr.complete_length;
            have_range = true;
        } else if (zd_ascii_caseeq(line, colon, "content-type")) {
            if (part->content_type)
                return zd_error_set(err, ZD_EINVAL, "duplicate Content-Type in part");
            part->content_type = value;
            part->content_type_len = vlen;
        }
        pos = end + 2;
    }
    if (!have_range) return zd_error_set(err, ZD_EINVAL, "part without Content-Range");
    *consumed = pos + 2;
    return 0;
}

/* The data p[0..len) must be exactly the part's range. */
static int attach_data(zd_byterange_part *part, const uint8_t *p, size_t len, zd_error *err)
{
    if (len == 0 || part->last - part->first != (uint64_t)len - 1)
        return zd_error_set(err, ZD_EINVAL,
                            "part has %zu bytes of data but its Content-Range names %" PRIu64, len,
                            part->last - part->first + 1);
    part->data = p;
    part->len = len;
    return 0;
}

int zd_multipart_parse(const uint8_t *body, size_t len, const char *boundary, size_t blen,
                       zd_byterange_part *parts, size_t max, size_t *n, zd_error *err)
{
    char delim[4 + ZD_MAX_BOUNDARY]; /* CRLF "--" boundary */
    size_t dlen = 4 + blen, pos, count = 0;
    *n = 0;
    int rc = check_boundary(boundary, blen, err);
    if (rc < 0) return rc;
    if (len == 0) return zd_error_set(err, ZD_EINVAL, "empty multipart body");
    memcpy(delim, "\r\n--", 4);
    memcpy(delim + 4, boundary, blen);
    if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0) {
        pos = dlen - 2;
    } else {
        const uint8_t *first = memmem(body, len, delim, dlen);
        if (!first) return zd_error_set(err, ZD_EINVAL, "no boundary delimiter in multipart body");
        pos = (size_t)(first - body) + dlen;
    }
    for (;;) {
        /* pos is just past a delimiter's boundary */
        if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-') break;
        while (pos < len && zd_is_ows(body[pos]))
            pos++;
        if (len - pos < 2 || body[pos] != '\r' || body[pos + 1] != '\n')
            return zd_error_set(err, ZD_EINVAL, "boundary delimiter line not ended by CRLF");
        pos += 2;
        const uint8_t *next = memmem(body + pos, len - pos, delim, dlen);
        if (!next) return zd_error_set(err, ZD_EINVAL, "multipart part not closed by a delimiter");
        size_t part_len = (size_t)(next - body) - pos, hdr_len;
        if (count == max) return zd_error_set(err, ZD_EINVAL, "more than %zu parts", max);
        rc = parse_part_headers(body + pos, part_len, &hdr_len, &parts[count], err);
        if (rc < 0) return rc;
        rc = attach_data(&parts[count], body + pos + hdr_len, part_len - hdr_len, err);
        if (rc < 0) return rc;
        count++;
        pos += part_len + dlen;
    }
    if (count == 0) return zd_error_set(err, ZD_EINVAL, "multipart body has no parts");
    *n = count;
    return 0;
}

int zd_message_byterange_parse(const uint8_t *body, size_t len, zd_byterange_part *part,
                               zd_error *err)
{
    size_t hdr_len;
    int rc = parse_part_headers(body, len, &hdr_len, part, err);
    if (rc < 0) return rc;
    return attach_data(part, body + hdr_len, len - hdr_len, err);
}

size_t zd_multipart_make_boundary(char *out, uint64_t nonce)
{
    return (size_t)snprintf(out, ZD_MAX_BOUNDARY + 1, "zarrd-%016" PRIx64, nonce);
}

/* The pieces of one part header, in order; the writer appends them and the length sums them,
 * so the announced Content-Length always matches what is sent. */
typedef struct part_pieces {
    const char *text[9];
    size_t count;
    char range[ZD_CONTENT_RANGE_MAX];
} part_pieces;

static void part_pieces_init(part_pieces *pp, const char *boundary, const char *content_type,
                             zd_range r, uint64_t size)
{
    zd_content_range_format(pp->range, r.first, r.last, size);
    pp->count = 0;
    pp->text[pp->count++] = "\r\n--";
    pp->text[pp->count++] = boundary;
    pp->text[pp->count++] = "\r\n";
    if (content_type) {
        pp->text[pp->count++] = "Content-Type: ";
        pp->text[pp->count++] = content_type;
        pp->text[pp->count++] = "\r\n";
    }
    pp->text[pp->count++] = "Content-Range: ";
    pp->text[pp->count++] = pp->range;
    pp->text[pp->count++] = "\r\n\r\n";
}

int zd_multipart_part_header(zd_buf *out, const char *boundary, const char *content_type,
                             zd_range r, uint64_t size)
{
    part_pieces pp;
    part_pieces_init(&pp, boundary, content_type, r, size);
    for (size_t i = 0; i < pp.count; i++) {
        int rc = zd_buf_append_str(out, pp.text[i]);
        if (rc < 0) return rc;
    }
    return 0;
}

int zd_multipart_close(zd_buf *out, const char *boundary)
{
    return zd_buf_appendf(out, "\r\n--%s--\r\n", boundary);
}

int zd_multipart_body_length(const char *boundary, const char *content_type, const zd_range *r,
                             size_t n, uint64_t size, uint64_t *total)
{
    uint64_t sum = strlen(boundary) + 8; /* the close delimiter */
    for (size_t i = 0; i < n; i++) {
        part_pieces pp;
        uint64_t bytes;
        part_pieces_init(&pp, boundary, content_type, r[i], size);
        for (size_t k = 0; k < pp.count; k++)
            if (!zd_add_u64(sum, strlen(pp.text[k]), &sum)) return ZD_EOVERFLOW;
        if (!zd_range_total(&r[i], 1, &bytes) || !zd_add_u64(sum, bytes, &sum)) return ZD_EOVERFLOW;
    }
    *total = sum;
    return 0;
}
