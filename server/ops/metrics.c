/* metrics.c: per-worker request counters and their Prometheus rendering (see metrics.h). */
#include "metrics.h"

#include "shard_budget.h"
#include "shard_bytes.h"

#include "ks_root.h"
#include "shard_stats.h"

#include <llhttp.h>
#include <stddef.h>
#include <stdlib.h>

static _Atomic uint64_t mt_events[MT_EVENTS];

/* Label values of zarrd_errors_total, in mt_event_kind order from MT_EV_ERR_IO. */
static const char *const mt_error_kinds[] = {"io",      "nospace",   "nomem",
                                             "timeout", "malformed", "too_large"};

void mt_event(mt_event_kind ev)
{
    atomic_fetch_add_explicit(&mt_events[ev], 1, memory_order_relaxed);
}

void mt_error_status(int status)
{
    if (status == 500) mt_event(MT_EV_ERR_IO);
    if (status == 503) mt_event(MT_EV_ERR_NOMEM);
    if (status == 507) mt_event(MT_EV_ERR_NOSPACE);
}

static const char *const mt_method_names[MT_METHODS] = {"GET",    "HEAD", "PUT",  "PATCH",
                                                        "DELETE", "POST", "OTHER"};

/* Upper bounds of the latency buckets, seconds (the last is +Inf). */
static const double mt_bounds[MT_BUCKETS - 1] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                 0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                 1,      2.5,     5,      10};

int mt_method_index(int m)
{
    switch (m) {
    case HTTP_GET:
        return MT_GET;
    case HTTP_HEAD:
        return MT_HEAD;
    case HTTP_PUT:
        return MT_PUT;
    case HTTP_PATCH:
        return MT_PATCH;
    case HTTP_DELETE:
        return MT_DELETE;
    case HTTP_POST:
        return MT_POST;
    default:
        return MT_OTHER;
    }
}

void mt_record(mt_worker *m, int method, int status, uint64_t latency_ns, uint64_t in, uint64_t out)
{
    if (status < MT_STATUS_MIN || status >= MT_STATUS_MIN + MT_STATUSES) status = 500;
    mt_add(&m->requests[method][status - MT_STATUS_MIN], 1);
    double s = (double)latency_ns / 1e9;
    int b = 0;
    while (b < MT_BUCKETS - 1 && s > mt_bounds[b])
        b++;
    mt_add(&m->latency_buckets[b], 1);
    mt_add(&m->latency_sum_ns, latency_ns);
    mt_add(&m->latency_count, 1);
    mt_add(&m->bytes_in, in);
    mt_add(&m->bytes_out, out);
}

static uint64_t mt_sum(mt_worker *const *w, int n, size_t offset)
{
    uint64_t t = 0;
    for (int i = 0; i < n; i++)
        t +=
            atomic_load_explicit((_Atomic uint64_t *)((char *)w[i] + offset), memory_order_relaxed);
    return t;
}

#define MT_SUM(field) mt_sum(workers, n, offsetof(mt_worker, field))

