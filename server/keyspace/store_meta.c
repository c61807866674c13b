/* store_meta.c: object metadata kept with a value (st_meta, see store.h): header lines and the
 * recorded content ETag, and their serialised form.
 *
 * Serialised (the fs store's extended attribute "user.zarrd"): a first line
 *     "1 ETAG STAMP\n"   or   "1\n"   (no ETag recorded)
 * then the header lines as they are. STAMP is the identity of the bytes the ETag was
 * computed for, as the store spells it (fs: mtime and size); decoding against another stamp
 * drops the ETag, so an ETag made stale by a write in place is never served. Small on
 * purpose: without header lines the attribute fits in an ext4 inode. */
#include "store.h"

#include "zd_ctype.h"
#include "zd_error.h"

#include <string.h>

static bool meta_text_ok(const char *s, size_t len, bool name)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0' || (name && (s[i] == ':' || s[i] == ' ')))
            return false;
    return true;
}

int st_meta_add(st_meta *m, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (nlen == 0 || !meta_text_ok(name, nlen, true) || !meta_text_ok(value, vlen, false))
        return ZD_EINVAL;
    if (nlen + vlen + 3 > ST_META_MAX - m->len) return ZD_EOVERFLOW;
    char *p = m->lines + m->len;
    for (size_t i = 0; i < nlen; i++)
        p[i] = zd_ascii_lower(name[i]);
    p += nlen;
    *p++ = ':';
    *p++ = ' ';
    memcpy(p, value, vlen);
    p[vlen] = '\n';
    m->len += nlen + vlen + 3;
    return 0;
}

bool st_meta_next(const st_meta *m, size_t *pos, const char **name, size_t *nlen,
                  const char **value, size_t *vlen)
{
    while (*pos < m->len) {
        const char *line = m->lines + *pos;
        const char *nl = memchr(line, '\n', m->len - *pos);
        size_t llen = nl ? (size_t)(nl - line) : m->len - *pos;
        *pos += llen + 1;
        const char *colon = memchr(line, ':', llen);
        if (!colon || colon + 1 == line + llen || colon[1] != ' ') continue; /* not ours */
        *name = line;
        *nlen = (size_t)(colon - line);
        *value = colon + 2;
        *vlen = llen - *nlen - 2;
        return true;
    }
    return false;
}

const char *st_meta_get(const st_meta *m, const char *name, size_t *vlen)
{
    size_t pos = 0, nlen, want = strlen(name);
    const char *n, *v;
    while (st_meta_next(m, &pos, &n, &nlen, &v, vlen))
        if (nlen == want && memcmp(n, name, nlen) == 0) return v;
    return NULL;
}

int st_meta_encode(const st_meta *m, const char *stamp, char *out, size_t cap, size_t *len)
{
    size_t elen = strlen(m->etag), slen = strlen(stamp);
    size_t head = m->etag[0] ? 2 + elen + 1 + slen + 1 : 2;
    if (head > cap || m->len > cap - head) return ZD_EOVERFLOW;
    char *p = out;
    *p++ = '1';
    if (m->etag[0]) {
        *p++ = ' ';
        memcpy(p, m->etag, elen);
        p += elen;
        *p++ = ' ';
        memcpy(p, stamp, slen);
        p += slen;
    }
    *p++ = '\n';
    memcpy(p, m->lines, m->len);
    *len = head + m->len;
    return 0;
}

int st_meta_decode(const char *blob, size_t len, const char *stamp, st_meta *out)
{
    out->etag[0] = '\0';
    out->len = 0;
    const char *nl = memchr(blob, '\n', len);
    if (len < 2 || blob[0] != '1' || !nl || (blob[1] != ' ' && blob[1] != '\n')) return ZD_ECORRUPT;
    size_t first = (size_t)(nl - blob);
    if (first > 1) { /* "1 ETAG STAMP" */
        const char *etag = blob + 2;
        const char *sp = memchr(etag, ' ', first - 2);
        if (!sp) return ZD_ECORRUPT;
        size_t elen = (size_t)(sp - etag), slen = first - 3 - elen;
        if (elen == 0 || elen >= ST_ETAG_MAX) return ZD_ECORRUPT;
        if (slen == strlen(stamp) && memcmp(sp + 1, stamp, slen) == 0) {
            memcpy(out->etag, etag, elen);
            out->etag[elen] = '\0';
        }
    }
    size_t rest = len - first - 1;
    if (rest > ST_META_MAX) return ZD_ECORRUPT;
    memcpy(out->lines, nl + 1, rest);
    out->len = rest;
    return 0;
}
