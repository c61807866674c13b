/* zc_url.c: base URL parsing and request target encoding (see zc_url.h). */
#include "zc_url.h"

#include "zd_key.h"

#include <stdlib.h>
#include <string.h>

static int copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) return ZD_EINVAL;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

static int parse_port(const char *p, size_t n, char *out, size_t cap)
{
    if (n == 0 || n > 5) return ZD_EINVAL;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return ZD_EINVAL;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v == 0 || v > 65535) return ZD_EINVAL;
    return copy_part(out, cap, p, n);
}

int zc_url_parse(const char *url, zc_url *out, zd_error *err)
{
    static const char scheme[] = "http://";
    memset(out, 0, sizeof *out);
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0)
        return zd_error_set(err, ZD_EINVAL, "URL must start with http:// (got '%s')",
                            url ? url : "(null)");
    const char *auth = url + sizeof scheme - 1;
    size_t auth_len = strcspn(auth, "/?#");
    const char *path = auth + auth_len;
    if (auth_len == 0 || memchr(auth, '@', auth_len))
        return zd_error_set(err, ZD_EINVAL, "URL '%s' has no host or has user info", url);
    if (copy_part(out->hostport, sizeof out->hostport, auth, auth_len) < 0)
        return zd_error_set(err, ZD_EINVAL, "URL host too long");

    const char *host = auth;
    size_t host_len;
    const char *rest; /* ":port" or end */
    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (!close) return zd_error_set(err, ZD_EINVAL, "URL '%s': unterminated IPv6 address", url);
        host = auth + 1;
        host_len = (size_t)(close - host);
        rest = close + 1;
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host_len = colon ? (size_t)(colon - auth) : auth_len;
        rest = auth + host_len;
    }
    if (host_len == 0 || copy_part(out->host, sizeof out->host, host, host_len) < 0)
        return zd_error_set(err, ZD_EINVAL, "URL '%s': bad host", url);
    if (rest < path) {
        if (*rest != ':' ||
            parse_port(rest + 1, (size_t)(path - rest - 1), out->port, sizeof out->port) < 0)
            return zd_error_set(err, ZD_EINVAL, "URL '%s': bad port", url);
    } else {
        strcpy(out->port, "80");
    }

    if (strpbrk(path, "?#"))
        return zd_error_set(err, ZD_EINVAL, "URL '%s': query or fragment not allowed", url);
    size_t plen = strlen(path);
    while (plen > 0 && path[plen - 1] == '/')
        plen--;
    if (copy_part(out->prefix, sizeof out->prefix, path, plen) < 0)
        return zd_error_set(err, ZD_EINVAL, "URL '%s': path prefix too long", url);
    return 0;
}

int zc_url_target(const zc_url *u, const char *key, int dir, const char *query, zd_buf *out,
                  zd_error *err)
{
    size_t n = strlen(key);
    zd_error why = {0};
    int rc;
    if (n && zd_key_validate(key, n, &why) < 0) /* "" is the root: no segment to check */
        return zd_error_set(err, ZD_EINVAL, "bad key '%.100s': %s", key, why.msg);
    if ((rc = zd_buf_append_str(out, u->prefix)) < 0 || (rc = zd_key_to_path(key, n, out)) < 0)
        return zd_error_set(err, rc, "out of memory");
    if (dir && n && (rc = zd_buf_append(out, "/", 1)) < 0)
        return zd_error_set(err, rc, "out of memory");
    if (query &&
        ((rc = zd_buf_append(out, "?", 1)) < 0 || (rc = zd_buf_append_str(out, query)) < 0))
        return zd_error_set(err, rc, "out of memory");
    return 0;
}
