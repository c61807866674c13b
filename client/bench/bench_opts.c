/* bench_opts.c: command-line value parsers, the prefix and loopback URL checks (see
 * bench_opts.h). */
#include "bench_opts.h"

#include "zd_checked.h"
#include "zd_ctype.h"
#include "zd_error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Digits only, no sign or space; *end points past the last digit. */
static int parse_digits(const char *s, uint64_t *out, const char **end)
{
    size_t n = s ? strspn(s, "0123456789") : 0;
    if (n == 0) return ZD_EINVAL;
    if (!zd_parse_u64(s, n, out)) return ZD_ERANGE; /* only overflow is left */
    *end = s + n;
    return 0;
}

int zb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *end;
    uint64_t v;
    int rc = parse_digits(s, &v, &end);
    if (rc) return rc;
    if (*end) return ZD_EINVAL;
    if (v < min || v > max) return ZD_ERANGE;
    *out = v;
    return 0;
}

int zb_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *end;
    uint64_t v;
    int rc = parse_digits(s, &v, &end);
    if (rc) return rc;
    uint64_t mult = 1;
    if (*end) {
        switch (*end) {
        case 'k':
        case 'K':
            mult = 1ull << 10;
            break;
        case 'm':
        case 'M':
            mult = 1ull << 20;
            break;
        case 'g':
        case 'G':
            mult = 1ull << 30;
            break;
        default:
            return ZD_EINVAL;
        }
        end++;
        if (*end == 'i' || *end == 'I') /* accept KiB / MiB spelling */
            end++;
        if (*end == 'b' || *end == 'B') end++;
        if (*end) return ZD_EINVAL;
    }
    if (!zd_mul_u64(v, mult, &v)) return ZD_ERANGE;
    if (v < min || v > max) return ZD_ERANGE;
    *out = v;
    return 0;
}

int zb_parse_double(const char *s, double min, double max, double *out)
{
    if (!s || !(isdigit((unsigned char)*s) || *s == '.')) return ZD_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !isfinite(v)) return ZD_EINVAL;
    if (v < min || v > max) return ZD_ERANGE;
    *out = v;
    return 0;
}

/* Copy n bytes of src into dst[cap] as a string; false if they do not fit. */
static bool copy_part(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) return false;
    memcpy(dst, src, n);
    dst[n] = 0;
    return true;
}

bool zb_url_split(const char *url, zb_url *out)
{
    static const char scheme[] = "http://";
    if (!url || strncasecmp(url, scheme, sizeof(scheme) - 1) != 0) return false;
    const char *auth = url + sizeof(scheme) - 1;
    const char *path = auth + strcspn(auth, "/?#");
    if (strpbrk(path, "?#")) return false; /* a base URL has no query or fragment */
    const char *cred = memchr(auth, '@', (size_t)(path - auth));
    if (cred) auth = cred + 1; /* userinfo: the host follows it */
    const char *host = auth, *host_end, *after;
    if (*host == '[') {
        host_end = memchr(host, ']', (size_t)(path - host));
        if (!host_end) return false;
        host++;
        after = host_end + 1;
    } else {
        host_end = host + strcspn(host, ":/");
        if (host_end > path) host_end = path;
        after = host_end;
    }
    if (host_end == host ||
        !copy_part(out->host, sizeof(out->host), host, (size_t)(host_end - host)))
        return false;
    if (after < path && *after != ':') return false;
    size_t plen = after < path ? (size_t)(path - after - 1) : 0;
    if (plen == 0) {
        strcpy(out->port, "80");
    } else if (plen > 5 || strspn(after + 1, "0123456789") < plen ||
               !copy_part(out->port, sizeof(out->port), after + 1, plen)) {
        return false;
    }
    size_t n = strlen(path);
    while (n > 0 && path[n - 1] == '/')
        n--;
    return copy_part(out->hostport, sizeof(out->hostport), auth, (size_t)(path - auth)) &&
           copy_part(out->path, sizeof(out->path), path, n);
}

bool zb_url_is_loopback(const char *url)
{
    zb_url u;
    if (!zb_url_split(url, &u)) return false;
    if (strcasecmp(u.host, "localhost") == 0) return true;
    struct in6_addr a6;
    if (strchr(u.host, ':'))
        return inet_pton(AF_INET6, u.host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    struct in_addr a4;
    return inet_pton(AF_INET, u.host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

bool zb_prefix_ok(const char *p, size_t max)
{
    size_t n = strlen(p);
    return n > 0 && n <= max && p[0] != '/' && p[n - 1] != '/';
}

int zb_bad_value(const char *cmd, const char *usage, const char *opt, const char *val)
{
    fprintf(stderr, "zarrd-bench %s: invalid value for %s: '%s'\n%s", cmd, opt, val, usage);
    return ZD_EINVAL;
}

int zb_help_or_usage(int opt, const char *usage)
{
    fputs(usage, opt == 'h' ? stdout : stderr);
    return opt == 'h' ? 1 : ZD_EINVAL;
}

int zb_args_finish(const char *cmd, const char *usage, int argc, char **argv, const char *url,
                   bool allow_remote)
{
    if (optind < argc) {
        fprintf(stderr, "zarrd-bench %s: unexpected argument '%s'\n%s", cmd, argv[optind], usage);
        return ZD_EINVAL;
    }
    if (!allow_remote && !zb_url_is_loopback(url)) {
        fprintf(stderr, "zarrd-bench %s: refusing non-loopback URL %s (use --allow-remote)\n", cmd,
                url);
        return ZD_EINVAL;
    }
    return 0;
}
