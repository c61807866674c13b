/* bench_stats.h: summary statistics of a benchmark case's repeated timings. */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>

#define ZB_STATS_MAX 1000 /* most values one summary takes (the matrix's --repeats bound) */

typedef struct zb_summary {
    double median, min, max;
} zb_summary;

/* Median (mean of the two middle values for an even count), min and max of the first
 * n values (n is capped at ZB_STATS_MAX; all zero when n is 0). The values are not modified. */
zb_summary zb_summarize(const double *values, size_t n);

#endif
