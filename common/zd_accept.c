/* zd_accept.c: Accept header media-range matching (see zd_accept.h). */
#include "zd_accept.h"

#include "zd_ctype.h"

#include <string.h>

/* End of the list element starting at i: the next ',' outside a quoted string. */
static size_t acc_element_end(const char *h, size_t len, size_t i)
{
    bool quoted = false;
    for (; i < len; i++) {
        if (quoted && h[i] == '\\' && i + 1 < len)
            i++;
        else if (h[i] == '"')
            quoted = !quoted;
        else if (!quoted && h[i] == ',')
            break;
    }
    return i;
}

/* Parse a qvalue: "0" ["." 0*3DIGIT] / "1" ["." 0*3"0"], as thousandths; -1 if malformed. */
static int acc_qvalue(const char *s, size_t len)
{
    if (len == 0 || (s[0] != '0' && s[0] != '1')) return -1;
    int q = (s[0] - '0') * 1000;
    if (len == 1) return q;
    if (s[1] != '.' || len > 5) return -1;
    int scale = 100;
    for (size_t i = 2; i < len; i++, scale /= 10) {
        if (!zd_is_digit((unsigned char)s[i])) return -1;
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The parameters after a media range, p[0..len) starting at a ';': *q gets the weight (1000
 * when absent), *has_params whether a media type parameter precedes it. false if malformed. */
static bool acc_params(const char *p, size_t len, int *q, bool *has_params)
{
    *q = 1000;
    *has_params = false;
    size_t i = 0;
    while (i < len) {
        if (p[i] != ';') return false;
        i++;
        while (i < len && zd_is_ows((unsigned char)p[i]))
            i++;
        size_t name = i;
        while (i < len && zd_is_tchar((unsigned char)p[i]))
            i++;
        size_t name_len = i - name;
        if (name_len == 0 || i >= len || p[i] != '=') return false;
        i++;
        size_t val = i;
        if (i < len && p[i] == '"') {
            for (i++; i < len && p[i] != '"'; i++)
                if (p[i] == '\\') i++;
            if (i >= len) return false;
            i++;
        } else {
            while (i < len && zd_is_tchar((unsigned char)p[i]))
                i++;
        }
        size_t val_len = i - val;
        while (i < len && zd_is_ows((unsigned char)p[i]))
            i++;
        if (name_len == 1 && (p[name] == 'q' || p[name] == 'Q')) {
            *q = acc_qvalue(p + val, val_len);
            return *q >= 0 && i == len; /* the weight ends the media parameters */
        }
        *has_params = true;
    }
    return true;
}

/* m[0..n) equals type[0..n) ignoring ASCII case (type is lowercase). */
static bool acc_major_eq(const char *m, const char *type, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (zd_ascii_lower((unsigned char)m[i]) != (unsigned char)type[i]) return false;
    return true;
}

int zd_accept_quality(const char *h, size_t len, const char *type, bool exact_only)
{
    size_t major_len = strcspn(type, "/");
    int best = -1, best_spec = -1;
    size_t i = 0;
    while (i <= len) {
        size_t end = acc_element_end(h, len, i);
        const char *m = h + i;
        size_t mlen = end - i;
        zd_trim_ows(&m, &mlen);
        size_t rlen = 0; /* the media range itself: token "/" token */
        while (rlen < mlen && (zd_is_tchar((unsigned char)m[rlen]) || m[rlen] == '/'))
            rlen++;
        const char *params = m + rlen;
        size_t plen = mlen - rlen;
        while (plen > 0 && zd_is_ows((unsigned char)params[0])) {
            params++;
            plen--;
        }
        int q, spec = -1;
        bool has_params;
        if (rlen > 0 && acc_params(params, plen, &q, &has_params) && !has_params) {
            if (zd_ascii_caseeq(m, rlen, type))
                spec = 2;
            else if (exact_only)
                spec = -1;
            else if (rlen == major_len + 2 && zd_ascii_caseeq(m + rlen - 2, 2, "/*") &&
                     acc_major_eq(m, type, major_len))
                spec = 1;
            else if (rlen == 3 && memcmp(m, "*/*", 3) == 0)
                spec = 0;
        }
        if (spec > best_spec) {
            best_spec = spec;
            best = q;
        }
        i = end + 1;
    }
    return best;
}
