/* zd_range.c: the Range request header and Content-Range (see zd_range.h).
 *
 * RFC 9110 puts no bound on the digits of a position, so Range numbers are read as
 * "value, saturated at 2^64-1" plus their significant digits: a saturated first-pos is beyond
 * any representation (unsatisfiable), a saturated last-pos clamps to the end, and first > last
 * is decided exactly even when both overflow. Content-Range numbers must fit in uint64. */
#include "zd_range.h"

#include "zd_ctype.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct range_num {
    uint64_t value;     /* saturated at UINT64_MAX */
    bool saturated;     /* the digits exceed UINT64_MAX */
    const char *digits; /* significant digits (leading zeros skipped) */
    size_t ndigits;
} range_num;

/* Read 1+ digits at s[*pos..len); false if there are none. */
static bool read_num(const char *s, size_t len, size_t *pos, range_num *n)
{
    size_t i = *pos;
    n->value = 0;
    n->saturated = false;
    while (i < len && s[i] == '0')
        i++;
    n->digits = s + i;
    while (i < len && zd_is_digit((unsigned char)s[i])) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (!n->saturated && (__builtin_mul_overflow(n->value, 10, &n->value) ||
                              __builtin_add_overflow(n->value, d, &n->value))) {
            n->saturated = true;
            n->value = UINT64_MAX;
        }
        i++;
    }
    n->ndigits = (size_t)(s + i - n->digits);
    if (i == *pos) return false;
    *pos = i;
    return true;
}

/* a > b, exactly. */
static bool num_greater(const range_num *a, const range_num *b)
{
    if (!a->saturated || !b->saturated)
        return a->value > b->value || (a->saturated && !b->saturated);
    if (a->ndigits != b->ndigits) return a->ndigits > b->ndigits;
    return memcmp(a->digits, b->digits, a->ndigits) > 0;
}

/* Resolve one non-empty range-spec s[0..len). Returns 1 with *r set if satisfiable, 0 if
 * unsatisfiable, ZD_EINVAL if malformed. */
static int resolve_spec(const char *s, size_t len, uint64_t size, zd_range *r, zd_error *err)
{
    size_t pos = 0;
    range_num a, b = {0};
    if (s[0] == '-') {
        pos = 1;
        if (!read_num(s, len, &pos, &b) || pos != len)
            return zd_error_set(err, ZD_EINVAL, "malformed suffix range '%.*s'", zd_quote_len(len),
                                s);
        if (b.value == 0 || size == 0) return 0;
        r->first = b.value >= size ? 0 : size - b.value;
        r->last = size - 1;
        return 1;
    }
    if (!read_num(s, len, &pos, &a) || pos == len || s[pos] != '-')
        return zd_error_set(err, ZD_EINVAL, "malformed range '%.*s'", zd_quote_len(len), s);
    pos++;
    bool open = pos == len;
    if (!open) {
        if (!read_num(s, len, &pos, &b) || pos != len)
            return zd_error_set(err, ZD_EINVAL, "malformed range '%.*s'", zd_quote_len(len), s);
        if (num_greater(&a, &b))
            return zd_error_set(err, ZD_EINVAL, "range '%.*s' ends before it starts",
                                zd_quote_len(len), s);
    }
    if (a.saturated || a.value >= size) return 0;
    r->first = a.value;
    r->last = (open || b.value >= size) ? size - 1 : b.value;
    return 1;
}

int zd_range_parse(const char *hdr, size_t len, uint64_t size, zd_range *out, size_t max, size_t *n,
                   zd_error *err)
{
    size_t specs = 0, found = 0;
    *n = 0;
    zd_trim_ows(&hdr, &len);
    if (len < 6 || !zd_ascii_caseeq(hdr, 6, "bytes="))
        return zd_error_set(err, ZD_EINVAL, "Range is not a 'bytes=' range set");
    if (max > ZD_MAX_RANGES) max = ZD_MAX_RANGES;
    size_t pos = 6;
    while (pos <= len) {
        const char *comma = memchr(hdr + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - hdr) : len;
        const char *spec = hdr + pos;
        size_t slen = end - pos;
        pos = end + 1;
        zd_trim_ows(&spec, &slen);
        if (slen == 0) continue;
        if (++specs > max) return zd_error_set(err, ZD_EINVAL, "more than %zu ranges", max);
        int rc = resolve_spec(spec, slen, size, &out[found], err);
        if (rc < 0) return rc;
        found += (size_t)rc;
    }
    if (specs == 0) return zd_error_set(err, ZD_EINVAL, "empty range set");
    if (found == 0)
        return zd_error_set(err, ZD_ERANGE, "no range satisfiable for %" PRIu64 " bytes", size);
    *n = found;
    return 0;
}

