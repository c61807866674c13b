/* bench_report.h: how `load` results leave zarrd-bench: a table on stdout, a JSON document
 * (--json) and an SVG chart of latency percentiles and throughput over time (--plot). */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench_load.h"

#include <stdio.h>

/* The percentiles every report shows. */
#define ZB_REPORT_NPCT 4
extern const double zb_report_pcts[ZB_REPORT_NPCT]; /* 50, 90, 99, 99.9 */

void zb_report_load_text(FILE *f, const zb_load_cfg *cfg, const zb_load_result *res);

/* 0 or ZD_EIO / ZD_ENOMEM (message on stderr). */
int zb_report_load_json(const char *path, const zb_load_cfg *cfg, const zb_load_result *res);

/* Draw the SVG chart. 0 or ZD_EIO. */
int zb_report_load_svg(const char *path, const zb_load_cfg *cfg, const zb_load_result *res);

#endif
