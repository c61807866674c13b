/* pd_metrics.h: a strict reader of the Prometheus text exposition format (0.0.4), so the
 * production tests can check that /_zarrd/metrics is valid for a real scraper and read the
 * value of any series. Independent of the server's own renderer: a test must not judge the
 * server with the server's code. */
#ifndef PD_METRICS_H
#define PD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "zd_error.h"
#include "zt_http.h"
#include "zt_server.h"

typedef struct pd_sample {
    char *series; /* metric name plus its label set exactly as written, e.g. x{a="1"} */
    char *name;   /* metric name alone */
    double value;
} pd_sample;

typedef struct pd_metrics {
    pd_sample *samples;
    size_t n;
} pd_metrics;

/* Parse a whole exposition. Every line must be a `# HELP`, `# TYPE` or other comment, or a
 * sample `name[{label="value",...}] value [timestamp]`; a TYPE must come before the family's
 * samples and at most once; every series must be unique. 0 or ZD_EINVAL / ZD_ENOMEM, with
 * the offending line in err. */
int pd_metrics_parse(const char *text, size_t len, pd_metrics *m, zd_error *err);

/* GET /_zarrd/metrics on the open connection c (so the scrape is ordered after the requests
 * sent before it on c), check 200 and a text/plain Content-Type, parse the body. */
int pd_metrics_read(zt_conn *c, pd_metrics *m, zd_error *err);

/* The same on a new connection to s. */
int pd_metrics_scrape(const zt_server *s, pd_metrics *m, zd_error *err);

void pd_metrics_free(pd_metrics *m);

/* Value of series (exact text, e.g. zarrd_requests_total{method="GET",status="200"}); false
 * when it is not present. */
bool pd_metric_find(const pd_metrics *m, const char *series, double *value);

/* Value of series, 0 when absent (Prometheus counters that were never incremented). */
double pd_metric(const pd_metrics *m, const char *series);

/* One scrape of s: the value of series, 0 when absent; asserts that the scrape succeeds. */
double pd_metric_scrape(const zt_server *s, const char *series);

/* The value of series on s once it equals want, polling for up to 5 s (a request is counted
 * when its response has been handed to the kernel, a closed connection when the server reads
 * its end: both a moment after the client saw them); the last value read otherwise, or NAN
 * when no scrape succeeded. */
double pd_metric_settled(const zt_server *s, const char *series, double want);

#endif