static int cmp_first(const void *a, const void *b)
{
    const zd_range *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

size_t zd_range_coalesce(zd_range *r, size_t n)
{
    if (n < 2) return n;
    qsort(r, n, sizeof *r, cmp_first);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        zd_range *cur = &r[out];
        if (cur->last == UINT64_MAX || r[i].first <= cur->last + 1) {
            if (r[i].last > cur->last) cur->last = r[i].last;
        } else {
            r[++out] = r[i];
        }
    }
    return out + 1;
}

bool zd_range_total(const zd_range *r, size_t n, uint64_t *total)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t len = r[i].last - r[i].first;
        if (__builtin_add_overflow(len, 1, &len) || __builtin_add_overflow(sum, len, &sum))
            return false;
    }
    *total = sum;
    return true;
}

/* Strict uint64 below ZD_LENGTH_UNKNOWN, ending at `stop` (or at the end if stop is 0). */
static bool take_u64(const char *s, size_t len, size_t *pos, char stop, uint64_t *v)
{
    size_t end = *pos;
    while (end < len && zd_is_digit((unsigned char)s[end]))
        end++;
    if (stop ? (end == len || s[end] != stop) : end != len) return false;
    if (!zd_parse_u64(s + *pos, end - *pos, v) || *v == ZD_LENGTH_UNKNOWN) return false;
    *pos = stop ? end + 1 : end;
    return true;
}

int zd_content_range_parse(const char *hdr, size_t len, zd_content_range *out, zd_error *err)
{
    size_t pos = 5;
    zd_trim_ows(&hdr, &len);
    memset(out, 0, sizeof *out);
    if (len < 6 || !zd_ascii_caseeq(hdr, 5, "bytes") || !zd_is_ows((unsigned char)hdr[5]))
        return zd_error_set(err, ZD_EINVAL, "Content-Range is not in 'bytes' units");
    while (pos < len && zd_is_ows((unsigned char)hdr[pos]))
        pos++;
    if (pos + 1 < len && hdr[pos] == '*' && hdr[pos + 1] == '/') {
        pos += 2;
        if (!take_u64(hdr, len, &pos, 0, &out->complete_length))
            return zd_error_set(err, ZD_EINVAL, "malformed unsatisfied Content-Range");
        out->unsatisfied = true;
        return 0;
    }
    if (!take_u64(hdr, len, &pos, '-', &out->first) || !take_u64(hdr, len, &pos, '/', &out->last))
        return zd_error_set(err, ZD_EINVAL, "malformed Content-Range '%.*s'", zd_quote_len(len),
                            hdr);
    if (pos + 1 == len && hdr[pos] == '*')
        out->complete_length = ZD_LENGTH_UNKNOWN;
    else if (!take_u64(hdr, len, &pos, 0, &out->complete_length))
        return zd_error_set(err, ZD_EINVAL, "malformed complete length in Content-Range");
    if (out->last < out->first)
        return zd_error_set(err, ZD_EINVAL, "Content-Range ends before it starts");
    if (out->complete_length != ZD_LENGTH_UNKNOWN && out->last >= out->complete_length)
        return zd_error_set(err, ZD_EINVAL, "Content-Range ends beyond its complete length");
    return 0;
}

size_t zd_content_range_format(char *out, uint64_t first, uint64_t last, uint64_t complete)
{
    int n;
    if (complete == ZD_LENGTH_UNKNOWN)
        n = snprintf(out, ZD_CONTENT_RANGE_MAX, "bytes %" PRIu64 "-%" PRIu64 "/*", first, last);
    else
        n = snprintf(out, ZD_CONTENT_RANGE_MAX, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
                     last, complete);
    return (size_t)n;
}

size_t zd_content_range_format_unsatisfied(char *out, uint64_t complete)
{
    return (size_t)snprintf(out, ZD_CONTENT_RANGE_MAX, "bytes */%" PRIu64, complete);
}
