/* bench_hist.h: a latency histogram with bounded relative error, HDR-style.
 *
 * Values are nanoseconds. Buckets are log-linear: values below 2^ZB_HIST_SUB_BITS land in
 * exact one-nanosecond buckets; above that, every power-of-two range [2^k, 2^(k+1)) is split
 * into 2^ZB_HIST_SUB_BITS equal sub-buckets, so a bucket's width is at most 1/128 of its lower
 * bound: every reported value is within 0.8% of a recorded one. The range tracked is 0..
 * ZB_HIST_MAX_NS (100 s); larger values are clamped to it and counted in `clamped`.
 * Fixed size (about 30 KiB), no allocation: one per thread, merged at the end. */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define ZB_HIST_SUB_BITS 7
#define ZB_HIST_SUB      (1u << ZB_HIST_SUB_BITS)
#define ZB_HIST_MAX_NS   100000000000ull /* 100 s */
/* 2^36 < 100 s < 2^37: exponents 7..36 each need ZB_HIST_SUB buckets above the exact ones. */
#define ZB_HIST_BUCKETS (ZB_HIST_SUB + (37 - ZB_HIST_SUB_BITS) * ZB_HIST_SUB)

typedef struct zb_hist {
    uint64_t counts[ZB_HIST_BUCKETS];
    uint64_t total;
    uint64_t clamped; /* values above ZB_HIST_MAX_NS, recorded as ZB_HIST_MAX_NS */
    uint64_t min_ns;  /* exact; UINT64_MAX while empty */
    uint64_t max_ns;  /* exact (after clamping) */
    long double sum_ns;
} zb_hist;

/* An empty histogram. */
void zb_hist_init(zb_hist *h);

/* Record one value. */
void zb_hist_record(zb_hist *h, uint64_t ns);

/* Add all of `src` into `dst`. */
void zb_hist_merge(zb_hist *dst, const zb_hist *src);

/* The value at percentile p (0..100): the highest value equivalent to the bucket holding the
 * ceil(p/100 * total)-th smallest recording, never above the exact max. 0 when empty. */
uint64_t zb_hist_percentile(const zb_hist *h, double p);

/* Mean of the recorded values in ns; 0 when empty. */
double zb_hist_mean(const zb_hist *h);

/* Bucket index of a value and the highest value in a bucket (exposed for tests). */
unsigned zb_hist_bucket(uint64_t ns);
uint64_t zb_hist_bucket_high(unsigned bucket);

#endif
