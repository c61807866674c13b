/* test_hist.c: unit tests for the latency histogram: bucket layout, bounded relative error,
 * percentiles against an exact sort, merging, clamping. */
#include <criterion/criterion.h>

#include "bench_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static zb_hist h, h2;

Test(hist, small_values_are_exact)
{
    for (uint64_t v = 0; v < ZB_HIST_SUB; v++) {
        cr_assert_eq(zb_hist_bucket(v), v);
        cr_assert_eq(zb_hist_bucket_high((unsigned)v), v);
    }
}

Test(hist, buckets_are_monotonic_and_cover_their_values)
{
    unsigned prev = 0;
    for (uint64_t v = 1; v < ZB_HIST_MAX_NS; v = v + 1 + v / 97) {
        unsigned b = zb_hist_bucket(v);
        cr_assert(b < ZB_HIST_BUCKETS);
        cr_assert(b >= prev, "bucket of %llu went backwards", (unsigned long long)v);
        cr_assert(zb_hist_bucket_high(b) >= v);
        /* relative error of the reported value is below 1/128 */
        cr_assert((double)(zb_hist_bucket_high(b) - v) <= (double)v / ZB_HIST_SUB);
        prev = b;
    }
    cr_assert(zb_hist_bucket(ZB_HIST_MAX_NS) < ZB_HIST_BUCKETS);
    cr_assert_eq(zb_hist_bucket(UINT64_MAX), zb_hist_bucket(ZB_HIST_MAX_NS));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

Test(hist, percentiles_within_one_percent_of_exact)
{
    enum { N = 100000 };
    static uint64_t vals[N];
    zb_hist_init(&h);
    srand(7);
    for (int i = 0; i < N; i++) {
        /* log-uniform over 1 us .. ~1 s */
        double e = 3.0 + 6.0 * ((double)rand() / RAND_MAX);
        vals[i] = (uint64_t)pow(10.0, e);
        zb_hist_record(&h, vals[i]);
    }
    qsort(vals, N, sizeof(vals[0]), cmp_u64);
    const double ps[] = {1, 50, 90, 99, 99.9, 99.99};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        uint64_t rank = (uint64_t)ceil(ps[i] / 100.0 * N);
        uint64_t exact = vals[rank - 1];
        uint64_t got = zb_hist_percentile(&h, ps[i]);
        cr_assert(got >= exact, "p%g: %llu < exact %llu", ps[i], (unsigned long long)got,
                  (unsigned long long)exact);
        cr_assert((double)(got - exact) <= (double)exact * 0.01, "p%g: %llu vs exact %llu", ps[i],
                  (unsigned long long)got, (unsigned long long)exact);
    }
    cr_assert_eq(zb_hist_percentile(&h, 100), vals[N - 1]);
    cr_assert_eq(zb_hist_percentile(&h, 0), vals[0]);
    cr_assert_eq(h.total, N);
}

Test(hist, empty_histogram_reports_zero)
{
    zb_hist_init(&h);
    cr_assert_eq(zb_hist_percentile(&h, 50), 0);
    cr_assert_eq(zb_hist_mean(&h), 0.0);
}

Test(hist, merge_equals_recording_into_one)
{
    zb_hist_init(&h);
    zb_hist_init(&h2);
    for (uint64_t v = 1000; v < 2000000; v += 997)
        zb_hist_record(v % 2 ? &h : &h2, v);
    zb_hist merged;
    zb_hist_init(&merged);
    zb_hist_merge(&merged, &h);
    zb_hist_merge(&merged, &h2);
    zb_hist one;
    zb_hist_init(&one);
    for (uint64_t v = 1000; v < 2000000; v += 997)
        zb_hist_record(&one, v);
    cr_assert_eq(merged.total, one.total);
    cr_assert_eq(merged.min_ns, one.min_ns);
    cr_assert_eq(merged.max_ns, one.max_ns);
    cr_assert_eq(memcmp(merged.counts, one.counts, sizeof(one.counts)), 0);
    cr_assert_float_eq(zb_hist_mean(&merged), zb_hist_mean(&one), 1e-6);
}

Test(hist, huge_values_are_clamped_and_counted)
{
    zb_hist_init(&h);
    zb_hist_record(&h, 5);
    zb_hist_record(&h, UINT64_MAX);
    cr_assert_eq(h.clamped, 1);
    cr_assert_eq(h.max_ns, ZB_HIST_MAX_NS);
    cr_assert_eq(zb_hist_percentile(&h, 100), ZB_HIST_MAX_NS);
    cr_assert_eq(zb_hist_percentile(&h, 50), 5);
}
