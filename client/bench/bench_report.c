/* bench_report.c: the `load` results as a table and as JSON (see bench_report.h). */
#include "bench_report.h"

#include "zd_error.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

const double zb_report_pcts[ZB_REPORT_NPCT] = {50, 90, 99, 99.9};

static void hist_row(FILE *f, const char *name, uint64_t ops, const zb_hist *h)
{
    fprintf(f, "  %-6s %10llu", name, (unsigned long long)ops);
    for (int i = 0; i < ZB_REPORT_NPCT; i++)
        fprintf(f, " %9.1f", (double)zb_hist_percentile(h, zb_report_pcts[i]) / 1e3);
    fprintf(f, " %9.1f %9.1f\n", (double)h->max_ns / 1e3, zb_hist_mean(h) / 1e3);
}

void zb_report_load_text(FILE *f, const zb_load_cfg *cfg, const zb_load_result *res)
{
    double secs = res->elapsed_s > 0 ? res->elapsed_s : 1e-9;
    double mb = (double)(res->bytes_in + res->bytes_out) / 1e6;
    fprintf(f, "zarrd-bench load %s: %u connections", cfg->url, cfg->connections);
    if (cfg->loops) fprintf(f, " on %u event loop%s", cfg->loops, cfg->loops == 1 ? "" : "s");
    fprintf(f, ", %s", cfg->rate > 0 ? "open loop" : "closed loop");
    if (cfg->rate > 0) fprintf(f, " at %.0f req/s", cfg->rate);
    fprintf(f, ", %llu keys x %llu bytes, range %llu bytes\n", (unsigned long long)cfg->keys,
            (unsigned long long)cfg->value_size, (unsigned long long)cfg->range_size);
    fprintf(f, "requests %llu in %.2f s: %.1f req/s, %.2f MB/s (in %.2f MB, out %.2f MB)\n",
            (unsigned long long)res->requests, res->elapsed_s, (double)res->requests / secs,
            mb / secs, (double)res->bytes_in / 1e6, (double)res->bytes_out / 1e6);
    if (res->interrupted) fprintf(f, "interrupted: stopped early after %.2f s\n", res->elapsed_s);
    if (res->missed)
        fprintf(f,
                "open loop: %llu scheduled requests not sent before the end (the server or "
                "the generator fell behind the rate)\n",
                (unsigned long long)res->missed);
    if (res->late.total)
        fprintf(f,
                "open loop: the generator's own lateness (sends whose connection was free when "
                "due): p50 %.1f us, p99 %.1f us, max %.1f us\n",
                (double)zb_hist_percentile(&res->late, 50) / 1e3,
                (double)zb_hist_percentile(&res->late, 99) / 1e3, (double)res->late.max_ns / 1e3);
    fprintf(f,
            "latency (us)  requests       p50       p90       p99     p99.9       max      mean\n");
    hist_row(f, "all", res->requests, &res->all);
    for (int op = 0; op < ZB_OP_COUNT; op++)
        if (res->ops[op]) hist_row(f, zb_op_name((zb_op)op), res->ops[op], &res->per_op[op]);
    if (res->all.clamped)
        fprintf(f, "%llu latencies above 100 s were counted as 100 s\n",
                (unsigned long long)res->all.clamped);
    if (res->shard_error[0])
        fprintf(f, "shard check FAILED: %s\n", res->shard_error);
    else if (res->shard_chunks)
        fprintf(f, "shard check: %llu inner chunks read back, %llu written, %llu WRONG\n",
                (unsigned long long)res->shard_chunks, (unsigned long long)res->shard_written,
                (unsigned long long)res->shard_wrong);
    fprintf(f, "outcomes:");
    for (int o = 0; o < ZB_OUT_COUNT; o++)
        if (res->outcomes[o])
            fprintf(f, " %s %llu", zb_load_outcome_name(o), (unsigned long long)res->outcomes[o]);
    fprintf(f, "\n");
    for (int o = 1; o < ZB_OUT_COUNT; o++)
        if (res->outcomes[o])
            fprintf(f, "  first %s: %s\n", zb_load_outcome_name(o), res->first_error[o]);
}

static cJSON *hist_json(const zb_hist *h)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "count", (double)h->total);
    cJSON_AddNumberToObject(o, "min_us", h->total ? (double)h->min_ns / 1e3 : 0);
    cJSON_AddNumberToObject(o, "mean_us", zb_hist_mean(h) / 1e3);
    static const char *const names[ZB_REPORT_NPCT] = {"p50_us", "p90_us", "p99_us", "p99_9_us"};
    for (int i = 0; i < ZB_REPORT_NPCT; i++)
        cJSON_AddNumberToObject(o, names[i],
                                (double)zb_hist_percentile(h, zb_report_pcts[i]) / 1e3);
    cJSON_AddNumberToObject(o, "max_us", (double)h->max_ns / 1e3);
    return o;
}

