/* zd_key.c: request path -> store key (percent-decoding plus the key rules) and back; see
 * zd_key.h. Decoding refuses, rather than maps, every byte a key may not hold, so a key that
 * passes can be joined under a store root without escaping it. */
#include "zd_key.h"

#include "zd_checked.h"
#include "zd_ctype.h"

#include <stdint.h>

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    size_t n;
    uint32_t cp, min;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

int zd_key_validate(const char *key, size_t len, zd_error *err)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t seg = 0; /* start of the current segment */
    if (len == 0) return zd_error_set(err, ZD_EINVAL, "empty key");
    if (len > ZD_MAX_KEY)
        return zd_error_set(err, ZD_EINVAL, "key longer than %d bytes", ZD_MAX_KEY);
    for (size_t i = 0; i <= len; i++) {
        if (i == len || k[i] == '/') {
            size_t n = i - seg;
            if (n == 0) return zd_error_set(err, ZD_EINVAL, "empty path segment at byte %zu", i);
            if ((n == 1 && k[seg] == '.') || (n == 2 && k[seg] == '.' && k[seg + 1] == '.'))
                return zd_error_set(err, ZD_EINVAL, "'.' or '..' path segment at byte %zu", seg);
            seg = i + 1;
            continue;
        }
        if (k[i] == '\0') return zd_error_set(err, ZD_EINVAL, "NUL byte in key at byte %zu", i);
        if (k[i] == '\\') return zd_error_set(err, ZD_EINVAL, "backslash in key at byte %zu", i);
        if (is_control(k[i]))
            return zd_error_set(err, ZD_EINVAL, "control character 0x%02x in key at byte %zu", k[i],
                                i);
        size_t u = utf8_sequence(k + i, len - i);
        if (u == 0) return zd_error_set(err, ZD_EINVAL, "invalid UTF-8 in key at byte %zu", i);
        i += u - 1;
    }
    return 0;
}

/* Percent-decode path[1..end) into out->key, refusing encoded '/' and NUL. */
static int decode_path(const char *path, size_t end, zd_key *out, zd_error *err)
{
    for (size_t i = 1; i < end; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c == '%') {
            int hi = i + 2 < end ? zd_hex_value((unsigned char)path[i + 1]) : -1;
            int lo = hi >= 0 ? zd_hex_value((unsigned char)path[i + 2]) : -1;
            if (lo < 0)
                return zd_error_set(err, ZD_EINVAL,
                                    "malformed percent-escape at byte %zu of the path", i);
            c = (unsigned char)(hi << 4 | lo);
            if (c == '/')
                return zd_error_set(err, ZD_EINVAL, "encoded '/' (%%2F) at byte %zu of the path",
                                    i);
            if (c == '\0')
                return zd_error_set(err, ZD_EINVAL, "encoded NUL (%%00) at byte %zu of the path",
                                    i);
            i += 2;
        }
        if (out->len == ZD_MAX_KEY)
            return zd_error_set(err, ZD_EINVAL, "key longer than %d bytes", ZD_MAX_KEY);
        out->key[out->len++] = (char)c;
    }
    out->key[out->len] = '\0';
    return 0;
}

int zd_key_from_path(const char *path, size_t len, zd_key *out, zd_error *err)
{
    out->len = 0;
    out->key[0] = '\0';
    out->is_prefix = false;
    if (len == 0 || path[0] != '/') return zd_error_set(err, ZD_EINVAL, "path must start with '/'");
    if (len == 1) {
        out->is_prefix = true;
        return 0;
    }
    bool prefix = path[len - 1] == '/';
    int rc = decode_path(path, prefix ? len - 1 : len, out, err);
    if (rc == 0) rc = zd_key_validate(out->key, out->len, err);
    if (rc < 0) {
        out->len = 0;
        out->key[0] = '\0';
        return rc;
    }
    out->is_prefix = prefix;
    return 0;
}

static bool is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || zd_is_digit(c) || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int zd_key_to_path(const char *key, size_t len, zd_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t need;
    /* Worst case every byte becomes %XX, plus the leading '/'. */
    if (!zd_mul_size(len, 3, &need) || !zd_add_size(need, 1, &need)) return ZD_EOVERFLOW;
    int rc = zd_buf_reserve(out, need);
    if (rc < 0) return rc;
    uint8_t *p = out->data + out->len;
    *p++ = '/';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        if (is_unreserved(c) || c == '/') {
            *p++ = c;
        } else {
            *p++ = '%';
            *p++ = (uint8_t)hex[c >> 4];
            *p++ = (uint8_t)hex[c & 15];
        }
    }
    out->len = (size_t)(p - out->data);
    return 0;
}
