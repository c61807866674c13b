/* bench_load_cli.c: the `zarrd-bench URL load` command: its options, and the run that prints
 * the table and writes --json / --plot (see bench_load.h). */
#include "bench_load.h"

#include "bench_opts.h"
#include "bench_report.h"
#include "zd_checked.h"
#include "zd_error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MIX "get=60,range=10,put=20,patch=10"

static const char usage[] =
    "usage: zarrd-bench URL load [options]\n"
    "  -c, --connections N   connections (default 4, max 256); each its own thread\n"
    "                        unless --loops\n"
    "  -l, --loops L         drive the connections from L event-loop threads instead\n"
    "                        (at most -c; ops get range put patch only)\n"
    "  -d, --duration S      run for S seconds (default 10; max 3600)\n"
    "  -n, --requests K      stop after K requests (then -d defaults to its maximum)\n"
    "      --mix SPEC        op weights, ops get range put patch shard batch\n"
    "                        (default " DEFAULT_MIX ")\n"
    "      --value-size N    bytes per value / shard inner chunk (default 4K; K M G suffixes)\n"
    "      --range-size N    bytes per range GET and PATCH (default 512)\n"
    "      --keys N          number of keys (default 1000)\n"
    "      --rate R          open loop: R requests/s in total, latency from scheduled time\n"
    "      --prefix P        key prefix (default bench/load-PID)\n"
    "      --json FILE       write the results as JSON\n"
    "      --plot FILE.svg   draw latency percentiles and throughput over time\n"
    "      --seed N          random seed (default 1)\n"
    "      --keep            leave the keys on the server\n"
    "      --allow-remote    permit a non-loopback URL\n";

static int bad(const char *opt, const char *val)
{
    return zb_bad_value("load", usage, opt, val);
}

