/* test_report.c: unit tests for the load report: outcome classes, the JSON document (parsed
 * back and checked field by field) and the SVG chart (well-formed, one curve per operation
 * that ran, one bar per second). */
#include <criterion/criterion.h>

#include "bench_report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zarrd/client.h>

static zb_load_cfg cfg;
static zb_load_result res;
static char path[64];

static void make_result(void)
{
    memset(&cfg, 0, sizeof(cfg));
    cfg.url = "http://127.0.0.1:1";
    cfg.connections = 3;
    cfg.duration_s = 3;
    cfg.keys = 10;
    cfg.value_size = 100;
    cfg.range_size = 10;
    zb_mix_parse("get=3,put=1", &cfg.mix);
    memset(&res, 0, sizeof(res));
    zb_hist_init(&res.all);
    for (int op = 0; op < ZB_OP_COUNT; op++)
        zb_hist_init(&res.per_op[op]);
    for (uint64_t i = 1; i <= 1000; i++) { /* 1..1000 us */
        zb_op op = i % 4 ? ZB_OP_GET : ZB_OP_PUT;
        zb_hist_record(&res.all, i * 1000);
        zb_hist_record(&res.per_op[op], i * 1000);
        res.ops[op]++;
    }
    res.requests = 1000;
    res.outcomes[ZB_OUT_OK] = 990;
    res.outcomes[ZB_OUT_HTTP(404)] = 10;
    snprintf(res.first_error[ZB_OUT_HTTP(404)], ZB_LOAD_ERRMSG, "get no such key");
    res.bytes_in = 75000;
    res.bytes_out = 25000;
    res.elapsed_s = 2.5;
    res.seconds = 5;
    res.shard_chunks = 64;
    res.shard_written = 10;
    res.per_second = calloc(res.seconds, sizeof(*res.per_second));
    res.per_second[0] = 400;
    res.per_second[1] = 400;
    res.per_second[2] = 200;
    snprintf(path, sizeof(path), "/tmp/zb_report_%ld", (long)getpid());
}

static char *slurp(const char *p)
{
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

static void cleanup(void)
{
    unlink(path);
    free(res.per_second);
}

TestSuite(report, .init = make_result, .fini = cleanup);

Test(report, outcome_classes_are_exact_statuses)
{
    cr_assert_eq(zb_load_outcome_of(ZC_OK, 200), ZB_OUT_OK);
    cr_assert_eq(zb_load_outcome_of(ZC_OK, 404), ZB_OUT_OK); /* a 404 the call took as fine */
    cr_assert_eq(zb_load_outcome_of(ZC_ENOTFOUND, 404), ZB_OUT_HTTP(404));
    cr_assert_eq(zb_load_outcome_of(ZC_ECONFLICT, 412), ZB_OUT_HTTP(412));
    cr_assert_eq(zb_load_outcome_of(ZC_ESERVER, 500), ZB_OUT_HTTP(500));
    cr_assert_eq(zb_load_outcome_of(ZC_ESERVER, 503), ZB_OUT_HTTP(503));
    cr_assert_eq(zb_load_outcome_of(ZC_EHTTP, 302), ZB_OUT_HTTP_OTHER);
    cr_assert_eq(zb_load_outcome_of(ZC_ECONNECT, 0), ZB_OUT_CONNECT);
    cr_assert_eq(zb_load_outcome_of(ZC_ETIMEDOUT, 0), ZB_OUT_TIMEOUT);
    cr_assert_eq(zb_load_outcome_of(ZC_ECORRUPT, 200), ZB_OUT_BAD_DATA);
    cr_assert_eq(zb_load_outcome_of(-12345, 0), ZB_OUT_OTHER);
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_HTTP(404)), "404");
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_HTTP(400)), "400");
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_HTTP(503)), "503");
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_HTTP(599)), "599");
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_CONNECT), "connect");
    cr_assert_str_eq(zb_load_outcome_name(ZB_OUT_COUNT), "?");
}

