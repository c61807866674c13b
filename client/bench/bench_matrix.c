/* bench_matrix.c: the `zarrd-bench URL matrix` command: options, running the selected cases
 * (prepare once; then per repeat: untimed setup, the timed operation, untimed verification),
 * the table on stdout and --json. See bench_cases.c for the cases themselves. */
#include "bench_matrix.h"

#include "bench_cases.h"
#include "bench_clock.h"
#include "bench_keys.h"
#include "bench_opts.h"
#include "bench_stats.h"
#include "zd_error.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: zarrd-bench URL matrix [options]\n"
    "      --repeats N     timed runs per case (default 3, max 1000)\n"
    "      --case LIST     comma-separated case names or name prefixes (e.g. e2e,idx/s50)\n"
    "      --size N        bulk cube edge, a multiple of 256 (default 512; 1024 = 2 GiB)\n"
    "      --json FILE     write the results as JSON\n"
    "      --prefix P      key prefix of the arrays (default bench/matrix)\n"
    "      --workers N     client pipeline threads (default: cores)\n"
    "      --write-mode M  partial sharded writes: server (shard endpoints, default), range\n"
    "                      (client-side slots over PATCH) or whole (client read-modify-write)\n"
    "      --keep          leave the arrays on the server\n"
    "      --list          print the case names and exit\n"
    "      --allow-remote  permit a non-loopback URL\n";

static int bad(const char *opt, const char *val)
{
    return zb_bad_value("matrix", usage, opt, val);
}

/* 0 ok, 1 help printed, ZD_EINVAL bad usage */
static int parse_args(const char *url, int argc, char **argv, zb_matrix_cfg *cfg)
{
    static const struct option longopts[] = {
        {"repeats", required_argument, NULL, 'r'},
        {"case", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},
        {"json", required_argument, NULL, 'j'},
        {"prefix", required_argument, NULL, 'p'},
        {"workers", required_argument, NULL, 'w'},
        {"write-mode", required_argument, NULL, 'm'},
        {"keep", no_argument, NULL, 'k'},
        {"list", no_argument, NULL, 'l'},
        {"allow-remote", no_argument, NULL, 'A'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = url;
    cfg->repeats = 3;
    cfg->size = 512;
    cfg->prefix = "bench/matrix";
    uint64_t u;
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (zb_parse_u64(optarg, 1, ZB_MATRIX_MAX_REPEATS, &u)) return bad("--repeats", optarg);
            cfg->repeats = (unsigned)u;
            break;
        case 'c':
            cfg->case_filter = optarg;
            break;
        case 's':
            if (zb_parse_u64(optarg, ZB_MATRIX_MIN_SIZE, ZB_MATRIX_MAX_SIZE, &cfg->size) ||
                cfg->size % ZB_MATRIX_MIN_SIZE)
                return bad("--size", optarg);
            break;
        case 'j':
            cfg->json_path = optarg;
            break;
        case 'p':
            if (!zb_prefix_ok(optarg, 128)) return bad("--prefix", optarg);
            cfg->prefix = optarg;
            break;
        case 'w':
            if (zb_parse_u64(optarg, 1, 1024, &u)) return bad("--workers", optarg);
            cfg->workers = (int)u;
            break;
        case 'm':
            if (strcmp(optarg, "server") == 0)
                cfg->write_mode = ZC_SHARD_WRITE_SERVER;
            else if (strcmp(optarg, "range") == 0)
                cfg->write_mode = ZC_SHARD_WRITE_RANGE;
            else if (strcmp(optarg, "whole") == 0)
                cfg->write_mode = ZC_SHARD_WRITE_WHOLE;
            else
                return bad("--write-mode", optarg);
            break;
        case 'k':
            cfg->keep = true;
            break;
        case 'l':
            cfg->list = true;
            break;
        case 'A':
            cfg->allow_remote = true;
            break;
        default: /* 'h' or an unknown option */
            return zb_help_or_usage(opt, usage);
        }
    }
    return zb_args_finish("matrix", usage, argc, argv, url, cfg->list || cfg->allow_remote);
}

/* Does the case's name equal, or start with, one of the comma-separated filter items? */
static bool selected(const char *filter, const char *name)
{
    if (!filter) return true;
    while (*filter) {
        size_t n = strcspn(filter, ",");
        if (n && strncmp(name, filter, n) == 0 && (name[n] == 0 || name[n] == '/')) return true;
        filter += n + (filter[n] == ',');
    }
    return false;
}

typedef struct case_result {
    const zb_case *c;
    double times_ms[ZB_MATRIX_MAX_REPEATS];
    unsigned runs;
    uint64_t bytes;
    int rc;
    char why[160];
} case_result;

