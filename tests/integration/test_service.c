/* test_service.c: the service endpoints under /_zarrd/: health (200) and metrics (200,
 * Prometheus text exposition format, counting the requests made). */
#include <criterion/criterion.h>

#include "zt_fixture.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

TestSuite(service, .init = zt_fixture_start, .fini = zt_fixture_stop, .timeout = 60);

Test(service, health_200)
{
    cr_assert_eq(zt_status("GET", "/_zarrd/health", NULL, NULL, 0), 200);
}

static bool metric_name_char(char c, bool first)
{
    return isalpha((unsigned char)c) || c == '_' || c == ':' ||
           (!first && isdigit((unsigned char)c));
}

/* One sample line: name, optional {labels}, a space, a number (optional timestamp). */
static bool sample_line_ok(const char *line)
{
    const char *p = line;
    if (!metric_name_char(*p, true)) return false;
    while (metric_name_char(*p, false))
        p++;
    if (*p == '{') {
        p = strchr(p, '}');
        if (!p) return false;
        p++;
    }
    if (*p != ' ') return false;
    char *end;
    strtod(p + 1, &end);
    return end != p + 1 && (*end == '\0' || *end == ' ');
}

/* Scrape the metrics (NUL-terminated body) until the PUT made before shows up: a request may
 * be counted when its response has been handed over, a moment after the client saw it. */
static void scrape_after_put(zt_response *r)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        zt_do("GET", "/_zarrd/metrics", NULL, NULL, 0, r);
        cr_assert_eq(r->status, 200);
        cr_assert(zd_buf_append(&r->body, "", 1) == 0);
        if (strstr((char *)r->body.data, "PUT")) return;
        zt_response_free(r);
        nanosleep(&(struct timespec){0, 20 * 1000000L}, NULL);
    }
    cr_assert_fail("the metrics never showed a PUT request count");
}

Test(service, metrics_are_prometheus_text)
{
    zt_put_str("/k", "v");
    zt_expect_value("/k", "v", 1);
    zt_response r;
    scrape_after_put(&r);
    const char *ct = zt_header(&r, "Content-Type");
    cr_assert(ct && strncasecmp(ct, "text/plain", 10) == 0, "Content-Type %s", ct ? ct : "(none)");
    int samples = 0, types = 0;
    for (char *save, *line = strtok_r((char *)r.body.data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "# TYPE ", 7) == 0) types++;
        if (line[0] == '#') continue;
        cr_assert(sample_line_ok(line), "bad sample line: %s", line);
        samples++;
    }
    cr_assert(types > 0, "no # TYPE lines");
    cr_assert(samples > 0, "no samples");
    zt_response_free(&r);
}

Test(service, unknown_service_path_404)
{
    zt_expect_error_for("GET", "/_zarrd/nothing-here", NULL, NULL, 0, 404);
}
