/* bench_stats.c: median / min / max of repeated timings (see bench_stats.h). */
#include "bench_stats.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

zb_summary zb_summarize(const double *values, size_t n)
{
    zb_summary s = {0, 0, 0};
    double sorted[ZB_STATS_MAX];
    if (n > ZB_STATS_MAX) n = ZB_STATS_MAX;
    if (n == 0) return s;
    s.min = s.max = values[0];
    for (size_t i = 1; i < n; i++) {
        if (values[i] < s.min) s.min = values[i];
        if (values[i] > s.max) s.max = values[i];
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = values[i];
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return s;
}
