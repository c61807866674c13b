/* zt_multipart.c: multipart/byteranges reader for tests (see zt_multipart.h). Each part's
 * length is taken from its Content-Range, then the next delimiter must follow exactly, so
 * binary data can never be mistaken for a boundary. */
#include "zt_multipart.h"

#include "zd_checked.h"
#include "zd_error.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_BOUNDARY 70 /* RFC 2046 */

typedef struct cursor {
    const uint8_t *p;
    size_t left;
} cursor;

static int expect(cursor *c, const void *s, size_t n)
{
    if (c->left < n || memcmp(c->p, s, n) != 0) return ZD_EINVAL;
    c->p += n;
    c->left -= n;
    return 0;
}

/* boundary parameter of a multipart/byteranges Content-Type, quoted or not. */
static int get_boundary(const char *ct, char *out)
{
    if (!ct || strncasecmp(ct, "multipart/byteranges", 20) != 0) return ZD_EINVAL;
    const char *b = strcasestr(ct, "boundary=");
    if (!b) return ZD_EINVAL;
    b += strlen("boundary=");
    bool quoted = *b == '"';
    b += quoted;
    size_t n = strcspn(b, quoted ? "\"" : " ;\t");
    if (n == 0 || n > MAX_BOUNDARY || (quoted && b[n] != '"')) return ZD_EINVAL;
    memcpy(out, b, n);
    out[n] = '\0';
    return 0;
}

/* One header line "Name: value" up to CRLF, copied NUL-terminated into line. */
static int header_line(cursor *c, char *line, size_t cap)
{
    const uint8_t *crlf = NULL;
    for (size_t i = 0; i + 1 < c->left; i++)
        if (c->p[i] == '\r' && c->p[i + 1] == '\n') {
            crlf = c->p + i;
            break;
        }
    if (!crlf || (size_t)(crlf - c->p) >= cap) return ZD_EINVAL;
    size_t n = (size_t)(crlf - c->p);
    memcpy(line, c->p, n);
    line[n] = '\0';
    c->p += n + 2;
    c->left -= n + 2;
    return 0;
}

static int part_headers(cursor *c, zt_part *part)
{
    char line[512];
    int have_range = 0;
    part->content_type[0] = '\0';
    for (;;) {
        int rc = header_line(c, line, sizeof line);
        if (rc) return rc;
        if (line[0] == '\0') break;
        if (strncasecmp(line, "Content-Range:", 14) == 0) {
            int used = 0;
            if (sscanf(line + 14, " bytes %" SCNu64 "-%" SCNu64 "/%" SCNu64 "%n", &part->first,
                       &part->last, &part->complete, &used) != 3 ||
                line[14 + used] != '\0' || part->first > part->last || part->last >= part->complete)
                return ZD_EINVAL;
            have_range = 1;
        } else if (strncasecmp(line, "Content-Type:", 13) == 0) {
            const char *v = line + 13;
            v += strspn(v, " \t");
            snprintf(part->content_type, sizeof part->content_type, "%s", v);
        }
    }
    return have_range ? 0 : ZD_EINVAL;
}

int zt_multipart_parse(const char *content_type, const uint8_t *body, size_t len, zt_part *parts,
                       size_t max, size_t *nparts)
{
    char boundary[MAX_BOUNDARY + 1];
    char delim[MAX_BOUNDARY + 5];
    int rc = get_boundary(content_type, boundary);
    if (rc) return rc;
    /* The first delimiter may follow a preamble; it then starts with CRLF like the others. */
    snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    size_t dlen = strlen(delim);
    cursor c = {body, len};
    if (expect(&c, delim + 2, dlen - 2) != 0) {
        const uint8_t *hit = memmem(body, len, delim, dlen);
        if (!hit) return ZD_EINVAL;
        c.p = hit + dlen;
        c.left = len - (size_t)(c.p - body);
    }
    *nparts = 0;
    for (;;) {
        if (expect(&c, "--", 2) == 0)
            return *nparts > 0 ? 0 : ZD_EINVAL; /* close delimiter; epilogue ignored */
        if (*nparts == max) return ZD_EOVERFLOW;
        zt_part *part = &parts[*nparts];
        if ((rc = expect(&c, "\r\n", 2)) || (rc = part_headers(&c, part))) return rc;
        uint64_t n = part->last - part->first + 1;
        if (n > c.left) return ZD_EINVAL;
        part->data = c.p;
        part->len = (size_t)n;
        c.p += n;
        c.left -= (size_t)n;
        (*nparts)++;
        if ((rc = expect(&c, delim, dlen))) return rc;
    }
}
