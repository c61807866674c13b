/* options.h: zarrd's command line (the contract in DESIGN.md plus a few tuning knobs), parsed
 * into one immutable configuration shared by every worker thread. */
#ifndef ZS_OPTIONS_H
#define ZS_OPTIONS_H

#include "ks_root.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { OPT_STORE_FS, OPT_STORE_MEMORY } opt_store_kind;

#define OPT_MAX_CORS_ORIGINS 32
#define OPT_CORS_ORIGIN_MAX  256

typedef struct opt_config {
    char host[256];              /* numeric IPv4 or IPv6 address (no brackets) */
    int port;                    /* 0 = ephemeral */
    const char *root;            /* --root, default "./data" */
    opt_store_kind store;        /* --store */
    int threads;                 /* --threads, default: number of cores */
    int io_threads;              /* --io-threads: blocking storage work, default 16 */
    ks_fsync_mode fsync;         /* --fsync, default none */
    const char *token_file;      /* --token-file or NULL */
    const char *access_log;      /* --access-log FILE ("-" = stdout) or NULL */
    uint64_t max_body;           /* --max-body bytes */
    int log_level;               /* LG_* */
    int max_connections;         /* --max-connections, per process */
    uint64_t max_shard_index;    /* --max-shard-index: index bytes (16 per inner chunk) */
    uint64_t shard_index_memory; /* --shard-index-memory: the shard index budget */
    uint64_t idle_timeout_ms;    /* --idle-timeout: keep-alive idle connections */
    uint64_t request_timeout_ms; /* --request-timeout: header section, body and write progress */
    bool s3;                     /* --s3-listen given */
    char s3_host[256];           /* its numeric address */
    int s3_port;                 /* 0 = ephemeral */
    const char *s3_domain;       /* --s3-domain: virtual-host buckets BUCKET.DOMAIN, or NULL */
    const char *s3_keys;         /* --s3-keys FILE, or NULL (any request is accepted) */
    uint64_t s3_upload_ttl_s;    /* --s3-upload-ttl: abandoned multipart uploads reclaimed */
    /* --cors-origin (repeatable): allowed origins, "scheme://host[:port]" or "*"; none: no
     * CORS at all. */
    char cors_origins[OPT_MAX_CORS_ORIGINS][OPT_CORS_ORIGIN_MAX];
    int ncors_origins;
} opt_config;

/* Outcome of opt_parse: run the server, exit 0 after --help/--version, or exit 2. */
enum { OPT_RUN = 0, OPT_EXIT_OK = 1, OPT_EXIT_USAGE = 2 };

/* Parse argv into *cfg (defaults first). Prints help/version on stdout and problems on
 * stderr. */
int opt_parse(int argc, char **argv, opt_config *cfg);

#endif
