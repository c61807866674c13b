/* options.c: command-line parsing for zarrd (see options.h). Accepts "--flag VALUE" and
 * "--flag=VALUE"; every value is checked strictly (no trailing garbage, bounded ranges). */
#include "options.h"

#include "log.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char opt_usage[] =
    "usage: zarrd [options]\n"
    "  --listen HOST:PORT      address to listen on (default 127.0.0.1:8080; port 0 =\n"
    "                          ephemeral; IPv6 as [::1]:8080)\n"
    "  --root DIR              data directory of the fs store (default ./data)\n"
    "  --store fs|memory       storage backend (default fs)\n"
    "  --threads N             event-loop threads (default: number of cores)\n"
    "  --io-threads N          threads for blocking storage work: fsync, group commits,\n"
    "                          copies, shard changes (default 16)\n"
    "  --fsync none|batch|always  durability of writes (default none)\n"
    "  --token-file FILE       require bearer tokens; lines: TOKEN rw|ro [PREFIX]\n"
    "  --max-body BYTES        largest request body, suffixes K M G T (default 64G)\n"
    "  --log-level L           error|warn|info|debug (default info)\n"
    "  --access-log FILE       one line per request to FILE (- = stdout; default off)\n"
    "  --max-connections N     open connections cap (default 10000)\n"
    "  --max-shard-index BYTES largest shard index the shard endpoints accept, 16 bytes\n"
    "                          per inner chunk (default 16M: 1,048,576 inner chunks)\n"
    "  --shard-index-memory BYTES  memory for shard indexes in use or cached, server-wide;\n"
    "                          past it shard requests get 503 + Retry-After (default 512M)\n"
    "  --idle-timeout SECONDS  close idle keep-alive connections after (default 60)\n"
    "  --request-timeout SECONDS  limit for a header section and for each pause in body\n"
    "                          or response progress (default 30)\n"
    "  --cors-origin ORIGIN    let pages from ORIGIN (scheme://host[:port], or * for any)\n"
    "                          read and write through browsers (CORS); repeatable\n"
    "  --s3-listen HOST:PORT   also serve the S3 API over the same keys (bucket = first\n"
    "                          path segment); port 0 = ephemeral (see server/S3.md)\n"
    "  --s3-domain DOMAIN      virtual-host buckets: BUCKET.DOMAIN (path style always works)\n"
    "  --s3-keys FILE          S3 credentials, lines: ACCESS_KEY_ID SECRET rw|ro\n"
    "                          [BUCKET[/PREFIX]]; without it any request is accepted\n"
    "  --s3-upload-ttl SECONDS  reclaim multipart uploads idle this long (default 86400)\n"
    "  --help, --version\n";

static int opt_fail(const char *flag, const char *value, const char *why)
{
    fprintf(stderr, "zarrd: %s %s: %s (see --help)\n", flag, value ? value : "", why);
    return OPT_EXIT_USAGE;
}

