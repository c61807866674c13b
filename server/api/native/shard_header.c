/* shard_header.c: parser of the Zarr-Shard request header (see shard_header.h). */
#include "shard_header.h"

#include "zd_query.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t';
}

static bool word_is(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

/* Parse "yes/no" style alternatives: value must be `a` (-> false) or `b` (-> true). */
static int parse_choice(const char *name, const char *v, size_t vlen, const char *a, const char *b,
                        bool *out, zd_error *err)
{
    if (word_is(v, vlen, a))
        *out = false;
    else if (word_is(v, vlen, b))
        *out = true;
    else
        return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: %s must be %s or %s", name, a, b);
    return 0;
}

int sh_header_parse(const char *value, size_t len, zd_shard_layout *out, zd_error *err)
{
    if (len > SH_HEADER_MAX)
        return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: longer than %d bytes", SH_HEADER_MAX);
    uint64_t chunks[ZD_MAX_DIMS];
    size_t ndim = 0;
    bool at_end = true, crc = true, big = false;
    bool seen_chunks = false, seen_index = false, seen_crc = false, seen_endian = false;
    size_t pos = 0;
    while (pos <= len) {
        const char *semi = memchr(value + pos, ';', len - pos);
        size_t end = semi ? (size_t)(semi - value) : len;
        size_t a = pos, b = end;
        while (a < b && is_space(value[a]))
            a++;
        while (b > a && is_space(value[b - 1]))
            b--;
        const char *eq = memchr(value + a, '=', b - a);
        if (a == b || !eq)
            return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: expected name=value parameters");
        const char *name = value + a, *v = eq + 1;
        size_t nlen = (size_t)(eq - name), vlen = (size_t)(value + b - v);
        while (nlen > 0 && is_space(name[nlen - 1]))
            nlen--;
        while (vlen > 0 && is_space(*v)) {
            v++;
            vlen--;
        }
        bool *seen;
        int rc;
        if (word_is(name, nlen, "chunks")) {
            seen = &seen_chunks;
            rc = zd_parse_u64_list(v, vlen, chunks, ZD_MAX_DIMS, &ndim, NULL);
            if (rc)
                rc = zd_error_set(err, ZD_EINVAL,
                                  "Zarr-Shard: chunks must be 1 to %d comma-separated counts",
                                  ZD_MAX_DIMS);
        } else if (word_is(name, nlen, "index")) {
            seen = &seen_index;
            rc = parse_choice("index", v, vlen, "start", "end", &at_end, err);
        } else if (word_is(name, nlen, "crc32c")) {
            seen = &seen_crc;
            rc = parse_choice("crc32c", v, vlen, "0", "1", &crc, err);
        } else if (word_is(name, nlen, "endian")) {
            seen = &seen_endian;
            rc = parse_choice("endian", v, vlen, "little", "big", &big, err);
        } else {
            return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: unknown parameter \"%.*s\"",
                                (int)(nlen < 32 ? nlen : 32), name);
        }
        if (rc) return rc;
        if (*seen)
            return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: parameter \"%.*s\" repeated",
                                (int)nlen, name);
        *seen = true;
        pos = end + 1;
    }
    if (!seen_chunks) return zd_error_set(err, ZD_EINVAL, "Zarr-Shard: chunks=... is required");
    int rc = zd_shard_layout_init(out, (int)ndim, chunks, at_end, crc, big, err);
    return rc ? zd_error_set(err, ZD_EINVAL, "Zarr-Shard: %s",
                             rc == ZD_EOVERFLOW ? "too many inner chunks per shard"
                                                : "every chunk count must be at least 1")
              : 0;
}