int zb_load_parse_args(const char *url, int argc, char **argv, zb_load_cfg *cfg)
{
    static char default_prefix[64];
    static const struct option longopts[] = {
        {"connections", required_argument, NULL, 'c'},
        {"loops", required_argument, NULL, 'l'},
        {"duration", required_argument, NULL, 'd'},
        {"requests", required_argument, NULL, 'n'},
        {"mix", required_argument, NULL, 'm'},
        {"value-size", required_argument, NULL, 'v'},
        {"range-size", required_argument, NULL, 'r'},
        {"keys", required_argument, NULL, 'k'},
        {"rate", required_argument, NULL, 'R'},
        {"prefix", required_argument, NULL, 'p'},
        {"json", required_argument, NULL, 'j'},
        {"plot", required_argument, NULL, 'P'},
        {"seed", required_argument, NULL, 's'},
        {"keep", no_argument, NULL, 'K'},
        {"allow-remote", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = url;
    cfg->connections = 4;
    cfg->value_size = 4096;
    cfg->range_size = 512;
    cfg->keys = 1000;
    cfg->seed = 1;
    snprintf(default_prefix, sizeof(default_prefix), "bench/load-%ld", (long)getpid());
    cfg->prefix = default_prefix;
    zb_mix_parse(DEFAULT_MIX, &cfg->mix);
    bool have_duration = false;
    uint64_t u;
    int opt;
    optind = 0; /* glibc: full re-initialisation */
    while ((opt = getopt_long(argc, argv, "+c:l:d:n:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            if (zb_parse_u64(optarg, 1, ZB_LOAD_MAX_CONNECTIONS, &u))
                return bad("--connections", optarg);
            cfg->connections = (unsigned)u;
            break;
        case 'l':
            if (zb_parse_u64(optarg, 1, ZB_LOAD_MAX_CONNECTIONS, &u)) return bad("--loops", optarg);
            cfg->loops = (unsigned)u;
            break;
        case 'd':
            if (zb_parse_double(optarg, 0.001, ZB_LOAD_MAX_SECONDS, &cfg->duration_s))
                return bad("--duration", optarg);
            have_duration = true;
            break;
        case 'n':
            if (zb_parse_u64(optarg, 1, ZB_LOAD_MAX_REQUESTS, &cfg->max_requests))
                return bad("--requests", optarg);
            break;
        case 'm':
            if (zb_mix_parse(optarg, &cfg->mix)) return bad("--mix", optarg);
            break;
        case 'v':
            if (zb_parse_size(optarg, 1, ZB_LOAD_MAX_VALUE, &cfg->value_size))
                return bad("--value-size", optarg);
            break;
        case 'r':
            if (zb_parse_size(optarg, 1, ZB_LOAD_MAX_VALUE, &cfg->range_size))
                return bad("--range-size", optarg);
            break;
        case 'k':
            if (zb_parse_u64(optarg, 1, ZB_LOAD_MAX_KEYS, &cfg->keys)) return bad("--keys", optarg);
            break;
        case 'R':
            if (zb_parse_double(optarg, 0.001, 1e7, &cfg->rate)) return bad("--rate", optarg);
            break;
        case 'p':
            if (!zb_prefix_ok(optarg, 200)) return bad("--prefix", optarg);
            cfg->prefix = optarg;
            break;
        case 'j':
            cfg->json_path = optarg;
            break;
        case 'P':
            cfg->plot_path = optarg;
            break;
        case 's':
            if (zb_parse_u64(optarg, 0, UINT64_MAX, &cfg->seed)) return bad("--seed", optarg);
            break;
        case 'K':
            cfg->keep = true;
            break;
        case 'A':
            cfg->allow_remote = true;
            break;
        default: /* 'h' or an unknown option */
            return zb_help_or_usage(opt, usage);
        }
    }
    if (zb_args_finish("load", usage, argc, argv, url, cfg->allow_remote)) return ZD_EINVAL;
    if (cfg->loops > cfg->connections) {
        fprintf(stderr, "zarrd-bench load: --loops %u is more than the %u connections\n",
                cfg->loops, cfg->connections);
        return ZD_EINVAL;
    }
    if (cfg->loops && !zb_load_events_can_run(cfg)) {
        fprintf(stderr, "zarrd-bench load: --loops drives get, range, put and patch only, "
                        "not shard or batch\n");
        return ZD_EINVAL;
    }
    if (!have_duration) cfg->duration_s = cfg->max_requests ? ZB_LOAD_MAX_SECONDS : 10.0;
    if (cfg->range_size > cfg->value_size) cfg->range_size = cfg->value_size;
    uint64_t dataset;
    if (!zd_mul_u64(cfg->keys, cfg->value_size, &dataset) || dataset > ZB_LOAD_MAX_DATASET) {
        fprintf(stderr, "zarrd-bench load: --keys x --value-size exceeds %llu bytes\n",
                (unsigned long long)ZB_LOAD_MAX_DATASET);
        return ZD_EINVAL;
    }
    return 0;
}

int zb_load_cmd(const char *url, int argc, char **argv)
{
    zb_load_cfg cfg;
    int rc = zb_load_parse_args(url, argc, argv, &cfg);
    if (rc) return rc > 0 ? 0 : 2;
    zb_load_result res;
    rc = zb_load_run(&cfg, &res);
    if (rc) {
        zb_load_result_free(&res);
        return 1;
    }
    zb_report_load_text(stdout, &cfg, &res);
    if (cfg.json_path && zb_report_load_json(cfg.json_path, &cfg, &res)) rc = 1;
    if (cfg.plot_path && zb_report_load_svg(cfg.plot_path, &cfg, &res)) rc = 1;
    /* a run where nothing succeeded, or data came back wrong, is a failed run */
    if (res.outcomes[ZB_OUT_OK] == 0 || res.outcomes[ZB_OUT_BAD_DATA] != 0 || res.shard_wrong ||
        res.shard_error[0])
        rc = 1;
    zb_load_result_free(&res);
    return rc ? 1 : 0;
}