int mt_render(zd_buf *out, mt_worker *const *workers, int n)
{
    int rc = zd_buf_append_str(out, "# HELP zarrd_requests_total HTTP requests answered.\n"
                                    "# TYPE zarrd_requests_total counter\n");
    for (int m = 0; m < MT_METHODS && !rc; m++)
        for (int s = 0; s < MT_STATUSES && !rc; s++) {
            uint64_t v = MT_SUM(requests[m][s]);
            if (v)
                rc = zd_buf_appendf(out, "zarrd_requests_total{method=\"%s\",status=\"%d\"} %lu\n",
                                    mt_method_names[m], s + MT_STATUS_MIN, (unsigned long)v);
        }
    if (!rc)
        rc = zd_buf_append_str(out, "# HELP zarrd_request_duration_seconds Time from request start "
                                    "to the last response byte handed to the kernel.\n"
                                    "# TYPE zarrd_request_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < MT_BUCKETS && !rc; b++) {
        cum += MT_SUM(latency_buckets[b]);
        if (b < MT_BUCKETS - 1)
            rc = zd_buf_appendf(out, "zarrd_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                                mt_bounds[b], (unsigned long)cum);
        else
            rc = zd_buf_appendf(out, "zarrd_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
                                (unsigned long)cum);
    }
    if (!rc)
        rc = zd_buf_appendf(
            out,
            "zarrd_request_duration_seconds_sum %.9f\n"
            "zarrd_request_duration_seconds_count %lu\n"
            "# HELP zarrd_received_bytes_total Request bytes received (headers and bodies).\n"
            "# TYPE zarrd_received_bytes_total counter\n"
            "zarrd_received_bytes_total %lu\n"
            "# HELP zarrd_sent_bytes_total Response bytes sent (headers and bodies).\n"
            "# TYPE zarrd_sent_bytes_total counter\n"
            "zarrd_sent_bytes_total %lu\n"
            "# HELP zarrd_open_connections Client connections currently open.\n"
            "# TYPE zarrd_open_connections gauge\n"
            "zarrd_open_connections %ld\n"
            "# HELP zarrd_connections_total Client connections accepted.\n"
            "# TYPE zarrd_connections_total counter\n"
            "zarrd_connections_total %lu\n"
            "# HELP zarrd_connections_refused_total Connections closed unanswered: no memory.\n"
            "# TYPE zarrd_connections_refused_total counter\n"
            "zarrd_connections_refused_total %lu\n"
            "# HELP zarrd_accept_pauses_total Times a listener stopped accepting at "
            "--max-connections.\n"
            "# TYPE zarrd_accept_pauses_total counter\n"
            "zarrd_accept_pauses_total %lu\n"
            "# HELP zarrd_connections_reclaimed_total Idle keep-alive connections closed to make "
            "room at --max-connections.\n"
            "# TYPE zarrd_connections_reclaimed_total counter\n"
            "zarrd_connections_reclaimed_total %lu\n"
            "# HELP zarrd_work_offloaded_total Requests whose work step (a store change that may "
            "block) ran on an I/O thread.\n"
            "# TYPE zarrd_work_offloaded_total counter\n"
            "zarrd_work_offloaded_total %lu\n",
            (double)MT_SUM(latency_sum_ns) / 1e9, (unsigned long)MT_SUM(latency_count),
            (unsigned long)MT_SUM(bytes_in), (unsigned long)MT_SUM(bytes_out),
            (long)MT_SUM(open_connections), (unsigned long)MT_SUM(connections_total),
            (unsigned long)MT_SUM(connections_refused), (unsigned long)MT_SUM(accept_pauses),
            (unsigned long)MT_SUM(connections_reclaimed), (unsigned long)MT_SUM(work_offloaded));
    if (!rc)
        rc = zd_buf_append_str(out, "# HELP zarrd_worker_open_connections Client connections "
                                    "currently open, by event-loop worker.\n"
                                    "# TYPE zarrd_worker_open_connections gauge\n");
    for (int i = 0; i < n && !rc; i++)
        rc = zd_buf_appendf(out, "zarrd_worker_open_connections{worker=\"%d\"} %ld\n", i,
                            (long)atomic_load(&workers[i]->open_connections));
    if (!rc)
        rc = zd_buf_appendf(
            out,
            "# HELP zarrd_fsyncs_total fsync calls made for durability "
            "(store and shard engine).\n"
            "# TYPE zarrd_fsyncs_total counter\n"
            "zarrd_fsyncs_total %lu\n"
            "# HELP zarrd_shard_patches_total Inner chunks stored by shard "
            "requests, by placement.\n"
            "# TYPE zarrd_shard_patches_total counter\n"
            "zarrd_shard_patches_total{placement=\"in_place\"} %lu\n"
            "zarrd_shard_patches_total{placement=\"gap\"} %lu\n"
            "zarrd_shard_patches_total{placement=\"appended\"} %lu\n"
            "# HELP zarrd_shard_compactions_total Shards rewritten without dead "
            "bytes.\n"
            "# TYPE zarrd_shard_compactions_total counter\n"
            "zarrd_shard_compactions_total %lu\n"
            "# HELP zarrd_shard_chunk_reads_total Inner chunks read by shard requests of the fs "
            "store, by where their bytes came from.\n"
            "# TYPE zarrd_shard_chunk_reads_total counter\n"
            "zarrd_shard_chunk_reads_total{from=\"memory\"} %lu\n"
            "zarrd_shard_chunk_reads_total{from=\"file\"} %lu\n"
            "# HELP zarrd_shard_chunk_memory_bytes Memory holding small inner chunks of cached "
            "shards (at most 32 MiB).\n"
            "# TYPE zarrd_shard_chunk_memory_bytes gauge\n"
            "zarrd_shard_chunk_memory_bytes %lu\n"
            "# HELP zarrd_shard_index_memory_bytes Shard index memory reserved by requests and "
            "caches (limit --shard-index-memory).\n"
            "# TYPE zarrd_shard_index_memory_bytes gauge\n"
            "zarrd_shard_index_memory_bytes %lu\n"
            "# HELP zarrd_shard_index_memory_refusals_total Shard requests refused with 503: "
            "the shard index memory was in use.\n"
            "# TYPE zarrd_shard_index_memory_refusals_total counter\n"
            "zarrd_shard_index_memory_refusals_total %lu\n"
            "# HELP zarrd_errors_total Failed requests by cause.\n"
            "# TYPE zarrd_errors_total counter\n",
            (unsigned long)ks_syncs_total(), (unsigned long)sh_stat_get(SH_STAT_IN_PLACE),
            (unsigned long)sh_stat_get(SH_STAT_GAP), (unsigned long)sh_stat_get(SH_STAT_APPENDED),
            (unsigned long)sh_stat_get(SH_STAT_COMPACTIONS),
            (unsigned long)sh_stat_get(SH_STAT_READS_KEPT),
            (unsigned long)sh_stat_get(SH_STAT_READS_FILE), (unsigned long)sh_bytes_held(),
            (unsigned long)sh_budget_used(), (unsigned long)sh_budget_refusals());
    for (int k = MT_EV_ERR_IO; k < MT_EVENTS && !rc; k++)
        rc = zd_buf_appendf(out, "zarrd_errors_total{kind=\"%s\"} %lu\n",
                            mt_error_kinds[k - MT_EV_ERR_IO],
                            (unsigned long)atomic_load(&mt_events[k]));
    return rc;
}
