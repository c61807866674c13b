/* bench_hist.c: log-linear latency histogram (see bench_hist.h for the bucket layout). */
#include "bench_hist.h"

#include <math.h>
#include <string.h>

void zb_hist_init(zb_hist *h)
{
    memset(h, 0, sizeof(*h));
    h->min_ns = UINT64_MAX;
}

unsigned zb_hist_bucket(uint64_t ns)
{
    if (ns > ZB_HIST_MAX_NS) ns = ZB_HIST_MAX_NS;
    if (ns < ZB_HIST_SUB) return (unsigned)ns;
    unsigned top = 63u - (unsigned)__builtin_clzll(ns); /* floor(log2 ns) >= SUB_BITS */
    unsigned shift = top - ZB_HIST_SUB_BITS;
    unsigned sub = (unsigned)(ns >> shift) - ZB_HIST_SUB; /* 0 .. SUB-1 */
    return ZB_HIST_SUB + shift * ZB_HIST_SUB + sub;
}

uint64_t zb_hist_bucket_high(unsigned bucket)
{
    if (bucket < ZB_HIST_SUB) return bucket;
    unsigned shift = (bucket - ZB_HIST_SUB) / ZB_HIST_SUB;
    uint64_t sub = (bucket - ZB_HIST_SUB) % ZB_HIST_SUB;
    uint64_t low = (ZB_HIST_SUB + sub) << shift;
    return low + ((uint64_t)1 << shift) - 1;
}

void zb_hist_record(zb_hist *h, uint64_t ns)
{
    if (ns > ZB_HIST_MAX_NS) {
        ns = ZB_HIST_MAX_NS;
        h->clamped++;
    }
    h->counts[zb_hist_bucket(ns)]++;
    h->total++;
    h->sum_ns += (long double)ns;
    if (ns < h->min_ns) h->min_ns = ns;
    if (ns > h->max_ns) h->max_ns = ns;
}

void zb_hist_merge(zb_hist *dst, const zb_hist *src)
{
    for (unsigned i = 0; i < ZB_HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->clamped += src->clamped;
    dst->sum_ns += src->sum_ns;
    if (src->min_ns < dst->min_ns) dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns) dst->max_ns = src->max_ns;
}

uint64_t zb_hist_percentile(const zb_hist *h, double p)
{
    if (h->total == 0) return 0;
    if (!(p > 0.0)) /* also NaN */
        return h->min_ns;
    if (p >= 100.0) return h->max_ns;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)h->total);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < ZB_HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = zb_hist_bucket_high(i);
            if (v > h->max_ns) v = h->max_ns;
            if (v < h->min_ns) v = h->min_ns;
            return v;
        }
    }
    return h->max_ns;
}

double zb_hist_mean(const zb_hist *h)
{
    return h->total ? (double)(h->sum_ns / (long double)h->total) : 0.0;
}