Test(report, json_carries_the_numbers)
{
    cr_assert_eq(zb_report_load_json(path, &cfg, &res), 0);
    cJSON *root = cJSON_Parse(slurp(path));
    cr_assert_not_null(root);
    cr_assert_eq(cJSON_GetObjectItem(root, "requests")->valuedouble, 1000);
    cr_assert_float_eq(cJSON_GetObjectItem(root, "requests_per_s")->valuedouble, 400, 1e-9);
    cr_assert_float_eq(cJSON_GetObjectItem(root, "mb_per_s")->valuedouble, 0.04, 1e-9);
    cJSON *lat = cJSON_GetObjectItem(root, "latency");
    double p50 = cJSON_GetObjectItem(lat, "p50_us")->valuedouble;
    cr_assert(p50 >= 500 && p50 <= 505, "p50 %g", p50);
    cr_assert_float_eq(cJSON_GetObjectItem(lat, "max_us")->valuedouble, 1000, 1e-9);
    cJSON *outs = cJSON_GetObjectItem(root, "outcomes");
    cr_assert_eq(cJSON_GetObjectItem(outs, "ok")->valuedouble, 990);
    cr_assert_eq(cJSON_GetObjectItem(outs, "404")->valuedouble, 10);
    cr_assert_null(cJSON_GetObjectItem(outs, "500"));
    cr_assert_str_eq(
        cJSON_GetObjectItem(cJSON_GetObjectItem(root, "first_errors"), "404")->valuestring,
        "get no such key");
    cJSON *ops = cJSON_GetObjectItem(root, "ops");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(ops, "get"), "count")->valuedouble, 750);
    cr_assert_null(cJSON_GetObjectItem(ops, "patch"));
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(root, "per_second")), 5);
    cJSON *sc = cJSON_GetObjectItem(root, "shard_check");
    cr_assert_eq(cJSON_GetObjectItem(sc, "inner_chunks")->valuedouble, 64);
    cr_assert_eq(cJSON_GetObjectItem(sc, "written")->valuedouble, 10);
    cr_assert_eq(cJSON_GetObjectItem(sc, "wrong")->valuedouble, 0);
    cr_assert_null(cJSON_GetObjectItem(sc, "error"));
    cJSON_Delete(root);
}

Test(report, text_names_failures_and_the_shard_check)
{
    snprintf(res.shard_error, ZB_LOAD_ERRMSG, "reading back: boom");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    zb_report_load_text(f, &cfg, &res);
    fclose(f);
    const char *text = slurp(path);
    cr_assert_not_null(strstr(text, "requests 1000 in 2.50 s: 400.0 req/s"));
    cr_assert_not_null(strstr(text, "outcomes: ok 990 404 10"));
    cr_assert_not_null(strstr(text, "first 404: get no such key"));
    cr_assert_not_null(strstr(text, "shard check FAILED: reading back: boom"));
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(report, svg_has_a_curve_per_operation_and_a_bar_per_second)
{
    cr_assert_eq(zb_report_load_svg(path, &cfg, &res), 0);
    const char *svg = slurp(path);
    cr_assert(strncmp(svg, "<svg ", 5) == 0);
    cr_assert_not_null(strstr(svg, "</svg>\n"));
    cr_assert_eq(count(svg, "<polyline"), 3); /* all, get, put */
    /* elapsed 2.5 s: three bars (the last one scaled from half a second) */
    cr_assert_eq(count(svg, "fill='#1f77b4'"), 3);
    cr_assert_null(strstr(svg, "nan"));
    cr_assert_null(strstr(svg, "inf"));
}

Test(report, unwritable_paths_fail_cleanly)
{
    cr_assert_neq(zb_report_load_json("/nonexistent-dir/x.json", &cfg, &res), 0);
    cr_assert_neq(zb_report_load_svg("/nonexistent-dir/x.svg", &cfg, &res), 0);
}

Test(report, empty_run_still_gives_a_valid_chart)
{
    zb_hist_init(&res.all);
    for (int op = 0; op < ZB_OP_COUNT; op++)
        zb_hist_init(&res.per_op[op]);
    res.requests = 0;
    res.elapsed_s = 0.01;
    memset(res.per_second, 0, res.seconds * sizeof(*res.per_second));
    cr_assert_eq(zb_report_load_svg(path, &cfg, &res), 0);
    const char *svg = slurp(path);
    cr_assert_not_null(strstr(svg, "</svg>\n"));
    cr_assert_eq(count(svg, "<polyline"), 0);
    cr_assert_null(strstr(svg, "nan"));
    cr_assert_null(strstr(svg, "inf"));
}
