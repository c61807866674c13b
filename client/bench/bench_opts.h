/* bench_opts.h: strict parsers for zarrd-bench's command-line values (counts, byte sizes with
 * K/M/G suffixes, seconds, key prefixes) and the loopback check that keeps load off other machines.
 * Every parser rejects trailing garbage, signs, overflow and values outside [min, max]. */
#ifndef BENCH_OPTS_H
#define BENCH_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decimal unsigned integer in [min, max]. 0 or ZD_EINVAL / ZD_ERANGE. */
int zb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A byte size: decimal digits with an optional binary suffix K, M, G (KiB, MiB, GiB). */
int zb_parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A finite non-negative decimal number in [min, max] (seconds, rates). */
int zb_parse_double(const char *s, double min, double max, double *out);

/* The parts of a base URL http://[user@]HOST[:PORT][/path]. */
typedef struct zb_url {
    char host[256];     /* a name or an address, IPv6 without brackets */
    char port[8];       /* decimal, "80" when absent */
    char hostport[272]; /* the Host header: HOST[:PORT] as written */
    char path[1024];    /* "" or "/seg/seg", without a trailing '/' */
} zb_url;

/* Split url into *out. False if it is not such a URL or a part is too long. */
bool zb_url_split(const char *url, zb_url *out);

/* True if the URL's host is a loopback address: localhost, 127.0.0.0/8 or [::1]. */
bool zb_url_is_loopback(const char *url);

/* True if p is usable as a key prefix: 1..max bytes, no leading or trailing '/'. */
bool zb_prefix_ok(const char *p, size_t max);

/* A bad option value: prints "zarrd-bench CMD: invalid value for OPT: 'VAL'" and the usage on
 * stderr; returns ZD_EINVAL. */
int zb_bad_value(const char *cmd, const char *usage, const char *opt, const char *val);

/* getopt's answer for --help (opt 'h': usage on stdout, returns 1) or for an unknown option
 * (usage on stderr, returns ZD_EINVAL). */
int zb_help_or_usage(int opt, const char *usage);

/* The checks every command makes after getopt: no arguments left over, and (unless
 * allow_remote) a loopback URL. Prints "zarrd-bench CMD: ..." on stderr; 0 or ZD_EINVAL. */
int zb_args_finish(const char *cmd, const char *usage, int argc, char **argv, const char *url,
                   bool allow_remote);

#endif