static cJSON *load_json(const zb_load_cfg *cfg, const zb_load_result *res)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *c = cJSON_AddObjectToObject(root, "config");
    cJSON_AddStringToObject(c, "url", cfg->url);
    cJSON_AddNumberToObject(c, "connections", cfg->connections);
    cJSON_AddNumberToObject(c, "loops", cfg->loops);
    cJSON_AddNumberToObject(c, "duration_s", cfg->duration_s);
    cJSON_AddNumberToObject(c, "max_requests", (double)cfg->max_requests);
    cJSON_AddNumberToObject(c, "rate", cfg->rate);
    cJSON_AddNumberToObject(c, "keys", (double)cfg->keys);
    cJSON_AddNumberToObject(c, "value_size", (double)cfg->value_size);
    cJSON_AddNumberToObject(c, "range_size", (double)cfg->range_size);
    cJSON *mix = cJSON_AddObjectToObject(c, "mix");
    for (int op = 0; op < ZB_OP_COUNT; op++)
        cJSON_AddNumberToObject(mix, zb_op_name((zb_op)op), cfg->mix.weight[op]);
    double secs = res->elapsed_s > 0 ? res->elapsed_s : 1e-9;
    cJSON_AddNumberToObject(root, "elapsed_s", res->elapsed_s);
    cJSON_AddBoolToObject(root, "interrupted", res->interrupted);
    cJSON_AddNumberToObject(root, "requests", (double)res->requests);
    cJSON_AddNumberToObject(root, "missed", (double)res->missed);
    if (res->late.total) {
        cJSON *late = cJSON_AddObjectToObject(root, "generator_late");
        cJSON_AddNumberToObject(late, "sends", (double)res->late.total);
        cJSON_AddNumberToObject(late, "p50_us", (double)zb_hist_percentile(&res->late, 50) / 1e3);
        cJSON_AddNumberToObject(late, "p99_us", (double)zb_hist_percentile(&res->late, 99) / 1e3);
        cJSON_AddNumberToObject(late, "max_us", (double)res->late.max_ns / 1e3);
    }
    cJSON_AddNumberToObject(root, "requests_per_s", (double)res->requests / secs);
    cJSON_AddNumberToObject(root, "bytes_in", (double)res->bytes_in);
    cJSON_AddNumberToObject(root, "bytes_out", (double)res->bytes_out);
    cJSON_AddNumberToObject(root, "mb_per_s",
                            (double)(res->bytes_in + res->bytes_out) / 1e6 / secs);
    cJSON_AddItemToObject(root, "latency", hist_json(&res->all));
    cJSON *per_op = cJSON_AddObjectToObject(root, "ops");
    for (int op = 0; op < ZB_OP_COUNT; op++)
        if (res->ops[op])
            cJSON_AddItemToObject(per_op, zb_op_name((zb_op)op), hist_json(&res->per_op[op]));
    cJSON *outs = cJSON_AddObjectToObject(root, "outcomes");
    cJSON *firsts = cJSON_AddObjectToObject(root, "first_errors");
    for (int o = 0; o < ZB_OUT_COUNT; o++) {
        if (!res->outcomes[o]) continue;
        cJSON_AddNumberToObject(outs, zb_load_outcome_name(o), (double)res->outcomes[o]);
        if (o != ZB_OUT_OK)
            cJSON_AddStringToObject(firsts, zb_load_outcome_name(o), res->first_error[o]);
    }
    if (res->shard_chunks || res->shard_error[0]) {
        cJSON *sc = cJSON_AddObjectToObject(root, "shard_check");
        if (res->shard_error[0]) cJSON_AddStringToObject(sc, "error", res->shard_error);
        cJSON_AddNumberToObject(sc, "inner_chunks", (double)res->shard_chunks);
        cJSON_AddNumberToObject(sc, "written", (double)res->shard_written);
        cJSON_AddNumberToObject(sc, "wrong", (double)res->shard_wrong);
    }
    cJSON *ps = cJSON_AddArrayToObject(root, "per_second");
    for (uint32_t s = 0; s < res->seconds; s++)
        cJSON_AddItemToArray(ps, cJSON_CreateNumber((double)res->per_second[s]));
    return root;
}

int zb_report_load_json(const char *path, const zb_load_cfg *cfg, const zb_load_result *res)
{
    cJSON *root = load_json(cfg, res);
    char *text = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        fprintf(stderr, "zarrd-bench: out of memory writing %s\n", path);
        return ZD_ENOMEM;
    }
    FILE *f = fopen(path, "w");
    int rc = 0;
    if (!f || fputs(text, f) < 0 || fputc('\n', f) == EOF) rc = ZD_EIO;
    if (f && fclose(f) != 0) rc = ZD_EIO;
    if (rc) fprintf(stderr, "zarrd-bench: cannot write %s\n", path);
    free(text);
    return rc;
}
