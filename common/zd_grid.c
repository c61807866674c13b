/* zd_grid.c: regular chunk grid arithmetic and chunk key encode/decode (see zd_grid.h). */
#include "zd_grid.h"

#include <string.h>

#include "zd_checked.h"

int zd_grid_init(zd_grid *g, int ndim, const uint64_t *shape, const uint64_t *chunk_shape,
                 zd_error *err)
{
    if (ndim < 0 || ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "grid: %d dimensions (at most %d)", ndim, ZD_MAX_DIMS);
    memset(g, 0, sizeof *g);
    g->ndim = ndim;
    g->chunk_elems = 1;
    for (int d = 0; d < ndim; d++) {
        if (chunk_shape[d] == 0)
            return zd_error_set(err, ZD_EINVAL, "grid: chunk_shape[%d] is 0", d);
        if (!zd_mul_u64(g->chunk_elems, chunk_shape[d], &g->chunk_elems))
            return zd_error_set(err, ZD_EOVERFLOW, "grid: elements per chunk overflow");
        g->shape[d] = shape[d];
        g->chunk_shape[d] = chunk_shape[d];
        g->nchunks[d] = shape[d] / chunk_shape[d] + (shape[d] % chunk_shape[d] != 0);
    }
    return 0;
}

int zd_grid_total_chunks(const zd_grid *g, uint64_t *out)
{
    uint64_t total = 1;
    for (int d = 0; d < g->ndim; d++)
        if (!zd_mul_u64(total, g->nchunks[d], &total)) return ZD_EOVERFLOW;
    *out = total;
    return 0;
}

bool zd_grid_contains(const zd_grid *g, const uint64_t *coords)
{
    for (int d = 0; d < g->ndim; d++)
        if (coords[d] >= g->nchunks[d]) return false;
    return true;
}

int zd_grid_chunk_extent(const zd_grid *g, const uint64_t *coords, uint64_t *extent)
{
    if (!zd_grid_contains(g, coords)) return ZD_ERANGE;
    for (int d = 0; d < g->ndim; d++) {
        uint64_t begin = coords[d] * g->chunk_shape[d]; /* < shape, so no overflow */
        uint64_t left = g->shape[d] - begin;
        extent[d] = left < g->chunk_shape[d] ? left : g->chunk_shape[d];
    }
    return 0;
}

static bool encoding_valid(const zd_key_encoding *enc)
{
    return (enc->kind == ZD_KEY_DEFAULT || enc->kind == ZD_KEY_V2) &&
           (enc->separator == '/' || enc->separator == '.');
}

static int append_char(char *out, size_t cap, size_t *pos, char c)
{
    if (*pos + 1 >= cap) return ZD_EOVERFLOW;
    out[(*pos)++] = c;
    return 0;
}

static int append_u64(char *out, size_t cap, size_t *pos, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (*pos + n >= cap) return ZD_EOVERFLOW;
    while (n)
        out[(*pos)++] = digits[--n];
    return 0;
}

int zd_key_encode(const zd_key_encoding *enc, int ndim, const uint64_t *coords, char *out,
                  size_t cap, size_t *len)
{
    if (!encoding_valid(enc) || ndim < 0 || ndim > ZD_MAX_DIMS || cap == 0) return ZD_EINVAL;
    size_t pos = 0;
    int rc = 0;
    if (enc->kind == ZD_KEY_DEFAULT)
        rc = append_char(out, cap, &pos, 'c');
    else if (ndim == 0)
        rc = append_char(out, cap, &pos, '0');
    for (int d = 0; rc == 0 && d < ndim; d++) {
        if (enc->kind == ZD_KEY_DEFAULT || d > 0) rc = append_char(out, cap, &pos, enc->separator);
        if (rc == 0) rc = append_u64(out, cap, &pos, coords[d]);
    }
    if (rc != 0) return rc;
    out[pos] = '\0';
    if (len) *len = pos;
    return 0;
}

/* One decimal coordinate at key[*pos..len) up to the separator or the end, without leading
 * zeros and without overflow; advances *pos past it. */
static int parse_coord(const char *key, size_t len, size_t *pos, char sep, uint64_t *out)
{
    size_t p = *pos;
    size_t start = p;
    uint64_t v = 0;
    while (p < len && key[p] != sep) {
        if (key[p] < '0' || key[p] > '9') return ZD_EINVAL;
        if (!zd_mul_u64(v, 10, &v) || !zd_add_u64(v, (uint64_t)(key[p] - '0'), &v))
            return ZD_EINVAL;
        p++;
    }
    if (p == start || (key[start] == '0' && p - start > 1)) return ZD_EINVAL;
    *out = v;
    *pos = p;
    return 0;
}

int zd_key_decode(const zd_key_encoding *enc, int ndim, const char *key, size_t len,
                  uint64_t *coords, zd_error *err)
{
    if (!encoding_valid(enc) || ndim < 0 || ndim > ZD_MAX_DIMS)
        return zd_error_set(err, ZD_EINVAL, "chunk key: bad encoding or rank");
    char sep = enc->separator;
    size_t pos = 0;
    if (enc->kind == ZD_KEY_V2 && ndim == 0) {
        if (len == 1 && key[0] == '0') return 0;
        goto bad;
    }
    if (enc->kind == ZD_KEY_DEFAULT) {
        if (len < 1 || key[0] != 'c') goto bad;
        pos = 1;
    }
    for (int d = 0; d < ndim; d++) {
        if (enc->kind == ZD_KEY_DEFAULT || d > 0) {
            if (pos >= len || key[pos] != sep) goto bad;
            pos++;
        }
        if (parse_coord(key, len, &pos, sep, &coords[d]) != 0) goto bad;
    }
    if (pos == len) return 0;
bad:
    return zd_error_set(err, ZD_EINVAL, "chunk key \"%.*s\" is not a %d-d %s key",
                        (int)(len > 64 ? 64 : len), key, ndim,
                        enc->kind == ZD_KEY_DEFAULT ? "default" : "v2");
}

int zd_grid_key_decode(const zd_grid *g, const zd_key_encoding *enc, const char *key, size_t len,
                       uint64_t *coords, zd_error *err)
{
    int rc = zd_key_decode(enc, g->ndim, key, len, coords, err);
    if (rc != 0) return rc;
    if (!zd_grid_contains(g, coords))
        return zd_error_set(err, ZD_ERANGE, "chunk key \"%.*s\" is outside the chunk grid",
                            (int)(len > 64 ? 64 : len), key);
    return 0;
}