/* Strict unsigned decimal with an optional binary suffix (K, M, G, T). */
static int opt_parse_size(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return -1;
    unsigned shift = 0;
    switch (*end) {
    case '\0':
        break;
    case 'K':
    case 'k':
        shift = 10;
        break;
    case 'M':
    case 'm':
        shift = 20;
        break;
    case 'G':
    case 'g':
        shift = 30;
        break;
    case 'T':
    case 't':
        shift = 40;
        break;
    default:
        return -1;
    }
    if (*end && end[1]) return -1;
    if (shift && v > (UINT64_MAX >> shift)) return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static int opt_parse_int(const char *s, long lo, long hi, int *out)
{
    uint64_t v;
    if (opt_parse_size(s, &v) || s[strlen(s) - 1] > '9' || v < (uint64_t)lo || v > (uint64_t)hi)
        return -1;
    *out = (int)v;
    return 0;
}

/* HOST:PORT into host (numeric, resolved once here) and *port. */
static int opt_parse_listen(const char *s, char *out_host, size_t host_cap, int *port)
{
    const char *colon;
    const char *host = s;
    size_t hlen;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return -1;
        host = s + 1;
        hlen = (size_t)(close - host);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return -1;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= host_cap) return -1;
    char name[256];
    memcpy(name, host, hlen);
    name[hlen] = '\0';
    if (opt_parse_int(colon + 1, 0, 65535, port)) return -1;
    /* A host name ("localhost") is resolved once, here; the numeric address is used after. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    if (getaddrinfo(name, NULL, &hints, &res) || !res) return -1;
    int rc = getnameinfo(res->ai_addr, res->ai_addrlen, out_host, (socklen_t)host_cap, NULL, 0,
                         NI_NUMERICHOST);
    freeaddrinfo(res);
    return rc ? -1 : 0;
}

static void opt_defaults(opt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->host, "127.0.0.1");
    cfg->port = 8080;
    cfg->root = "./data";
    cfg->store = OPT_STORE_FS;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg->threads = cores < 1 ? 1 : cores > 64 ? 64 : (int)cores;
    cfg->io_threads = 16;
    cfg->fsync = KS_FSYNC_NONE;
    cfg->max_body = (uint64_t)64 << 30;
    cfg->log_level = LG_INFO;
    cfg->max_connections = 10000;
    cfg->max_shard_index = (uint64_t)16 << 20;
    cfg->shard_index_memory = (uint64_t)512 << 20;
    cfg->idle_timeout_ms = 60000;
    cfg->request_timeout_ms = 30000;
    cfg->s3_upload_ttl_s = 86400;
}

/* An origin as browsers send it (RFC 6454): "*", or scheme "://" host [":" port] with no path
 * (one trailing '/' is dropped). Copied into out; -1 if malformed. */
static int opt_parse_origin(const char *v, char *out)
{
    size_t len = strlen(v);
    if (len == 1 && v[0] == '*') {
        strcpy(out, "*");
        return 0;
    }
    if (len && v[len - 1] == '/') len--;
    const char *sep = strstr(v, "://");
    if (!sep || sep == v || len >= OPT_CORS_ORIGIN_MAX || (size_t)(sep - v) + 3 >= len) return -1;
    for (const char *p = v; p < sep; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' ||
              *p == '.'))
            return -1;
    for (const char *p = sep + 3; p < v + len; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("/?#@\\\"", *p)) return -1;
    memcpy(out, v, len);
    out[len] = '\0';
    return 0;
}