static int run_case(zc_client *client, const zb_matrix_cfg *cfg, const zb_case *c, case_result *res)
{
    zb_case_ctx ctx = {.client = client, .cfg = cfg};
    int rc = c->family->prepare(&ctx, c);
    for (unsigned r = 0; !rc && r < cfg->repeats; r++) {
        ctx.repeat = r;
        if (c->family->before) rc = c->family->before(&ctx, c);
        if (rc) break;
        /* A read that writes nothing cannot pass. Only the bytes the case uses are poisoned:
         * writing all of a large buffer before each run would evict the caches, which no
         * caller does between two small reads (nor zarrita's harness). */
        memset(ctx.out, 0xA5, ctx.out_used ? ctx.out_used : ctx.len);
        uint64_t t0 = zb_now_ns();
        rc = c->family->run(&ctx, c);
        uint64_t t1 = zb_now_ns();
        if (!rc) rc = c->family->check(&ctx, c);
        if (!rc) res->times_ms[res->runs++] = (double)(t1 - t0) / 1e6;
    }
    res->c = c;
    res->rc = rc;
    res->bytes = ctx.bytes;
    snprintf(res->why, sizeof(res->why), "%s", ctx.why[0] ? ctx.why : zd_strerror(rc));
    zb_case_ctx_reset(&ctx);
    return rc;
}

static void print_row(const case_result *res)
{
    if (res->rc) {
        printf("%-30s FAILED: %s\n", res->c->name, res->why);
    } else {
        zb_summary s = zb_summarize(res->times_ms, res->runs);
        printf("%-30s %11.3f %11.3f %11.3f %10.1f  yes\n", res->c->name, s.median, s.min, s.max,
               s.median > 0 ? (double)res->bytes / 1e3 / s.median : 0.0);
    }
    fflush(stdout);
}

static int write_json(const zb_matrix_cfg *cfg, const case_result *results, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "url", cfg->url);
    cJSON_AddNumberToObject(root, "repeats", cfg->repeats);
    cJSON_AddNumberToObject(root, "bulk_size", (double)cfg->size);
    cJSON *cases = cJSON_AddArrayToObject(root, "cases");
    for (size_t i = 0; i < n; i++) {
        const case_result *r = &results[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(cases, o);
        cJSON_AddStringToObject(o, "name", r->c->name);
        cJSON_AddBoolToObject(o, "verified", r->rc == 0);
        if (r->rc) {
            cJSON_AddStringToObject(o, "error", r->why);
            continue;
        }
        zb_summary s = zb_summarize(r->times_ms, r->runs);
        cJSON_AddNumberToObject(o, "median_ms", s.median);
        cJSON_AddNumberToObject(o, "min_ms", s.min);
        cJSON_AddNumberToObject(o, "max_ms", s.max);
        cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
        cJSON_AddNumberToObject(o, "mb_per_s",
                                s.median > 0 ? (double)r->bytes / 1e3 / s.median : 0.0);
        cJSON *t = cJSON_AddArrayToObject(o, "times_ms");
        for (unsigned k = 0; k < r->runs; k++)
            cJSON_AddItemToArray(t, cJSON_CreateNumber(r->times_ms[k]));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    FILE *f = text ? fopen(cfg->json_path, "w") : NULL;
    int rc = 0;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) == EOF) rc = ZD_EIO;
    if (f && fclose(f) != 0) rc = ZD_EIO;
    if (rc) fprintf(stderr, "zarrd-bench matrix: cannot write %s\n", cfg->json_path);
    free(text);
    return rc;
}

int zb_matrix_cmd(const char *url, int argc, char **argv)
{
    zb_matrix_cfg cfg;
    int rc = parse_args(url, argc, argv, &cfg);
    if (rc) return rc > 0 ? 0 : 2;
    size_t nsel = 0;
    for (size_t i = 0; i < zb_ncases; i++)
        if (selected(cfg.case_filter, zb_cases[i].name)) {
            if (cfg.list) printf("%s\n", zb_cases[i].name);
            nsel++;
        }
    if (cfg.list) return 0;
    if (nsel == 0) {
        fprintf(stderr, "zarrd-bench matrix: no case matches '%s' (see --list)\n", cfg.case_filter);
        return 2;
    }
    zc_options opts;
    zc_options_init(&opts);
    opts.max_workers = cfg.workers;
    opts.shard_write_mode = (zc_shard_write_mode)cfg.write_mode;
    zc_client *client = NULL;
    rc = zc_client_open(url, &opts, &client);
    if (rc) {
        fprintf(stderr, "zarrd-bench matrix: %s: %s\n", url, zc_errmsg());
        return 1;
    }
    case_result *results = calloc(nsel, sizeof(*results));
    if (!results) {
        zc_client_close(client);
        return 1;
    }
    printf("zarrd-bench matrix %s: %u repeats, bulk %llu^3\n", url, cfg.repeats,
           (unsigned long long)cfg.size);
    printf("%-30s %11s %11s %11s %10s  %s\n", "case", "median_ms", "min_ms", "max_ms", "MB/s",
           "verified");
    size_t k = 0, failed = 0;
    for (size_t i = 0; i < zb_ncases; i++) {
        if (!selected(cfg.case_filter, zb_cases[i].name)) continue;
        if (run_case(client, &cfg, &zb_cases[i], &results[k]) != 0) failed++;
        print_row(&results[k++]);
    }
    rc = 0;
    if (cfg.json_path && write_json(&cfg, results, k) != 0) rc = 1;
    if (!cfg.keep) zb_delete_prefix_or_warn(client, cfg.prefix, "matrix");
    free(results);
    zc_client_close(client);
    if (failed) printf("%zu of %zu cases FAILED\n", failed, k);
    return failed || rc ? 1 : 0;
}
