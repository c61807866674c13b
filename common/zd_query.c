/* zd_query.c: query-string pairs, their decoding, and integer lists (see zd_query.h). */
#include "zd_query.h"

#include "zd_ctype.h"

#include <string.h>

void zd_query_iter_init(zd_query_iter *it, const char *query, size_t len)
{
    it->s = query;
    it->len = len;
    it->pos = 0;
}

bool zd_query_next(zd_query_iter *it, zd_query_pair *pair)
{
    while (it->pos < it->len) {
        const char *start = it->s + it->pos;
        size_t rest = it->len - it->pos;
        const char *amp = memchr(start, '&', rest);
        size_t n = amp ? (size_t)(amp - start) : rest;
        it->pos += amp ? n + 1 : n;
        const char *eq = memchr(start, '=', n);
        size_t name_len = eq ? (size_t)(eq - start) : n;
        if (name_len == 0) continue; /* empty element, or "=value" without a name */
        pair->name = start;
        pair->name_len = name_len;
        pair->has_value = eq != NULL;
        pair->value = eq ? eq + 1 : start + n;
        pair->value_len = eq ? n - name_len - 1 : 0;
        return true;
    }
    return false;
}

/* Decode the byte at s[*i] (advancing *i past it); -1 for a malformed escape. */
static int decode_one(const char *s, size_t len, size_t *i)
{
    unsigned char c = (unsigned char)s[*i];
    if (c == '+') {
        (*i)++;
        return ' ';
    }
    if (c != '%') {
        (*i)++;
        return c;
    }
    int hi = *i + 2 < len ? zd_hex_value((unsigned char)s[*i + 1]) : -1;
    int lo = hi >= 0 ? zd_hex_value((unsigned char)s[*i + 2]) : -1;
    if (lo < 0) return -1;
    *i += 3;
    return hi << 4 | lo;
}

int zd_query_decode(const char *s, size_t len, char *out, size_t cap, size_t *out_len,
                    zd_error *err)
{
    size_t i = 0, n = 0;
    *out_len = 0;
    while (i < len) {
        size_t at = i;
        int c = decode_one(s, len, &i);
        if (c < 0)
            return zd_error_set(err, ZD_EINVAL, "malformed percent-escape in query at byte %zu",
                                at);
        if (c == 0) return zd_error_set(err, ZD_EINVAL, "NUL byte in query");
        if (n == cap) return zd_error_set(err, ZD_EINVAL, "query value longer than %zu bytes", cap);
        out[n++] = (char)c;
    }
    *out_len = n;
    return 0;
}

/* Does the encoded s[0..len) decode to the NUL-terminated name? */
static int decoded_equals(const char *s, size_t len, const char *name, bool *eq, zd_error *err)
{
    size_t i = 0, k = 0;
    *eq = true;
    while (i < len) {
        int c = decode_one(s, len, &i);
        if (c < 0) return zd_error_set(err, ZD_EINVAL, "malformed percent-escape in query name");
        if (*eq && (name[k] == '\0' || (unsigned char)name[k] != c)) *eq = false;
        if (*eq) k++;
    }
    if (name[k] != '\0') *eq = false;
    return 0;
}

int zd_query_find(const char *query, size_t len, const char *name, zd_query_pair *pair, bool *found,
                  zd_error *err)
{
    zd_query_iter it;
    *found = false;
    zd_query_iter_init(&it, query, len);
    while (zd_query_next(&it, pair)) {
        bool eq;
        int rc = decoded_equals(pair->name, pair->name_len, name, &eq, err);
        if (rc < 0) return rc;
        if (eq) {
            *found = true;
            return 0;
        }
    }
    return 0;
}

int zd_query_get(const char *query, size_t len, const char *name, char *out, size_t cap,
                 size_t *out_len, bool *found, zd_error *err)
{
    zd_query_pair p;
    *out_len = 0;
    if (cap > 0) out[0] = '\0';
    int rc = zd_query_find(query, len, name, &p, found, err);
    if (rc < 0 || !*found) return rc;
    *found = false;
    if (cap == 0) return zd_error_set(err, ZD_EINVAL, "no room for the value of '%s'", name);
    rc = zd_query_decode(p.value, p.value_len, out, cap - 1, out_len, err);
    if (rc < 0) return rc;
    out[*out_len] = '\0';
    *found = true;
    return 0;
}

/* Do two encoded names decode to the same bytes? Both were checked well-formed. */
static bool names_equal(const zd_query_pair *a, const zd_query_pair *b)
{
    size_t i = 0, k = 0;
    while (i < a->name_len && k < b->name_len)
        if (decode_one(a->name, a->name_len, &i) != decode_one(b->name, b->name_len, &k))
            return false;
    return i == a->name_len && k == b->name_len;
}

int zd_query_repeated(const char *query, size_t len, size_t max, zd_query_pair *dup, zd_error *err)
{
    zd_query_pair seen[ZD_QUERY_MAX_PAIRS];
    if (max > ZD_QUERY_MAX_PAIRS) max = ZD_QUERY_MAX_PAIRS;
    size_t n = 0;
    zd_query_iter it;
    zd_query_iter_init(&it, query, len);
    for (zd_query_pair p; zd_query_next(&it, &p);) {
        for (size_t i = 0; i < p.name_len;)
            if (decode_one(p.name, p.name_len, &i) < 0)
                return zd_error_set(err, ZD_EINVAL, "malformed percent-escape in a query name");
        if (n == max) return zd_error_set(err, ZD_ERANGE, "more than %zu query parameters", max);
        for (size_t i = 0; i < n; i++)
            if (names_equal(&seen[i], &p)) {
                *dup = p;
                return 1;
            }
        seen[n++] = p;
    }
    return 0;
}

int zd_parse_u64_list(const char *s, size_t len, uint64_t *out, size_t max, size_t *n,
                      zd_error *err)
{
    size_t count = 0, pos = 0;
    *n = 0;
    if (len == 0) return zd_error_set(err, ZD_EINVAL, "empty integer list");
    while (pos <= len) {
        const char *comma = memchr(s + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - s) : len;
        if (count == max)
            return zd_error_set(err, ZD_EINVAL, "more than %zu integers in list", max);
        if (!zd_parse_u64(s + pos, end - pos, &out[count]))
            return zd_error_set(err, ZD_EINVAL, "'%.*s' is not a non-negative 64-bit integer",
                                zd_quote_len(end - pos), s + pos);
        count++;
        pos = end + 1;
    }
    *n = count;
    return 0;
}
