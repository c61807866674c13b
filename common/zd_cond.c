/* zd_cond.c: entity-tag lists of If-Match / If-None-Match and their comparison (see
 * zd_cond.h). A list is read tag by tag, not split on commas, because an opaque-tag may itself
 * contain a comma. */
#include "zd_cond.h"

#include "zd_ctype.h"

#include <string.h>

typedef struct etag {
    bool weak;
    const char *opaque; /* between the quotes */
    size_t opaque_len;
} etag;

/* etagc = %x21 / %x23-7E / obs-text */
static bool is_etagc(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c != 0x7f);
}

/* Read one entity-tag at s[*pos..len); false if there is none. */
static bool read_etag(const char *s, size_t len, size_t *pos, etag *t)
{
    size_t i = *pos;
    t->weak = false;
    if (i + 1 < len && s[i] == 'W' && s[i + 1] == '/') {
        t->weak = true;
        i += 2;
    }
    if (i == len || s[i] != '"') return false;
    t->opaque = s + ++i;
    while (i < len && is_etagc((unsigned char)s[i]))
        i++;
    if (i == len || s[i] != '"') return false;
    t->opaque_len = (size_t)(s + i - t->opaque);
    *pos = i + 1;
    return true;
}

static bool etag_equal(const etag *a, const etag *b, bool weak_compare)
{
    if (!weak_compare && (a->weak || b->weak)) return false;
    return a->opaque_len == b->opaque_len && memcmp(a->opaque, b->opaque, a->opaque_len) == 0;
}

int zd_etag_validate(const char *s, size_t len, zd_error *err)
{
    size_t pos = 0;
    etag t;
    if (!read_etag(s, len, &pos, &t) || pos != len)
        return zd_error_set(err, ZD_EINVAL, "malformed entity-tag");
    return 0;
}

int zd_etag_list_match(const char *hdr, size_t len, const char *cur, bool weak_compare, bool *match,
                       zd_error *err)
{
    etag current;
    size_t pos = 0, tags = 0;
    bool found = false;
    *match = false;
    if (cur) {
        size_t cur_len = strlen(cur);
        if (!read_etag(cur, cur_len, &pos, &current) || pos != cur_len)
            return zd_error_set(err, ZD_EINVAL, "malformed current entity-tag");
    }
    zd_trim_ows(&hdr, &len);
    if (len == 1 && hdr[0] == '*') {
        *match = cur != NULL;
        return 0;
    }
    pos = 0;
    while (pos < len) {
        etag t;
        unsigned char c = (unsigned char)hdr[pos];
        if (zd_is_ows(c) || c == ',') {
            pos++;
            continue;
        }
        if (!read_etag(hdr, len, &pos, &t))
            return zd_error_set(err, ZD_EINVAL, "malformed entity-tag at byte %zu", pos);
        while (pos < len && zd_is_ows((unsigned char)hdr[pos]))
            pos++;
        if (pos < len && hdr[pos] != ',')
            return zd_error_set(err, ZD_EINVAL, "expected ',' after entity-tag at byte %zu", pos);
        tags++;
        if (cur && etag_equal(&t, &current, weak_compare)) found = true;
    }
    if (tags == 0) return zd_error_set(err, ZD_EINVAL, "empty entity-tag list");
    *match = found;
    return 0;
}