/* One flag with its value; returns OPT_RUN or OPT_EXIT_USAGE. */
static int opt_apply(const char *flag, const char *v, opt_config *cfg)
{
    int n;
    if (strcmp(flag, "--listen") == 0) {
        if (opt_parse_listen(v, cfg->host, sizeof cfg->host, &cfg->port))
            return opt_fail(flag, v, "expected HOST:PORT");
    } else if (strcmp(flag, "--s3-listen") == 0) {
        if (opt_parse_listen(v, cfg->s3_host, sizeof cfg->s3_host, &cfg->s3_port))
            return opt_fail(flag, v, "expected HOST:PORT");
        cfg->s3 = true;
    } else if (strcmp(flag, "--s3-domain") == 0) {
        if (!*v || strchr(v, ':') || strchr(v, '/'))
            return opt_fail(flag, v, "expected a domain name such as s3.example.org");
        cfg->s3_domain = v;
    } else if (strcmp(flag, "--s3-keys") == 0) {
        if (!*v) return opt_fail(flag, v, "empty file name");
        cfg->s3_keys = v;
    } else if (strcmp(flag, "--s3-upload-ttl") == 0) {
        if (opt_parse_int(v, 1, 365 * 86400, &n)) return opt_fail(flag, v, "expected 1..31536000");
        cfg->s3_upload_ttl_s = (uint64_t)n;
    } else if (strcmp(flag, "--root") == 0) {
        if (!*v) return opt_fail(flag, v, "empty directory name");
        cfg->root = v;
    } else if (strcmp(flag, "--store") == 0) {
        if (strcmp(v, "fs") == 0)
            cfg->store = OPT_STORE_FS;
        else if (strcmp(v, "memory") == 0)
            cfg->store = OPT_STORE_MEMORY;
        else
            return opt_fail(flag, v, "expected fs or memory");
    } else if (strcmp(flag, "--threads") == 0) {
        if (opt_parse_int(v, 1, 256, &cfg->threads)) return opt_fail(flag, v, "expected 1..256");
    } else if (strcmp(flag, "--io-threads") == 0) {
        if (opt_parse_int(v, 1, 1024, &cfg->io_threads))
            return opt_fail(flag, v, "expected 1..1024");
    } else if (strcmp(flag, "--fsync") == 0) {
        if (strcmp(v, "none") == 0)
            cfg->fsync = KS_FSYNC_NONE;
        else if (strcmp(v, "batch") == 0)
            cfg->fsync = KS_FSYNC_BATCH;
        else if (strcmp(v, "always") == 0)
            cfg->fsync = KS_FSYNC_ALWAYS;
        else
            return opt_fail(flag, v, "expected none, batch or always");
    } else if (strcmp(flag, "--token-file") == 0) {
        if (!*v) return opt_fail(flag, v, "empty file name");
        cfg->token_file = v;
    } else if (strcmp(flag, "--access-log") == 0) {
        if (!*v) return opt_fail(flag, v, "empty file name");
        cfg->access_log = v;
    } else if (strcmp(flag, "--max-body") == 0) {
        if (opt_parse_size(v, &cfg->max_body))
            return opt_fail(flag, v, "expected a byte count such as 1048576 or 64G");
    } else if (strcmp(flag, "--log-level") == 0) {
        if ((cfg->log_level = lg_parse_level(v)) < 0)
            return opt_fail(flag, v, "expected error, warn, info or debug");
    } else if (strcmp(flag, "--max-connections") == 0) {
        if (opt_parse_int(v, 1, 1000000, &cfg->max_connections))
            return opt_fail(flag, v, "expected 1..1000000");
    } else if (strcmp(flag, "--max-shard-index") == 0 ||
               strcmp(flag, "--shard-index-memory") == 0) {
        uint64_t *dst = flag[2] == 'm' ? &cfg->max_shard_index : &cfg->shard_index_memory;
        if (opt_parse_size(v, dst) || *dst < 16)
            return opt_fail(flag, v, "expected a byte count of at least 16, such as 16M");
    } else if (strcmp(flag, "--idle-timeout") == 0 || strcmp(flag, "--request-timeout") == 0) {
        if (opt_parse_int(v, 1, 86400, &n)) return opt_fail(flag, v, "expected 1..86400 seconds");
        *(flag[2] == 'i' ? &cfg->idle_timeout_ms : &cfg->request_timeout_ms) = (uint64_t)n * 1000;
    } else if (strcmp(flag, "--cors-origin") == 0) {
        if (cfg->ncors_origins == OPT_MAX_CORS_ORIGINS)
            return opt_fail(flag, v, "too many origins (at most 32)");
        if (opt_parse_origin(v, cfg->cors_origins[cfg->ncors_origins]))
            return opt_fail(flag, v, "expected * or scheme://host[:port], lowercase scheme");
        cfg->ncors_origins++;
    } else {
        fprintf(stderr, "zarrd: unknown option %s (see --help)\n", flag);
        return OPT_EXIT_USAGE;
    }
    return OPT_RUN;
}

int opt_parse(int argc, char **argv, opt_config *cfg)
{
    opt_defaults(cfg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(opt_usage, stdout);
            return OPT_EXIT_OK;
        }
        if (strcmp(a, "--version") == 0) {
            printf("zarrd %s\n", ZARRD_VERSION);
            return OPT_EXIT_OK;
        }
        if (strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "zarrd: unexpected argument %s (see --help)\n", a);
            return OPT_EXIT_USAGE;
        }
        char flag[64];
        const char *value;
        const char *eq = strchr(a, '=');
        if (eq) {
            size_t n = (size_t)(eq - a);
            if (n >= sizeof flag) return opt_fail(a, NULL, "unknown option");
            memcpy(flag, a, n);
            flag[n] = '\0';
            value = eq + 1;
        } else {
            if (strlen(a) >= sizeof flag) return opt_fail(a, NULL, "unknown option");
            strcpy(flag, a);
            if (i + 1 >= argc)
                return opt_fail(flag, NULL,
                                strstr(opt_usage, flag) ? "missing value" : "unknown option");
            value = argv[++i];
        }
        if (opt_apply(flag, value, cfg) != OPT_RUN) return OPT_EXIT_USAGE;
    }
    lg_set_level(cfg->log_level);
    return OPT_RUN;
}
